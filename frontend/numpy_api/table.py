"""The coverage table: NumPy callables -> handlers that trace them.

``HANDLERS`` maps each supported NumPy function or ufunc to a handler with
NumPy's signature that takes Tracers (and arrays, scalars) and returns
Tracers.  Anything not in the table raises ``UnsupportedOperationError``
naming the function.  Family modules register with ``@implements``.
"""
from __future__ import annotations

import sys

import numpy as np

from ..errors import unsupported
from ..replacements import run_before_trace_hooks

HANDLERS: dict = {}
# Names for callables whose own name is an alias (scipy.special.digamma is
# the ufunc named psi), filled by the family modules.
DISPLAY_NAMES: dict = {}


def implements(*numpy_callables):
    def register(handler):
        for fn in numpy_callables:
            HANDLERS[fn] = handler
        return handler
    return register


def numpy_name(fn) -> str:
    """Where users find ``fn``: numpy.X, numpy.linalg.X, scipy.special.X."""
    if fn in DISPLAY_NAMES:
        return DISPLAY_NAMES[fn]
    name = getattr(fn, "__name__", repr(fn))
    module = getattr(fn, "__module__", None) or _ufunc_module(fn, name)
    public = [part for part in module.split(".") if not part.startswith("_")]
    return ".".join(public + [name])


def _ufunc_module(fn, name) -> str:
    # SciPy's ufuncs have no __module__; they are in scipy.special._ufuncs
    # (public parts: scipy.special), imported if in use.
    special = sys.modules.get("scipy.special._ufuncs")
    if getattr(np, name, None) is not fn and getattr(special, name, None) is fn:
        return "scipy.special._ufuncs"
    return "numpy"


def dispatch_function(func, args, kwargs):
    handler = HANDLERS.get(func) or _late_handler(func)
    if handler is None:
        raise unsupported(numpy_name(func))
    return handler(*args, **kwargs)


def _late_handler(fn):
    """The handler of ``fn`` filed by a library's handlers registered only
    now (its module was imported during the trace: frontend/scipy_api), or None."""
    run_before_trace_hooks()
    return HANDLERS.get(fn)


# ufunc.reduce calls that are the same as a NumPy reduction function.
_UFUNC_REDUCTIONS = {np.add: np.sum, np.multiply: np.prod,
                     np.maximum: np.max, np.minimum: np.min}


def dispatch_ufunc(ufunc, method, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise unsupported(f"{numpy_name(ufunc)}(out=...)",
                          "traced arrays are immutable; use the returned value")
    kwargs.pop("out", None)
    if method == "__call__" and (ufunc in HANDLERS or _late_handler(ufunc)):
        return HANDLERS[ufunc](*inputs, **kwargs)
    if method == "reduce" and ufunc in _UFUNC_REDUCTIONS:
        kwargs.setdefault("axis", 0)
        return _UFUNC_REDUCTIONS[ufunc](*inputs, **kwargs)
    suffix = "" if method == "__call__" else f".{method}"
    raise unsupported(f"{numpy_name(ufunc)}{suffix}")
