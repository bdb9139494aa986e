"""Structural primitives: broadcasting, reshaping, axis permutation, dtype
conversion, slicing, reversal, concatenation, padding.  All are linear; each
stanza gives shape rule, NumPy impl, jvp (via ``deflinear`` for one
operand), transpose and batching rule.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..builder import bind
from ..ir import AType, is_float
from ..rules import (Primitive, Zero, batch_rules, impls, is_undefined, jvp_rules,
                     linear_primitives, non_differentiable, shape_rules,
                     transpose_rules)
from .helpers import deflinear


def _shift(axes):
    """Axis numbers as seen with a batch axis in front."""
    return tuple(a + 1 for a in axes)


# ------------------------------------------------------ broadcast_in_dim ----

broadcast_in_dim_p = Primitive("broadcast_in_dim")
def broadcast_in_dim(x, shape, dims):
    shape, dims = tuple(shape), tuple(dims)
    if x.type.shape == shape and dims == tuple(range(len(shape))):
        return x
    return bind(broadcast_in_dim_p, x, shape=shape, dims=dims)
def broadcast_to(x, shape):
    """NumPy's broadcast_to: operand axes align with the trailing axes."""
    shape = tuple(shape)
    lead = len(shape) - x.type.ndim
    return broadcast_in_dim(x, shape, range(lead, len(shape)))
def _broadcast_in_dim_shape(x, *, shape, dims):
    if len(dims) != x.ndim or any(x.shape[i] not in (1, shape[d]) for i, d in enumerate(dims)):
        raise ValueError(f"cannot broadcast {x} to {shape} along dims {dims}")
    return AType(x.dtype, shape)
def _broadcast_in_dim_impl(x, *, shape, dims):
    expanded = [1] * len(shape)
    for i, d in enumerate(dims):
        expanded[d] = x.shape[i]
    return np.broadcast_to(np.reshape(x, expanded), shape)
def _broadcast_in_dim_transpose(ct, x, *, shape, dims):
    from .reductions import reduce_sum
    new_axes = tuple(d for d in range(len(shape)) if d not in dims)
    stretched = tuple(d for i, d in enumerate(dims) if x.type.shape[i] == 1 and shape[d] != 1)
    summed = reduce_sum(ct, tuple(sorted(new_axes + stretched)))
    return [reshape(summed, x.type.shape)]
def _broadcast_in_dim_batch(args, batched, *, shape, dims):
    (x,) = args
    return broadcast_in_dim(x, (x.type.shape[0],) + shape, (0,) + _shift(dims)), True
shape_rules[broadcast_in_dim_p] = _broadcast_in_dim_shape
impls[broadcast_in_dim_p] = _broadcast_in_dim_impl
deflinear(broadcast_in_dim_p)
transpose_rules[broadcast_in_dim_p] = _broadcast_in_dim_transpose
batch_rules[broadcast_in_dim_p] = _broadcast_in_dim_batch

# --------------------------------------------------------------- reshape ----

reshape_p = Primitive("reshape")
def reshape(x, shape):
    shape = tuple(int(d) for d in shape)
    if x.type.shape == shape:
        return x
    return bind(reshape_p, x, shape=shape)
def _reshape_shape(x, *, shape):
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"cannot reshape {x} to {shape}")
    return AType(x.dtype, shape)
def _reshape_impl(x, *, shape):
    return np.reshape(x, shape)
def _reshape_transpose(ct, x, *, shape):
    return [reshape(ct, x.type.shape)]
def _reshape_batch(args, batched, *, shape):
    (x,) = args
    return reshape(x, (x.type.shape[0],) + shape), True
shape_rules[reshape_p] = _reshape_shape
impls[reshape_p] = _reshape_impl
deflinear(reshape_p)
transpose_rules[reshape_p] = _reshape_transpose
batch_rules[reshape_p] = _reshape_batch

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
    return transpose(x, (0,) + _shift(perm)), True
shape_rules[transpose_p] = _transpose_shape
impls[transpose_p] = _transpose_impl
deflinear(transpose_p)
transpose_rules[transpose_p] = _transpose_transpose
batch_rules[transpose_p] = _transpose_batch


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
shape_rules[convert_p] = _convert_shape
impls[convert_p] = _convert_impl
jvp_rules[convert_p] = _convert_jvp
linear_primitives.add(convert_p)
transpose_rules[convert_p] = _convert_transpose
batch_rules[convert_p] = _convert_batch

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
shape_rules[iota_p] = _iota_shape
impls[iota_p] = _iota_impl
non_differentiable.add(iota_p)


def eye(dtype, n: int, m: int = None, k: int = 0):
    """The identity-like mask ``row + k == col`` as ``dtype`` values."""
    from .elementwise import add, eq
    m = n if m is None else m
    rows = iota(np.int64, (n, m), 0)
    cols = iota(np.int64, (n, m), 1)
    return convert(eq(add(rows, k) if k else rows, cols), dtype)


def add_batch_axis(x, size: int):
    """``x`` repeated ``size`` times along a new leading axis (for batching
    rules that must combine a batched operand with an unbatched one)."""
    return broadcast_in_dim(x, (size,) + x.type.shape, _shift(range(x.type.ndim)))

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
    from .helpers import zeros
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
shape_rules[slice_p] = _slice_shape
impls[slice_p] = _slice_impl
deflinear(slice_p)
transpose_rules[slice_p] = _slice_transpose
batch_rules[slice_p] = _slice_batch

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
    return rev(args[0], _shift(axes)), True
shape_rules[rev_p] = _rev_shape
impls[rev_p] = _rev_impl
deflinear(rev_p)
transpose_rules[rev_p] = _rev_transpose
batch_rules[rev_p] = _rev_batch

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
    from .helpers import instantiate
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
shape_rules[concatenate_p] = _concatenate_shape
impls[concatenate_p] = _concatenate_impl
jvp_rules[concatenate_p] = _concatenate_jvp
linear_primitives.add(concatenate_p)
transpose_rules[concatenate_p] = _concatenate_transpose
batch_rules[concatenate_p] = _concatenate_batch

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
shape_rules[pad_p] = _pad_shape
impls[pad_p] = _pad_impl
jvp_rules[pad_p] = _pad_jvp
linear_primitives.add(pad_p)
transpose_rules[pad_p] = _pad_transpose
batch_rules[pad_p] = _pad_batch

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
shape_rules[stop_gradient_p] = _stop_gradient_shape
impls[stop_gradient_p] = _stop_gradient_impl
non_differentiable.add(stop_gradient_p)
batch_rules[stop_gradient_p] = _stop_gradient_batch
