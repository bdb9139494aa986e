"""Shared test helpers (see DESIGN.md "Testing helpers")."""
from __future__ import annotations

import numpy as np
