"""Lowerings of compiler/primitives/reductions.py: accumulator loops
(fused by the code generator), argmax/argmin and the running scans."""
from __future__ import annotations

import math

import numpy as np

from ...compiler.primitives.reductions import (
    argmax_p, argmin_p, cumprod_p, cumsum_p, reduce_max_p, reduce_min_p, reduce_prod_p,
    reduce_sum_p)
from .expressions import BOOL, F64, I64, along, cast_expr, parenthesize
from .kinds import Custom, Reduction, lowers


def _wide(dtype):
    """Sums and products accumulate in 64 bits (float32 sums in float64)."""
    dtype = np.dtype(dtype)
    return F64 if dtype.kind == "f" else I64


def _same(dtype):
    return np.dtype(dtype)


def _zero(dtype):
    return 0


def _one(dtype):
    return 1


def _lowest(dtype):
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return False
    return -math.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return True
    return math.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _plus(acc, x, dtype):
    return f"{acc} + {parenthesize(x)}"


def _times(acc, x, dtype):
    return f"{acc} * {parenthesize(x)}"


def _maximum(acc, x, dtype):
    return f"{acc} | {parenthesize(x)}" if dtype == BOOL else f"np.maximum({acc}, {x})"


def _minimum(acc, x, dtype):
    return f"{acc} & {parenthesize(x)}" if dtype == BOOL else f"np.minimum({acc}, {x})"


def _plus_any_order(acc, x):
    """The order of a sum's additions is numjac's to choose (NumPy's own
    sums are pairwise and in SIMD lanes): marked so, the loop vectorizer
    adds in SIMD lanes."""
    return f"reassociable_add({acc}, {x})"


SUM = lowers(reduce_sum_p)(Reduction(_zero, _plus, _wide, _plus_any_order))
PRODUCT = lowers(reduce_prod_p)(Reduction(_one, _times, _wide))
lowers(reduce_max_p)(Reduction(_lowest, _maximum, _same))
lowers(reduce_min_p)(Reduction(_highest, _minimum, _same))


def arg_extremum(better):
    """argmax/argmin: the first best position; the first NaN wins."""
    def emit(cg, eqn, ins):
        (x,), axis = ins, eqn.params["axis"]
        shape = eqn.inputs[0].type.shape
        out = cg.alloc_var(eqn.outs[0])
        kept = tuple(a for a in range(len(shape)) if a != axis)
        with cg.loops(shape, kept) as idx:
            best, where, v, j = (cg.fresh(p) for p in ("best", "arg", "v", "j"))
            cg.assign(best, x.read(along(idx, axis, '0')))
            cg.line(f"{where} = 0")
            cg.line(f"for {j} in range(1, {shape[axis]}):")
            with cg.indented():
                cg.assign(v, x.read(along(idx, axis, j)))
                cg.line(f"if {best} == {best} and ({v} {better} {best} or {v} != {v}):")
                with cg.indented():
                    cg.line(f"{best} = {v}")
                    cg.line(f"{where} = {j}")
            cg.line(f"{out.read(tuple(i for i in idx if i is not None))} = {where}")
        return [out]
    emit.__name__ = f"arg_extremum_{better}"
    return emit


def scan(reduction: Reduction):
    """cumsum/cumprod: a running accumulator along the axis."""
    def emit(cg, eqn, ins):
        (x,), axis = ins, eqn.params["axis"]
        in_type = eqn.inputs[0].type
        shape, dtype = in_type.shape, in_type.dtype
        reverse = eqn.params.get("reverse", False)
        out = cg.alloc_var(eqn.outs[0])
        acc_dtype = reduction.acc_dtype(dtype)
        kept = tuple(a for a in range(len(shape)) if a != axis)
        with cg.loops(shape, kept) as idx:
            acc, j = cg.fresh("acc"), cg.fresh("j")
            cg.line(f"{acc} = {reduction.init(acc_dtype)}")
            cg.line(f"for {j} in range({shape[axis]}):")
            with cg.indented():
                position = f"{shape[axis] - 1} - {j}" if reverse else j
                at = along(idx, axis, position)
                cg.assign(acc, reduction.combine(acc, x.read(at), dtype))
                cg.line(f"{out.read(at)} = {cast_expr(acc, dtype, acc_dtype)}")
        return [out]
    emit.__name__ = "scan"
    return emit


lowers(argmax_p)(Custom(arg_extremum(">")))
lowers(argmin_p)(Custom(arg_extremum("<")))
lowers(cumsum_p)(Custom(scan(SUM)))
lowers(cumprod_p)(Custom(scan(PRODUCT)))
