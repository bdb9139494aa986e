"""Sorting and order statistics: sort, argsort, partition, argpartition,
median, quantile, percentile, searchsorted.

One primitive, ``argsort`` (compiler/primitives/sorting.py: a stable sort's
permutation, NaN last as NumPy); sorted values are the gather
``take_along_axis(a, argsort(a))``, so their derivative is the same gather
of the tangent.  partition returns the fully sorted array, which is one of
the orders NumPy allows (the kth element in place, no larger one before
it, no smaller one after).  Quantiles interpolate between two gathered
order statistics with NumPy's formula for the 'linear' method.
"""
from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..compiler.primitives import sorting
from ..errors import unsupported
from ..tracer import Tracer, dtype_for_promotion, to_atom, wrap
from .table import implements


def _along(a, axis):
    """``a`` as a Tracer and the axis to sort along (None: flattened)."""
    x = wrap(to_atom(a))
    if axis is None:
        return np.ravel(x), 0
    return x, normalize_axis_index(operator.index(axis), max(x.ndim, 1))


def _argsort(x, axis):
    if x.ndim == 0:
        return np.zeros((), np.int64)
    return wrap(sorting.argsort(to_atom(x), axis))


def _sorted(x, axis):
    if x.ndim == 0:
        return x
    return np.take_along_axis(x, _argsort(x, axis), axis=axis)


@implements(np.argsort)
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    _reject_order("argsort", order)
    return _argsort(*_along(a, axis))


@implements(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    _reject_order("sort", order)
    return _sorted(*_along(a, axis))


@implements(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    _reject_order("partition", order)
    return _sorted(*_along(a, axis))


@implements(np.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    _reject_order("argpartition", order)
    return _argsort(*_along(a, axis))


def _reject_order(name, order):
    if order is not None:
        raise unsupported(f"numpy.{name}(order=...)", "numjac has no structured arrays")


# -- quantiles --------------------------------------------------------------------------

def _lerp(below, above, t):
    """NumPy's linear interpolation: from the nearer end, exact at t = 0 and 1.
    ``t`` is concrete float64: ``1 - t`` is rounded once, to the data's dtype."""
    step = above - below
    dtype = below.dtype
    return np.where(t >= 0.5, above - step * (1 - t).astype(dtype), below + step * t.astype(dtype))


def _order_statistics(x, axis, positions):
    """``sorted(x)[positions]`` along ``axis`` (positions a concrete float
    array of any shape, in [0, n - 1]), moved to the front like NumPy."""
    ordered = np.moveaxis(_sorted(x, axis), axis, 0)
    n = ordered.shape[0]
    below = np.floor(positions).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    t = (positions - below).reshape(positions.shape + (1,) * (ordered.ndim - 1))
    return _lerp(ordered[below], ordered[above], t)


def _quantile(name, a, q, axis, method, keepdims, dtype):
    if method != "linear":
        raise unsupported(f"numpy.{name}(method={method!r})", "only method='linear' is traced")
    if isinstance(q, Tracer):
        raise unsupported(f"numpy.{name} with a traced q",
                          "pass the quantiles as a constant (a NumPy array or list)")
    q = np.asarray(q, dtype=np.float64)
    if np.any((q < 0) | (q > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    x = wrap(to_atom(a)).astype(dtype)
    axes = _quantile_axes(axis, x.ndim)
    flat = _grouped(x, axes)
    result = _order_statistics(flat, flat.ndim - 1, q * (flat.shape[-1] - 1))
    has_nan = np.any(np.isnan(flat), axis=-1)
    result = np.where(has_nan, np.nan, result)
    if keepdims:
        kept = tuple(1 if d in axes else n for d, n in enumerate(x.shape))
        result = np.reshape(result, q.shape + kept)
    return result


def _quantile_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(normalize_axis_index(operator.index(a), ndim) for a in axes)


def _grouped(x, axes):
    """The axes reduced over moved to the end and merged into one."""
    rest = [d for d in range(x.ndim) if d not in axes]
    moved = np.transpose(x, rest + list(axes))
    return np.reshape(moved, tuple(x.shape[d] for d in rest) + (-1,))


@implements(np.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    _reject_extras("quantile", out, weights, interpolation)
    return _quantile("quantile", a, q, axis, method, keepdims, _result_dtype(a, q))


@implements(np.percentile)
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    _reject_extras("percentile", out, weights, interpolation)
    if isinstance(q, Tracer):
        raise unsupported("numpy.percentile with a traced q",
                          "pass the percentiles as a constant (a NumPy array or list)")
    return _quantile("percentile", a, np.true_divide(q, 100), axis, method, keepdims,
                     _result_dtype(a, q))


@implements(np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _reject_extras("median", out, None, None)
    return _quantile("median", a, 0.5, axis, "linear", keepdims, _result_dtype(a, 0.5))


def _result_dtype(a, q):
    """NumPy's: the data's and q's dtypes promoted (a Python float q weak),
    so float32 data with a scalar q gives float32, with a list float64.
    Integer data with an integer q (NumPy interpolates in the integers,
    wrapping) gives float64 here."""
    if isinstance(q, Tracer):
        q = dtype_for_promotion(q)
    elif not isinstance(q, (int, float)):
        q = np.asarray(q)
    dtype = np.result_type(dtype_for_promotion(a), q)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def _reject_extras(name, out, weights, interpolation):
    for arg, value in (("out", out), ("weights", weights), ("interpolation", interpolation)):
        if value is not None:
            raise unsupported(f"numpy.{name}({arg}=...)")


# -- searchsorted -------------------------------------------------------------------------

@implements(np.searchsorted)
def searchsorted(a, v, side="left", sorter=None):
    """The count of elements of ``a`` before each ``v`` (a comparison per
    pair: O(len(a) len(v)), but with every transform and no data-dependent
    loop)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if sorter is not None:
        a = np.take(a, sorter)
    a = wrap(to_atom(a))
    if a.ndim != 1:
        raise ValueError("object too deep for desired array")
    v = wrap(to_atom(v))[..., None]
    return np.sum(_sorts_before(a, v, side), axis=-1).astype(np.int64)


def _sorts_before(a, v, side):
    """Whether ``a``'s elements go before ``v`` in NumPy's order, where NaN
    sorts after every number (and, on the right side, after NaN too)."""
    if side == "left":
        before = np.less(a, v)
        return before | (np.isnan(v) & ~np.isnan(a)) if _is_inexact(a, v) else before
    before = np.less_equal(a, v)
    return before | np.isnan(v) if _is_inexact(a, v) else before


def _is_inexact(*arrays):
    return any(np.issubdtype(x.dtype, np.inexact) for x in arrays)
