"""Gathers read their operand from memory when they read most of it.

A gather (``take``) folds into its reader like a view, so by default its
operand is recomputed at each gathered position.  That pays for a few
elements of a big array; but a gather reading about as many elements as
its operand has (the entries of a compressed Jacobian, read back from the
compressed product) then recomputes every element, at data-dependent
positions: the reshapes, concatenations and pads in between turn into a
div/mod and a branch per element, and nothing vectorizes.  Measured on
the Brusselator's compressed Jacobian (8,000 entries from a 4 x 2,000
product): 40 us recomputed, 13 us stored first.  So such an operand is
computed once in a loop nest of its own shape (under its reshapes, which
stay index arithmetic on the stored array) and the gather reads memory.
A gather through reshapes of a stored C-contiguous array reads a reshaped
view of it instead (``x.reshape(shape)``, made once): no div/mod per
element either (19 us of those 40 for the Brusselator's 7,996 entries).
"""
from __future__ import annotations

from ...compiler.primitives.structural import concatenate_p, reshape_p
from .concatenation import stored_concatenation
from .values import Array, FoldedValue, Member, Permuted, Recomputed

# The gather reads at least this fraction of its operand's elements.
STORE_FRACTION = 0.5


def gathered_operand(planner, eqn, operand):
    """What ``take`` ``eqn`` reads for ``operand`` (its planned value)."""
    reshapes, base = [], operand
    while isinstance(base, FoldedValue) and base.eqn.prim is reshape_p:
        reshapes.append(base)
        base = base.ins[0]
    if _recomputes(base):
        if eqn.outs[0].type.size < STORE_FRACTION * eqn.inputs[0].type.size:
            return operand
        if isinstance(base, Member):
            base.stored = True
        else:
            base = _store(planner, base)
    return _reshaped_view(planner, reshapes, base) if reshapes else base


def _reshaped_view(planner, reshapes, base):
    """The reshapes of ``base`` as one view of its array, made in a nest of
    its own after ``base``'s (index arithmetic on it if it has no
    C-contiguous array)."""
    outer = reshapes[0]
    var = outer.eqn.outs[0]

    def emit(cg, eqn, ins):
        array = cg.array_of(base)
        if array is None or not array.contiguous or isinstance(array, Permuted):
            stored = base
            for view in reversed(reshapes):
                stored = FoldedValue(view.lowering, view.eqn, [stored])
            return [stored]
        if any(var is out for out in cg.ir.outputs):
            cg.viewed.add(array.name)   # a returned view must not be of a workspace
        name = cg.fresh(cg.var_name(var))
        cg.line(f"{name} = {array.name}.reshape({tuple(var.type.shape)!r})")
        return [Array(name, var.type.ndim, contiguous=True)]
    planner.add_custom(outer.eqn, [], emit)
    return planner.env[var]


def _recomputes(value) -> bool:
    """Does reading ``value`` compute anything (not only index arithmetic)?"""
    if isinstance(value, Member):
        return not value.stored
    if isinstance(value, Recomputed):
        return True
    return isinstance(value, FoldedValue) and any(_recomputes(v) for v in value.ins)


def _store(planner, value):
    """A loop nest of its own writing ``value`` (a view or recomputation,
    the result of ``value.eqn``) into an array; its Member.  A
    concatenation is written operand by operand (no choice per element)."""
    var = value.eqn.outs[0]
    if value.eqn.prim is concatenate_p:
        planner.add_custom(value.eqn, value.ins, stored_concatenation)
        return planner.env[var]

    def emit(cg, eqn, ins):
        return [cg.materialize(value, var.type, cg.var_name(var))]
    planner.add_custom(value.eqn, [], emit)
    return planner.env[var]
