"""Shared test helpers (see DESIGN.md "Testing helpers")."""
from __future__ import annotations

import textwrap

import numpy as np

import numjac as nj
from numjac.compiler.typecheck import typecheck


def assert_ir(f, args, expected_text: str):
    """The dump of ``nj.make_ir(f)(*args)`` is exactly ``expected_text``
    (dedented, surrounding blank lines ignored), and the IR typechecks."""
    ir = nj.make_ir(f)(*args)
    typecheck(ir)
    expected = textwrap.dedent(expected_text).strip("\n")
    got = str(ir)
    assert got == expected, f"IR dump differs.\n--- expected\n{expected}\n--- got\n{got}"
