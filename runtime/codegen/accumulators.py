"""Emission of the loop nests that reduce: a mixin of the Codegen class
(emission.py) writing accumulator loops.

Reduced axes trailing: one scalar accumulator per output element, the
reduced axes looped inside the kept ones (on interleaved lanes for the
sums that replace a BLAS call: codegen/products.py).  Reduced axes not
trailing: the output arrays are the accumulators, updated in memory order.
"""
from __future__ import annotations

from ..lowering import LOWERINGS, along, cast_expr, plus
from .values import Scalar


class Accumulators:
    """The reduction part of Codegen (which supplies ``line``, ``loops``,
    ``alloc``, ``emit_members``, ``read_inputs`` and the rest)."""

    def emit_reduction_group(self, group, outer_axes, row, work):
        """Reduced axes trailing: one scalar accumulator per output element
        (per lane: see emit_lanes), looped over ``outer_axes`` (inside the
        row loop of ``row``, if given)."""
        shape, axes = group.shape, group.axes
        kept = tuple(a for a in range(len(shape)) if a not in axes)
        reductions = [(eqn, m) for eqn, m in group.members if m.is_reduction]
        lanes = min(m.lanes for _, m in reductions)
        if len(axes) != 1 or shape[axes[0]] < lanes:
            lanes = 1
        with self.loops(shape, outer_axes, work) as outer:
            outer = (row,) + outer[1:] if row else outer
            accs = {}
            for eqn, member in reductions:
                lowering = LOWERINGS[eqn.prim]
                dtype = lowering.acc_dtype(eqn.inputs[0].type.dtype)
                accs[member] = [f"{self.var_name(member.var)}_acc{k or ''}" for k in range(lanes)]
                for acc in accs[member]:
                    self.line(f"{acc} = {lowering.init(dtype)}")
            if lanes == 1:
                updates = {m: self.scalar_update(eqn, m, accs[m][0]) for eqn, m in reductions}
                with self.loops(shape, axes) as inner:
                    idx = tuple(o if o is not None else i for o, i in zip(outer, inner))
                    self.emit_members(group, idx, updates)
            else:
                self.emit_lanes(group, reductions, accs, outer)
            for eqn, member in reductions:
                self.store_accumulator(eqn, member, outer, kept)

    def emit_lanes(self, group, reductions, accs, outer):
        """The reduced axis in steps of the lane count, each lane adding to
        its own accumulator (independent chains of additions: products.py),
        the rest on the first; then the lanes summed pairwise into the first."""
        axis = group.axes[0]
        length, lanes = group.shape[axis], len(next(iter(accs.values())))
        with self.loops((length // lanes,)) as (step,):
            for lane in range(lanes):
                updates = {m: self.scalar_update(eqn, m, accs[m][lane]) for eqn, m in reductions}
                self.emit_members(group, along(outer, axis, plus(f"{lanes} * {step}", lane)),
                                  updates)
                for _, member in group.members:
                    member.local = None
        if length % lanes:
            self.line(f"for j in range({length - length % lanes}, {length}):")
            with self.indented():
                updates = {m: self.scalar_update(eqn, m, accs[m][0]) for eqn, m in reductions}
                self.emit_members(group, along(outer, axis, "j"), updates)
                for _, member in group.members:
                    member.local = None
        for eqn, member in reductions:
            terms = accs[member]
            while len(terms) > 1:
                terms = [f"({a} + {b})" for a, b in zip(terms[::2], terms[1::2])] + \
                    terms[len(terms) // 2 * 2:]
            self.assign(accs[member][0], terms[0])

    def scalar_update(self, eqn, member, acc):
        def update(idx):
            dtype = eqn.inputs[0].type.dtype
            expr, ir_lines = self.read_inputs(
                eqn, member, idx, lambda args: LOWERINGS[eqn.prim].combine(acc, args[0], dtype))
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
