"""What of a call's arguments selects a staged entry.

``leaf_spec`` is the staging cache's view of one argument leaf: an array
type for traced leaves (arrays, NumPy scalars, Python scalars traced as 0-d
values), the value itself for static ones.  ``fast_signature`` is the fast
call path's cheaper key of positional arguments, and ``converting_scalars``
wraps a fast-path runner to pass Python and NumPy scalars as the 0-d arrays
the kernel takes.
"""
from __future__ import annotations

import numpy as np

from .inputs import fits_int64
from .compiler.ir import AType
from .tracer import Tracer, checked_dtype

_PYTHON_SCALAR_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64),
                         float: np.dtype(np.float64)}


# -- leaf specs: what of an argument leaf the cache key sees -------------------

def leaf_spec(leaf, static: bool, index=None):
    """("array", AType) for traced leaves, ("value", leaf) for static ones."""
    if isinstance(leaf, Tracer):
        return ("array", leaf.type)
    where = "an argument" if index is None else f"argument leaf {index} (flattened)"
    if isinstance(leaf, np.ndarray):
        return ("array", AType(checked_dtype(leaf.dtype, where), leaf.shape))
    if isinstance(leaf, np.generic):
        return ("array", AType(checked_dtype(leaf.dtype, where), ()))
    if type(leaf) in _PYTHON_SCALAR_DTYPES and not static and _fits_traced_scalar(leaf):
        return ("scalar", AType(_PYTHON_SCALAR_DTYPES[type(leaf)], ()))
    try:
        hash(leaf)
    except TypeError:
        raise TypeError(f"argument leaf of type {type(leaf).__name__} is neither an "
                        "array nor hashable, so it cannot be part of the cache key") from None
    return ("value", leaf)


def _fits_traced_scalar(leaf) -> bool:
    """A Python int beyond int64 stays a static value: computed on as
    NumPy would (exactly in float arithmetic, OverflowError with integers)."""
    return type(leaf) is not int or fits_int64(leaf)


def is_dynamic(spec) -> bool:
    return spec[0] != "value"


# Scalars the fast path takes (as 0-d arrays), keyed by class alone: Python's
# and NumPy's numeric ones (a NumPy scalar's class fixes its dtype and shape;
# reading them took 0.1 us a call).
_NUMPY_NUMERIC_SCALARS = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                          np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                          np.float64)
FAST_SCALARS = frozenset(_PYTHON_SCALAR_DTYPES) | frozenset(_NUMPY_NUMERIC_SCALARS)


def fast_signature(args):
    """The fast path's key of positional arguments: the class of a numeric
    scalar, the class, dtype and shape of an array or other NumPy scalar (of
    the one argument, or a tuple of them)."""
    keys = [a.__class__ if a.__class__ in FAST_SCALARS else (a.__class__, a.dtype, a.shape)
            for a in args]
    return keys[0] if len(keys) == 1 else tuple(keys)


def converting_scalars(run, positions, dtypes):
    """``run`` given the scalar arguments at ``positions`` as 0-d arrays of
    the kernel's ``dtypes``; an int beyond int64 (a static value, staged
    apart) takes the full call."""
    conversions = tuple(zip(positions, dtypes))

    def run_converted(args, caller):
        arrays = list(args)
        try:
            for i, dtype in conversions:
                arrays[i] = np.array(args[i], dtype)    # np.asarray took 0.08 us longer
        except OverflowError:
            return caller.call_staged(args, {})
        return run(arrays, caller)
    return run_converted
