"""Lowerings of compiler/primitives/indexing.py: a gather read by index
arithmetic, a scatter-add loop."""
from __future__ import annotations

from ...compiler.primitives.indexing import scatter_add_p, take_p
from .expressions import cast_expr, parenthesize
from .kinds import Custom, Folded, lowers


def wrapped(index_expr, n) -> str:
    """A NumPy index that may be negative, as a position in 0..n-1."""
    i = parenthesize(index_expr)
    return f"({i} if {i} >= 0 else {i} + {n})"


def _take(ins, idx, eqn):
    x, indices = ins
    axis, k = eqn.params["axis"], eqn.inputs[1].type.ndim
    position = wrapped(indices.read(idx[axis:axis + k]), eqn.inputs[0].type.shape[axis])
    return x.read(idx[:axis] + (position,) + idx[axis + k:])


def _scatter_add(cg, eqn, ins):
    indices, updates = ins
    axis, size = eqn.params["axis"], eqn.params["size"]
    k = eqn.inputs[0].type.ndim
    out = cg.alloc_var(eqn.outs[0], fill=0)
    dtype = eqn.outs[0].type.dtype
    with cg.loops(eqn.inputs[1].type.shape) as idx:
        position = wrapped(indices.read(idx[axis:axis + k]), size)
        target = out.read(idx[:axis] + (position,) + idx[axis + k:])
        total = f"{target} + {parenthesize(updates.read(idx))}"
        cg.assign(target, cast_expr(total, dtype, None))
    return [out]


lowers(take_p)(Folded(_take))
lowers(scatter_add_p)(Custom(_scatter_add))
