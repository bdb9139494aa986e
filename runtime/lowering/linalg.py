"""The lowering of compiler/primitives/linalg.py: ``dot_general`` as an
accumulator loop per output element, or one BLAS matrix product
(kernel_support.gemm on C-contiguous operands) when the contraction is big
enough to pay for packing the operands, or a read of the other operand when
one is an identity-like constant."""
from __future__ import annotations

import math

import numpy as np

from ...compiler.primitives.linalg import dot_general_p, free_axes
from .expressions import cast_expr, flat_index, literal_expr, parenthesize, plus, unravel
from .kinds import Custom, Readable, lowers
from .loops import Row

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
    if not lb:
        folded = _fold_diagonal(cg, eqn, ins, (lc, lf), (rc, rf))
        if folded is not None:
            return [folded]
    work = out_t.size * math.prod(lhs_t.shape[a] for a in lc)
    if not lb and out_t.ndim and lhs_t.dtype.kind == "f" and work >= BLAS_MIN_WORK:
        return _blas(cg, eqn, ins, (lc, lf), (rc, rf))
    lhs, rhs = ins
    out = cg.alloc_var(eqn.outs[0])
    acc_dtype = np.dtype(np.float64) if out_t.dtype.kind == "f" else np.dtype(np.int64)
    with cg.loops(out_t.shape) as idx:
        acc = cg.fresh("acc")
        cg.line(f"{acc} = {literal_expr(0, acc_dtype)}")
        with cg.loops([lhs_t.shape[a] for a in lc]) as cidx:
            l_idx = _operand_index(lhs_t.ndim, lc, lb, lf, idx, len(lb), cidx)
            r_idx = _operand_index(rhs_t.ndim, rc, rb, rf, idx, len(lb) + len(lf), cidx)
            product = f"{parenthesize(lhs.read(l_idx))} * {parenthesize(rhs.read(r_idx))}"
            cg.assign(acc, product, "+=")
        cg.line(f"{out.read(idx)} = {cast_expr(acc, out_t.dtype, acc_dtype)}")
    return [out]


def _matrix(cg, value, atype, rows, cols, may_transpose) -> tuple:
    """(name, shape, transposed) of an array whose C-order elements are
    ``value``'s with ``rows`` axes flattened into the rows of a matrix and
    ``cols`` axes into its columns (or, if ``may_transpose``, the columns'
    then the rows': the matrix's transpose, which BLAS reads in place): the
    array holding ``value`` when its axes are already in one of those
    orders (made C-contiguous if needed), else a new matrix."""
    shape = (math.prod(atype.shape[a] for a in rows), math.prod(atype.shape[a] for a in cols))
    # A scan's row of xs (a layer's weights) is a view of the stacked array.
    row = isinstance(value, Row)
    array, axes = cg.array_read_now(value.value if row else value)
    if row and axes is not None:    # the row's axes, after the stack's first
        axes = tuple(a - 1 for a in axes[1:]) if axes[0] == 0 else None
    in_order = tuple(range(atype.ndim))
    order = None if axes is None else tuple(axes[a] for a in tuple(rows) + tuple(cols))
    if order is not None and (order == in_order or may_transpose
                              and order[len(rows):] + order[:len(rows)] == in_order):
        transposed = order != in_order
        source = f"{array.name}[{value.index}]" if row else array.name
        if array.contiguous and not row:
            return array.name, shape, transposed
        name = cg.fresh("m")
        if array.contiguous:        # a row of a C-contiguous array is one
            cg.line(f"{name} = {source}")
        else:
            cg.support.add("contiguous")
            cg.line(f"{name} = contiguous({source})")
        return name, shape, transposed
    target = cg.alloc(atype.with_shape(shape), cg.fresh("m"))
    with cg.loops(atype.shape, tuple(rows) + tuple(cols)) as idx:
        row = flat_index([idx[a] for a in rows], [atype.shape[a] for a in rows])
        col = flat_index([idx[a] for a in cols], [atype.shape[a] for a in cols])
        cg.assign(target.read((row, col)), value.read(idx))
    return target.name, shape, False


def _blas(cg, eqn, ins, lhs_axes, rhs_axes):
    (lc, lf), (rc, rf) = lhs_axes, rhs_axes
    lhs_t, rhs_t = (a.type for a in eqn.inputs)
    # OpenBLAS reads a transposed left operand as fast as a plain one, but
    # a transposed right one (the first operand of its column-major call)
    # took 15.6 us for 64 x 64 x 64 against 13 us copied first and 11.5 us
    # for the product alone: the right operand is copied.
    a, (m, k), a_transposed = _matrix(cg, ins[0], lhs_t, lf, lc, may_transpose=True)
    b, (_, n), _ = _matrix(cg, ins[1], rhs_t, rc, rf, may_transpose=False)
    out = cg.alloc_var(eqn.outs[0])
    # In a parallel loop the BLAS was given one thread before (lowering/control.py).
    gemm = "gemm_alone" if cg.parallel_depth else "gemm"
    cg.support.add(gemm)
    cg.line(f"{gemm}({a}, {b}, {out.name}, {m}, {k}, {n}, {int(a_transposed)})")
    return [out]


lowers(dot_general_p)(Custom(_dot_general))


# -- identity-like operands ------------------------------------------------------

def diagonal(matrix):
    """(offset, scale) when ``matrix[i, k] == scale * (k == i + offset)``
    for every i, k (an identity, shifted and scaled), else None."""
    rows, cols = np.nonzero(matrix)
    if not len(rows) or len(set(cols - rows)) != 1 or len(set(matrix[rows, cols])) != 1:
        return None
    offset = int(cols[0] - rows[0])
    n_rows, n_cols = matrix.shape
    expected = max(0, min(n_rows, n_cols - offset) - max(0, -offset))
    return (offset, matrix[rows[0], cols[0]].item()) if len(rows) == expected else None


class DiagonalProduct(Readable):
    """A product with an identity-like operand, read as the other operand
    at shifted positions: ``out[i, j] = scale * other[i + offset, j]``
    (with the axes of each side flattened).  Nothing is computed."""

    def __init__(self, other, other_t, out_t, pick, offset, scale):
        self.other, self.other_t, self.out_t = other, other_t, out_t
        self.pick, self.offset, self.scale = pick, offset, scale

    def read(self, idx):
        (identity_axes, kept_axes), (contract, other_kept) = self.pick
        shape = self.out_t.shape
        row = flat_index([idx[a] for a in identity_axes], [shape[a] for a in identity_axes])
        position = plus(row, self.offset)
        contract_shape = [self.other_t.shape[a] for a in contract]
        operand = [None] * self.other_t.ndim
        for axis, i in zip(contract, unravel(position, contract_shape)):
            operand[axis] = i
        for axis, out_axis in zip(other_kept, kept_axes):
            operand[axis] = idx[out_axis]
        expr = self.other.read(tuple(operand))
        if self.scale != 1:
            expr = f"{literal_expr(self.scale, self.out_t.dtype)} * {parenthesize(expr)}"
        size = math.prod(contract_shape)
        rows = math.prod(shape[a] for a in identity_axes)
        if self.offset == 0 and rows <= size:
            return expr
        zero = literal_expr(0, self.out_t.dtype)
        return f"{parenthesize(expr)} if 0 <= {position} < {size} else {zero}"


def _fold_diagonal(cg, eqn, ins, lhs_axes, rhs_axes):
    """The product as a DiagonalProduct when one operand is a constant
    identity-like mask (the basis of a Jacobian), else None."""
    types = [a.type for a in eqn.inputs]
    n_lhs_free = len(lhs_axes[1])
    out_axes = (tuple(range(n_lhs_free)), tuple(range(n_lhs_free, eqn.outs[0].type.ndim)))
    for side in (0, 1):
        contract, free = (lhs_axes, rhs_axes)[side]
        matrix = cg.constant(ins[side], types[side])
        if matrix is None:
            continue
        rows = math.prod(types[side].shape[a] for a in free)
        found = diagonal(np.transpose(matrix, free + contract).reshape(rows, -1))
        if found is None:
            continue
        other_contract, other_free = (lhs_axes, rhs_axes)[1 - side]
        pick = ((out_axes[side], out_axes[1 - side]), (other_contract, other_free))
        return DiagonalProduct(ins[1 - side], types[1 - side], eqn.outs[0].type, pick, *found)
    return None
