"""LAPACK routines that Numba's np.linalg does not expose, called by symbol
name from Numba code (kernel_support.py registers the symbols and wraps the
helpers; a symbol, unlike an address, stays valid in cached machine code).

``eigh_upper`` is NumPy's ``np.linalg.eigh(a, UPLO="U")``: the same LAPACK
routine (``dsyevd``) on the same triangle, so that its eigenvectors have
NumPy's signs (decomposing the transpose's lower triangle instead gives
other signs: LAPACK reduces the two triangles differently)."""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

DSYEVD_SYMBOL = "numjac_dsyevd"
_DSYEVD_ARGS = (types.int8, types.int8, types.int32, types.float64, types.int32,
                types.float64, types.float64, types.int32, types.int32, types.int32,
                types.int32)


@intrinsic
def _dsyevd(typingctx, jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info):
    """LAPACK's dsyevd with each argument the first element of an array."""
    arrays = (jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info)
    if any(not isinstance(t, types.Array) or t.dtype != d
           for t, d in zip(arrays, _DSYEVD_ARGS)):
        raise TypingError(f"dsyevd needs arrays of {_DSYEVD_ARGS}, got {arrays}")

    def codegen(context, builder, sig, args):
        pointers = [context.make_array(t)(context, builder, v).data
                    for t, v in zip(sig.args, args)]
        fnty = ir.FunctionType(ir.VoidType(), [p.type for p in pointers])
        fn = cgutils.get_or_insert_function(builder.module, fnty, DSYEVD_SYMBOL)
        builder.call(fn, pointers)
        return context.get_dummy_value()
    return types.void(*arrays), codegen


@numba.njit
def eigh_upper(m):
    """(eigenvalues, eigenvectors) of the float64 matrix ``m`` from its
    upper triangle, as NumPy's eigh(m, UPLO="U") computes them."""
    n = m.shape[0]
    a = np.ascontiguousarray(m.T)        # m in column-major order
    w = np.empty(n)
    jobz, uplo = np.array([ord("V")], np.int8), np.array([ord("U")], np.int8)
    size, info = np.array([n], np.int32), np.zeros(1, np.int32)
    lwork, liwork = np.array([-1], np.int32), np.array([-1], np.int32)
    work, iwork = np.empty(1), np.empty(1, np.int32)
    _dsyevd(jobz, uplo, size, a, size, w, work, lwork, iwork, liwork, info)   # sizes
    lwork[0], liwork[0] = np.int32(work[0]), iwork[0]
    work, iwork = np.empty(lwork[0]), np.empty(liwork[0], np.int32)
    _dsyevd(jobz, uplo, size, a, size, w, work, lwork, iwork, liwork, info)
    if info[0] != 0:
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    return w, a.T
