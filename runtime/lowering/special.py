"""Lowerings of compiler/primitives/special.py (scalar expressions: ``math``
where it has the function, else a kernel_support helper from
runtime/special_support.py) and of compiler/primitives/sorting.py."""
from __future__ import annotations

from ...compiler.primitives.sorting import argsort_p
from ...compiler.primitives.special import (digamma_p, erf_p, erfc_p, erfcinv_p, erfinv_p,
                                            expit_p, gamma_p, lgamma_p, log_ndtr_p,
                                            polygamma_p)
from .expressions import along, dtype_expr
from .kinds import Custom, Elementwise, lowers

_MATH = {lgamma_p: "math.lgamma", gamma_p: "math.gamma", erf_p: "math.erf",
         erfc_p: "math.erfc"}
_HELPERS = {digamma_p: "digamma", erfinv_p: "erfinv", erfcinv_p: "erfcinv",
            log_ndtr_p: "log_ndtr", expit_p: "expit"}


def _call(fn):
    def expr(eqn, x):
        return f"{fn}({x})"
    expr.__name__ = f"call_{fn}"
    return expr


def _helper(name):
    def support(eqn):
        return (name,)
    support.__name__ = f"support_{name}"
    return support


def _polygamma(eqn, x):
    return f"polygamma({eqn.params['n']}, {x})"


def _register_tables():
    for prim, fn in _MATH.items():
        lowers(prim)(Elementwise(_call(fn)))
    for prim, name in _HELPERS.items():
        lowers(prim)(Elementwise(_call(name), support=_helper(name)))


_register_tables()
lowers(polygamma_p)(Elementwise(_polygamma, support=_helper("polygamma")))


@lowers(argsort_p)
@Custom
def _argsort(cg, eqn, ins):
    """Each lane along the axis copied out, sorted by Numba's stable argsort."""
    (x,), axis = ins, eqn.params["axis"]
    in_type = eqn.inputs[0].type
    shape, n = in_type.shape, in_type.shape[axis]
    out = cg.alloc_var(eqn.outs[0])
    kept = tuple(a for a in range(len(shape)) if a != axis)
    with cg.loops(shape, kept) as idx:
        lane, order, j = cg.fresh("lane"), cg.fresh("order"), cg.fresh("j")
        cg.line(f"{lane} = np.empty({n}, {dtype_expr(in_type.dtype)})")
        cg.line(f"for {j} in range({n}):")
        with cg.indented():
            cg.line(f"{lane}[{j}] = {x.read(along(idx, axis, j))}")
        cg.line(f"{order} = np.argsort({lane}, kind='mergesort')")
        cg.line(f"for {j} in range({n}):")
        with cg.indented():
            cg.line(f"{out.read(along(idx, axis, j))} = {order}[{j}]")
    return [out]
