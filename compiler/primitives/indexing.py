"""Bounds checks, and gather and scatter along one axis with integer index
arrays.

``check_index`` is NumPy's bounds rule: it raises IndexOutOfBounds for an
index outside -n..n-1 and passes the others on (as int64).  ``take`` is
NumPy's ``np.take(x, idx, axis)`` (negative indices wrap); ``scatter_add``
is its transpose: it adds updates into zeros at the indexed positions.
Neither checks: Numba reads and writes at their indices unchecked, so every
index array they get from user values must come out of ``check_index`` (the
frontend checks each before it merges several into one flat index).  Both
are linear in their array operand and have no derivative with respect to the
indices.  Several index arrays (``x[i, j]``) are handled by the frontend as
one ``take`` of flat indices over the merged axes.  ``scatter`` is
``x[..., idx, ...] = updates`` on a copy of ``x`` (what the tracer makes of
in-place assignment); where indices repeat the last write wins, as in
NumPy, and only that write gets a cotangent.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, Zero, is_undefined, register
from .base import defjvp, instantiate, zeros
from .elementwise import add, eq, lt, mul, select
from .structural import add_batch_axis, convert, iota, moveaxis, reshape


def _check_index(idx):
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got {idx}")


def _wrap_negative(idx, n: int):
    return select(lt(idx, 0), add(idx, n), idx)


def _flat_batch_index(idx, n: int):
    """Indices ``idx`` (batch axis first) into the axis of length
    ``batch * n`` that merges the batch axis with an axis of length ``n``."""
    idx = convert(idx, np.int64)
    offsets = mul(iota(np.int64, idx.type.shape, 0), n)
    return add(_wrap_negative(idx, n), offsets)


def _merge_batch_axis(x, axis: int):
    """Batched ``x`` with its batch axis merged into (in front of) ``axis``."""
    moved = moveaxis(x, 0, axis)
    shape = moved.type.shape
    return reshape(moved, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])


class IndexOutOfBounds(IndexError):
    """NumPy's IndexError for an index outside -size..size-1 of an axis.
    Generated kernels raise it with the values as arguments (Numba builds
    the message in Python, not in the kernel)."""

    def __init__(self, index, axis, size):
        super().__init__(f"index {index} is out of bounds for axis {axis} with size {size}")
        self.index, self.axis, self.size = index, axis, size

    def __reduce__(self):
        return type(self), (self.index, self.axis, self.size)


# ----------------------------------------------------------- check_index ----

check_index_p = Primitive("check_index")
def check_index(idx, size: int, axis: int):
    """``idx`` as int64, after raising IndexOutOfBounds if any index is
    outside -size..size-1.  ``axis`` names the user's axis in the message."""
    return bind(check_index_p, idx, size=int(size), axis=int(axis))
def _check_index_shape(idx, *, size, axis):
    _check_index(idx)
    return AType(np.dtype(np.int64), idx.shape)
def _check_index_impl(idx, *, size, axis):
    idx = np.asarray(idx)
    bad = (idx >= size) | ((idx < -size) if idx.dtype.kind == "i" else False)
    if np.any(bad):
        raise IndexOutOfBounds(int(idx[bad].flat[0]), axis, size)
    return idx.astype(np.int64)
def _check_index_batch(args, batched, *, size, axis):
    return check_index(args[0], size, axis), True
register(check_index_p, shape=_check_index_shape, impl=_check_index_impl,
         batch=_check_index_batch, differentiable=False)

# ------------------------------------------------------------------ take ----

take_p = Primitive("take")
def take(x, idx, axis: int):
    """``np.take(x, idx, axis)``: shape ``x.shape[:axis] + idx.shape +
    x.shape[axis + 1:]``."""
    return bind(take_p, x, idx, axis=int(axis))
def _take_shape(x, idx, *, axis):
    _check_index(idx)
    if not 0 <= axis < x.ndim:
        raise ValueError(f"bad take axis {axis} for {x}")
    return AType(x.dtype, x.shape[:axis] + idx.shape + x.shape[axis + 1:])
def _take_impl(x, idx, *, axis):
    return np.take(x, idx, axis=axis)
def _take_tangent(t, ans, x, idx, *, axis):
    return take(t, idx, axis)
def _take_transpose(ct, x, idx, *, axis):
    return [scatter_add(idx, ct, axis, x.type.shape[axis]), None]
def _take_batch(args, batched, *, axis):
    x, idx = args
    x_batched, idx_batched = batched
    if not idx_batched:
        return take(x, idx, axis + 1), True
    if not x_batched:
        return moveaxis(take(x, idx, axis), axis, 0), True
    flat_idx = _flat_batch_index(idx, x.type.shape[axis + 1])
    return moveaxis(take(_merge_batch_axis(x, axis), flat_idx, axis), axis, 0), True
defjvp(take_p, _take_tangent, None, shape=_take_shape, impl=_take_impl,
       transpose=_take_transpose, batch=_take_batch)

# ----------------------------------------------------------- scatter_add ----

scatter_add_p = Primitive("scatter_add")
def scatter_add(idx, updates, axis: int, size: int):
    """Zeros with ``size`` elements along ``axis`` and ``updates`` (shaped
    like ``take``'s result) added at ``idx``; repeated indices accumulate."""
    return bind(scatter_add_p, idx, updates, axis=int(axis), size=int(size))
def _scatter_add_shape(idx, updates, *, axis, size):
    _check_index(idx)
    end = axis + idx.ndim
    if axis < 0 or size < 0 or updates.shape[axis:end] != idx.shape or end > updates.ndim:
        raise ValueError(f"cannot scatter {updates} at {idx} along axis {axis}")
    return AType(updates.dtype, updates.shape[:axis] + (size,) + updates.shape[end:])
def _scatter_add_impl(idx, updates, *, axis, size):
    out = np.zeros(updates.shape[:axis] + (size,) + updates.shape[axis + idx.ndim:],
                   updates.dtype)
    np.add.at(out, (builtins.slice(None),) * axis + (idx,), updates)
    return out
def _scatter_add_tangent(t, ans, idx, updates, *, axis, size):
    return scatter_add(idx, t, axis, size)
def _scatter_add_transpose(ct, idx, updates, *, axis, size):
    return [None, take(ct, idx, axis)]
def _scatter_add_batch(args, batched, *, axis, size):
    idx, updates = args
    idx_batched, updates_batched = batched
    if not idx_batched:
        return scatter_add(idx, updates, axis + 1, size), True
    batch = idx.type.shape[0]
    if not updates_batched:
        updates = add_batch_axis(updates, batch)
    flat_idx = _flat_batch_index(idx, size)
    out = scatter_add(flat_idx, moveaxis(updates, 0, axis), axis, batch * size)
    shape = out.type.shape
    unmerged = reshape(out, shape[:axis] + (batch, size) + shape[axis + 1:])
    return moveaxis(unmerged, axis, 0), True
defjvp(scatter_add_p, None, _scatter_add_tangent, shape=_scatter_add_shape,
       impl=_scatter_add_impl, transpose=_scatter_add_transpose, batch=_scatter_add_batch)

# --------------------------------------------------------------- scatter ----

scatter_p = Primitive("scatter")
def scatter(x, idx, updates, axis: int):
    """``x`` with ``updates`` (shaped like ``take(x, idx, axis)``) written at
    ``idx`` along ``axis``; where indices repeat, the last write wins."""
    return bind(scatter_p, x, idx, updates, axis=int(axis))
def _scatter_shape(x, idx, updates, *, axis):
    _check_index(idx)
    if updates.dtype != x.dtype or not 0 <= axis < x.ndim or \
            updates.shape != x.shape[:axis] + idx.shape + x.shape[axis + 1:]:
        raise ValueError(f"cannot scatter {updates} into {x} at {idx} along axis {axis}")
    return x
def _scatter_impl(x, idx, updates, *, axis):
    out = np.array(x, copy=True)
    out[(builtins.slice(None),) * axis + (idx,)] = updates     # NumPy: the last wins
    return out
def _scatter_jvp(primals, tangents, *, axis):
    x, idx, updates = primals
    t_x, _, t_updates = tangents
    ans = scatter(x, idx, updates, axis)
    if isinstance(t_x, Zero) and isinstance(t_updates, Zero):
        return ans, Zero(ans.type)
    return ans, scatter(instantiate(t_x), idx, instantiate(t_updates), axis)
def _last_writes(idx, n: int):
    """Bools shaped like ``idx``: whether each write is the last to its
    position in ``0..n-1`` (negative indices wrapped as the scatter does)."""
    count = idx.type.size
    ids = reshape(iota(np.int64, (count,), 0), idx.type.shape)
    last = scatter(zeros(AType(np.dtype(np.int64), (n,))), idx, ids, 0)
    return eq(take(last, idx, 0), ids)
def _scatter_transpose(ct, x, idx, updates, *, axis):
    update_type = updates.type
    ct_x = scatter(ct, idx, zeros(update_type), axis) if is_undefined(x) else None
    ct_updates = None
    if is_undefined(updates):
        ct_updates = take(ct, idx, axis)
        if idx.type.size > 1:       # one index is always the last write
            kept = _last_writes(idx, x.type.shape[axis])
            rest = update_type.ndim - axis - idx.type.ndim
            kept = reshape(kept, (1,) * axis + idx.type.shape + (1,) * rest)
            ct_updates = select(kept, ct_updates, zeros(update_type))
    return [ct_x, None, ct_updates]
def _scatter_batch(args, batched, *, axis):
    x, idx, updates = args
    x_batched, idx_batched, updates_batched = batched
    batch = next(a.type.shape[0] for a, b in zip(args, batched) if b)
    if not x_batched:
        x = add_batch_axis(x, batch)
    if not idx_batched:
        if not updates_batched:
            updates = add_batch_axis(updates, batch)
        return scatter(x, idx, updates, axis + 1), True
    if not updates_batched:
        updates = add_batch_axis(updates, batch)
    n = x.type.shape[axis + 1]
    merged = scatter(_merge_batch_axis(x, axis), _flat_batch_index(idx, n),
                     moveaxis(updates, 0, axis), axis)
    shape = merged.type.shape
    unmerged = reshape(merged, shape[:axis] + (batch, n) + shape[axis + 1:])
    return moveaxis(unmerged, axis, 0), True
register(scatter_p, shape=_scatter_shape, impl=_scatter_impl, jvp=_scatter_jvp,
         transpose=_scatter_transpose, batch=_scatter_batch)
