"""The BLAS product that generated kernels call (``kernel_support.gemm``,
loaded from here on first use): SciPy's dgemm and sgemm (gemv for a
matrix times a vector), called by symbol
name so that cached machine code links in the next process, with the
thread choice of blas_threads.py made in the machine code.  Importing this
module imports scipy.linalg (SciPy's BLAS) and registers the symbols; a
cached kernel that calls gemm imports it (through its kernel module's
import line) before its machine code is linked."""
from __future__ import annotations

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import get_cython_function_address, intrinsic

from . import blas_threads

# Called by symbol name, so that cached machine code stays valid in the next process.
for _routine in ("sgemm", "dgemm", "sgemv", "dgemv"):
    llvm.add_symbol(f"numjac_{_routine}",
                    get_cython_function_address("scipy.linalg.cython_blas", _routine))
_GEMM_SYMBOLS = {types.float32: "numjac_sgemm", types.float64: "numjac_dgemm"}
_GEMV_SYMBOLS = {types.float32: "numjac_sgemv", types.float64: "numjac_dgemv"}
_CHAR, _INT = ir.IntType(8), ir.IntType(32)


def choose_blas_threads(builder, work):
    """Machine code giving the next product of ``work`` multiply-adds one
    BLAS thread or the threads free for it (blas_threads.py), telling the BLAS only when
    that differs from the count it was last given."""
    module = builder.module
    limit, now = (_external_int(module, name)
                  for name in (blas_threads.LIMIT_SYMBOL, blas_threads.CURRENT_SYMBOL))
    big = builder.icmp_signed(">=", work, ir.Constant(work.type, blas_threads.PARALLEL_MIN_WORK))
    with builder.if_then(big):      # the limit may follow the machine's load
        _count_down_to_refresh(builder)
    threads = builder.select(big, builder.load(limit), ir.Constant(_INT, 1))
    with builder.if_then(builder.icmp_signed("!=", threads, builder.load(now)), likely=False):
        setter = cgutils.get_or_insert_function(
            module, ir.FunctionType(ir.VoidType(), [_INT]), blas_threads.SETTER_SYMBOL)
        builder.call(setter, [threads])
        builder.store(threads, now)


def _count_down_to_refresh(builder):
    """Machine code calling blas_threads.refresh once in REFRESH_EVERY big
    products (a Python call: a third of a microsecond)."""
    module = builder.module
    countdown = _external_int(module, blas_threads.COUNTDOWN_SYMBOL)
    left = builder.load(countdown)
    due = builder.icmp_signed("<=", left, ir.Constant(_INT, 0))
    with builder.if_else(due, likely=False) as (now, later):
        with now:
            refresh = cgutils.get_or_insert_function(
                module, ir.FunctionType(ir.VoidType(), []), blas_threads.REFRESH_SYMBOL)
            builder.call(refresh, [])       # which starts the countdown again
        with later:
            builder.store(builder.sub(left, ir.Constant(_INT, 1)), countdown)


def _external_int(module, name):
    """The int32 that the symbol ``name`` points to, as an LLVM global."""
    if name in module.globals:
        return module.globals[name]
    variable = ir.GlobalVariable(module, _INT, name)
    variable.linkage = "external"
    return variable


def _gemm_signature(a, b, out):
    arrays = (a, b, out)
    if any(t.layout != "C" or t.dtype != out.dtype for t in arrays) or (
            out.dtype not in _GEMM_SYMBOLS):
        raise TypingError(f"gemm needs C-contiguous float arrays of one dtype, got {arrays}")


def _gemm_codegen(choose_threads):
    """The machine code of one product (see ``gemm``), choosing the BLAS's
    threads first if ``choose_threads``.  A matrix times a vector calls
    gemv: gemm would first copy (pack) the whole matrix, which doubles the
    memory read by a product that does one multiply-add per element."""
    def codegen(context, builder, sig, args):
        out = sig.args[2]
        a_, b_, out_ = (context.make_array(t)(context, builder, v)
                        for t, v in zip(sig.args[:3], args[:3]))
        real = context.get_value_type(out.dtype)

        def slot(value):
            return cgutils.alloca_once_value(builder, value)
        no, yes = slot(ir.Constant(_CHAR, ord("N"))), slot(ir.Constant(_CHAR, ord("T")))
        one, zero = slot(ir.Constant(real, 1.0)), slot(ir.Constant(real, 0.0))
        m_, k_, n_ = (slot(builder.trunc(v, _INT)) for v in args[3:6])
        step = slot(ir.Constant(_INT, 1))
        ptr, iptr = real.as_pointer(), _INT.as_pointer()
        gemm_type = ir.FunctionType(ir.VoidType(), [no.type, no.type, iptr, iptr, iptr, ptr,
                                                    ptr, iptr, ptr, iptr, ptr, ptr, iptr])
        gemv_type = ir.FunctionType(ir.VoidType(), [no.type, iptr, iptr, ptr, ptr, iptr, ptr,
                                                    iptr, ptr, ptr, iptr])
        gemm_fn = cgutils.get_or_insert_function(builder.module, gemm_type,
                                                 _GEMM_SYMBOLS[out.dtype])
        gemv_fn = cgutils.get_or_insert_function(builder.module, gemv_type,
                                                 _GEMV_SYMBOLS[out.dtype])
        if choose_threads:
            choose_blas_threads(builder, builder.mul(builder.mul(args[3], args[4]), args[5]))
        # BLAS is column-major: C = A B in C order is C^T = B^T A^T there,
        # and a C-order m x k matrix is a column-major k x m one.  An ``a``
        # flagged transposed holds A^T in C order, a column-major A, which
        # the BLAS reads with the other op ("T" for "N").
        a_t = builder.icmp_signed("!=", args[6], ir.Constant(args[6].type, 0))

        def pick(when_transposed, otherwise):
            return slot(builder.select(a_t, builder.load(when_transposed),
                                       builder.load(otherwise)))
        single = ir.Constant(args[5].type, 1)
        with builder.if_else(builder.icmp_signed("==", args[5], single)) as (column, other):
            with column:        # out = A b: (A^T)^T times b, or A times b
                rows, cols = pick(m_, k_), pick(k_, m_)
                builder.call(gemv_fn, [pick(no, yes), rows, cols, one, a_.data, rows,
                                       b_.data, step, zero, out_.data, step])
            with other:
                with builder.if_else(builder.icmp_signed("==", args[3], single)) as (row, full):
                    with row:   # out = a B: B^T times a
                        builder.call(gemv_fn, [no, n_, k_, one, b_.data, n_, a_.data, step,
                                               zero, out_.data, step])
                    with full:
                        builder.call(gemm_fn, [no, pick(yes, no), n_, m_, k_, one, b_.data,
                                               n_, a_.data, pick(m_, k_), zero, out_.data,
                                               n_])
        return context.get_dummy_value()
    return codegen


@intrinsic
def gemm(typingctx, a, b, out, m, k, n, a_transposed):
    """``out`` = the BLAS product of ``a`` and ``b``, their C-order elements
    read as m x k, k x n and m x n matrices (k x m for ``a`` if
    ``a_transposed`` is not 0: it holds the transpose of the m x k
    matrix).  All three must be C-contiguous arrays of one float dtype.
    Emitted inline: calling a compiled helper instead would make Numba
    link and re-optimise it into every kernel."""
    _gemm_signature(a, b, out)
    return types.void(a, b, out, m, k, n, a_transposed), _gemm_codegen(choose_threads=True)


@intrinsic
def gemm_alone(typingctx, a, b, out, m, k, n, a_transposed):
    """``gemm`` leaving the BLAS's threads as they are: for the iterations
    of a parallel loop, after ``blas_one_thread`` (several threads changing
    the BLAS's setting at once would race, and each product on several
    BLAS threads would oversubscribe the cores)."""
    _gemm_signature(a, b, out)
    return types.void(a, b, out, m, k, n, a_transposed), _gemm_codegen(choose_threads=False)


@intrinsic
def blas_one_thread(typingctx):
    """Give the BLAS one thread (before a parallel loop making products)."""
    def codegen(context, builder, sig, args):
        choose_blas_threads(builder, ir.Constant(ir.IntType(64), 0))
        return context.get_dummy_value()
    return types.void(), codegen
