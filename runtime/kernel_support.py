"""Numba helpers that generated kernels call, compiled once and kept in
numjac's verified disk cache beside the kernels, never in Numba's own cache
folders (so a kernel that calls them compiles without them): array
allocation, BLAS products, and the counter-based random number generator of
compiler/primitives/random.py in uint64 arithmetic that wraps exactly as
NumPy's does; and the exception bounds checks raise (IndexOutOfBounds)."""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

import llvmlite.binding as llvm
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import get_cython_function_address, intrinsic

from ..compiler.primitives.indexing import IndexOutOfBounds  # noqa: F401  (kernels raise it)
from . import blas_threads, cache, kernel_store, special_calls, special_support
from .numba_backend import verified_cache_class

_SOURCE = Path(__file__).read_text()

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_TWO = np.uint64(2)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11))
_ULP = 2.0 ** -53


@numba.njit(inline="always")
def splitmix(state, i):
    z = state + (i + _ONE) * GAMMA
    z = (z ^ (z >> _SHIFTS[0])) * _MIX1
    z = (z ^ (z >> _SHIFTS[1])) * _MIX2
    return z ^ (z >> _SHIFTS[2])


@numba.njit(inline="always")
def unit(bits):
    """A float in [0, 1) from the top 53 bits."""
    return np.float64(bits >> _SHIFTS[3]) * _ULP


@numba.njit(inline="always")
def standard_uniform(key, j):
    return unit(splitmix(key, j))


@numba.njit(inline="always")
def standard_normal(key, j):
    """Box-Muller on two uniforms of the element's pair of counters."""
    u1 = unit(splitmix(key, _TWO * j)) + _ULP
    u2 = unit(splitmix(key, _TWO * j + _ONE))
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def cached_helper(fn, source=_SOURCE):
    """``numba.njit(fn)`` whose machine code goes through numjac's verified
    disk cache (kernel_store.py), keyed by ``source`` (this module's)."""
    dispatcher = numba.njit(fn)
    directory = cache.cache_dir()
    if directory is not None:
        digest = hashlib.sha256(source.encode()).hexdigest()[:16]
        key = f"{kernel_store.SUPPORT}{fn.__name__}_{digest}"
        entry = kernel_store.Entry(directory, key, cache.versions(), _SOURCE)
        dispatcher._cache = verified_cache_class()(entry)   # as numba_backend.load
    return dispatcher


@cached_helper
def integer_power(x, y):
    """``np.power`` of signed integers, which NumPy refuses for a negative
    exponent (Numba's returns 0)."""
    if y < 0:
        raise ValueError("Integers to negative integer powers are not allowed.")
    return np.power(x, y)


@cached_helper
def empty(shape, dtype):
    """``np.empty``, compiled once per shape rank and dtype instead of in
    every kernel."""
    return np.empty(shape, dtype)


@cached_helper
def full(shape, fill, dtype):
    return np.full(shape, fill, dtype)


@cached_helper
def contiguous(x):
    """``x`` itself if C-contiguous, else a C-contiguous copy."""
    return np.ascontiguousarray(x)


# BLAS from SciPy (which Numba loads anyway), called by symbol name so that
# cached machine code stays valid in the next process.
for _routine in ("sgemm", "dgemm"):
    llvm.add_symbol(f"numjac_{_routine}",
                    get_cython_function_address("scipy.linalg.cython_blas", _routine))
_GEMM_SYMBOLS = {types.float32: "numjac_sgemm", types.float64: "numjac_dgemm"}
_CHAR, _INT = ir.IntType(8), ir.IntType(32)


def choose_blas_threads(builder, work):
    """Machine code giving the next product of ``work`` multiply-adds one
    BLAS thread or the limit (blas_threads.py), telling the BLAS only when
    that differs from the count it was last given."""
    module = builder.module
    limit, now = (_external_int(module, name)
                  for name in (blas_threads.LIMIT_SYMBOL, blas_threads.CURRENT_SYMBOL))
    big = builder.icmp_signed(">=", work, ir.Constant(work.type, blas_threads.PARALLEL_MIN_WORK))
    threads = builder.select(big, builder.load(limit), ir.Constant(_INT, 1))
    with builder.if_then(builder.icmp_signed("!=", threads, builder.load(now)), likely=False):
        setter = cgutils.get_or_insert_function(
            module, ir.FunctionType(ir.VoidType(), [_INT]), blas_threads.SETTER_SYMBOL)
        builder.call(setter, [threads])
        builder.store(threads, now)


def _external_int(module, name):
    """The int32 that the symbol ``name`` points to, as an LLVM global."""
    if name in module.globals:
        return module.globals[name]
    variable = ir.GlobalVariable(module, _INT, name)
    variable.linkage = "external"
    return variable


@intrinsic
def gemm(typingctx, a, b, out, m, k, n):
    """``out`` = the BLAS product of ``a`` and ``b``, their C-order elements
    read as m x k, k x n and m x n matrices.  All three must be C-contiguous
    arrays of one float dtype.  Emitted inline: calling a compiled helper
    instead would make Numba link and re-optimise it into every kernel."""
    arrays = (a, b, out)
    if any(t.layout != "C" or t.dtype != out.dtype for t in arrays) or (
            out.dtype not in _GEMM_SYMBOLS):
        raise TypingError(f"gemm needs C-contiguous float arrays of one dtype, got {arrays}")

    def codegen(context, builder, sig, args):
        a_, b_, out_ = (context.make_array(t)(context, builder, v)
                        for t, v in zip(sig.args[:3], args[:3]))
        real = context.get_value_type(out.dtype)

        def slot(value):
            return cgutils.alloca_once_value(builder, value)
        no = slot(ir.Constant(_CHAR, ord("N")))
        one, zero = slot(ir.Constant(real, 1.0)), slot(ir.Constant(real, 0.0))
        m_, k_, n_ = (slot(builder.trunc(v, _INT)) for v in args[3:])
        ptr, iptr = real.as_pointer(), _INT.as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [no.type, no.type, iptr, iptr, iptr, ptr, ptr,
                                               iptr, ptr, iptr, ptr, ptr, iptr])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _GEMM_SYMBOLS[out.dtype])
        choose_blas_threads(builder, builder.mul(builder.mul(args[3], args[4]), args[5]))
        # BLAS is column-major: C = A B in C order is C^T = B^T A^T there.
        builder.call(fn, [no, no, n_, m_, k_, one, b_.data, n_, a_.data, k_, zero,
                          out_.data, n_])
        return context.get_dummy_value()
    return types.void(a, b, out, m, k, n), codegen


# scipy.special's functions that ``math`` lacks (special_support.py), keyed
# by both sources: a helper there calls the others.
_SPECIAL_SOURCE = _SOURCE + Path(special_support.__file__).read_text()
digamma = cached_helper(special_support.digamma.py_func, _SPECIAL_SOURCE)
polygamma = cached_helper(special_support.polygamma.py_func, _SPECIAL_SOURCE)
erfinv = cached_helper(special_support.erfinv.py_func, _SPECIAL_SOURCE)
erfcinv = cached_helper(special_support.erfcinv.py_func, _SPECIAL_SOURCE)
log_ndtr = cached_helper(special_support.log_ndtr.py_func, _SPECIAL_SOURCE)
expit = cached_helper(special_support.expit.py_func, _SPECIAL_SOURCE)

# scipy.special's compiled functions, called by symbol (special_calls.py):
# kernels import them as special_<name>.
globals().update({special_calls.EXTERNAL_NAMES[name]: function
                  for name, (function, _) in special_calls.CALLS.items()})
