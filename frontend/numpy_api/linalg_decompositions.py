"""np.linalg's decompositions and what is derived from them: eigh,
eigvalsh, svd, svdvals, qr, pinv, lstsq, cond and norm (every ``ord``,
vector and matrix; matrix_norm and vector_norm), on the ``eigh``, ``svd``
and ``qr`` primitives (compiler/primitives/linalg_spectral.py).

Where NumPy returns a result whose derivative is not unique (the extra
columns of ``svd(full_matrices=True)`` or ``qr(mode="complete")`` for a
non-square matrix), or computes with another algorithm whose vectors may
differ in sign (``hermitian=True``), the call raises and names the variant
that works.
"""
from __future__ import annotations

import numpy as np

from ..compiler.primitives.base import zeros
from ..compiler.primitives.elementwise import div, gt, mul, select, sub
from ..compiler.primitives.linalg_algebra import matmul, mT
from ..compiler.primitives.linalg_spectral import eigh as eigh_op
from ..compiler.primitives.linalg_spectral import qr as qr_op
from ..compiler.primitives.linalg_spectral import svd as svd_op
from ..compiler.primitives.reductions import reduce_max, reduce_sum
from ..compiler.primitives.structural import broadcast_in_dim, convert, reshape
from ..errors import unsupported
from ..tracer import to_atom, wrap
from .linalg_solvers import linalg_dtype, matrices
from .table import implements

_EYE = np.eye(2)
EighResult = type(np.linalg.eigh(_EYE))
SVDResult = type(np.linalg.svd(_EYE))
QRResult = type(np.linalg.qr(_EYE))
_NO_VALUE = np._NoValue


def _eigh(a, uplo):
    """eigh of the triangle NumPy reads: its routine on its triangle gives its signs."""
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return eigh_op(matrices(a, linalg_dtype(a)), lower=uplo == "L")


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    return EighResult(*map(wrap, _eigh(a, UPLO)))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    return wrap(_eigh(a, UPLO)[0])


def _refuse_hermitian(name, hermitian):
    if hermitian:
        raise unsupported(f"numpy.linalg.{name}(hermitian=True)",
                          "NumPy then computes with eigh, whose vectors may differ in sign "
                          "from the SVD's; pass hermitian=False (the default)")


def singular_values(a):
    return svd_op(a)[1]


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    _refuse_hermitian("svd", hermitian)
    a = matrices(a, linalg_dtype(a), square=False)
    if not compute_uv:
        return wrap(singular_values(a))
    m, n = a.type.shape[-2:]
    if full_matrices and m != n:
        raise unsupported("numpy.linalg.svd(full_matrices=True) of a non-square matrix",
                          "the extra columns of U or V are any orthonormal completion, "
                          "with no unique derivative; pass full_matrices=False")
    return SVDResult(*map(wrap, svd_op(a)))


@implements(np.linalg.svdvals)
def svdvals(x, /):
    return wrap(singular_values(matrices(x, linalg_dtype(x), square=False)))


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    a = matrices(a, linalg_dtype(a), square=False)
    m, n = a.type.shape[-2:]
    if mode == "raw" or (mode == "complete" and m > n):
        raise unsupported(f"numpy.linalg.qr(mode={mode!r})" +
                          (" of a matrix with more rows than columns" if mode != "raw" else ""),
                          "use mode='reduced' (the default) or mode='r'")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    q, r = qr_op(a)
    return wrap(r) if mode == "r" else QRResult(wrap(q), wrap(r))


def _inverse_above(s, cutoff):
    """1/s where s > cutoff, else 0 (NumPy's treatment of small singular
    values); the discarded ones never divide, so no NaN reaches derivatives."""
    large = gt(s, cutoff)
    return select(large, div(1.0, select(large, s, 1.0)), 0.0)


def _cutoff(s, rcond):
    """rcond (broadcast over the batch) times the largest singular value."""
    rcond = to_atom(rcond, s.type.dtype)
    largest = reduce_max(s, (s.type.ndim - 1,))
    product = mul(broadcast_in_dim(rcond, largest.type.shape,
                                   range(largest.type.ndim - rcond.type.ndim,
                                         largest.type.ndim)), largest)
    return broadcast_in_dim(product, s.type.shape, range(s.type.ndim - 1))


def _pseudo_inverse(a, rcond):
    u, s, vh = svd_op(a)
    inverse_s = _inverse_above(s, _cutoff(s, rcond))
    ut = mT(u)
    scaled = mul(broadcast_in_dim(inverse_s, ut.type.shape, range(inverse_s.type.ndim)), ut)
    return matmul(mT(vh), scaled), s


@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    _refuse_hermitian("pinv", hermitian)
    a = matrices(a, linalg_dtype(a), square=False)
    m, n = a.type.shape[-2:]
    if rcond is None:
        rcond = (1e-15 if rtol is _NO_VALUE else
                 max(m, n) * np.finfo(a.type.dtype).eps if rtol is None else rtol)
    elif rtol is not _NO_VALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if m == 0 or n == 0:
        return wrap(zeros(a.type.with_shape(a.type.shape[:-2] + (n, m))))
    return wrap(_pseudo_inverse(a, rcond)[0])


@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """Residuals are returned whenever m > n (NumPy returns an empty array
    instead when a is rank-deficient, which a trace cannot know)."""
    dtype = linalg_dtype(a, b)
    a, b = to_atom(a, dtype), to_atom(b, dtype)
    vector = b.type.ndim == 1
    if vector:
        b = reshape(b, b.type.shape + (1,))
    if a.type.ndim != 2 or b.type.ndim != 2:
        raise np.linalg.LinAlgError(f"{max(a.type.ndim, b.type.ndim)}-dimensional array "
                                    "given. Array must be two-dimensional")
    m, n = a.type.shape
    if b.type.shape[0] != m:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    if rcond is None:
        rcond = np.finfo(np.float64).eps * max(m, n)
    pseudo_inverse, s = _pseudo_inverse(a, rcond)
    x = matmul(pseudo_inverse, b)
    rank = reduce_sum(convert(gt(s, _cutoff(s, rcond)), np.int32), (0,))
    if m > n:
        residual = sub(b, matmul(a, x))
        residuals = reduce_sum(mul(residual, residual), (0,))
    else:
        residuals = zeros(b.type.with_shape((0,)))
    if vector:
        x = reshape(x, (n,))
    return wrap(x), wrap(residuals), wrap(rank), wrap(s)

