"""``NUMJAC_LOG=info`` (or debug, warning, error) shows numjac's log on
stderr without code: what is staged and compiled, for which signature, how
long it took, and cache hits and misses.  In code, configure the standard
``logging`` logger "numjac" instead.

A compile logs (runtime/background.py) a line when it starts (the kernel's
equations and source lines, blocking or in the background, the expected
time), "still compiling" every 10 s while it runs, and one when it ends; a
kernel expected to take 10 s or more also logs a WARNING naming the loop
primitives that would shrink it (shown even without NUMJAC_LOG: Python
prints unhandled warnings on stderr)."""
from __future__ import annotations

import logging
import os
import sys
import warnings

HANDLER_NAME = "NUMJAC_LOG"


def configure_from_environment(environ=os.environ):
    """Attach a stderr handler to the "numjac" logger at the level
    ``NUMJAC_LOG`` names (once); returns it, or None if the variable is unset."""
    value = environ.get("NUMJAC_LOG", "").strip()
    if not value:
        return None
    level = logging.getLevelName(value.upper())
    if not isinstance(level, int):
        warnings.warn(f"NUMJAC_LOG={value!r} is not a logging level (use debug, info, "
                      "warning or error); ignoring it", stacklevel=2)
        return None
    logger = logging.getLogger("numjac")
    handler = next((h for h in logger.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
    return handler
