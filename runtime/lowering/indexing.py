"""Lowerings of compiler/primitives/indexing.py: a bounds-check loop, a
gather read by index arithmetic, a scatter-add loop, and a scatter (a copy,
then a loop of writes in index order, so that the last write wins)."""
from __future__ import annotations

import numpy as np

from ...compiler.primitives.indexing import check_index_p, scatter_add_p, scatter_p, take_p
from .expressions import cast_expr, parenthesize, typed_literal_expr
from .kinds import Custom, Folded, lowers

# Off only in benchmarks/bounds.py, which measures what the checks cost.
BOUNDS_CHECKS = True


def wrapped(index_expr, n, dtype) -> str:
    """A NumPy index that may be negative, as a position in 0..n-1 (an
    unsigned one as it is: no branch per element, and Numba skips its own
    wraparound)."""
    if np.dtype(dtype).kind == "u":
        return index_expr
    i = parenthesize(index_expr)
    return f"({i} if {i} >= 0 else {i} + {n})"


def _check_index(cg, eqn, ins):
    """The check runs before the gathers that read the index, which do not
    check again.  An int64 index is passed on as it is (no copy); others are
    converted into a new array.  The kernel raises IndexOutOfBounds with its
    arguments: Numba builds the exception in Python, so the kernel carries
    no string formatting."""
    (indices,) = ins
    size, axis = eqn.params["size"], eqn.params["axis"]
    in_type, out_var = eqn.inputs[0].type, eqn.outs[0]
    if BOUNDS_CHECKS:
        _check_bounds(cg, indices, in_type, size, axis)
    if in_type.dtype == np.int64:
        return [indices]
    out = cg.alloc_var(out_var) if in_type.shape else cg.scalar(cg.var_name(out_var))
    with cg.loops(in_type.shape) as idx:
        cg.assign(out.read(idx), cast_expr(indices.read(idx), np.int64, in_type.dtype))
    return [out]


def _check_bounds(cg, indices, in_type, size, axis):
    """The least and greatest index (in their own dtype: a uint64 index may
    not fit int64) in a loop of min and max, which vectorizes unlike a loop
    that may raise; one compare of each with the bounds; and only then a
    search for the first index outside them."""
    lo, hi, shape = cg.fresh("lowest"), cg.fresh("highest"), in_type.shape
    cg.line(f"{lo} = {hi} = {typed_literal_expr(0, in_type.dtype)}")
    with cg.loops(shape) as idx:
        index = cg.fresh("index")
        cg.assign(index, indices.read(idx))
        cg.line(f"{lo} = min({lo}, {index})")
        cg.line(f"{hi} = max({hi}, {index})")
    cg.line(f"if {lo} < {-size} or {hi} >= {size}:")
    with cg.indented(), cg.loops(shape) as idx:
        index = cg.fresh("index")
        cg.assign(index, indices.read(idx))
        cg.support.add("IndexOutOfBounds")
        cg.line(f"if {index} < {-size} or {index} >= {size}:")
        with cg.indented():
            cg.line(f"raise IndexOutOfBounds({index}, {axis}, {size})")


def _take(ins, idx, eqn):
    x, indices = ins
    axis, k = eqn.params["axis"], eqn.inputs[1].type.ndim
    position = wrapped(indices.read(idx[axis:axis + k]), eqn.inputs[0].type.shape[axis],
                       eqn.inputs[1].type.dtype)
    return x.read(idx[:axis] + (position,) + idx[axis + k:])


def _scatter_add(cg, eqn, ins):
    indices, updates = ins
    axis, size = eqn.params["axis"], eqn.params["size"]
    k = eqn.inputs[0].type.ndim
    out = cg.alloc_var(eqn.outs[0], fill=0)
    dtype = eqn.outs[0].type.dtype
    with cg.loops(eqn.inputs[1].type.shape) as idx:
        position = wrapped(indices.read(idx[axis:axis + k]), size, eqn.inputs[0].type.dtype)
        target = out.read(idx[:axis] + (position,) + idx[axis + k:])
        total = f"{target} + {parenthesize(updates.read(idx))}"
        cg.assign(target, cast_expr(total, dtype, None))
    return [out]


def _scatter(cg, eqn, ins):
    x, indices, updates = ins
    axis, k = eqn.params["axis"], eqn.inputs[1].type.ndim
    size = eqn.inputs[0].type.shape[axis]
    out = cg.materialize(x, eqn.outs[0].type, cg.var_name(eqn.outs[0]))
    with cg.loops(eqn.inputs[2].type.shape) as idx:
        position = wrapped(indices.read(idx[axis:axis + k]), size, eqn.inputs[1].type.dtype)
        cg.assign(out.read(idx[:axis] + (position,) + idx[axis + k:]), updates.read(idx))
    return [out]


lowers(check_index_p)(Custom(_check_index))
lowers(take_p)(Folded(_take))
lowers(scatter_add_p)(Custom(_scatter_add))
lowers(scatter_p)(Custom(_scatter))
