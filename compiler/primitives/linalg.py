"""Contractions: the single ``dot_general`` primitive every NumPy product
(dot, matmul, tensordot, einsum, ...) lowers to.

``dot_general[contract=((lhs axes), (rhs axes)), batch=((lhs axes), (rhs axes))]``
multiplies the operands elementwise along paired batch axes, sums over paired
contracted axes, and lays the result out as: batch axes (in ``batch`` order),
then the remaining lhs axes, then the remaining rhs axes (each in axis order).
It is bilinear, so it is linear in either operand with the other fixed.
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, is_undefined
from .base import batched_axes, defbilinear
from .structural import moveaxis, transpose


def free_axes(ndim, contract, batch):
    """The axes of an operand that are neither contracted nor batched."""
    return tuple(a for a in range(ndim) if a not in contract and a not in batch)


def _axes_pair(pair):
    lhs, rhs = pair
    return tuple(int(a) for a in lhs), tuple(int(a) for a in rhs)


# ----------------------------------------------------------- dot_general ----

dot_general_p = Primitive("dot_general")
def dot_general(lhs, rhs, contract, batch=((), ())):
    return bind(dot_general_p, lhs, rhs, contract=_axes_pair(contract),
                batch=_axes_pair(batch))
def _check_axes(operand, side, contract, batch):
    axes = contract + batch
    if len(set(axes)) != len(axes) or any(not 0 <= a < operand.ndim for a in axes):
        raise ValueError(f"dot_general: {side} contract axes {contract} and batch axes "
                         f"{batch} must be distinct axes of {operand}")
def _check_paired(lhs, rhs, lhs_axes, rhs_axes, what):
    if len(lhs_axes) != len(rhs_axes):
        raise ValueError(f"dot_general: {what} axes {lhs_axes} and {rhs_axes} "
                         "must pair up one to one")
    for a, b in zip(lhs_axes, rhs_axes):
        if lhs.shape[a] != rhs.shape[b]:
            raise ValueError(f"dot_general: {what} axis {a} of {lhs} (size {lhs.shape[a]}) "
                             f"does not match axis {b} of {rhs} (size {rhs.shape[b]})")
def _dot_general_shape(lhs, rhs, *, contract, batch):
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"dot_general operands must share one dtype, got {lhs} and {rhs}")
    (lc, rc), (lb, rb) = contract, batch
    _check_axes(lhs, "lhs", lc, lb)
    _check_axes(rhs, "rhs", rc, rb)
    _check_paired(lhs, rhs, lc, rc, "contracted")
    _check_paired(lhs, rhs, lb, rb, "batch")
    shape = (tuple(lhs.shape[a] for a in lb)
             + tuple(lhs.shape[a] for a in free_axes(lhs.ndim, lc, lb))
             + tuple(rhs.shape[a] for a in free_axes(rhs.ndim, rc, rb)))
    return AType(lhs.dtype, shape)
def _as_stacked_matrix(x, batch, rows, cols):
    """``x`` permuted to (batch, rows, cols) and flattened to 3-D."""
    def size(axes):
        return int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    moved = np.transpose(x, batch + rows + cols)
    return moved.reshape(size(batch), size(rows), size(cols))
def _dot_general_impl(lhs, rhs, *, contract, batch):
    # One batched matrix product (BLAS for floats); matmul keeps the dtype.
    (lc, rc), (lb, rb) = contract, batch
    lf, rf = free_axes(lhs.ndim, lc, lb), free_axes(rhs.ndim, rc, rb)
    out = np.matmul(_as_stacked_matrix(lhs, lb, lf, lc), _as_stacked_matrix(rhs, rb, rc, rf))
    shape = (tuple(lhs.shape[a] for a in lb + lf) + tuple(rhs.shape[a] for a in rf))
    return out.reshape(shape)
def _operand_cotangent(ct, other, other_free_in_ct, axes, other_axes):
    """The cotangent of one operand: ``ct`` contracted with the other operand
    over the other's free axes, then permuted into the operand's axis order.

    ``axes`` and ``other_axes`` are (contract, batch, free) of each operand.
    The product's layout is batch, the operand's free axes, then the other
    operand's contracted axes in axis order (each standing for its paired
    contracted axis of the operand)."""
    (xc, xb, xf), (yc, yb, yf) = axes, other_axes
    n_batch = len(xb)
    product = dot_general(ct, other, (other_free_in_ct, yf), (tuple(range(n_batch)), yb))
    source = xb + xf + tuple(xc[yc.index(a)] for a in sorted(yc))
    return transpose(product, np.argsort(source))
def _dot_general_transpose(ct, lhs, rhs, *, contract, batch):
    (lc, rc), (lb, rb) = contract, batch
    lf, rf = free_axes(lhs.type.ndim, lc, lb), free_axes(rhs.type.ndim, rc, rb)
    lhs_in_ct = tuple(range(len(lb), len(lb) + len(lf)))
    rhs_in_ct = tuple(range(len(lb) + len(lf), ct.type.ndim))
    if is_undefined(lhs):
        return [_operand_cotangent(ct, rhs, rhs_in_ct, (lc, lb, lf), (rc, rb, rf)), None]
    return [None, _operand_cotangent(ct, lhs, lhs_in_ct, (rc, rb, rf), (lc, lb, lf))]
def _shifted_if(axes, batched):
    return batched_axes(axes) if batched else axes
def _dot_general_batch(args, batched, *, contract, batch):
    (lhs, rhs), (lhs_batched, rhs_batched) = args, batched
    (lc, rc), (lb, rb) = contract, batch
    lc, lb = _shifted_if(lc, lhs_batched), _shifted_if(lb, lhs_batched)
    rc, rb = _shifted_if(rc, rhs_batched), _shifted_if(rb, rhs_batched)
    if lhs_batched and rhs_batched:
        return dot_general(lhs, rhs, (lc, rc), ((0,) + lb, (0,) + rb)), True
    # One operand is batched: its axis 0 is a free axis; bring it to the front.
    out = dot_general(lhs, rhs, (lc, rc), (lb, rb))
    lhs_free = lhs.type.ndim - len(lc) - len(lb)
    return moveaxis(out, len(lb) if lhs_batched else len(lb) + lhs_free, 0), True
defbilinear(dot_general_p, _dot_general_transpose, shape=_dot_general_shape,
            impl=_dot_general_impl, batch=_dot_general_batch)
