"""Helpers the rules of the loop primitives share (loop_rules.py,
branch_rules.py): building a body, the fixpoint that finds which carries
carry a tangent or a batch axis, and the jvp, transpose and batching of a
body with some of its inputs flagged."""
from __future__ import annotations

from ..builder import Builder
from ..ir import IR
from ..primitives.structural import add_batch_axis
from ..rules import Zero, batch_context
from .autodiff import jvp_eval, transpose_eval
from .batching import batch_into, with_batch
from .simplify import simplify


def sub_ir(in_types, emit) -> IR:
    """A simplified IR with inputs of ``in_types``; ``emit(inputs)`` emits
    its equations and returns its outputs."""
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in in_types]
        return simplify(builder.build(list(emit(ins))))


def picked(values, flags) -> list:
    """The ``values`` whose flag is set."""
    return [v for v, f in zip(values, flags) if f]


def fill(values, flags, like) -> list:
    """One entry per flag: the next of ``values`` where it is set, else a
    Zero of the type of the matching entry of ``like``."""
    it = iter(values)
    return [next(it) if f else Zero(a.type) for f, a in zip(flags, like)]


def used_inputs(ir: IR) -> list:
    """Which inputs of ``ir`` an equation or an output reads."""
    read = {id(a) for eqn in ir.eqns for a in eqn.inputs} | {id(a) for a in ir.outputs}
    return [id(v) in read for v in ir.inputs]


def fixpoint(flags_of, initial) -> list:
    """The least flags at or above ``initial`` that ``flags_of`` maps to
    flags at or below them: which carries get a tangent (or a batch axis)
    from their initial values or from the body."""
    flags = list(initial)
    while True:
        grown = [a or b for a, b in zip(flags, flags_of(flags))]
        if grown == flags:
            return flags
        flags = grown


def nonzero_tangents(ir: IR, nonzero) -> list:
    """Which outputs of ``ir`` have a nonzero tangent when the inputs
    flagged in ``nonzero`` do."""
    with Builder() as builder:
        ins = [builder.new_input(v.type) for v in ir.inputs]
        tangents = [builder.new_input(v.type) if nz else Zero(v.type)
                    for v, nz in zip(ir.inputs, nonzero)]
        _, touts = jvp_eval(ir, ins, tangents)
    return [not isinstance(t, Zero) for t in touts]


def transpose_inline(ir: IR, linear, nonlinear_values, cotangents) -> list:
    """Emit the transpose of ``ir``, linear in the inputs flagged in
    ``linear``, into the active builder: the cotangents (atoms or Zero) of
    those inputs, in order, given the other inputs' values."""
    ordered = IR(picked(ir.inputs, [not lin for lin in linear]) + picked(ir.inputs, linear),
                 ir.eqns, ir.outputs)
    return transpose_eval(ordered, nonlinear_values, cotangents)


# -- batching ----------------------------------------------------------------------------------

def batched_outputs(ir: IR, flags) -> list:
    """Which outputs of ``ir`` are batched when the inputs flagged are
    (in the current batching context)."""
    context = batch_context()
    with Builder() as builder:
        ins = [builder.new_input(with_batch(v.type, context.size) if b else v.type)
               for v, b in zip(ir.inputs, flags)]
        return batch_into(ir, ins, flags, context)[1]


def batched_body(ir: IR, flags, forced):
    """``ir`` batched for the inputs flagged, the outputs flagged in
    ``forced`` made batched too; returns (IR, its outputs' flags)."""
    context = batch_context()
    types = [with_batch(v.type, context.size) if b else v.type for v, b in zip(ir.inputs, flags)]
    out_flags = []

    def emit(ins):
        outs, got = batch_into(ir, ins, flags, context)
        out_flags[:] = [g or f for g, f in zip(got, forced)]
        return broadcast_to_batch(outs, got, forced)
    return sub_ir(types, emit), out_flags


def broadcast_to_batch(atoms, batched, wanted) -> list:
    """``atoms``, those ``wanted`` batched but not ``batched`` given a batch axis."""
    size = batch_context().size
    return [add_batch_axis(a, size) if w and not b else a
            for a, b, w in zip(atoms, batched, wanted)]
