"""The Sylvester equation and the matrix square root, on stacks of square
matrices (leading axes are a batch); the interpreter calls SciPy.

``sylvester(A, B, Q)`` is the X of ``A X + X B = Q`` (A m x m, B n x n, Q
and X m x n; scipy.linalg.solve_sylvester, Bartels and Stewart 1972).  It
is linear in Q.  Rules, from differentiating the equation:

- tangent: ``A dX + dX B = dQ - dA X - X dB``, so
  ``dX = sylvester(A, B, dQ - dA X - X dB)``;
- transpose in Q: the operator ``X -> A X + X B`` has the adjoint
  ``Y -> A^T Y + Y B^T``, so the cotangent of Q is ``sylvester(A^T, B^T, ct)``.

``sqrtm(A)`` is the principal square root X (``X X = A``,
scipy.linalg.sqrtm), for real matrices whose square root is real (a
matrix with negative real eigenvalues raises).  Its tangent solves
``X dX + dX X = dA``: ``dX = sylvester(X, X, dA)`` (as in Higham,
"Functions of Matrices", 2008, on the Frechet derivative of the square root).
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, Zero, is_undefined, register
from .base import add_tangents, instantiate
from .elementwise import mul
from .linalg_algebra import check_matrices, in_float64, matmul, mT, per_matrix
from .linalg_algebra import square_matrices_rule
from .linalg_solve import leading_batch_rule, with_batch_axis

# --------------------------------------------------------------- sylvester ----

sylvester_p = Primitive("sylvester")
def sylvester(a, b, q):
    """X with ``a X + X b = q`` (linear in ``q``)."""
    return bind(sylvester_p, a, b, q)
def _sylvester_shape(a, b, q):
    for x in (a, b):
        check_matrices("sylvester", x)
    check_matrices("sylvester", q, square=False)
    batch = q.shape[:-2]
    if a.shape != batch + a.shape[-1:] * 2 or b.shape != batch + b.shape[-1:] * 2 or \
            q.shape[-2:] != (a.shape[-1], b.shape[-1]) or not a.dtype == b.dtype == q.dtype:
        raise ValueError(f"sylvester: a {a}, b {b} and q {q} do not fit a X + X b = q")
    return AType(q.dtype, q.shape)
def sylvester_of_matrices(a, b, q):
    """scipy.linalg.solve_sylvester of one triple of float64 matrices."""
    import scipy.linalg     # imported on use: it costs more than the rest of numjac
    return scipy.linalg.solve_sylvester(a, b, q)
def _sylvester_impl(a, b, q):
    return per_matrix(sylvester_of_matrices, a, b, q)
def _sylvester_jvp(primals, tangents):
    (a, b, q), (ta, tb, tq) = primals, tangents
    x = sylvester(a, b, q)
    rhs = tq
    if not isinstance(ta, Zero):
        rhs = add_tangents(rhs, mul(matmul(ta, x), -1.0))
    if not isinstance(tb, Zero):
        rhs = add_tangents(rhs, mul(matmul(x, tb), -1.0))
    if isinstance(rhs, Zero):
        return x, Zero(x.type)
    return x, sylvester(a, b, rhs)
def _sylvester_transpose(ct, a, b, q):
    if is_undefined(a) or is_undefined(b):
        raise ValueError("sylvester is linear in its right-hand side only")
    return [None, None, sylvester(mT(a), mT(b), instantiate(ct))]
def _sylvester_batch(args, batched):
    return sylvester(*with_batch_axis(args, batched)), True
register(sylvester_p, shape=_sylvester_shape, impl=_sylvester_impl, jvp=_sylvester_jvp,
         transpose=_sylvester_transpose, batch=_sylvester_batch)

# ------------------------------------------------------------------- sqrtm ----

sqrtm_p = Primitive("sqrtm")
def sqrtm(a):
    """The principal square root of each (real-rooted) matrix of the stack."""
    return bind(sqrtm_p, a)
def real_sqrtm(m):
    """scipy.linalg.sqrtm of one float64 matrix, refusing a complex root."""
    import scipy.linalg
    root = scipy.linalg.sqrtm(m)
    if np.iscomplexobj(root):
        raise np.linalg.LinAlgError(
            "scipy.linalg.sqrtm: the matrix has no real square root (it has negative real "
            "eigenvalues); numjac computes with real numbers only")
    return root
def _sqrtm_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    x = sqrtm(a)
    return x, sylvester(x, x, ta)
register(sqrtm_p, shape=square_matrices_rule("sqrtm"),
         impl=in_float64(lambda m: per_matrix(real_sqrtm, m)), jvp=_sqrtm_jvp,
         batch=leading_batch_rule(sqrtm_p))
