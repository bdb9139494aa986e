"""Compressed Jacobians: one derivative per color instead of one per
basis vector, read back into the entries of a fixed sparsity pattern.

With the pattern of the Jacobian (compiler/passes/sparsity.py) and a
coloring of its columns (compiler/coloring.py), ``J @ S`` is a jvp batched
over the color seeds ``S[:, c] = (color == c)``, the batch of basis vectors
jacfwd uses replaced by a smaller one; rows work the same with vjps.  The
entries are then a gather from the compressed product at indices fixed when
the kernel is staged: the passes run unchanged, and the kernel computes the
compressed product and the gather, nothing else.

``CompressedPlan`` is what is decided per signature; ``emit_entries``
writes the kernel's IR; ``dense_from_compressed`` is the hook jacfwd,
jacrev (and hessian) take when their Jacobian is sparse enough.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compiler import coloring
from ..compiler.builder import Builder, inline
from ..compiler.ir import IR, AType
from ..compiler.passes.autodiff import jvp_eval, vjp_eval
from ..compiler.passes.batching import chunked_batch_ir
from ..compiler.passes.simplify import simplify
from ..compiler.passes.sparsity import Analysis, MissingSparsityRule
from ..compiler.passes.sparsity_rules import PatternTooLarge, product_terms
from ..compiler.primitives.linalg import dot_general_p
from ..compiler.primitives.base import instantiate, zeros
from ..compiler.primitives.elementwise import eq, mul
from ..compiler.primitives.indexing import scatter_add, take
from ..compiler.primitives.random import random_primitives
from ..compiler.primitives.structural import convert, iota, reshape, slice_axis
from ..compiler.rules import Zero
from ..guards import reachable_state
from ..pytree import flatten, unflatten
from ..staging import Staged

MODES = ("auto", "forward", "reverse")
COLORINGS = ("auto", "star", "acyclic")
# An acyclic coloring's entries are solved along two-colored trees, each a
# sum of compressed values: "auto" takes it (when it saves colors) while that
# is at most this many values per entry; an explicit "acyclic" up to the second.
AUTO_ACYCLIC_TERMS_PER_ENTRY = 4
ACYCLIC_TERMS_PER_ENTRY = 100
# The dense hook: a basis this small is computed as it is (and the IRs of
# small examples stay as they read), and compression must save this much.
# Measured (banded Jacobians and a Hessian, forward and reverse): at 48 the
# compressed kernel is faster in every case, at 32 the two tie.
DENSE_HOOK_MIN_BASIS = 40
DENSE_HOOK_MAX_COLOR_FRACTION = 0.25
# The staging's integer constants (colors, gather and scatter positions) are
# never negative: unsigned, their reads skip the wrap of negative indices, a
# branch per entry (1.7 us of the Brusselator's 14 us data kernel).
INDEX = np.uint64


@dataclass(frozen=True)
class CompressedPlan:
    """How to compute the entries ``(rows[k], cols[k])`` of a Jacobian of
    ``shape``: one jvp per column color (``forward``) or one vjp per row
    color, then ``gather`` (flat indices into the compressed product, laid
    out (color, rows) forward, (color, columns) reverse), or for an acyclic
    coloring ``recovery``, the sparse matrix taking the flat compressed
    product to the entries."""

    shape: tuple
    forward: bool
    colors: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    gather: np.ndarray
    recovery: object = None

    @property
    def n_colors(self) -> int:
        return int(self.colors.max(initial=-1)) + 1


def plan_jacobian(pattern, mode: str, layout: str = "csr") -> CompressedPlan:
    """Color the columns (forward), the rows (reverse), or both and keep the
    fewer colors ("auto"; forward on a tie)."""
    rows, cols = coloring.entries(pattern, layout)
    options = []
    if mode in ("auto", "forward"):
        options.append((True, coloring.column_coloring(pattern)))
    if mode in ("auto", "reverse"):
        options.append((False, coloring.row_coloring(pattern)))
    forward, colors = min(options, key=lambda o: o[1].max(initial=-1))
    gather = coloring.direct_recovery(rows, cols, colors, pattern.shape, forward)
    return CompressedPlan(tuple(pattern.shape), forward, colors, rows, cols, gather)


def plan_hessian(pattern, layout: str = "csr", method: str = "auto",
                 name: str = "sparse_hessian") -> CompressedPlan:
    """Forward over the gradient, with a star coloring (entries read
    directly) or an acyclic one (fewer colors, entries solved for): "auto"
    takes the acyclic coloring when it has fewer colors and a cheap
    recovery."""
    rows, cols = coloring.entries(pattern, layout)
    n, shape = pattern.shape[0], tuple(pattern.shape)
    star = None if method == "acyclic" else coloring.star_coloring(pattern)
    if method != "star":
        colors = coloring.acyclic_coloring(pattern)
        if star is None or colors.max(initial=-1) < star.max(initial=-1):
            per_entry = ACYCLIC_TERMS_PER_ENTRY if star is None else AUTO_ACYCLIC_TERMS_PER_ENTRY
            recovery = coloring.acyclic_recovery(rows, cols, colors, n,
                                                 per_entry * max(len(rows), 1))
            if recovery is not None:
                return CompressedPlan(shape, True, colors, rows, cols, None, recovery)
            if star is None:
                raise ValueError(
                    f"{name}: with coloring='acyclic' an entry of this pattern would be "
                    f"a sum of more than {per_entry} compressed values on average (long "
                    "two-colored paths); use coloring='star' or 'auto'")
    gather = coloring.star_recovery(rows, cols, star, n)
    return CompressedPlan(shape, True, star, rows, cols, gather)


# -- what the analysis may take as constant ------------------------------------------------

def known_inputs(staged: Staged, root) -> dict:
    """IR input position -> value, for the captured integer and bool arrays
    that are constants of this staged entry: made by the trace (an index
    list written in the function), not read from the function's state
    (a global index array, passed as it is at each call)."""
    read = {id(value) for _, value in reachable_state(root)}
    first = len(staged.dynamic)
    return {first + k: value for k, value in enumerate(staged.captures)
            if type(value) is np.ndarray and value.dtype.kind in "biu"
            and id(value) not in read}


def analysis_of(setup, root, budget=None, wrt=None) -> Analysis:
    """The analysis of ``setup``'s IR, columns for the IR inputs ``wrt``
    (default: the differentiated ones, in IR order)."""
    wrt = setup.positions if wrt is None else wrt
    return Analysis(setup.ir, wrt, known_inputs(setup.base, root), budget)


# -- the kernel's IR --------------------------------------------------------------------------

def _seed(colors, index, space: AType):
    """Basis-like seed number ``index``: 1 where ``colors == index``."""
    return reshape(convert(eq(colors, index), space.dtype), space.shape)


def _per_color_ir(setup, plan: CompressedPlan, position: int) -> IR:
    """(inputs..., colors, index) -> the derivative along seed ``index``
    (its columns: IR input ``position``)."""
    builder = Builder()
    ir = setup.ir
    with builder:
        inputs = [builder.new_input(v.type) for v in ir.inputs]
        colors = builder.new_input(AType(INDEX, plan.colors.shape))
        index = builder.new_input(AType(INDEX, ()))
        if plan.forward:
            tangents = [Zero(v.type) for v in ir.inputs]
            tangents[position] = _seed(colors, index, ir.inputs[position].type)
            result = jvp_eval(ir, inputs, tangents)[1][0]
        else:
            cotangents = [Zero(a.type) for a in ir.outputs]
            cotangents[0] = _seed(colors, index, ir.outputs[0].type)
            wrt = [p == position for p in range(len(ir.inputs))]
            result = vjp_eval(ir, inputs, cotangents, wrt)[1][0]
        return simplify(builder.build([instantiate(result)]))


def emit_entries(setup, plan: CompressedPlan, inputs, constants, position=None, also=()):
    """Emit into the active builder the Jacobian entries of output 0 of
    ``setup.ir`` with respect to IR input ``position`` (default: the one
    differentiated input), in the plan's order.  Returns them and atoms
    holding the integer arrays ``also``, packed with the plan's."""
    if plan.recovery is None:
        reads = [plan.gather]
    else:
        reads = [plan.recovery.indices,
                 np.repeat(np.arange(len(plan.rows)), np.diff(plan.recovery.indptr))]
    colors, *atoms = constants.packed([plan.colors] + reads + list(also))
    reads, rest = atoms[:len(reads)], atoms[len(reads):]
    dtype = setup.ir.outputs[0].type.dtype
    if len(plan.rows) == 0:
        return zeros(AType(dtype, (0,))), rest
    compressed = _emit_compressed(setup, plan, inputs, colors, position)
    flat = reshape(compressed, (compressed.type.size,))
    if plan.recovery is None:
        return take(flat, reads[0], 0), rest
    # Each entry a signed sum of compressed values (coloring.acyclic_recovery).
    terms = mul(take(flat, reads[0], 0), constants(plan.recovery.data.astype(dtype)))
    return scatter_add(reads[1], terms, 0, len(plan.rows)), rest


def _emit_compressed(setup, plan: CompressedPlan, inputs, colors, position=None):
    """The compressed product, (colors, elements per color) as
    ``plan.gather`` reads it flat: the derivatives along all color seeds,
    one batched evaluation."""
    position = setup.positions[0] if position is None else position
    per_color = _per_color_ir(setup, plan, position)
    p = plan.n_colors
    batched = chunked_batch_ir(per_color, [False] * (len(inputs) + 1) + [True], p, None)
    (compressed,) = inline(batched, list(inputs) + [colors, iota(INDEX, (p,), 0)])
    return reshape(compressed, (p, compressed.type.size // p))


def dense_positions(plan: CompressedPlan) -> np.ndarray:
    """For each element of the compressed product (colors, elements per
    color), the flat position of its entry in the dense Jacobian; ``rows *
    columns`` (one past the end, a slot dropped from the output) for the
    elements that hold no entry (structural zeros, which a direct coloring
    leaves in some)."""
    m, n = plan.shape
    per_color = m if plan.forward else n
    positions = np.full(plan.n_colors * per_color, m * n, INDEX)
    positions[plan.gather] = plan.rows * n + plan.cols
    return positions.reshape(plan.n_colors, per_color)


class Constants:
    """Arrays a kernel reads that the staging computed: captured by the
    builder, so they become trailing inputs after the traced function's
    own captures."""

    def __init__(self, builder: Builder):
        self.builder = builder
        self.values = []

    def __call__(self, array):
        array = np.ascontiguousarray(array)
        self.values.append(array)
        return self.builder.capture(array, AType(array.dtype, array.shape))

    def packed(self, arrays) -> list:
        """Integer arrays as pieces of one captured ``INDEX`` array: one
        kernel argument instead of one each (each costs the call an
        unboxing)."""
        whole = self(np.concatenate([np.asarray(a, INDEX).ravel() for a in arrays]))
        atoms, start = [], 0
        for array in arrays:
            size = int(np.size(array))
            piece = slice_axis(whole, 0, start, start + size)
            atoms.append(reshape(piece, np.shape(array)))
            start += size
        return atoms


def staged_with_constants(setup, transformed, out_tree, constants: Constants) -> Staged:
    """The Staged running ``transformed``, whose inputs are the traced
    function's (dynamic leaves, captures) and then the constants."""
    ir = simplify(transformed)
    extra = tuple(constants.values)
    guards = setup.base.guards
    if guards is not None:
        guards = guards.appending(extra)
    stages = {"traced": setup.base.stages["traced"], "transformed": transformed,
              "optimized": ir}
    return Staged(ir, out_tree, list(setup.base.captures) + list(extra), setup.base.dynamic,
                  stages=stages, guards=guards)


# -- the hook of dense jacfwd, jacrev and hessian -----------------------------------------

def dense_from_compressed(setup, basis_is_output: bool, root):
    """The Staged computing the dense Jacobian of ``setup`` by compression,
    zero-filled once with the entries scattered in, or None where that does
    not pay (a small basis, a dense pattern, random draws, several blocks,
    an analysis the budget stops, or a primitive without a sparsity rule)."""
    ir = setup.ir
    if setup.n_main != 1 or len(setup.positions) != 1 or setup.aux_def is not None \
            or any(e.prim in random_primitives for e in ir.eqns):
        return None
    out_type, in_type = ir.outputs[0].type, ir.inputs[setup.positions[0]].type
    basis = out_type.size if basis_is_output else in_type.size
    if basis < DENSE_HOOK_MIN_BASIS:
        return None
    budget = int(DENSE_HOOK_MAX_COLOR_FRACTION * out_type.size * in_type.size)
    if any(product_terms(e) > budget for e in ir.eqns if e.prim is dot_general_p):
        return None     # a product that large is dense: skip listing its terms
    try:
        pattern = analysis_of(setup, root, budget).pattern_of(ir.outputs[0])
    except (PatternTooLarge, MissingSparsityRule):
        return None
    plan = plan_jacobian(pattern, "reverse" if basis_is_output else "forward")
    if plan.n_colors > DENSE_HOOK_MAX_COLOR_FRACTION * basis:
        return None
    builder = Builder()
    constants = Constants(builder)
    with builder:
        inputs = [builder.new_input(v.type) for v in ir.inputs]
        transformed = builder.build([_emit_dense(setup, plan, inputs, constants)])
    transformed = primal_first(transformed, len(ir.inputs))
    # The one block, nested as stage_jacobian nests blocks (output, argnums).
    out_tree = flatten(unflatten(setup.main_def, [setup.per_argnum(lambda p: 0)]))[1]
    return staged_with_constants(setup, transformed, out_tree, constants)


def primal_first(ir: IR, first_seeded: int) -> IR:
    """``ir`` with the equations that do not read the seeds (IR inputs from
    ``first_seeded`` on: the staged constants) moved first, in order: the
    primal values are then ready before the first loop over colors, which
    the code generator can fuse into one nest with the write of the output
    (Lorenz-96: three temporaries fewer)."""
    seeded = set(ir.inputs[first_seeded:])
    primal, rest = [], []
    for eqn in ir.eqns:
        reads_seeds = any(a in seeded for a in eqn.inputs)
        (rest if reads_seeds else primal).append(eqn)
        if reads_seeds:
            seeded.update(eqn.outs)
    return IR(ir.inputs, primal + rest, ir.outputs)


def _emit_dense(setup, plan: CompressedPlan, inputs, constants):
    """The dense Jacobian: each element of the compressed product added
    straight into its entry of the zero-filled output (one pass; no array
    of entries gathered first).  Elements holding no entry go to one slot
    past the end, which the output leaves out."""
    positions = dense_positions(plan)
    colors, targets = constants.packed([plan.colors, positions])
    compressed = _emit_compressed(setup, plan, inputs, colors)
    size = plan.shape[0] * plan.shape[1]
    spare = int(len(plan.gather) < positions.size)
    dense = scatter_add(targets, compressed, 0, size + spare)
    if spare:
        dense = slice_axis(dense, 0, 0, size)
    out_type, in_type = setup.ir.outputs[0].type, setup.ir.inputs[setup.positions[0]].type
    return reshape(dense, out_type.shape + in_type.shape)
