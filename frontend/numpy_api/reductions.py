"""Reductions and their relatives: sum, prod, mean, var, std, max, min,
argmax, argmin, cumsum, cumprod, any, all, clip, where, the ``*_like``
constructors and ``linalg.norm``.

Accumulator and result dtypes are asked of NumPy itself on a one-element
array (``result_dtype``), so int32 sums to int64 and integer means to
float64 exactly as NumPy does on this platform.  mean, var, std, clip and
norm are compositions of primitives.
"""
from __future__ import annotations

import functools
import math
import operator

import numpy as np

from ..compiler.ir import Lit, is_float
from ..compiler.primitives import elementwise as E
from ..compiler.primitives import reductions as R
from ..compiler.primitives.structural import broadcast_to, convert, reshape
from ..errors import unsupported
from ..tracer import Tracer, checked_dtype, to_atom, wrap
from .table import implements
from .ufuncs import root_of_squares

# Marks an argument the caller did not pass (NumPy uses its private _NoValue).
_MISSING = object()

# NumPy's default for each argument numjac accepts only at its default.
_DEFAULTS = {"out": None, "initial": None, "where": True, "mean": None}
_REASONS = {
    "out": "traced arrays are immutable; use the returned value",
    "initial": "combine the initial value with the result explicitly",
    "where": "mask the input with np.where(mask, x, identity) instead",
    "mean": "numjac computes the mean itself",
}


def reject_unsupported(name, **given):
    """Raise for an argument given a value other than NumPy's default."""
    for arg, value in given.items():
        if value is not _DEFAULTS[arg]:
            raise unsupported(f"numpy.{name}({arg}=...)", _REASONS[arg])


# -- axes, keepdims and dtypes ------------------------------------------------

def _axis_index(axis, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def normalize_axes(axis, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple of ints, negative ones counting from
    the end) as non-negative ints, in the order given."""
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(_axis_index(a, ndim) for a in items)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    return axes


def _ufunc_reduction_axes(axis, ndim: int) -> tuple:
    """As ``normalize_axes``; like ufunc.reduce, a 0-d array also accepts a
    plain axis 0 or -1 (and is returned as it is)."""
    if ndim == 0 and axis is not None and not isinstance(axis, tuple):
        _axis_index(axis, 1)
        return ()
    return normalize_axes(axis, ndim)


def _flattened_along(x, axis):
    """The operand and axis of arg-reductions and scans: NumPy flattens for
    ``axis=None`` and treats a 0-d array as one element along axis 0 / -1."""
    if axis is not None and x.type.ndim:
        return x, _axis_index(axis, x.type.ndim)
    if axis is not None:
        _axis_index(axis, 1)
    return reshape(x, (x.type.size,)), 0


def _with_kept_dims(y, shape, axes, keepdims):
    if not keepdims:
        return y
    return reshape(y, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _requested(name, dtype):
    return None if dtype is None else checked_dtype(dtype, f"numpy.{name}(dtype=...)")


@functools.lru_cache(maxsize=None)
def result_dtype(numpy_fn, dtype, requested=None):
    """The dtype ``numpy_fn`` returns for input of ``dtype``, asked of NumPy."""
    return numpy_fn(np.ones(1, dtype), dtype=requested).dtype


def promoted_dtype(*operands):
    """NumPy 2 promotion as np.where and np.clip do it: Python scalars weak."""
    return np.result_type(*(_promotion_operand(x) for x in operands))


def _promotion_operand(x):
    if isinstance(x, Tracer):
        return x.dtype
    if isinstance(x, (bool, int, float)):
        return x
    return np.asarray(x).dtype


def _reduce_or_fill(op, x, axes, fill):
    """``op(x, axes)``, or ``fill`` where the reduced axes hold no elements
    (the identity of any/all, the ``initial=0`` of norm's max)."""
    if all(x.type.shape[a] for a in axes):
        return op(x, axes)
    shape = tuple(n for i, n in enumerate(x.type.shape) if i not in axes)
    return broadcast_to(Lit(fill, x.type.dtype), shape)


# -- sum, prod, max, min, any, all ----------------------------------------------

def _reduce(op, x, axis, keepdims):
    axes = _ufunc_reduction_axes(axis, x.type.ndim)
    return wrap(_with_kept_dims(op(x, axes), x.type.shape, axes, keepdims))


def _accumulate(numpy_fn, op, a, axis, dtype, keepdims):
    """sum and prod: convert to NumPy's accumulator dtype, then reduce."""
    x = to_atom(a)
    x = convert(x, result_dtype(numpy_fn, x.type.dtype, _requested(numpy_fn.__name__, dtype)))
    return _reduce(op, x, axis, keepdims)


@implements(np.sum)
def sum_(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    reject_unsupported("sum", out=out, initial=initial, where=where)
    return _accumulate(np.sum, R.reduce_sum, a, axis, dtype, keepdims)


@implements(np.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    reject_unsupported("prod", out=out, initial=initial, where=where)
    return _accumulate(np.prod, R.reduce_prod, a, axis, dtype, keepdims)


@implements(np.max, np.amax)
def max_(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    reject_unsupported("max", out=out, initial=initial, where=where)
    return _reduce(R.reduce_max, to_atom(a), axis, keepdims)


@implements(np.min, np.amin)
def min_(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    reject_unsupported("min", out=out, initial=initial, where=where)
    return _reduce(R.reduce_min, to_atom(a), axis, keepdims)


def _any(x, axes):
    return _reduce_or_fill(R.reduce_max, x, axes, False)


def _all(x, axes):
    return _reduce_or_fill(R.reduce_min, x, axes, True)


@implements(np.any)
def any_(a, axis=None, out=None, keepdims=False, *, where=True):
    reject_unsupported("any", out=out, where=where)
    return _reduce(_any, convert(to_atom(a), np.bool_), axis, keepdims)


@implements(np.all)
def all_(a, axis=None, out=None, keepdims=False, *, where=True):
    reject_unsupported("all", out=out, where=where)
    return _reduce(_all, convert(to_atom(a), np.bool_), axis, keepdims)


# -- argmax, argmin, cumsum, cumprod --------------------------------------------

def _arg_extremum(op, a, axis, keepdims):
    x = to_atom(a)
    operand, along = _flattened_along(x, axis)
    axes = tuple(range(x.type.ndim)) if axis is None else (along,)
    return wrap(_with_kept_dims(op(operand, along), x.type.shape, axes, keepdims))


@implements(np.argmax)
def argmax(a, axis=None, out=None, *, keepdims=False):
    reject_unsupported("argmax", out=out)
    return _arg_extremum(R.argmax, a, axis, keepdims)


@implements(np.argmin)
def argmin(a, axis=None, out=None, *, keepdims=False):
    reject_unsupported("argmin", out=out)
    return _arg_extremum(R.argmin, a, axis, keepdims)


def _scan(numpy_fn, op, a, axis, dtype):
    x = to_atom(a)
    x = convert(x, result_dtype(numpy_fn, x.type.dtype, _requested(numpy_fn.__name__, dtype)))
    return wrap(op(*_flattened_along(x, axis)))


@implements(np.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    reject_unsupported("cumsum", out=out)
    return _scan(np.cumsum, R.cumsum, a, axis, dtype)


@implements(np.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    reject_unsupported("cumprod", out=out)
    return _scan(np.cumprod, R.cumprod, a, axis, dtype)


# -- mean, var, std -------------------------------------------------------------

def _accumulator(dtype, requested, widen_half):
    """The dtype NumPy's mean and var sum in: the requested one, else float64
    for bool and integers (and float32 for float16 in mean)."""
    if requested is not None:
        return requested
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if widen_half and dtype == np.float16:
        return np.dtype(np.float32)
    return dtype


def _mean(x, axes, acc):
    count = math.prod(x.type.shape[a] for a in axes)
    return E.div(R.reduce_sum(convert(x, acc), axes), count)


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    reject_unsupported("mean", out=out, where=where)
    x = to_atom(a)
    axes = normalize_axes(axis, x.type.ndim)
    requested = _requested("mean", dtype)
    average = _mean(x, axes, _accumulator(x.type.dtype, requested, widen_half=True))
    average = convert(average, result_dtype(np.mean, x.type.dtype, requested))
    return wrap(_with_kept_dims(average, x.type.shape, axes, keepdims))


def _static_number(value):
    """A Python number; a traced Python scalar makes jit specialize on it."""
    return float(value) if isinstance(value, Tracer) else value


def _degrees_of_freedom(ddof, correction):
    ddof = _static_number(ddof)
    if correction is _MISSING:
        return ddof
    if ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    return _static_number(correction)


def _variance(numpy_fn, a, axis, dtype, ddof, keepdims, finish):
    """var and std: the mean of squared deviations (NumPy's two-pass formula)
    divided by ``n - ddof``, then ``finish`` (identity or sqrt)."""
    x = to_atom(a)
    axes = normalize_axes(axis, x.type.ndim)
    requested = _requested(numpy_fn.__name__, dtype)
    acc = _accumulator(x.type.dtype, requested, widen_half=False)
    centered_dtype = np.result_type(x.type.dtype, acc)
    average = R.expand_reduced(_mean(x, axes, acc), x, axes)
    deviation = E.sub(convert(x, centered_dtype), convert(average, centered_dtype))
    squares = R.reduce_sum(convert(E.mul(deviation, deviation), acc), axes)
    count = math.prod(x.type.shape[a] for a in axes)
    spread = finish(E.div(squares, max(count - ddof, 0)))
    spread = convert(spread, result_dtype(numpy_fn, x.type.dtype, requested))
    return wrap(_with_kept_dims(spread, x.type.shape, axes, keepdims))


def _as_is(x):
    return x


@implements(np.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
        mean=None, correction=_MISSING):
    reject_unsupported("var", out=out, where=where, mean=mean)
    ddof = _degrees_of_freedom(ddof, correction)
    return _variance(np.var, a, axis, dtype, ddof, keepdims, _as_is)


@implements(np.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
        mean=None, correction=_MISSING):
    reject_unsupported("std", out=out, where=where, mean=mean)
    ddof = _degrees_of_freedom(ddof, correction)
    return _variance(np.std, a, axis, dtype, ddof, keepdims, root_of_squares)


# -- clip, where ------------------------------------------------------------------

def _clip_bounds(a_min, a_max, min, max):
    """NumPy's rules for the positional bounds and their min=/max= aliases."""
    if a_min is _MISSING and a_max is _MISSING:
        return (None if min is _MISSING else min), (None if max is _MISSING else max)
    if a_min is _MISSING or a_max is _MISSING:
        raise TypeError("clip() missing 1 required positional argument: "
                        f"'{'a_min' if a_min is _MISSING else 'a_max'}'")
    if min is not _MISSING or max is not _MISSING:
        raise ValueError("Passing `min` or `max` keyword argument when `a_min` and "
                         "`a_max` are provided is forbidden.")
    return a_min, a_max


def _drop_unreachable_int_bounds(dtype, lower, upper):
    """As NumPy: a Python-int bound beyond an integer dtype's range is no bound."""
    if dtype.kind not in "iu":
        return lower, upper
    info = np.iinfo(dtype)
    if type(lower) is int and lower <= info.min:
        lower = None
    if type(upper) is int and upper >= info.max:
        upper = None
    return lower, upper


@implements(np.clip)
def clip(a, a_min=_MISSING, a_max=_MISSING, out=None, *, min=_MISSING, max=_MISSING,
         **kwargs):
    reject_unsupported("clip", out=out)
    if kwargs:
        raise unsupported(f"numpy.clip({', '.join(kwargs)}=...)")
    lower, upper = _clip_bounds(a_min, a_max, min, max)
    lower, upper = _drop_unreachable_int_bounds(promoted_dtype(a), lower, upper)
    bounds = [b for b in (lower, upper) if b is not None]
    dtype = promoted_dtype(a, *bounds)
    clipped = to_atom(a, dtype)
    if lower is not None:
        clipped = E.max(clipped, to_atom(lower, dtype))
    if upper is not None:
        clipped = E.min(clipped, to_atom(upper, dtype))
    return wrap(clipped)


@implements(np.where)
def where(condition, x=_MISSING, y=_MISSING):
    if x is _MISSING and y is _MISSING:
        raise unsupported("numpy.where(condition) with one argument",
                          "its output shape depends on the values; "
                          "use the three-argument np.where(condition, x, y)")
    if x is _MISSING or y is _MISSING:
        raise ValueError("either both or neither of x and y should be given")
    dtype = promoted_dtype(x, y)
    chosen = E.select(convert(to_atom(condition), np.bool_), to_atom(x, dtype), to_atom(y, dtype))
    return wrap(chosen)


# -- zeros_like, ones_like, empty_like, full_like ----------------------------------

def _filled_like(name, a, fill_value, dtype, shape, device):
    """An array of ``fill_value`` with the dtype and shape of ``a`` (or the
    overrides); ``order`` and ``subok`` do not change values, so are accepted."""
    if device not in (None, "cpu"):
        raise unsupported(f"numpy.{name}(device={device!r})")
    like = a if isinstance(a, Tracer) else np.asarray(a)
    dtype = checked_dtype(like.dtype if dtype is None else dtype, f"numpy.{name}")
    if shape is None:
        shape = like.shape
    elif not isinstance(shape, (tuple, list)):
        shape = (shape,)
    shape = tuple(operator.index(n) for n in shape)
    return wrap(broadcast_to(to_atom(fill_value, dtype), shape))


@implements(np.zeros_like)
def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _filled_like("zeros_like", a, 0, dtype, shape, device)


@implements(np.ones_like)
def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _filled_like("ones_like", a, 1, dtype, shape, device)


@implements(np.empty_like)
def empty_like(prototype, dtype=None, order="K", subok=True, shape=None, *, device=None):
    # NumPy leaves the contents undefined; zeros are one possible content.
    return _filled_like("empty_like", prototype, 0, dtype, shape, device)


@implements(np.full_like)
def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _filled_like("full_like", a, fill_value, dtype, shape, device)


# -- linalg.norm --------------------------------------------------------------------

def _euclidean(x, axes):
    return root_of_squares(R.reduce_sum(E.mul(x, x), axes))


def _vector_norm(x, axes, ord):
    if ord is None or ord == 2:
        return _euclidean(x, axes)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    magnitude = E.abs(x)
    if ord == np.inf:
        return _reduce_or_fill(R.reduce_max, magnitude, axes, 0)
    if ord == -np.inf:
        return R.reduce_min(magnitude, axes)
    if ord == 0:
        return R.reduce_sum(convert(E.ne(x, 0), x.type.dtype), axes)
    if ord == 1:
        return R.reduce_sum(magnitude, axes)
    total = R.reduce_sum(E.pow(magnitude, ord), axes)
    exponent = np.reciprocal(ord, dtype=x.type.dtype).item()
    if ord < 0:
        return E.pow(total, exponent)
    return root_of_squares(total, functools.partial(_power_of, exponent=exponent))


def _power_of(total, exponent):
    return E.pow(total, exponent)


def _matrix_norm(x, axes, ord):
    """Induced 1/inf norms (max or min of absolute column or row sums) and
    the Frobenius norm; the spectral and nuclear norms need an SVD."""
    if ord in (2, -2, "nuc"):
        raise unsupported(f"numpy.linalg.norm(ord={ord!r}) of a matrix",
                          "it needs singular values (an SVD), which numjac does not trace")
    if ord is None or ord in ("fro", "f"):
        return _euclidean(x, axes)
    row, col = axes
    if ord in (1, -1):
        summed, over = row, col
    elif ord in (np.inf, -np.inf):
        summed, over = col, row
    else:
        raise ValueError("Invalid norm order for matrices.")
    sums = R.reduce_sum(E.abs(x), (summed,))
    remaining = (over - 1 if over > summed else over,)
    if ord > 0:
        return _reduce_or_fill(R.reduce_max, sums, remaining, 0)
    return R.reduce_min(sums, remaining)


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    v = to_atom(x)
    if not is_float(v.type.dtype):
        v = convert(v, np.float64)
    ndim = v.type.ndim
    axes = normalize_axes(axis, ndim)
    whole = ord is None or ord in ("f", "fro") and ndim == 2 or ord == 2 and ndim == 1
    if axis is None and whole:
        result = _euclidean(v, axes)
    elif len(axes) == 1:
        result = _vector_norm(v, axes, ord)
    elif len(axes) == 2:
        result = _matrix_norm(v, axes, ord)
    else:
        raise ValueError("Improper number of dimensions to norm.")
    return wrap(_with_kept_dims(result, v.type.shape, axes, keepdims))
