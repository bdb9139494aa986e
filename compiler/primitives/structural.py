"""Structural primitives: broadcasting, reshaping, axis permutation, dtype
conversion, slicing, reversal, concatenation, padding.  All are linear; each
stanza gives shape rule, NumPy impl, jvp (via ``deflinear`` for one
operand), transpose and batching rule.  ``broadcast_in_dim`` and ``reshape``,
which every rule needs, live in the base family and are re-exported here.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..atoms import AType, is_float
from ..builder import bind
from ..rules import Primitive, Zero, is_undefined, register
from .base import (broadcast_in_dim, broadcast_in_dim_p, broadcast_to,  # noqa: F401
                   reshape, reshape_p)  # re-exported: members of this family
from .base import batched_axes, deflinear, instantiate, zeros
from .elementwise import add, eq


# ------------------------------------------------------------- transpose ----

transpose_p = Primitive("transpose")
def transpose(x, perm):
    perm = tuple(int(p) for p in perm)
    if perm == tuple(range(len(perm))):
        return x
    return bind(transpose_p, x, perm=perm)
def _transpose_shape(x, *, perm):
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"{perm} is not a permutation of the axes of {x}")
    return AType(x.dtype, tuple(x.shape[p] for p in perm))
def _transpose_impl(x, *, perm):
    return np.transpose(x, perm)
def _transpose_transpose(ct, x, *, perm):
    return [transpose(ct, np.argsort(perm))]
def _transpose_batch(args, batched, *, perm):
    (x,) = args
    return transpose(x, (0,) + batched_axes(perm)), True
deflinear(transpose_p, _transpose_transpose, shape=_transpose_shape, impl=_transpose_impl,
          batch=_transpose_batch)


def moveaxis(x, source: int, destination: int):
    perm = [a for a in range(x.type.ndim) if a != source]
    perm.insert(destination, source)
    return transpose(x, perm)

# --------------------------------------------------------------- convert ----

convert_p = Primitive("convert")
def convert(x, dtype):
    dtype = np.dtype(dtype)
    if x.type.dtype == dtype:
        return x
    return bind(convert_p, x, dtype=dtype)
def _convert_shape(x, *, dtype):
    return AType(dtype, x.shape)
def _convert_impl(x, *, dtype):
    return np.asarray(x).astype(dtype)
def _convert_jvp(primals, tangents, *, dtype):
    (x,), (t,) = primals, tangents
    ans = convert(x, dtype)
    if isinstance(t, Zero) or not (is_float(dtype) and is_float(x.type.dtype)):
        return ans, Zero(ans.type)
    return ans, convert(t, dtype)
def _convert_transpose(ct, x, *, dtype):
    return [convert(ct, x.type.dtype)]
def _convert_batch(args, batched, *, dtype):
    return convert(args[0], dtype), True
register(convert_p, shape=_convert_shape, impl=_convert_impl, jvp=_convert_jvp,
         transpose=_convert_transpose, batch=_convert_batch)

# ------------------------------------------------------------------ iota ----

iota_p = Primitive("iota")
def iota(dtype, shape, dimension):
    """An array of ``shape`` holding each element's index along ``dimension``
    (identity masks and bases are built from it so backends can fold them)."""
    return bind(iota_p, dtype=np.dtype(dtype), shape=tuple(shape), dimension=int(dimension))
def _iota_shape(*, dtype, shape, dimension):
    return AType(dtype, shape)
def _iota_impl(*, dtype, shape, dimension):
    index_shape = [1] * len(shape)
    index_shape[dimension] = shape[dimension]
    return np.broadcast_to(np.arange(shape[dimension], dtype=dtype).reshape(index_shape), shape)
register(iota_p, shape=_iota_shape, impl=_iota_impl, differentiable=False)


def eye(dtype, n: int, m: int = None, k: int = 0):
    """The identity-like mask ``row + k == col`` as ``dtype`` values."""
    m = n if m is None else m
    rows = iota(np.int64, (n, m), 0)
    cols = iota(np.int64, (n, m), 1)
    return convert(eq(add(rows, k) if k else rows, cols), dtype)


def add_batch_axis(x, size: int):
    """``x`` repeated ``size`` times along a new leading axis (for batching
    rules that must combine a batched operand with an unbatched one)."""
    return broadcast_in_dim(x, (size,) + x.type.shape, batched_axes(range(x.type.ndim)))

# ----------------------------------------------------------------- slice ----

slice_p = Primitive("slice")
def slice(x, start, limit, step=None):
    """``x[start:limit:step]`` on every axis; steps are positive (the
    frontend reverses first for negative steps)."""
    start, limit = tuple(map(int, start)), tuple(map(int, limit))
    step = (1,) * len(start) if step is None else tuple(map(int, step))
    if not any(start) and limit == x.type.shape and set(step) <= {1}:
        return x
    return bind(slice_p, x, start=start, limit=limit, step=step)
def slice_axis(x, axis: int, start: int, limit: int, step: int = 1):
    """``slice`` along one axis only."""
    shape = x.type.shape
    starts, limits, steps = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], steps[axis] = start, limit, step
    return slice(x, starts, limits, steps)
def _slice_shape(x, *, start, limit, step):
    if not len(start) == len(limit) == len(step) == x.ndim or not all(
            0 <= a <= b <= n and s > 0 for a, b, s, n in zip(start, limit, step, x.shape)):
        raise ValueError(f"bad slice {start}:{limit}:{step} of {x}")
    return AType(x.dtype, tuple(-(-(b - a) // s) for a, b, s in zip(start, limit, step)))
def _slice_impl(x, *, start, limit, step):
    return x[tuple(builtins.slice(*abc) for abc in zip(start, limit, step))]
def _dilate(x, axis: int, step: int):
    """Put ``step - 1`` zeros between the elements of ``x`` along ``axis``."""
    shape = x.type.shape
    n = shape[axis]
    spread = reshape(x, shape[:axis + 1] + (1,) + shape[axis + 1:])
    widths = [0] * spread.type.ndim
    spread = pad(spread, widths, widths[:axis + 1] + [step - 1] + widths[axis + 2:])
    flat = reshape(spread, shape[:axis] + (n * step,) + shape[axis + 1:])
    return slice_axis(flat, axis, 0, (n - 1) * step + 1)
def _slice_transpose(ct, x, *, start, limit, step):
    if ct.type.size == 0:
        return [zeros(x.type)]
    for axis, s in enumerate(step):
        if s > 1:
            ct = _dilate(ct, axis, s)
    high = tuple(n - a - m for n, a, m in zip(x.type.shape, start, ct.type.shape))
    return [pad(ct, start, high)]
def _slice_batch(args, batched, *, start, limit, step):
    (x,) = args
    return slice(x, (0,) + start, x.type.shape[:1] + limit, (1,) + step), True
deflinear(slice_p, _slice_transpose, shape=_slice_shape, impl=_slice_impl, batch=_slice_batch)

# ------------------------------------------------------------------- rev ----

rev_p = Primitive("rev")
def rev(x, axes):
    """``x`` reversed along ``axes``."""
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return bind(rev_p, x, axes=axes)
def _rev_shape(x, *, axes):
    if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ValueError(f"bad axes {axes} to reverse {x}")
    return x
def _rev_impl(x, *, axes):
    return np.flip(x, axes)
def _rev_transpose(ct, x, *, axes):
    return [rev(ct, axes)]
def _rev_batch(args, batched, *, axes):
    return rev(args[0], batched_axes(axes)), True
deflinear(rev_p, _rev_transpose, shape=_rev_shape, impl=_rev_impl, batch=_rev_batch)

# ----------------------------------------------------------- concatenate ----

concatenate_p = Primitive("concatenate")
def concatenate(xs, axis: int):
    """The operands ``xs`` (one dtype) joined along ``axis``."""
    xs = list(xs)
    if len(xs) == 1:
        return xs[0]
    return bind(concatenate_p, *xs, axis=int(axis))
def _concatenate_shape(*xs, axis):
    first = xs[0]
    if not 0 <= axis < first.ndim:
        raise ValueError(f"bad concatenation axis {axis} for {first}")
    for x in xs:
        if x.dtype != first.dtype or x.ndim != first.ndim or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, first.shape)) if i != axis):
            raise ValueError(f"cannot concatenate {x} with {first} along axis {axis}")
    shape = list(first.shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    return AType(first.dtype, shape)
def _concatenate_impl(*xs, axis):
    return np.concatenate(xs, axis)
def _concatenate_jvp(primals, tangents, *, axis):
    ans = bind(concatenate_p, *primals, axis=axis)
    if all(isinstance(t, Zero) for t in tangents):
        return ans, Zero(ans.type)
    return ans, bind(concatenate_p, *map(instantiate, tangents), axis=axis)
def _concatenate_transpose(ct, *xs, axis):
    cts, offset = [], 0
    for x in xs:
        n = x.type.shape[axis]
        cts.append(slice_axis(ct, axis, offset, offset + n) if is_undefined(x) else None)
        offset += n
    return cts
def _concatenate_batch(args, batched, *, axis):
    size = next(a.type.shape[0] for a, b in zip(args, batched) if b)
    xs = [a if b else add_batch_axis(a, size) for a, b in zip(args, batched)]
    return concatenate(xs, axis + 1), True
register(concatenate_p, shape=_concatenate_shape, impl=_concatenate_impl,
         jvp=_concatenate_jvp, transpose=_concatenate_transpose, batch=_concatenate_batch)

# ------------------------------------------------------------------- pad ----

pad_p = Primitive("pad")
def pad(x, low, high, value=0):
    """``x`` with ``low[i]``/``high[i]`` elements of the constant ``value``
    added before/after it along axis ``i``.  Linear when ``value`` is 0."""
    low, high = tuple(map(int, low)), tuple(map(int, high))
    if not any(low) and not any(high):
        return x
    value = np.array(value, dtype=x.type.dtype).item()
    return bind(pad_p, x, low=low, high=high, value=value)
def _pad_shape(x, *, low, high, value):
    if not len(low) == len(high) == x.ndim or min(low + high, default=0) < 0:
        raise ValueError(f"bad padding {low}, {high} of {x}")
    return AType(x.dtype, tuple(n + a + b for n, a, b in zip(x.shape, low, high)))
def _pad_impl(x, *, low, high, value):
    return np.pad(x, tuple(zip(low, high)), constant_values=value)
def _pad_jvp(primals, tangents, *, low, high, value):
    (x,), (t,) = primals, tangents
    ans = pad(x, low, high, value)
    if isinstance(t, Zero):
        return ans, Zero(ans.type)
    return ans, pad(t, low, high)
def _pad_transpose(ct, x, *, low, high, value):
    # Only pads of 0 are on the linear side (the jvp makes them).
    limit = tuple(a + n for a, n in zip(low, x.type.shape))
    return [slice(ct, low, limit)]
def _pad_batch(args, batched, *, low, high, value):
    return pad(args[0], (0,) + low, (0,) + high, value), True
register(pad_p, shape=_pad_shape, impl=_pad_impl, jvp=_pad_jvp, transpose=_pad_transpose,
         batch=_pad_batch)

# ---------------------------------------------------------- stop_gradient ----

stop_gradient_p = Primitive("stop_gradient")
def stop_gradient(x):
    """The identity, through which no derivative flows."""
    return bind(stop_gradient_p, x)
def _stop_gradient_shape(x):
    return x
def _stop_gradient_impl(x):
    return x
def _stop_gradient_batch(args, batched):
    return stop_gradient(args[0]), True
register(stop_gradient_p, shape=_stop_gradient_shape, impl=_stop_gradient_impl,
         batch=_stop_gradient_batch, differentiable=False)
