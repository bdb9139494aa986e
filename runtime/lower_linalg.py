"""The lowering of ``dot_general``: an accumulator loop per output element,
or one BLAS matrix product (``np.dot`` on contiguous 2-D operands) when the
contraction is big enough to pay for packing the operands."""
from __future__ import annotations

import math

import numpy as np

from ..compiler.primitives.linalg import free_axes
from .lowering import (Custom, cast_expr, flat_index, literal_expr, lowers, parenthesize,
                       prim_named)

# Multiply-adds from which BLAS beats the loops (packing included).
BLAS_MIN_WORK = 32 * 32 * 32


def _operand_index(ndim, contract, batch, free, out_idx, free_start, contract_idx):
    """The index into an operand from the output index and contraction index."""
    idx = [None] * ndim
    for k, a in enumerate(batch):
        idx[a] = out_idx[k]
    for k, a in enumerate(free):
        idx[a] = out_idx[free_start + k]
    for k, a in enumerate(contract):
        idx[a] = contract_idx[k]
    return tuple(idx)


def _dot_general(cg, eqn, ins):
    (lc, rc), (lb, rb) = eqn.params["contract"], eqn.params["batch"]
    lhs_t, rhs_t = (a.type for a in eqn.inputs)
    lf, rf = free_axes(lhs_t.ndim, lc, lb), free_axes(rhs_t.ndim, rc, rb)
    out_t = eqn.outs[0].type
    work = out_t.size * math.prod(lhs_t.shape[a] for a in lc)
    if not lb and out_t.ndim and lhs_t.dtype.kind == "f" and work >= BLAS_MIN_WORK:
        return _blas(cg, eqn, ins, (lc, lf), (rc, rf))
    lhs, rhs = ins
    out = cg.alloc(out_t, cg.var_name(eqn.outs[0]))
    acc_dtype = np.dtype(np.float64) if out_t.dtype.kind == "f" else np.dtype(np.int64)
    with cg.loops(out_t.shape) as idx:
        acc = cg.fresh("acc")
        cg.line(f"{acc} = {literal_expr(0, acc_dtype)}")
        with cg.loops([lhs_t.shape[a] for a in lc]) as cidx:
            l_idx = _operand_index(lhs_t.ndim, lc, lb, lf, idx, len(lb), cidx)
            r_idx = _operand_index(rhs_t.ndim, rc, rb, rf, idx, len(lb) + len(lf), cidx)
            product = f"{parenthesize(lhs.read(l_idx))} * {parenthesize(rhs.read(r_idx))}"
            cg.line(f"{acc} += {product}")
        cg.line(f"{out.read(idx)} = {cast_expr(acc, out_t.dtype, acc_dtype)}")
    return [out]


def _matrix(cg, value, atype, rows, cols):
    """A C-contiguous 2-D array of ``value`` with ``rows`` axes flattened
    into its rows and ``cols`` axes into its columns."""
    shape = (math.prod(atype.shape[a] for a in rows), math.prod(atype.shape[a] for a in cols))
    name = cg.fresh("m")
    array = cg.array_of(value)
    if array is not None and tuple(rows) + tuple(cols) == tuple(range(atype.ndim)):
        cg.support.add("as_matrix")
        cg.line(f"{name} = as_matrix({array.name}, {shape[0]}, {shape[1]})")
        return name
    target = cg.alloc(atype.with_shape(shape), name)
    with cg.loops(atype.shape, tuple(rows) + tuple(cols)) as idx:
        row = flat_index([idx[a] for a in rows], [atype.shape[a] for a in rows])
        col = flat_index([idx[a] for a in cols], [atype.shape[a] for a in cols])
        cg.line(f"{target.read((row, col))} = {value.read(idx)}")
    return name


def _blas(cg, eqn, ins, lhs_axes, rhs_axes):
    (lc, lf), (rc, rf) = lhs_axes, rhs_axes
    lhs_t, rhs_t = (a.type for a in eqn.inputs)
    a = _matrix(cg, ins[0], lhs_t, lf, lc)
    b = _matrix(cg, ins[1], rhs_t, rc, rf)
    out = eqn.outs[0]
    name = cg.var_name(out)
    cg.support.add("matmul")
    cg.line(f"{name} = matmul({a}, {b}).reshape({out.type.shape})")
    return [cg.array(name, out.type.ndim)]


lowers(prim_named("dot_general"))(Custom(_dot_general))
