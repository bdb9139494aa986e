"""Array creation inside traced functions: calls no NumPy protocol reaches,
replaced while a thread traces (``replacements.replaced_while_tracing``).

- ``np.zeros``, ``np.ones``, ``np.empty``, ``np.full`` take no array, and
  ``np.array`` of a NumPy array sees no Tracer: called from the user's
  code they return traced arrays (with known values), which the function
  may then write into (a NumPy array cannot hold traced values).  Called
  from NumPy's, SciPy's or numjac's own code they stay NumPy's.
  (``np.zeros_like`` & co and ``np.copy`` are not replaced: Numba, which
  may load its implementations while a thread traces, keys them by the
  function objects; given a Tracer they reach the tracer anyway.)
- ``np.array`` and ``np.asarray`` of (nested) lists holding Tracers stack
  them, as NumPy would stack numbers; of a Tracer, ``np.array`` copies it
  and ``np.asarray`` returns it.
"""
from __future__ import annotations

import operator
import sys

import numpy as np

from ..compiler.primitives.base import broadcast_to
from ..replacements import replaced_while_tracing
from ..tracer import Tracer, checked_dtype, dtype_for_promotion, to_atom, wrap
from .known import all_known, concrete, known_tracer, with_known

_LIBRARIES = ("numpy", "scipy", "numba", "numjac")


def _called_from_library(depth: int = 3) -> bool:
    """Whether the replaced function was called by library code (``depth``
    frames up: this helper, the handler, the dispatcher, then the caller)."""
    module = sys._getframe(depth).f_globals.get("__name__", "")
    return module.split(".")[0] in _LIBRARIES


def _shape_tuple(shape) -> tuple:
    if isinstance(shape, (tuple, list)):
        return tuple(operator.index(n) for n in shape)
    return (operator.index(shape),)


def _filled(name, shape, fill_value, dtype):
    if dtype is None:
        dtype = np.result_type(dtype_for_promotion(fill_value))
    dtype = checked_dtype(dtype, f"numpy.{name}")
    shape = _shape_tuple(shape)
    filled = wrap(broadcast_to(to_atom(fill_value, dtype), shape))
    if isinstance(fill_value, Tracer) and fill_value.known is None:
        return filled
    return with_known(filled, np.full(shape, concrete(fill_value), dtype))


def _replace_filled(name, fill_value):
    @replaced_while_tracing(np, name)
    def filled(original, shape, dtype=float, order="C", **kwargs):
        if _called_from_library() or kwargs.get("like") is not None:
            return original(shape, dtype, order, **kwargs)
        return _filled(name, shape, fill_value, dtype)


for _name, _value in (("zeros", 0), ("ones", 1), ("empty", 0)):
    _replace_filled(_name, _value)   # np.empty's contents are undefined: zeros will do


@replaced_while_tracing(np, "full")
def _full(original, shape, fill_value, dtype=None, order="C", **kwargs):
    if (_called_from_library() and not isinstance(fill_value, Tracer)) \
            or kwargs.get("like") is not None:
        return original(shape, fill_value, dtype, order, **kwargs)
    return _filled("full", shape, fill_value, dtype)


# -- np.array, np.asarray ------------------------------------------------------------

def holds_tracer(obj) -> bool:
    if isinstance(obj, Tracer):
        return True
    return isinstance(obj, (list, tuple)) and any(holds_tracer(o) for o in obj)


def stacked(obj):
    """A Tracer for a (nested) list of Tracers and numbers, or ``obj``."""
    if not isinstance(obj, (list, tuple)):
        return obj
    items = [stacked(o) for o in obj]
    if not any(isinstance(i, Tracer) for i in items):
        return np.array(items)
    return np.stack(items)


def _library_reads_known(obj) -> bool:
    """Whether NumPy's or SciPy's code converts known values (it gets their
    NumPy arrays, which it may compute on)."""
    return all_known(obj) and _called_from_library(depth=4)


@replaced_while_tracing(np, "array")
def _array(original, obj, dtype=None, *, copy=True, **kwargs):
    if isinstance(obj, np.ndarray) and copy is not False and not _called_from_library():
        # The user's copy of a NumPy array (a closed-over one): it may be written.
        return known_tracer(original(obj, dtype, copy=True, **kwargs))
    if not holds_tracer(obj) or _library_reads_known(obj):
        return original(concrete(obj), dtype, copy=copy, **kwargs)
    result = stacked(obj)
    if dtype is not None:
        return result.astype(dtype)
    return np.copy(result) if result is obj and copy is not False else result


@replaced_while_tracing(np, "asarray")
def _asarray(original, a, dtype=None, *args, **kwargs):
    if not holds_tracer(a) or _library_reads_known(a):
        return original(concrete(a), dtype, *args, **kwargs)
    result = stacked(a)
    if dtype is not None and np.dtype(dtype) != result.dtype:
        return result.astype(dtype)
    return result
