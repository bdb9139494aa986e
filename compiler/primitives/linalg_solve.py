"""Triangular solves and the factorizations solves are built from:
``triangular_solve``, ``cholesky``, ``lu`` and ``lu_pivots_to_permutation``.
Each works on stacks of matrices (the last two axes); leading axes are a
batch, so batching adds one more leading axis.  np.linalg.solve, inv, det,
slogdet and scipy.linalg's solvers are derived from them in the frontend.

Derivative rules (Giles, "An extended collection of matrix derivative
results", 2008; Murray, "Differentiation of the Cholesky decomposition",
2016), each emitting only linear primitives on tangents:

- ``X = op(A)^-1 B``: ``dX = op(A)^-1 (dB - op(dA) X)``, ``dA`` masked to
  the triangle the solve reads; linear in B, with transpose
  ``op(A)^-T ct``.
- ``A = L L^T`` (lower triangle of A read): ``dL = L Phi(L^-1 dS L^-T)``
  where dS is the symmetric tangent the lower triangle gives and Phi keeps
  the strict lower triangle and half the diagonal.
- ``P A = L U``: with ``F = L^-1 P dA U^-1``, ``dL = L tril(F, -1)`` and
  ``dU = triu(F) U``; the packed tangent is their sum.  Pivots carry no
  derivative (they are piecewise constant).
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, Zero, is_undefined, register
from .base import add_tangents, instantiate
from .elementwise import add, eq, mul, rem, sub
from .linalg_algebra import (check_matrices, diagonal, diag_embed, identity_like, in_float64,
                             matmul, mT, per_matrix, square_matrices_rule, symmetric_from_lower,
                             tril, triu,
                             triangle_mask)
from .reductions import reduce_sum
from .structural import add_batch_axis, broadcast_in_dim, convert, iota

# ------------------------------------------------------- triangular_solve ----

triangular_solve_p = Primitive("triangular_solve")
def triangular_solve(a, b, lower: bool, transpose_a: bool = False, unit_diagonal: bool = False):
    """``op(A)^-1 B`` with ``op(A) = A`` or ``A^T``, reading only the
    ``lower`` (or upper) triangle of A (and not its diagonal if
    ``unit_diagonal``).  a: (..., n, n), b: (..., n, k), equal batch shapes."""
    return bind(triangular_solve_p, a, b, lower=bool(lower), transpose_a=bool(transpose_a),
                unit_diagonal=bool(unit_diagonal))
def _triangular_solve_shape(a, b, *, lower, transpose_a, unit_diagonal):
    check_matrices("triangular_solve", a)
    check_matrices("triangular_solve", b, square=False)
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2] or a.dtype != b.dtype:
        raise ValueError(f"triangular_solve: {a} and {b} do not match as (..., n, n) and "
                         "(..., n, k) of one dtype")
    return b
def _triangular_solve_impl(a, b, *, lower, transpose_a, unit_diagonal):
    import scipy.linalg   # here: importing it costs a fifth of a second
    def solve(m, rhs):
        return scipy.linalg.solve_triangular(m, rhs, trans=int(transpose_a), lower=lower,
                                             unit_diagonal=unit_diagonal, check_finite=False)
    return per_matrix(solve, a, b)
def read_triangle(a, lower, unit_diagonal):
    """The part of ``a`` a triangular solve reads."""
    return mul(a, triangle_mask(a, lower, -1 if unit_diagonal and lower else
                                1 if unit_diagonal else 0))
def _triangular_solve_jvp(primals, tangents, *, lower, transpose_a, unit_diagonal):
    a, b = primals
    ta, tb = tangents
    x = triangular_solve(a, b, lower, transpose_a, unit_diagonal)
    rhs = tb
    if not isinstance(ta, Zero):
        da = read_triangle(ta, lower, unit_diagonal)
        rhs = add_tangents(rhs, mul(matmul(mT(da) if transpose_a else da, x), -1.0))
    if isinstance(rhs, Zero):
        return x, Zero(x.type)
    return x, triangular_solve(a, rhs, lower, transpose_a, unit_diagonal)
def _triangular_solve_transpose(ct, a, b, *, lower, transpose_a, unit_diagonal):
    if is_undefined(a):
        raise ValueError("triangular_solve is linear in its right-hand side only")
    return [None, triangular_solve(a, instantiate(ct), lower, not transpose_a, unit_diagonal)]
def with_batch_axis(args, batched):
    """Every operand with the batch axis in front (unbatched ones repeated)."""
    size = next(x.type.shape[0] for x, b in zip(args, batched) if b)
    return [x if b else add_batch_axis(x, size) for x, b in zip(args, batched)]
def _triangular_solve_batch(args, batched, *, lower, transpose_a, unit_diagonal):
    a, b = with_batch_axis(args, batched)
    return triangular_solve(a, b, lower, transpose_a, unit_diagonal), True
register(triangular_solve_p, shape=_triangular_solve_shape, impl=_triangular_solve_impl,
         jvp=_triangular_solve_jvp, transpose=_triangular_solve_transpose,
         batch=_triangular_solve_batch)


def solve_right(a, b, lower, transpose_a=False, unit_diagonal=False):
    """``B op(A)^-1``, from the left solve of the transposes."""
    return mT(triangular_solve(a, mT(b), lower, not transpose_a, unit_diagonal))


def leading_batch_rule(prim):
    """Batching for primitives on stacks: the batch axis is one more leading axis."""
    def batch_rule(args, batched, **params):
        return bind(prim, *args, **params), True
    batch_rule.__name__ = f"{prim.name}_batch"
    return batch_rule

# --------------------------------------------------------------- cholesky ----

cholesky_p = Primitive("cholesky")
def cholesky(a):
    """The lower Cholesky factor of the symmetric matrices whose lower
    triangles are a's (NumPy reads only that triangle)."""
    return bind(cholesky_p, a)
def _cholesky_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    factor = cholesky(a)
    inner = solve_right(factor, triangular_solve(factor, symmetric_from_lower(ta), True),
                        True, transpose_a=True)
    phi = sub(tril(inner), mul(diag_embed(diagonal(inner)), 0.5))
    return factor, matmul(factor, phi)
register(cholesky_p, shape=square_matrices_rule("cholesky"),
         impl=in_float64(np.linalg.cholesky), jvp=_cholesky_jvp,
         batch=leading_batch_rule(cholesky_p))

# --------------------------------------------------------------------- lu ----

lu_p = Primitive("lu", multiple_results=True)
def lu(a):
    """(packed LU, pivots): ``P A = L U`` with unit-lower L below the
    diagonal and U on and above it; pivots as LAPACK's getrf gives them
    (row i was swapped with row pivots[i], 0-based, int32)."""
    return bind(lu_p, a)
def _lu_shape(a):
    check_matrices("lu", a)
    return [a, AType(np.int32, a.shape[:-1])]
def _lu_impl(a):
    import scipy.linalg
    def factor(m):
        packed, pivots = scipy.linalg.lu_factor(m, check_finite=False)
        return packed, pivots.astype(np.int32)
    return per_matrix(factor, a)
def permutation_matrix(permutation, dtype):
    """(..., n) row order -> (..., n, n) P with ``(P A)[i] = A[perm[i]]``."""
    n = permutation.type.shape[-1]
    shape = permutation.type.shape + (n,)
    rows = broadcast_in_dim(convert(permutation, np.int64), shape,
                            tuple(range(permutation.type.ndim)))
    return convert(eq(rows, iota(np.int64, shape, len(shape) - 1)), dtype)
def _lu_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    packed, pivots = lu(a)
    lower = add(tril(packed, -1), identity_like(packed))
    upper = triu(packed)
    p = permutation_matrix(lu_pivots_to_permutation(pivots), a.type.dtype)
    f = solve_right(upper, triangular_solve(lower, matmul(p, ta), True, unit_diagonal=True),
                    False)
    tangent = add(matmul(lower, tril(f, -1)), matmul(triu(f), upper))
    return [packed, pivots], [tangent, Zero(pivots.type)]
register(lu_p, shape=_lu_shape, impl=_lu_impl, jvp=_lu_jvp, batch=leading_batch_rule(lu_p))

# ---------------------------------------------------- lu_pivots_to_permutation ----

lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")
def lu_pivots_to_permutation(pivots):
    """getrf's pivots (row swaps in order) -> the row order they make:
    ``(P A)[i] = A[perm[i]]``."""
    return bind(lu_pivots_to_permutation_p, pivots)
def _pivots_shape(pivots):
    if pivots.ndim < 1 or pivots.dtype.kind not in "iu":
        raise TypeError(f"lu_pivots_to_permutation: expected integer pivots, got {pivots}")
    return pivots
def _pivots_impl(pivots):
    perm = np.broadcast_to(np.arange(pivots.shape[-1], dtype=pivots.dtype), pivots.shape).copy()
    for index in np.ndindex(*pivots.shape[:-1]):
        row = perm[index]
        for i, p in enumerate(pivots[index]):
            row[i], row[p] = row[p], row[i]
    return perm
register(lu_pivots_to_permutation_p, shape=_pivots_shape, impl=_pivots_impl,
         batch=leading_batch_rule(lu_pivots_to_permutation_p), differentiable=False)


def pivot_parity_sign(pivots, dtype):
    """(-1) ** (number of row swaps), as ``dtype`` values (..., )."""
    n = pivots.type.shape[-1]
    swapped = convert(eq(convert(pivots, np.int64),
                         iota(np.int64, pivots.type.shape, pivots.type.ndim - 1)), dtype)
    swaps = sub(float(n), reduce_sum(swapped, (swapped.type.ndim - 1,)))
    return sub(1.0, mul(rem(swaps, 2.0), 2.0))


def lu_solve(packed, pivots, b, transpose_a=False):
    """``A^-1 b`` (or ``A^-T b``) from A's packed LU and pivots, b (..., n, k)
    with A's batch shape: ``L U x = P b`` (or ``U^T L^T P x = b``)."""
    p = permutation_matrix(lu_pivots_to_permutation(pivots), b.type.dtype)
    if transpose_a:
        z = triangular_solve(packed, b, False, transpose_a=True)
        w = triangular_solve(packed, z, True, transpose_a=True, unit_diagonal=True)
        return matmul(mT(p), w)
    y = triangular_solve(packed, matmul(p, b), True, unit_diagonal=True)
    return triangular_solve(packed, y, False)
