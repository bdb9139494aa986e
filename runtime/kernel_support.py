"""Numba helpers that generated kernels call, compiled once and kept in
numjac's verified disk cache beside the kernels, never in Numba's own cache
folders (so a kernel that calls them compiles without them): array
allocation, BLAS products, the additions of numjac's own sums
(``reassociable_add``), and the counter-based random number generator of
compiler/primitives/random.py in uint64 arithmetic that wraps exactly as
NumPy's does; and the exception bounds checks raise (IndexOutOfBounds).
The BLAS product ``gemm`` is in kernel_blas.py, imported only by a kernel
that calls it (``from numjac.runtime.kernel_support import gemm`` goes
through this module's ``__getattr__``): finding SciPy's BLAS imports
scipy.linalg, a fifth of a second that kernels without products skip."""
from __future__ import annotations

import hashlib
import importlib
import math
from pathlib import Path

import numba
import numpy as np
from numba import prange  # noqa: F401  (kernels import prange from here)
from numba.core import cgutils, errors, types
from numba.extending import intrinsic

from ..compiler.primitives.indexing import IndexOutOfBounds  # noqa: F401  (kernels raise it)
from . import cache, huge_pages, kernel_store, special_calls
from .numba_backend import verified_cache_class

_SOURCE = Path(__file__).read_text()
# What helpers defined elsewhere add to their own source in their cache key.
SUPPORT_SOURCE = _SOURCE

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


@intrinsic
def reassociable_add(typingctx, acc, x):
    """``acc + x`` marked reassociable (LLVM's ``fadd reassoc``), nothing
    else: the loop vectorizer may then split a sum over a loop into SIMD
    lanes added in another order, as NumPy's own sums do (pairwise, in SIMD
    lanes).  Kernels use it only in the accumulators of sums whose order is
    numjac's to choose (np.sum, the contraction of a product planned as
    loops); the rest of the kernel keeps strict IEEE arithmetic (no
    contraction into FMA, no assumption about NaN, infinities or signed
    zeros).  An intrinsic, so the flag lands in the kernel's own code
    (a fastmath helper function would carry it only if LLVM inlined it)."""
    if not isinstance(acc, types.Float) or not isinstance(x, (types.Float, types.Integer,
                                                              types.Boolean)):
        return None

    def codegen(context, builder, signature, args):
        term = context.cast(builder, args[1], x, acc)
        return builder.fadd(args[0], term, flags=("reassoc",))
    return acc(acc, x), codegen


def cached_helper(fn, source=_SOURCE):
    """``numba.njit(fn)`` whose machine code goes through numjac's verified
    disk cache (kernel_store.py), keyed by ``source`` (this module's)."""
    dispatcher = numba.njit(fn)
    directory = cache.cache_dir()
    if directory is not None:
        # Named by the versions too: processes of two versions (two checkouts
        # sharing the cache) then keep apart instead of rebuilding each other's.
        named_by = "\n".join((source,) + cache.versions())
        digest = hashlib.sha256(named_by.encode()).hexdigest()[:16]
        key = f"{kernel_store.SUPPORT}{fn.__name__}_{digest}"
        entry = kernel_store.Entry(directory, key, cache.versions(), _SOURCE)
        dispatcher._cache = verified_cache_class()(entry)   # as numba_backend.load
    return dispatcher


@cached_helper
def integer_power(x, y):
    """``np.power`` of integers: exact, wrapping as NumPy's (Numba's
    np.power goes through float64 and gives 0 for a negative exponent, which
    NumPy refuses; its ``**`` misreads an unsigned exponent past 2**63)."""
    if y < 0:
        raise ValueError("Integers to negative integer powers are not allowed.")
    result = x - x + x ** 0
    while y:     # by squaring: the low bits of every product are exact
        if y & 1:
            result *= x
        y >>= 1
        x *= x
    return result


# Integer division as NumPy does it: Numba's np.fmod of signed integers takes
# the divisor's sign, and MIN // -1 or MIN % -1 trap (SIGFPE) or give 0.
# NumPy answers 0 for a zero divisor and wraps MIN // -1 to MIN.
@cached_helper
def integer_floor_divide(x, y):
    if y == 0:
        return x - x
    if y == -1:
        return -x
    return x // y


@cached_helper
def integer_divide(x, y):
    """C's x / y (truncating), which NumPy's np.reciprocal of integers is:
    0 for a zero divisor, MIN / -1 wrapping."""
    if y == 0:
        return x - x
    if y == -1:
        return -x
    q = x // y
    if q < 0 and q * y != x:
        q += 1
    return q


@cached_helper
def integer_remainder(x, y):
    if y == 0 or y == -1:
        return x - x
    return x % y


@cached_helper
def integer_fmod(x, y):
    """The remainder with the dividend's sign (C's %)."""
    if y == 0 or y == -1:
        return x - x
    r = x % y
    if r != 0 and (r < 0) != (x < 0):
        r -= y
    return r


@cached_helper
def float_divmod(a, b):
    """NumPy's divmod of floats (its npy_divmod): the quotient from fmod,
    snapped to an integer, so 1.0 // 0.1 is 9.0 as in NumPy and Python (Numba's
    floor(a / b) gives 10.0) and inf // 3.0 is NaN; the remainder has the
    divisor's sign, a zero one too.  In float64: float32 operands are exact
    in it and the result is cast back."""
    mod = np.fmod(a, b)
    if b == 0:
        return np.divide(a, b), mod
    div = (a - mod) / b
    if mod != 0:
        if (b < 0) != (mod < 0):
            mod += b
            div -= 1.0
    else:
        mod = math.copysign(0.0, b)
    if div == 0:
        return math.copysign(0.0, a / b), mod
    floordiv = np.floor(div)
    if div - floordiv > 0.5:
        floordiv += 1.0
    return floordiv, mod


# The helpers that allocate inline huge_pages.advise_huge_pages: their key
# holds its source too.
_ALLOCATION_SOURCE = _SOURCE + Path(huge_pages.__file__).read_text()


@intrinsic
def new_array(typingctx, shape, dtype):
    """``np.empty(shape, dtype)`` (C order) lowered here rather than through
    Numba's ``np.empty``: that one compiles to functions of Numba's array
    module, whose environments a cached kernel would rebuild on every load,
    importing that module (20 ms of a warm first call, docs/benchmarks.md)."""
    ndim = len(shape) if isinstance(shape, types.BaseTuple) else -1
    if ndim < 0 or not all(isinstance(size, types.Integer) for size in shape):
        raise errors.TypingError(f"new_array: shape must be a tuple of integers, not {shape}")
    if not isinstance(dtype, (types.DType, types.NumberClass)):
        raise errors.TypingError(f"new_array: dtype must be a NumPy dtype, not {dtype}")
    element = dtype.dtype if isinstance(dtype, types.DType) else dtype.instance_type
    array_type = types.Array(element, ndim, "C")

    def codegen(context, builder, signature, args):
        intp = context.get_value_type(types.intp)
        sizes = [context.cast(builder, size, size_type, types.intp) for size, size_type
                 in zip(cgutils.unpack_tuple(builder, args[0], ndim), shape)]
        itemsize = context.get_abi_sizeof(context.get_data_type(element))
        strides, nbytes = _c_strides_and_bytes(context, builder, sizes, itemsize)
        align = context.get_preferred_array_alignment(element)
        meminfo = context.nrt.meminfo_alloc_aligned(builder, nbytes, align)
        with builder.if_then(cgutils.is_null(builder, meminfo), likely=False):
            context.call_conv.return_user_exc(builder, MemoryError, ("cannot allocate an array",))
        data = builder.bitcast(context.nrt.meminfo_data(builder, meminfo),
                               context.get_data_type(element).as_pointer())
        array = context.make_array(array_type)(context, builder)
        from numba.np.arrayobj import populate_array   # compiling only: no import on a load
        populate_array(array, data=data, shape=cgutils.pack_array(builder, sizes, ty=intp),
                       strides=cgutils.pack_array(builder, strides, ty=intp),
                       itemsize=context.get_constant(types.intp, itemsize), meminfo=meminfo)
        return array._getvalue()
    return array_type(shape, dtype), codegen


def _c_strides_and_bytes(context, builder, sizes, itemsize):
    """The C-order strides of an array of ``sizes`` and its size in bytes,
    raising NumPy's ValueErrors for a negative size or a size overflowing."""
    zero = context.get_constant(types.intp, 0)
    bad_size = cgutils.false_bit
    for size in sizes:
        bad_size = builder.or_(bad_size, builder.icmp_signed("<", size, zero))
    with builder.if_then(bad_size, likely=False):
        context.call_conv.return_user_exc(builder, ValueError,
                                          ("negative dimensions are not allowed",))
    strides, total, overflow = [], context.get_constant(types.intp, itemsize), bad_size
    for size in reversed(sizes):
        strides.insert(0, total)
        product = builder.smul_with_overflow(total, size)
        total = builder.extract_value(product, 0)
        overflow = builder.or_(overflow, builder.extract_value(product, 1))
    with builder.if_then(overflow, likely=False):
        context.call_conv.return_user_exc(builder, ValueError, ("array is too big",))
    return strides, total


def empty(shape, dtype):
    """``np.empty``, compiled once per shape rank and dtype instead of in
    every kernel; a big array on huge pages (huge_pages.py)."""
    out = new_array(shape, dtype)
    huge_pages.advise_huge_pages(out)
    return out


def full(shape, fill, dtype):
    out = new_array(shape, dtype)
    huge_pages.advise_huge_pages(out)
    out[...] = fill
    return out


empty = cached_helper(empty, _ALLOCATION_SOURCE)
full = cached_helper(full, _ALLOCATION_SOURCE)


@cached_helper
def contiguous(x):
    """``x`` itself if C-contiguous, else a C-contiguous copy."""
    return np.ascontiguousarray(x)


# Helpers that import scipy.linalg, loaded on a kernel's first use of one
# (its module's import line), so that other kernels never import SciPy;
# scipy.special's compiled functions likewise (special_<name>, special_calls.py),
# and the special functions of special_support.py (kernel_special.py).
_LOADED_LATER = {"gemm": "kernel_blas", "gemm_alone": "kernel_blas",
                 "blas_one_thread": "kernel_blas", "eigh_upper": "kernel_lapack",
                 "sqrtm": "kernel_lapack", "solve_sylvester": "kernel_lapack",
                 **dict.fromkeys(("digamma", "polygamma", "erfinv", "erfcinv", "log_ndtr",
                                  "expit"), "kernel_special")}


def __getattr__(name):
    if name in _LOADED_LATER:
        return getattr(importlib.import_module(f".{_LOADED_LATER[name]}", __package__), name)
    if name in special_calls.EXTERNAL_NAMES.values():
        return special_calls.external(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
