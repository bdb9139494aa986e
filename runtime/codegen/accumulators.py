"""Emission of the loop nests that reduce: a mixin of the Codegen class
(emission.py) writing accumulator loops.

Reduced axes trailing: one scalar accumulator per output element, the
reduced axes looped inside the kept ones; a float sum's additions are
marked reassociable (kernel_support.reassociable_add), so that LLVM adds
the inner loop in SIMD lanes.  Reduced axes not trailing: the output
arrays are the accumulators, updated in memory order.
"""
from __future__ import annotations

from functools import partial

from ..lowering import LOWERINGS, cast_expr
from .values import Scalar


class Accumulators:
    """The reduction part of Codegen (which supplies ``line``, ``loops``,
    ``alloc``, ``emit_members``, ``read_inputs`` and the rest)."""

    def emit_reduction_group(self, group, outer_axes, row, work):
        """Reduced axes trailing: one scalar accumulator per output element,
        looped over ``outer_axes`` (inside the row loop of ``row``, if
        given)."""
        shape, axes = group.shape, group.axes
        kept = tuple(a for a in range(len(shape)) if a not in axes)
        reductions = [(eqn, m) for eqn, m in group.members if m.is_reduction]
        with self.loops(shape, outer_axes, work) as outer:
            outer = (row,) + outer[1:] if row else outer
            updates = {}
            for eqn, member in reductions:
                lowering = LOWERINGS[eqn.prim]
                dtype = lowering.acc_dtype(eqn.inputs[0].type.dtype)
                acc = f"{self.var_name(member.var)}_acc"
                self.line(f"{acc} = {lowering.init(dtype)}")
                updates[member] = self.scalar_update(eqn, member, acc)
            with self.loops(shape, axes) as inner:
                idx = tuple(o if o is not None else i for o, i in zip(outer, inner))
                self.emit_members(group, idx, updates)
            for eqn, member in reductions:
                self.store_accumulator(eqn, member, outer, kept)

    def scalar_update(self, eqn, member, acc):
        lowering = LOWERINGS[eqn.prim]
        dtype = eqn.inputs[0].type.dtype
        if lowering.any_order is not None and lowering.acc_dtype(dtype).kind == "f":
            self.support.add("reassociable_add")
            combine = lowering.any_order
        else:
            combine = partial(lowering.combine, dtype=dtype)

        def update(idx):
            expr, ir_lines = self.read_inputs(
                eqn, member, idx, lambda args: combine(acc, args[0]))
            self.comment(ir_lines + [self.ir_line(eqn)])
            self.assign(acc, expr)
        return update

    def store_accumulator(self, eqn, member, outer, kept):
        lowering = LOWERINGS[eqn.prim]
        dtype = member.var.type.dtype
        acc = f"{self.var_name(member.var)}_acc"
        value = cast_expr(acc, dtype, lowering.acc_dtype(eqn.inputs[0].type.dtype))
        if member.row_scalar:
            self.line(f"{member.storage.read(())} = {value}")
        elif kept:
            self.line(f"{member.storage.read(tuple(outer[a] for a in kept))} = {value}")
        else:
            name = self.var_name(member.var)
            self.line(f"{name} = {value}")
            member.storage = Scalar(name)

    def emit_array_accumulators(self, group):
        """Reduced axes not trailing: loop in memory order and accumulate
        into the output arrays."""
        kept = tuple(a for a in range(len(group.shape)) if a not in group.axes)
        updates = {}
        for eqn, member in group.members:
            if member.is_reduction:
                init = LOWERINGS[eqn.prim].identity(member.var.type.dtype)
                member.storage = self.alloc(member.var.type, self.var_name(member.var),
                                            fill=init)
                updates[member] = self.array_update(eqn, member, kept)
        with self.loops(group.shape) as idx:
            self.emit_members(group, idx, updates)

    def array_update(self, eqn, member, kept):
        def update(idx):
            target = member.storage.read(tuple(idx[a] for a in kept))
            expr, ir_lines = self.read_inputs(eqn, member, idx, lambda args: cast_expr(
                LOWERINGS[eqn.prim].combine(target, args[0], eqn.inputs[0].type.dtype),
                member.var.type.dtype, None))
            self.comment(ir_lines + [self.ir_line(eqn)])
            self.assign(target, expr)
        return update
