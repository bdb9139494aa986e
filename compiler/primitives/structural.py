"""Structural primitives: broadcasting, reshaping, axis permutation, dtype
conversion.  All are linear; each stanza gives shape rule, NumPy impl,
jvp (via ``deflinear``), transpose and batching rule.
"""
from __future__ import annotations

import numpy as np

from ..builder import bind
from ..ir import AType, is_float
from ..rules import (Primitive, Zero, batch_rules, impls, jvp_rules,
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
    return convert(eq(add(rows, k), cols), dtype)
