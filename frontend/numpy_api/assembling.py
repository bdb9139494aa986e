"""Building arrays from pieces: append, insert, delete, rot90, hsplit,
vsplit, dsplit, meshgrid, linspace, select and piecewise.

insert and delete run NumPy's own function on arrays of labels (the
position of each element among the inputs), then gather the traced values
by those labels: NumPy's every rule for ``obj`` and ``values`` holds, and
the derivative is the gather's.  Positions must be concrete: an output
whose shape depends on traced values cannot be traced.
"""
from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..errors import unsupported
from ..tracer import Tracer, dtype_for_promotion, to_atom, wrap
from .table import implements


def _as_tracer(a):
    return wrap(to_atom(a))


def _concrete_positions(name, obj):
    if isinstance(obj, Tracer) or (isinstance(obj, (list, tuple))
                                   and any(isinstance(o, Tracer) for o in obj)):
        raise unsupported(f"numpy.{name} at traced positions",
                          "the output's shape would depend on traced values; pass the "
                          "positions as constants (ints, slices, lists, NumPy arrays)")
    return obj


def _labels(shape, start=0):
    return start + np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)


@implements(np.insert)
def insert(arr, obj, values, axis=None):
    obj = _concrete_positions("insert", obj)
    x, given = _as_tracer(arr), _as_tracer(values)
    if axis is None:
        x, axis = np.ravel(x), 0
    labels = np.insert(_labels(x.shape), obj, _labels(given.shape, x.size), axis=axis)
    source = np.concatenate((np.ravel(x), np.ravel(given).astype(x.dtype)))
    return source[labels]


@implements(np.delete)
def delete(arr, obj, axis=None):
    obj = _concrete_positions("delete", obj)
    x = _as_tracer(arr)
    if axis is None:
        x, axis = np.ravel(x), 0
    return np.ravel(x)[np.delete(_labels(x.shape), obj, axis=axis)]


@implements(np.compress)
def compress(condition, a, axis=None, out=None):
    if isinstance(condition, Tracer):
        raise unsupported("numpy.compress with a traced condition",
                          "its output's shape depends on the condition's values, which are "
                          "not known while tracing; np.where(condition, a, 0) keeps the "
                          "shape fixed (a mask multiply)")
    if out is not None:
        raise unsupported("numpy.compress(out=...)", "use the returned value")
    chosen = np.flatnonzero(np.asarray(condition, dtype=bool))
    return np.take(a, chosen, axis=axis)


@implements(np.append)
def append(arr, values, axis=None):
    if axis is None:
        return np.concatenate((np.ravel(_as_tracer(arr)), np.ravel(_as_tracer(values))))
    return np.concatenate((arr, values), axis=axis)


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    m = _as_tracer(m)
    if len(axes) != 2 or m.ndim < 2:
        raise ValueError("len(axes) must be 2 and the array at least 2-D.")
    first, second = (normalize_axis_index(operator.index(a), m.ndim) for a in axes)
    if first == second:
        raise ValueError("Axes must be different.")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return np.flip(np.flip(m, first), second)
    order = list(range(m.ndim))
    order[first], order[second] = order[second], order[first]
    if k == 1:
        return np.transpose(np.flip(m, second), order)
    return np.flip(np.transpose(m, order), second)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    x = _as_tracer(a)
    n = x.ndim
    axis = normalize_axis_index(operator.index(axis), n)
    start = operator.index(start)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, "
                                      f"but {start} was passed in")
    start = start + n if start < 0 else start
    start = start - 1 if axis < start else start
    order = [d for d in range(n) if d != axis]
    order.insert(start, axis)
    return np.transpose(x, order)


def _directional_split(name, axis_of, least):
    def handler(ary, indices_or_sections):
        ndim = np.ndim(ary)
        if ndim < least:
            raise ValueError(f"{name} only works on arrays of {least} or more dimensions")
        return np.split(ary, indices_or_sections, axis=axis_of(ndim))
    handler.__name__ = name
    return handler


implements(np.hsplit)(_directional_split("hsplit", lambda ndim: 1 if ndim > 1 else 0, 1))
implements(np.vsplit)(_directional_split("vsplit", lambda ndim: 0, 2))
implements(np.dsplit)(_directional_split("dsplit", lambda ndim: 2, 3))


@implements(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    shapes = [(1,) * i + (-1,) + (1,) * (ndim - i - 1) for i in range(ndim)]
    if indexing == "xy" and ndim > 1:
        shapes[0], shapes[1] = (1, -1) + shapes[0][2:], (-1, 1) + shapes[1][2:]
    grids = [np.reshape(_as_tracer(x), shape) for x, shape in zip(xi, shapes)]
    return tuple(grids) if sparse else tuple(np.broadcast_arrays(*grids))


@implements(np.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """NumPy's arithmetic on traced endpoints: the length ``num`` is static."""
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    # As NumPy: the endpoints' type, Python scalars weak, made inexact with a
    # (weak) Python float, so float32 or float16 endpoints keep their type.
    inexact = np.result_type(_weak_value(start), _weak_value(stop), 1.0)
    start, stop = _as_tracer(start), _as_tracer(stop)
    start, stop = start.astype(inexact), stop.astype(inexact)
    div = num - 1 if endpoint else num
    delta = stop - start
    steps = np.arange(num, dtype=inexact).reshape((-1,) + (1,) * delta.ndim)
    if div > 0:
        step = delta / div
        # NumPy scales by delta afterwards where the step underflows to 0.
        y = np.where(step == 0, steps / div * delta, steps * step)
    else:
        step = np.full_like(delta, np.nan)
        y = steps * delta
    y = y + start
    if endpoint and num > 1:
        y = np.concatenate((y[:-1], np.broadcast_to(stop, delta.shape)[None]), axis=0)
    y = np.moveaxis(y, 0, axis) if axis != 0 else y
    if dtype is not None:
        y = np.floor(y).astype(dtype) if np.issubdtype(dtype, np.integer) else y.astype(dtype)
    return (y, step) if retstep else y


def _weak_value(x):
    """What np.result_type promotes as NumPy's own promotion does ``x``: a
    Python number (or a traced one) as a value of its kind, which is weak."""
    kind = dtype_for_promotion(x)
    return 0.0 if kind is float else 0 if kind is int else kind


@implements(np.select)
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    result = np.asarray(default) if not isinstance(default, Tracer) else default
    dtype = np.result_type(*[_dtype_of(c) for c in choicelist], _dtype_of(default))
    for condition, choice in zip(reversed(condlist), reversed(choicelist)):
        if _dtype_of(condition) != np.bool_:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
        result = np.where(condition, choice, result)
    return result.astype(dtype) if isinstance(result, Tracer) else result


def _dtype_of(x):
    return x.dtype if isinstance(x, Tracer) else np.asarray(x).dtype


@implements(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    """Every function runs on all of ``x``; np.where keeps its own pieces
    (as NumPy, a later condition overrides an earlier one)."""
    x = _as_tracer(x)
    if isinstance(condlist, (Tracer, np.ndarray)) and np.ndim(condlist) == x.ndim:
        condlist = [condlist]
    condlist = list(condlist)
    if len(funclist) == len(condlist) + 1:
        others = ~np.any(np.stack(np.broadcast_arrays(*condlist)), axis=0)
        condlist.append(others)
    elif len(funclist) != len(condlist):
        raise ValueError(f"with {len(condlist)} condition(s), either {len(condlist)} or "
                         f"{len(condlist) + 1} functions are expected")
    result = np.zeros_like(x)
    for condition, fn in zip(condlist, funclist):
        value = fn(x, *args, **kw) if callable(fn) else fn
        result = np.where(condition, value, result).astype(x.dtype)
    return result
