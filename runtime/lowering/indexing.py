"""Lowerings of compiler/primitives/indexing.py: a bounds-check loop, a
gather read by index arithmetic, a scatter-add loop."""
from __future__ import annotations

import numpy as np

from ...compiler.primitives.indexing import check_index_p, scatter_add_p, take_p
from .expressions import cast_expr, parenthesize
from .kinds import Custom, Folded, lowers

# Off only in benchmarks/bounds.py, which measures what the checks cost.
BOUNDS_CHECKS = True


def wrapped(index_expr, n) -> str:
    """A NumPy index that may be negative, as a position in 0..n-1."""
    i = parenthesize(index_expr)
    return f"({i} if {i} >= 0 else {i} + {n})"


def _check_index(cg, eqn, ins):
    """One compare per index, in a loop of its own (the gathers that read
    the checked positions do not check again); the kernel raises
    IndexOutOfBounds, which Numba builds in Python from its arguments."""
    (indices,) = ins
    size, axis = eqn.params["size"], eqn.params["axis"]
    in_type, out_var = eqn.inputs[0].type, eqn.outs[0]
    signed = in_type.dtype.kind == "i"
    out = cg.alloc_var(out_var) if in_type.shape else cg.scalar(cg.var_name(out_var))
    with cg.loops(in_type.shape) as idx:
        index = cg.fresh("index")
        cg.assign(index, indices.read(idx))
        if BOUNDS_CHECKS:
            outside = f"{index} < {-size} or {index} >= {size}" if signed else (
                f"{index} >= {size}")
            cg.support.add("IndexOutOfBounds")
            cg.line(f"if {outside}:")
            with cg.indented():
                cg.line(f"raise IndexOutOfBounds({index}, {axis}, {size})")
        position = cast_expr(index, np.int64, in_type.dtype)
        cg.assign(out.read(idx), wrapped(position, size) if signed else position)
    return [out]


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


lowers(check_index_p)(Custom(_check_index))
lowers(take_p)(Folded(_take))
lowers(scatter_add_p)(Custom(_scatter_add))
