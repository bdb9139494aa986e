"""Products with a diagonal operand, rewritten as a scaling.

jacrev pushes an identity basis through the function: after an
elementwise output ``tanh(p)`` the cotangents are ``eye * (1 - q*q)``, a
diagonal matrix built as a constant identity mask times a vector, and the
next product ``dot_general(eye * s, W)`` is a full matrix product (for the
256->256->64 MLP a 64x64x256 product, a fifth of the Jacobian's work) of
which only ``s[i] * W[i, :]`` is not zero.  ``diagonal_product`` writes it
as that scaling, which the code generator fuses into the loop that uses it.

Row ``i`` of the product was a sum of ``s[i] * W[i, k]`` and of products
by an exact zero, so the values are the same, except where ``W`` holds an
inf or NaN off the diagonal's rows: those no longer turn other rows into
NaN (as with a constant identity operand, runtime/lowering/linalg.py).
"""
from __future__ import annotations

import math

import numpy as np

from ..ir import Lit
from ..primitives import elementwise as E
from ..primitives.base import broadcast_in_dim, broadcast_in_dim_p, reshape, reshape_p
from ..primitives.linalg import dot_general_p, free_axes
from ..primitives.structural import convert_p, iota_p, transpose, transpose_p
from ..rules import elementwise_primitives, impls

# The largest mask evaluated (elements), as the code generator's constants.
MASK_LIMIT = 1 << 22
_CONSTANT_BUILDERS = frozenset({iota_p, convert_p, reshape_p, broadcast_in_dim_p,
                                transpose_p})


def diagonal_product(eqn, ins, producers):
    """``eqn`` (a ``dot_general`` without batch axes) as a scaling of one
    operand when the other is ``mask * s`` with ``mask`` a constant
    identity and ``s`` constant along the mask's rows or its columns;
    else None."""
    if eqn.prim is not dot_general_p or eqn.params["batch"] != ((), ()):
        return None
    (lc, rc) = eqn.params["contract"]
    lhs, rhs = ins
    lf, rf = free_axes(lhs.type.ndim, lc, ()), free_axes(rhs.type.ndim, rc, ())
    dtype = eqn.outs[0].type.dtype
    out_shape = _shape(lhs, lf) + _shape(rhs, rf)
    scale = _diagonal_of(lhs, lf, lc, producers, dtype)
    if scale is not None:
        other = _as_rows(rhs, rc, rf, out_shape)
        return E.mul(reshape(scale, scale.type.shape + (1,) * len(rf)), other)
    scale = _diagonal_of(rhs, rf, rc, producers, dtype)
    if scale is not None:
        return E.mul(_as_rows(lhs, lf, lc, out_shape), scale)
    return None


def _shape(atom, axes) -> tuple:
    return tuple(atom.type.shape[a] for a in axes)


def _as_rows(atom, first, then, shape):
    """``atom`` with its ``first`` axes, then its ``then`` axes, reshaped to ``shape``."""
    return reshape(transpose(atom, tuple(first) + tuple(then)), shape)


def _diagonal_of(operand, free, contract, producers, dtype):
    """The diagonal (shaped as the ``free`` axes) of ``operand`` when it is
    ``mask * s`` as in ``diagonal_product``, else None."""
    eqn = producers.get(operand)
    if eqn is None or eqn.prim is not E.mul_p or operand.type.dtype != dtype:
        return None
    for mask, factor in (eqn.inputs, eqn.inputs[::-1]):
        if (isinstance(factor, Lit) or factor.type.dtype != dtype
                or not _is_identity(mask, operand.type.shape, free, contract, producers)):
            continue
        for axes in (contract, free):
            diagonal = _along(factor, operand.type.shape, axes, _shape(operand, free))
            if diagonal is not None:
                return diagonal
    return None


def _is_identity(mask, shape, free, contract, producers) -> bool:
    """Whether ``mask`` is a constant of ``shape`` which, with the ``free``
    axes flattened into rows and the ``contract`` axes into columns, is a
    square identity."""
    if mask.type.shape != shape or mask.type.size > MASK_LIMIT:
        return False
    value = constant_value(mask, producers)
    rows = math.prod(shape[a] for a in free)
    if value is None or rows != math.prod(shape[a] for a in contract):
        return False
    matrix = np.transpose(value, tuple(free) + tuple(contract)).reshape(rows, rows)
    return bool(np.array_equal(matrix, np.eye(rows)))


def _along(factor, shape, axes, diagonal_shape):
    """``factor`` (broadcast NumPy's way against an operand of ``shape``)
    as an array of ``diagonal_shape`` when it varies along ``axes`` only
    (whose flattened index is the diagonal's), else None."""
    lead = len(shape) - factor.type.ndim
    varying = [k for k, size in enumerate(factor.type.shape) if size != 1]
    if any(lead + k not in axes for k in varying):
        return None
    positions = [tuple(axes).index(lead + k) for k in varying]
    kept = reshape(factor, tuple(factor.type.shape[k] for k in varying))
    kept = transpose(kept, np.argsort(positions))
    spread = broadcast_in_dim(kept, tuple(shape[a] for a in axes), sorted(positions))
    return reshape(spread, diagonal_shape)


def constant_value(atom, producers, limit=MASK_LIMIT):
    """The value of ``atom`` when it is computed from iota and literals
    only (a Jacobian's basis), evaluated with NumPy; else None."""
    if isinstance(atom, Lit):
        return np.array(atom.value, dtype=atom.type.dtype)
    eqn = producers.get(atom)
    if (eqn is None or atom.type.size > limit
            or not (eqn.prim in _CONSTANT_BUILDERS or eqn.prim in elementwise_primitives)):
        return None
    args = [constant_value(a, producers, limit) for a in eqn.inputs]
    if any(a is None for a in args):
        return None
    return np.asarray(impls[eqn.prim](*args, **eqn.params))
