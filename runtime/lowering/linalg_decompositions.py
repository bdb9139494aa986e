"""Lowerings of compiler/primitives/linalg_solve.py and linalg_spectral.py.

``cholesky``, ``eigh``, ``svd`` and ``qr`` call Numba's np.linalg (LAPACK
through SciPy) once per matrix of the stack, on a float64 C-contiguous
copy, as the interpreter computes them in float64 too: both backends then
give the same vectors, signs included.  ``triangular_solve``, ``lu`` and
``lu_pivots_to_permutation`` are loops written out here (Numba has no LU),
in float64, raising LinAlgError on a zero pivot of a solve as SciPy does.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ...compiler.primitives.linalg_solve import (lu_p, lu_pivots_to_permutation_p,
                                                 triangular_solve_p, cholesky_p)
from ...compiler.primitives.linalg_spectral import eigh_p, qr_p, svd_p
from .expressions import F64, cast_expr, parenthesize
from .kinds import Custom, lowers


@contextmanager
def loop(cg, name, bounds):
    """``for name in range(bounds):`` with the body indented."""
    cg.line(f"for {name} in range({bounds}):")
    with cg.indented():
        yield name


def float64_copy(cg, value, atype):
    """``value`` in a new float64 C-contiguous array."""
    wide = cg.alloc(atype.with_dtype(F64), cg.fresh("m"))
    with cg.loops(atype.shape) as idx:
        cg.assign(wide.read(idx), cast_expr(value.read(idx), F64, atype.dtype))
    return wide


def matrix_at(name, batch_idx) -> str:
    return f"{name}[{', '.join(batch_idx)}]" if batch_idx else name


def store_matrix(cg, out, var, result, batch_idx):
    """Copy the per-matrix ``result`` (float64) into the stack ``out``."""
    core = var.type.shape[len(batch_idx):]
    with cg.loops(core) as idx:
        element = f"{result}[{', '.join(idx)}]"
        cg.assign(out.read(tuple(batch_idx) + idx), cast_expr(element, var.type.dtype, F64))


def lapack_per_matrix(call):
    """The lowering of a decomposition or solve computed by ``call(cg,
    params, *matrices)``, a Numba np.linalg call (or a kernel_support
    helper's, whose name it adds to ``cg.support``) on one matrix of each
    operand (stacks of one batch shape), returning one array or a tuple."""
    def emit(cg, eqn, ins):
        wides = [float64_copy(cg, x, v.type) for x, v in zip(ins, eqn.inputs)]
        outs = [cg.alloc_var(v) for v in eqn.outs]
        with cg.loops(eqn.inputs[0].type.shape[:-2]) as batch_idx:
            results = [cg.fresh("r") for _ in outs]
            matrices = [matrix_at(wide.name, batch_idx) for wide in wides]
            cg.line(f"{', '.join(results)} = {call(cg, eqn.params, *matrices)}")
            for out, var, result in zip(outs, eqn.outs, results):
                store_matrix(cg, out, var, result, batch_idx)
        return outs
    emit.__name__ = call.__name__
    return emit


def _cholesky(cg, params, matrix):
    return f"np.linalg.cholesky({matrix})"


def _eigh(cg, params, matrix):
    if params["lower"]:
        return f"np.linalg.eigh({matrix})"
    cg.support.add("eigh_upper")     # NumPy's UPLO="U" (Numba's eigh reads the lower)
    return f"eigh_upper({matrix})"


def _svd(cg, params, matrix):
    return f"np.linalg.svd({matrix}, full_matrices=False)"


def _qr(cg, params, matrix):
    return f"np.linalg.qr({matrix})"


lowers(cholesky_p)(Custom(lapack_per_matrix(_cholesky)))
lowers(eigh_p)(Custom(lapack_per_matrix(_eigh)))
lowers(svd_p)(Custom(lapack_per_matrix(_svd)))
lowers(qr_p)(Custom(lapack_per_matrix(_qr)))


# -- triangular solves ------------------------------------------------------------

def _result_array(cg, var):
    """The float64 array a loop computes ``var`` in: its own array when
    float64, else a temporary copied out by ``_round_into``."""
    if var.type.dtype == F64:
        return cg.alloc_var(var)
    return cg.alloc(var.type.with_dtype(F64), cg.fresh("w"))


def _round_into(cg, work, var):
    if var.type.dtype == F64:
        return work
    out = cg.alloc_var(var)
    with cg.loops(var.type.shape) as idx:
        cg.assign(out.read(idx), cast_expr(work.read(idx), var.type.dtype, F64))
    return out


def _triangular_solve(cg, eqn, ins):
    a, b = ins
    a_type, b_type = (v.type for v in eqn.inputs)
    lower, transpose_a = eqn.params["lower"], eqn.params["transpose_a"]
    unit = eqn.params["unit_diagonal"]
    n, k = b_type.shape[-2:]
    x = _result_array(cg, eqn.outs[0])
    forward = lower != transpose_a      # op(A) is lower triangular: rows in order

    def op_a(bidx, i, j):
        entry = a.read(bidx + ((j, i) if transpose_a else (i, j)))
        return parenthesize(cast_expr(entry, F64, a_type.dtype))

    with cg.loops(b_type.shape[:-2]) as bidx:
        with loop(cg, cg.fresh("c"), k) as c:
            with loop(cg, cg.fresh("r"), f"{n}" if forward else f"{n} - 1, -1, -1") as i:
                acc = cg.fresh("acc")
                cg.line(f"{acc} = {cast_expr(b.read(bidx + (i, c)), F64, b_type.dtype)}")
                with loop(cg, cg.fresh("j"), i if forward else f"{i} + 1, {n}") as j:
                    cg.assign(acc, f"{op_a(bidx, i, j)} * {x.read(bidx + (j, c))}", "-=")
                if not unit:
                    pivot = cg.fresh("d")
                    cg.line(f"{pivot} = {op_a(bidx, i, i)}")
                    cg.line(f"if {pivot} == 0.0:")
                    with cg.indented():
                        cg.line('raise np.linalg.LinAlgError("singular matrix: a zero on '
                                'the diagonal of a triangular solve")')
                    cg.line(f"{acc} /= {pivot}")
                cg.line(f"{x.read(bidx + (i, c))} = {acc}")
    return [_round_into(cg, x, eqn.outs[0])]


lowers(triangular_solve_p)(Custom(_triangular_solve))


# -- LU with partial pivoting (getrf) ------------------------------------------------

def _swap_rows(cg, work, bidx, n, k, p):
    with loop(cg, cg.fresh("j"), n) as j:
        t = cg.fresh("t")
        cg.line(f"{t} = {work.read(bidx + (k, j))}")
        cg.line(f"{work.read(bidx + (k, j))} = {work.read(bidx + (p, j))}")
        cg.line(f"{work.read(bidx + (p, j))} = {t}")


def _eliminate(cg, work, bidx, n, k):
    """Scale column k below the pivot and update the trailing block."""
    recip = cg.fresh("recip")
    cg.line(f"{recip} = 1.0 / {work.read(bidx + (k, k))}")
    with loop(cg, cg.fresh("r"), f"{k} + 1, {n}") as i:
        factor = cg.fresh("l")
        cg.line(f"{factor} = {work.read(bidx + (i, k))} * {recip}")
        cg.line(f"{work.read(bidx + (i, k))} = {factor}")
        with loop(cg, cg.fresh("j"), f"{k} + 1, {n}") as j:
            cg.assign(work.read(bidx + (i, j)), f"{factor} * {work.read(bidx + (k, j))}", "-=")


def _lu(cg, eqn, ins):
    atype = eqn.inputs[0].type
    n = atype.shape[-1]
    packed_var, pivots_var = eqn.outs
    work = _result_array(cg, packed_var)
    with cg.loops(atype.shape) as idx:
        cg.assign(work.read(idx), cast_expr(ins[0].read(idx), F64, atype.dtype))
    pivots = cg.alloc_var(pivots_var)
    with cg.loops(atype.shape[:-2]) as bidx:
        with loop(cg, cg.fresh("k"), n) as k:
            p, big = cg.fresh("p"), cg.fresh("big")
            cg.line(f"{p} = {k}")
            cg.line(f"{big} = abs({work.read(bidx + (k, k))})")
            with loop(cg, cg.fresh("r"), f"{k} + 1, {n}") as i:
                cg.line(f"if abs({work.read(bidx + (i, k))}) > {big}:")
                with cg.indented():
                    cg.line(f"{big} = abs({work.read(bidx + (i, k))})")
                    cg.line(f"{p} = {i}")
            cg.line(f"{pivots.read(bidx + (k,))} = np.int32({p})")
            cg.line(f"if {p} != {k}:")
            with cg.indented():
                _swap_rows(cg, work, bidx, n, k, p)
            cg.line(f"if {work.read(bidx + (k, k))} != 0.0:")
            with cg.indented():
                _eliminate(cg, work, bidx, n, k)
    return [_round_into(cg, work, packed_var), pivots]


lowers(lu_p)(Custom(_lu))


def _lu_pivots_to_permutation(cg, eqn, ins):
    (pivots,), (var,) = ins, eqn.outs
    n = var.type.shape[-1]
    dtype = var.type.dtype
    perm = cg.alloc_var(var)
    with cg.loops(var.type.shape[:-1]) as bidx:
        with loop(cg, cg.fresh("i"), n) as i:
            cg.line(f"{perm.read(bidx + (i,))} = {cast_expr(i, dtype, np.int64)}")
        with loop(cg, cg.fresh("i"), n) as i:
            p, t = cg.fresh("p"), cg.fresh("t")
            cg.line(f"{p} = {pivots.read(bidx + (i,))}")
            cg.line(f"{t} = {perm.read(bidx + (i,))}")
            cg.line(f"{perm.read(bidx + (i,))} = {perm.read(bidx + (p,))}")
            cg.line(f"{perm.read(bidx + (p,))} = {t}")
    return [perm]


lowers(lu_pivots_to_permutation_p)(Custom(_lu_pivots_to_permutation))
