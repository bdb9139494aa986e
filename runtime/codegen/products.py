"""Products planned as loops: a ``dot_general`` that BLAS would not speed
up is planned as what it computes, a multiply of its operands broadcast
over the product's loop nest (the output's axes, then the contracted
ones) and a sum over the contracted axes.  The planner then fuses it with
the elementwise code around it like any other equation: an outer product
becomes one multiply in the loop that uses it, and a matrix-vector product
over a batch becomes a per-row accumulator in the row loop that reads the
same rows again (see rows.py), instead of a BLAS call, a temporary the
size of the batch and a second pass over the matrix.

Which products: those the custom lowering (lowering/linalg.py) would
compute with its own accumulator loops anyway (small work, batch axes; the
same values to rounding), every product without a
contraction, matrix-vector products with a contraction of at most
MATVEC_MAX_CONTRACTION elements, and matrix-vector products streaming a
matrix of at least STREAMED_MATRIX_MIN_ELEMENTS along its rows.  The last
two replace a BLAS call, which adds in its own order.  Every contraction
is a sum whose additions are marked reassociable (accumulators.py), which
LLVM's loop vectorizer runs in SIMD lanes (four interleaved scalar chains
of additions, before, took 2.2x as long for 64 features).  Products with an
identity-like constant operand stay with the custom lowering, which reads
the other operand instead of multiplying.

A matrix past the caches makes the product memory-bound: the BLAS call
and the loop run at the speed of memory, but the loop's rows are in cache
for code of the same row loop (one pass over the matrix instead of two),
and the loop runs on numjac's threads (runtime/parallel.py).  Only rows
read in memory order: a sum down a column is a strided chain of additions.
"""
from __future__ import annotations

import math

from ...compiler.atoms import AType, Var
from ...compiler.ir import Eqn, Lit
from ...compiler.primitives.base import broadcast_in_dim_p, reduce_sum_p
from ...compiler.primitives.elementwise import mul_p
from ...compiler.primitives.linalg import free_axes
from ..lowering.linalg import BLAS_MIN_WORK
from .values import FoldedValue

# The longest contraction of a matrix-vector product planned as loops:
# rows of up to a kilobyte, which stay in cache for the next pass over them
# (docs/benchmarks.md, "Big batches, one thread": the fused pass is as fast
# as BLAS plus a second pass from 16,384 rows of 64, slower below).
MATVEC_MAX_CONTRACTION = 128
# Elements of a matrix (8 MB of float64) from which a matrix-vector product
# reading it by rows is planned as loops whatever its rows' length.
STREAMED_MATRIX_MIN_ELEMENTS = 1 << 20


def loop_product(eqn, ins):
    """The equations computing ``eqn`` as loops when it should be planned
    as loops (module doc), else None.  The last equation
    writes ``eqn``'s output variable."""
    lhs, rhs = eqn.inputs
    if (any(isinstance(a, Lit) for a in eqn.inputs) or lhs.type.dtype != rhs.type.dtype
            or lhs.type.dtype.kind != "f" or any(v.free for v in ins)):
        return None
    (lc, rc), (lb, rb) = eqn.params["contract"], eqn.params["batch"]
    lf, rf = free_axes(lhs.type.ndim, lc, lb), free_axes(rhs.type.ndim, rc, rb)
    out = eqn.outs[0]
    size = math.prod(lhs.type.shape[a] for a in lc)
    blas = not lb and out.type.ndim > 0 and out.type.size * size >= BLAS_MIN_WORK
    if lc and blas and (lf and rf or size > MATVEC_MAX_CONTRACTION
                        and not _streams_rows(eqn, ins)):
        return None
    n_out = out.type.ndim
    loop_shape = out.type.shape + tuple(lhs.type.shape[a] for a in lc)
    nb, nlf = len(lb), len(lf)
    positions = [_positions(lb, lf, lc, nb, n_out), _positions(rb, rf, rc, nb + nlf, n_out)]
    broadcasts = [_broadcast(atom, loop_shape, position)
                  for atom, position in zip(eqn.inputs, positions)]
    loop_type = AType(out.type.dtype, loop_shape)
    if not lc:
        return broadcasts + [Eqn(mul_p, tuple(b.outs[0] for b in broadcasts), {}, (out,))]
    product = Eqn(mul_p, tuple(b.outs[0] for b in broadcasts), {}, (Var(loop_type),))
    total = Eqn(reduce_sum_p, product.outs, {"axes": tuple(range(n_out, len(loop_shape)))},
                (out,))
    return broadcasts + [product, total]


def _streams_rows(eqn, ins) -> bool:
    """Whether a matrix-vector product ``eqn`` contracts the last axis of
    a stored matrix of at least STREAMED_MATRIX_MIN_ELEMENTS (not a view,
    which could be a transpose): reads the matrix in memory order."""
    (lc, rc) = eqn.params["contract"]
    for atom, value, contract in zip(eqn.inputs, ins, (lc, rc)):
        if (atom.type.ndim == 2 and tuple(contract) == (1,) and not isinstance(value, FoldedValue)
                and atom.type.size >= STREAMED_MATRIX_MIN_ELEMENTS):
            return True
    return False


def _positions(batch, free, contract, free_start, contract_start) -> dict:
    """Operand axis -> its axis in the loop nest (batch axes first, then
    the free axes of each side, then the contracted axes)."""
    return {**{a: k for k, a in enumerate(batch)},
            **{a: free_start + k for k, a in enumerate(free)},
            **{a: contract_start + k for k, a in enumerate(contract)}}


def _broadcast(atom, loop_shape, position):
    """``atom`` broadcast over the loop nest, its axis ``a`` at loop axis
    ``position[a]``."""
    dims = tuple(position[a] for a in range(atom.type.ndim))
    return Eqn(broadcast_in_dim_p, (atom,), {"shape": loop_shape, "dims": dims},
               (Var(atom.type.with_shape(loop_shape)),))
