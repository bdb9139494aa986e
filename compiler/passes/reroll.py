"""Re-rolling: fold the unrolled iterations of a Python loop back into one ``scan``.

Tracing a Python ``for`` loop records its body once per iteration.  This
pass replaces each run of repeated blocks (``reroll_runs.find_runs``: which
blocks, and what each reads) by one ``scan`` whose body is one block:

* values a block reads from the block before are carries, initialized with
  what block 0 reads in their places;
* values from before the run are consts, but for IR inputs that differ
  per block (each layer's captured weights): those are stacked, one row
  per block, and scanned as xs (``frontend/staging.py`` then stacks the
  captures in NumPy before the kernel runs rather than inside it);
* numbers that move by a fixed step per block become functions of an
  iteration counter (an ``iota`` scanned as xs): a literal ``c0 + k*d``, a
  static slice a ``take`` at ``start0 + k*d``, a static pad (an element
  assignment ``y[i] = v``) a ``scatter`` into the pad value at
  ``low0 + k*d``; a slice of one row of a
  value from before the run, moving forwards (``x[i]``), becomes xs: the
  rows, sliced once before the loop;
* values read after the run become the final carries (a carry's last value)
  or ys.  When the program collects one value per iteration with
  ``np.stack`` or ``np.concatenate`` (a ``concatenate`` of every block's
  value in order, each maybe reshaped to a leading 1), the ys take that
  part of the concatenate; any other read of one iteration's value reads
  its row of the ys.

The result is exact (each iteration computes what its block computed, on
the same values).  The pass runs again on each body it builds, and on its
result while it finds runs, so that a loop of loops becomes a scan of scans
whichever level it finds first.  ``frontend/staging.py`` runs it on every
traced IR (``NUMJAC_REROLL=0`` turns it off).
"""
from __future__ import annotations

import numpy as np

from ..builder import Builder
from ..ir import IR, AType, Eqn, Lit
from ..primitives.base import broadcast_to, reshape, reshape_p
from ..primitives.elementwise import add, mul
from ..primitives.indexing import scatter, take
from ..primitives.loops import scan
from ..primitives.structural import (concatenate, concatenate_p, iota, moveaxis, pad, pad_p,
                                     slice, slice_axis, slice_p)
from ..typecheck import maybe_typecheck
from .reroll_runs import Flow, block_value, find_runs
from .simplify import simplify

MAX_ROUNDS = 3      # passes over one IR: an outer loop found after its inner ones needs two
COUNTER = AType(np.int64, ())


def reroll(ir: IR) -> IR:
    """``ir`` with its runs of repeated blocks folded into scans."""
    for _ in range(MAX_ROUNDS):
        flow = Flow(ir)
        runs = find_runs(flow)
        if not runs:
            break
        ir = _Rewrite(ir, flow, runs).ir
    return ir


# -- the body: one block, with the moving integers computed from the counter --------------

def _consts(run, rows) -> list:
    """The values from before the run that the blocks read (but for the
    ``rows`` scanned as xs), in order, once each."""
    found = {}
    for (e, a), feed in run.reads.items():
        if feed[0] == "const" and not (a == 0 and e in rows):
            found.setdefault(feed[1], None)
    return list(found)


def _row_slices(run, template) -> dict:
    """{local eqn: axis} of the moving slices that read one row, moving
    forwards, of a value from before the run (``x[i]``): the scan takes
    their rows as xs, sliced once before the loop, rather than gathering
    at the counter (cheaper, and so are its derivatives)."""
    rows = {}
    for e, deltas in run.slice_steps.items():
        moving = [d for d, delta in enumerate(deltas) if delta]
        if (template[e].prim is slice_p and len(moving) == 1 and deltas[moving[0]] > 0
                and run.reads[e, 0][0] == "const"
                and template[e].outs[0].type.shape[moving[0]] == 1):
            rows[e] = moving[0]
    return rows


def _stacked_rows(x, eqn, axis, delta, count):
    """Every iteration's row of ``eqn``'s slice of ``x``, along a new axis 0."""
    start, limit, step = (list(eqn.params[k]) for k in ("start", "limit", "step"))
    limit[axis] = start[axis] + (count - 1) * delta + 1
    step[axis] = delta
    return moveaxis(slice(x, start, limit, step), axis, 0)


def _needs_counter(run, rows) -> bool:
    return (any(e not in rows for e in run.slice_steps)
            or any(feed[0] == "step" for feed in run.reads.values()))


def _moving_slice(x, eqn, deltas, indices):
    """``eqn``'s static slice of ``x`` with the starts that move by ``deltas``
    per iteration read at ``start + counter*delta``: a ``take`` per moving axis."""
    start, limit, step = (eqn.params[k] for k in ("start", "limit", "step"))
    moving = [d for d, delta in enumerate(deltas) if delta]
    shape = x.type.shape
    fixed = slice(x, [0 if d in moving else start[d] for d in range(len(shape))],
                  [shape[d] if d in moving else limit[d] for d in range(len(shape))],
                  [1 if d in moving else step[d] for d in range(len(shape))])
    for d in moving:
        fixed = take(fixed, indices(deltas[d], start[d], eqn.outs[0].type.shape[d], step[d]), d)
    return fixed


class _MovingIndices:
    """The indices ``first + counter*delta + j*step`` (j < count) of one body,
    each built once: the value and the mask of an element assignment then
    scatter at the same atom, which ``fold`` needs to merge them."""

    def __init__(self, counter):
        self.counter, self.built = counter, {}

    def __call__(self, delta, first, count, step=1):
        key = (delta, first, count, step)
        if key not in self.built:
            start = add(mul(self.counter, Lit(delta, np.int64)), Lit(first, np.int64))
            self.built[key] = (reshape(start, (1,)) if count == 1 else
                               add(mul(iota(np.int64, (count,), 0), Lit(step, np.int64)), start))
        return self.built[key]


def _moving_pad(x, eqn, deltas, indices):
    """``eqn``'s static pad of ``x`` with the low edges that move by ``deltas``
    per iteration (the high edges move back: the shape is fixed): ``x``
    padded along the other axes, then scattered into a block of the pad
    value at ``low + counter*delta`` along each moving axis."""
    low, high, value = (eqn.params[k] for k in ("low", "high", "value"))
    moving = [d for d, delta in enumerate(deltas) if delta]
    padded = pad(x, [0 if d in moving else low[d] for d in range(len(low))],
                 [0 if d in moving else high[d] for d in range(len(high))], value)
    for d in moving:
        shape = list(padded.type.shape)
        count, shape[d] = shape[d], shape[d] + low[d] + high[d]
        block = broadcast_to(Lit(value, padded.type.dtype), shape)
        padded = scatter(block, indices(deltas[d], low[d], count), padded, d)
    return padded


def _feed(feed, local, inputs, counter):
    kind = feed[0]
    if kind in ("own", "carry"):
        return (local if kind == "own" else inputs)[feed[1:]]
    if kind == "const":
        return inputs[feed[1]]
    if kind == "stack":
        return inputs[feed]
    if kind == "lit":
        return feed[1]
    return feed[1][0].emit(counter)


def _stacks(run) -> list:
    """The stack feeds of ``run`` (an IR input per block), once each."""
    return list(dict.fromkeys(feed for feed in run.reads.values() if feed[0] == "stack"))


def _stacked_inputs(inputs):
    """The IR inputs ``inputs`` (one type) stacked along a new axis 0."""
    shape = (1,) + inputs[0].type.shape
    return concatenate([reshape(x, shape) for x in inputs], 0)


def build_body(run, template, consts, rows) -> IR:
    """The scan body of ``run`` from its first block ``template``:
    (consts..., carries..., counter?, rows..., stacked rows...) -> (new
    carries..., ys...)."""
    builder = Builder()
    with builder:
        inputs = {c: builder.new_input(c.type) for c in consts}
        inputs.update((slot, builder.new_input(init.type)) for slot, init in run.carries.items())
        counter = builder.new_input(COUNTER) if _needs_counter(run, rows) else None
        indices = _MovingIndices(counter)
        row_inputs = {e: builder.new_input(_without_axis(template[e].outs[0].type, axis))
                      for e, axis in rows.items()}
        inputs.update((feed, builder.new_input(feed[1][0].type)) for feed in _stacks(run))
        local, row_of = {}, {}      # row_of: a row reshaped to its slice's shape -> the row
        for e, eqn in enumerate(template):
            if e in rows:
                local[e, 0] = reshape(row_inputs[e], eqn.outs[0].type.shape)
                row_of[local[e, 0]] = row_inputs[e]
                continue
            args = [_feed(run.reads[e, a], local, inputs, counter)
                    for a in range(len(eqn.inputs))]
            if eqn.prim is reshape_p and args[0] in row_of:     # x[i]: the row itself
                outs = (reshape(row_of[args[0]], eqn.outs[0].type.shape),)
            elif e in run.slice_steps:
                moved = _moving_pad if eqn.prim is pad_p else _moving_slice
                outs = (moved(args[0], eqn, run.slice_steps[e], indices),)
            else:
                outs = builder.add_eqn(eqn.prim, args, eqn.params, [v.type for v in eqn.outs])
            local.update(((e, o), v) for o, v in enumerate(outs))
        body = builder.build([local[s] for s in run.carries] + [local[s] for s in run.ys])
    return reroll(simplify(body))     # the loops inside the loop


def _without_axis(atype, axis):
    return atype.with_shape(atype.shape[:axis] + atype.shape[axis + 1:])


# -- np.stack / np.concatenate of every iteration's value --------------------------------

def _stack_operand(flow, run, k, slot, concat_at):
    """The operand of the concatenate at ``concat_at`` (or None) that is
    block k's value of ``slot``, or its reshape to a leading 1; read by that
    concatenate alone, and the reshape's index if any."""
    value = block_value(flow, run, k, *slot)
    after = [j for j in flow.users.get(value, ()) if j >= run.end]
    if len(after) != 1 or after[0] >= len(flow.eqns):
        return None, None
    eqn = flow.eqns[after[0]]
    if eqn.prim is reshape_p and eqn.outs[0].type.shape == (1,) + value.type.shape:
        users = flow.users.get(eqn.outs[0], ())
        if len(users) == 1 and users[0] == concat_at:
            return eqn.outs[0], after[0]
        return None, None
    return (value, None) if after[0] == concat_at else (None, None)


def _stack_of(flow, run, slot, in_run):
    """(concatenate index, first operand position, reshapes to drop) when
    every block's value of ``slot`` is read only by one concatenate along
    axis 0, in order, else None."""
    first = block_value(flow, run, 0, *slot)
    after = [j for j in flow.users.get(first, ()) if j >= run.end]
    if len(after) != 1 or after[0] >= len(flow.eqns):
        return None
    at = after[0]
    if flow.eqns[at].prim is reshape_p:
        users = flow.users.get(flow.eqns[at].outs[0], ())
        at = users[0] if len(users) == 1 else None
    if at is None or at >= len(flow.eqns) or at in in_run:
        return None
    concat = flow.eqns[at]
    if concat.prim is not concatenate_p or concat.params["axis"] != 0:
        return None
    found = [_stack_operand(flow, run, k, slot, at) for k in range(run.count)]
    operands = [operand for operand, _ in found]
    if None in operands or operands[0] not in concat.inputs:
        return None
    position = concat.inputs.index(operands[0])
    if any(a is not b for a, b in zip(concat.inputs[position:position + run.count], operands)) \
            or position + run.count > len(concat.inputs):
        return None
    reshapes = [j for _, j in found if j is not None]
    return None if in_run.intersection(reshapes) else (at, position, reshapes)


# -- the rewrite ----------------------------------------------------------------------

class _Rewrite:
    """One pass over the equations: runs become scans, the concatenates
    that stack their values read the ys, the rest is kept with its reads of
    run values redirected (``read``)."""

    def __init__(self, ir, flow, runs):
        self.flow = flow
        self.env = {}       # var -> the atom that replaces it
        self.rows = {}      # var -> (ys, k): it is row k of ys
        self.stacks, self.dropped = self._plan_stacks(runs)
        self.ys = {}        # (id(run), slot) -> the stacked ys
        starts = {run.start: run for run in runs}
        self.builder = Builder()
        with self.builder:
            j = 0
            while j < len(ir.eqns):
                if j in starts:
                    self._emit_run(starts[j])
                    j = starts[j].end
                    continue
                if j in self.stacks:
                    self._emit_stack(ir.eqns[j], self.stacks[j])
                elif j not in self.dropped:
                    self._keep(ir.eqns[j])
                j += 1
            outputs = [self.read(a) for a in ir.outputs]
        self.ir = maybe_typecheck(IR(list(ir.inputs), self.builder.eqns, outputs))

    def _plan_stacks(self, runs):
        """{concatenate index: [(operand position, run, slot)]} and the
        reshapes (to a leading 1) that only fed them."""
        in_run = {j for run in runs for j in range(run.start, run.end)}
        stacks, dropped = {}, set()
        for run in runs:
            for slot in run.ys:
                found = _stack_of(self.flow, run, slot, in_run)
                if found is not None:
                    stacks.setdefault(found[0], []).append((found[1], run, slot))
                    dropped.update(found[2])
        return stacks, dropped

    def read(self, atom):
        """What stands for ``atom`` in the rewritten IR."""
        if isinstance(atom, Lit):
            return atom
        if atom in self.env:
            return self.env[atom]
        if atom not in self.rows:
            return atom
        ys, k = self.rows[atom]
        self.env[atom] = reshape(slice_axis(ys, 0, k, k + 1), atom.type.shape)
        return self.env[atom]

    def _keep(self, eqn):
        inputs = tuple(self.read(a) for a in eqn.inputs)
        if any(a is not b for a, b in zip(inputs, eqn.inputs)):
            eqn = Eqn(eqn.prim, inputs, eqn.params, eqn.outs)
        self.builder.eqns.append(eqn)

    def _emit_run(self, run):
        flow = self.flow
        template = flow.eqns[run.start:run.start + run.period]
        rows = _row_slices(run, template)
        consts = _consts(run, rows)
        body = build_body(run, template, consts, rows)
        xs = [iota(np.int64, (run.count,), 0)] if _needs_counter(run, rows) else []
        xs += [_stacked_rows(self.read(run.reads[e, 0][1]), template[e], axis,
                             run.slice_steps[e][axis], run.count) for e, axis in rows.items()]
        xs += [_stacked_inputs([self.read(x) for x in feed[1]]) for feed in _stacks(run)]
        finals, ys = scan([self.read(c) for c in consts],
                          [self.read(init) for init in run.carries.values()], xs,
                          body=body, length=run.count)
        for slot, final in zip(run.carries, finals):
            if slot in run.final:
                self.env[block_value(flow, run, run.count - 1, *slot)] = final
        for slot, stacked in zip(run.ys, ys):
            self.ys[id(run), slot] = stacked
            self.rows.update((block_value(flow, run, k, *slot), (stacked, k))
                             for k in range(run.count))

    def _emit_stack(self, eqn, segments):
        """``eqn`` (a concatenate along axis 0) with each segment of
        per-iteration values replaced by the run's ys."""
        joined = {}
        for position, run, slot in segments:
            piece = eqn.inputs[position].type.shape
            stacked = self.ys[id(run), slot]
            joined[position] = (reshape(stacked, (run.count * piece[0],) + piece[1:]),
                                run.count)
        inputs, i = [], 0
        while i < len(eqn.inputs):
            if i in joined:
                inputs.append(joined[i][0])
                i += joined[i][1]
            else:
                inputs.append(self.read(eqn.inputs[i]))
                i += 1
        if len(inputs) == 1:
            self.env[eqn.outs[0]] = inputs[0]
        else:
            self.builder.eqns.append(Eqn(concatenate_p, tuple(inputs), eqn.params, eqn.outs))
