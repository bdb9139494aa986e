"""Where in the user's code a traced operation runs, for error messages:
the innermost frame outside numjac and NumPy, and what it was calling."""
from __future__ import annotations

import linecache
import os
import re
import sys

from . import compiler, runtime

# numjac's own source directories, which user_location looks past.
_OWN_DIRS = tuple(os.path.dirname(os.path.abspath(path)) + os.sep
                  for path in (compiler.__file__, runtime.__file__, __file__))

# math functions whose NumPy or SciPy counterpart has another name.
_MATH_COUNTERPARTS = {
    "asin": "np.arcsin", "acos": "np.arccos", "atan": "np.arctan", "atan2": "np.arctan2",
    "asinh": "np.arcsinh", "acosh": "np.arccosh", "atanh": "np.arctanh", "pow": "np.power",
    "fabs": "np.abs", "fsum": "np.sum", "erf": "scipy.special.erf",
    "erfc": "scipy.special.erfc", "gamma": "scipy.special.gamma",
    "lgamma": "scipy.special.gammaln"}


def user_location() -> str:
    """file:line of the innermost stack frame outside numjac and NumPy."""
    frame = _user_frame()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "<unknown>"


def _user_frame():
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith(_OWN_DIRS) and f"{os.sep}numpy{os.sep}" not in path:
            return frame
        frame = frame.f_back
    return None


def _running_call(frame) -> str:
    """The source of the expression ``frame`` is evaluating (its line when
    the position is not known)."""
    code, line = frame.f_code, linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    positions = list(code.co_positions())
    start, end, column, end_column = positions[frame.f_lasti // 2]
    if start == end == frame.f_lineno and column is not None:
        return line[column:end_column]
    return line


def math_advice() -> str:
    """For ``math.f(traced)`` in the user's code: what to use instead.
    (math's functions are C code that calls float(); the source says which.)"""
    frame = _user_frame()
    match = re.search(r"\bmath\.(\w+)\s*\(", _running_call(frame)) if frame else None
    if not match:
        return ""
    name = match.group(1)
    return (f" math.{name} computes on Python floats; for a traced value use "
            f"{_MATH_COUNTERPARTS.get(name, 'np.' + name)} instead.")
