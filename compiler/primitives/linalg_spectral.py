"""The orthogonal decompositions: ``eigh``, ``svd`` and ``qr``, on stacks of
real matrices (leading axes are a batch).  np.linalg.eigvalsh, pinv,
lstsq, the matrix 2-norms and the nuclear norm are derived from them in
the frontend.

Derivative rules (Giles 2008; Townsend, "Differentiating the singular
value decomposition", 2016; Walter, Lehmann and Lamour, "On evaluating
higher-order derivatives of the QR decomposition", 2012).  Real
eigenvectors and singular vectors are unique up to sign; the sign the
decomposition picked is kept (the rules give ``v_i . dv_i = 0``), and the
rules hold where the eigenvalues (singular values) are distinct (and the
singular values nonzero): equal ones divide by zero.

- ``A = V diag(w) V^T`` from the lower (or upper) triangle of A: with ``M = V^T dS V``
  (dS the symmetric tangent the lower triangle gives), ``dw = diag(M)``
  and ``dV = V (F o M)``, ``F_ij = 1 / (w_j - w_i)`` off the diagonal.
- Thin ``A = U diag(s) V^T``: with ``dP = U^T dA V`` and
  ``F_ij = 1 / (s_j^2 - s_i^2)``: ``ds = diag(dP)``,
  ``dU = U (F o (dP S + S dP^T)) + (dA V - U dP) S^-1``,
  ``dV = V (F o (S dP + dP^T S)) + (dA^T U - V dP^T) S^-1``.
- Reduced ``A = Q R`` (k = min(m, n), A1 and R1 the first k columns):
  ``X = Q^T dA1 R1^-1``, ``W = tril(X, -1) - tril(X, -1)^T``,
  ``dR1 = (X - W) R1``, ``dQ = dA1 R1^-1 - Q (X - W)``, and the further
  columns ``dR2 = dQ^T A2 + Q^T dA2``.
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, register
from .elementwise import add, div, mul, sub
from .linalg_algebra import (check_matrices, diagonal, in_float64, matmul, mT,
                             off_diagonal_inverse_gaps, symmetric_from_lower, tril)
from .linalg_solve import leading_batch_rule, solve_right
from .structural import broadcast_in_dim, concatenate, slice_axis


def _scale_columns(x, s):
    """``x @ diag(s)``: column j of each matrix times s[..., j]."""
    nd = x.type.ndim
    return mul(x, broadcast_in_dim(s, x.type.shape, tuple(range(nd - 2)) + (nd - 1,)))


def _scale_rows(x, s):
    """``diag(s) @ x``."""
    nd = x.type.ndim
    return mul(x, broadcast_in_dim(s, x.type.shape, tuple(range(nd - 1))))

# ------------------------------------------------------------------- eigh ----

eigh_p = Primitive("eigh", multiple_results=True)
def eigh(a, lower=True):
    """(eigenvalues ascending (..., n), eigenvectors as columns (..., n, n))
    of the symmetric matrices whose lower (upper) triangles are a's.  LAPACK
    reduces the two triangles differently, so the eigenvectors' signs depend
    on which one is read: NumPy's UPLO, kept."""
    return bind(eigh_p, a, lower=lower)
def _eigh_shape(a, lower):
    check_matrices("eigh", a)
    return [AType(a.dtype, a.shape[:-1]), a]
def _eigenpairs(a, lower):
    return in_float64(lambda m: tuple(np.linalg.eigh(m, "L" if lower else "U")))(a)
def _eigh_jvp(primals, tangents, lower):
    (a,), (ta,) = primals, tangents
    w, v = eigh(a, lower)
    m = matmul(mT(v), matmul(symmetric_from_lower(ta if lower else mT(ta)), v))
    dv = matmul(v, mul(off_diagonal_inverse_gaps(w), m))
    return [w, v], [diagonal(m), dv]
register(eigh_p, shape=_eigh_shape, impl=_eigenpairs, jvp=_eigh_jvp,
         batch=leading_batch_rule(eigh_p))

# -------------------------------------------------------------------- svd ----

svd_p = Primitive("svd", multiple_results=True)
def svd(a):
    """The thin SVD (U (..., m, k), s (..., k) descending, Vh (..., k, n)),
    k = min(m, n)."""
    return bind(svd_p, a)
def _svd_shape(a):
    check_matrices("svd", a, square=False)
    (m, n), k = a.shape[-2:], min(a.shape[-2:])
    batch = a.shape[:-2]
    return [AType(a.dtype, batch + (m, k)), AType(a.dtype, batch + (k,)),
            AType(a.dtype, batch + (k, n))]
def _thin_svd(a):
    return tuple(np.linalg.svd(a, full_matrices=False))
def _svd_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    u, s, vh = svd(a)
    v = mT(vh)
    dp = matmul(mT(u), matmul(ta, v))
    gaps = off_diagonal_inverse_gaps(mul(s, s))
    inverse_s = div(1.0, s)
    du = add(matmul(u, mul(gaps, add(_scale_columns(dp, s), _scale_rows(mT(dp), s)))),
             _scale_columns(sub(matmul(ta, v), matmul(u, dp)), inverse_s))
    dv = add(matmul(v, mul(gaps, add(_scale_rows(dp, s), _scale_columns(mT(dp), s)))),
             _scale_columns(sub(matmul(mT(ta), u), matmul(v, mT(dp))), inverse_s))
    return [u, s, vh], [du, diagonal(dp), mT(dv)]
register(svd_p, shape=_svd_shape, impl=in_float64(_thin_svd), jvp=_svd_jvp,
         batch=leading_batch_rule(svd_p))

# --------------------------------------------------------------------- qr ----

qr_p = Primitive("qr", multiple_results=True)
def qr(a):
    """The reduced QR decomposition (Q (..., m, k), R (..., k, n)), k = min(m, n)."""
    return bind(qr_p, a)
def _qr_shape(a):
    check_matrices("qr", a, square=False)
    (m, n), k = a.shape[-2:], min(a.shape[-2:])
    return [AType(a.dtype, a.shape[:-2] + (m, k)), AType(a.dtype, a.shape[:-2] + (k, n))]
def _reduced_qr(a):
    return tuple(np.linalg.qr(a))
def _first_columns(x, k):
    return slice_axis(x, x.type.ndim - 1, 0, k)
def _qr_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    q, r = qr(a)
    n, k = a.type.shape[-1], q.type.shape[-1]
    r1, da1 = _first_columns(r, k), _first_columns(ta, k)
    x = solve_right(r1, matmul(mT(q), da1), False)
    below = tril(x, -1)
    upper_part = sub(x, sub(below, mT(below)))     # X - W
    dq = sub(solve_right(r1, da1, False), matmul(q, upper_part))
    dr = matmul(upper_part, r1)
    if n > k:
        last = a.type.ndim - 1
        a2, da2 = slice_axis(a, last, k, n), slice_axis(ta, last, k, n)
        dr = concatenate([dr, add(matmul(mT(dq), a2), matmul(mT(q), da2))], last)
    return [q, r], [dq, dr]
register(qr_p, shape=_qr_shape, impl=in_float64(_reduced_qr), jvp=_qr_jvp,
         batch=leading_batch_rule(qr_p))
