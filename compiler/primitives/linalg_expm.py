"""The matrix exponential: ``expm`` and its Frechet derivative
``expm_frechet``, on stacks of square matrices.

``expm_frechet(A, E) = L(A, E)``, the derivative of expm at A along E, is
the tangent of expm.  It is linear in E, with transpose
``L(A, .)^T = L(A^T, .)`` (Najfeld and Havel, 1995), and is the upper right
block of ``expm([[A, E], [0, A]])`` (Mathias, 1996), so its own tangent is
the upper right block of ``L(M, dM)`` with ``M = [[A, E], [0, A]]``,
``dM = [[dA, dE], [0, dA]]``: every order of derivative is again an
expm_frechet, of a matrix twice as large per order.
"""
from __future__ import annotations

from ..builder import bind
from ..rules import Primitive, Zero, is_undefined, register
from .base import instantiate
from .linalg_algebra import check_matrices, in_float64, mT, per_matrix, square_matrices_rule
from .linalg_solve import leading_batch_rule, with_batch_axis
from .structural import concatenate, pad, slice_axis

# ------------------------------------------------------------------ expm ----

expm_p = Primitive("expm")
def expm(a):
    return bind(expm_p, a)
def _expm(m):
    import scipy.linalg   # here: importing it costs a fifth of a second
    return scipy.linalg.expm(m)
def _expm_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    return expm(a), expm_frechet(a, ta)
register(expm_p, shape=square_matrices_rule("expm"), impl=in_float64(_expm),
         jvp=_expm_jvp, batch=leading_batch_rule(expm_p))

# ---------------------------------------------------------- expm_frechet ----

expm_frechet_p = Primitive("expm_frechet")
def expm_frechet(a, e):
    """The derivative of expm at ``a`` along ``e`` (linear in ``e``)."""
    return bind(expm_frechet_p, a, e)
def _expm_frechet_shape(a, e):
    check_matrices("expm_frechet", a)
    if a != e:
        raise ValueError(f"expm_frechet: {a} and {e} must have one type")
    return a
def _expm_frechet_impl(a, e):
    import scipy.linalg
    def frechet(m, direction):
        return scipy.linalg.expm_frechet(m, direction, compute_expm=False, check_finite=False)
    return per_matrix(frechet, a, e)
def _block_upper(a, e):
    """[[a, e], [0, a]] (..., 2n, 2n); linear in (a, e) jointly."""
    last = a.type.ndim - 1
    n = a.type.shape[-1]
    low = (0,) * last + (n,)
    bottom = pad(a, low, (0,) * (last + 1))
    return concatenate([concatenate([a, e], last), bottom], last - 1)
def _upper_right(x, n):
    last = x.type.ndim - 1
    return slice_axis(slice_axis(x, last - 1, 0, n), last, n, 2 * n)
def _expm_frechet_jvp(primals, tangents):
    (a, e), (ta, te) = primals, tangents
    n = a.type.shape[-1]
    ans = expm_frechet(a, e)
    if isinstance(ta, Zero):
        return ans, expm_frechet(a, te)
    block = _block_upper(a, e)
    block_tangent = _block_upper(ta, instantiate(te))
    return ans, _upper_right(expm_frechet(block, block_tangent), n)
def _expm_frechet_transpose(ct, a, e):
    if is_undefined(a):
        raise ValueError("expm_frechet is linear in its direction only")
    return [None, expm_frechet(mT(a), instantiate(ct))]
def _expm_frechet_batch(args, batched):
    a, e = with_batch_axis(args, batched)
    return expm_frechet(a, e), True
register(expm_frechet_p, shape=_expm_frechet_shape, impl=_expm_frechet_impl,
         jvp=_expm_frechet_jvp, transpose=_expm_frechet_transpose, batch=_expm_frechet_batch)
