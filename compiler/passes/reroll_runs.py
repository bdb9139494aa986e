"""Finding the runs the re-rolling pass (``reroll.py``) folds into one ``scan``.

A run is ``count`` consecutive blocks of ``period`` equations, the same up
to renaming, where block k reads only

* its own values,
* the values of block k - 1 (the carries; block 0 reads values from before
  the run in their places: the initial carries),
* values from before the run, the same in every block (the consts), or
  inputs of the IR of one type, another in each block (the captured
  weights of each layer of a network written as a Python loop): these are
  stacked, one row per block, and scanned as xs,
* literals, static slice starts and pad edges that are equal in every
  block, or that move by a fixed step per block (``x[i]``, ``x[i-1:i+2]``,
  ``i * 2``, ``t0 + i*dt``: see ``reroll_steps``; ``y[i + 1] = v`` on an
  array made inside the function traces to a pad of ``v`` whose low edge
  moves).

Anything else (a block reading an older block, a value from before the
run that changes per block, a float that does not move by a step computed
exactly so, a parameter other than a slice start or pad edge that moves)
ends the run; runs of fewer than ``MIN_ITERATIONS`` blocks (2 when a
block has ``TWO_ITERATIONS_EQNS`` equations or more: two copies of a large
body cost Numba and LLVM twice what one loop body does, while the loop's
overhead is small next to the body) or ``MIN_EQNS`` equations are not runs.

Finding runs is near linear: each equation gets a symbol (its primitive,
params, literals and types, without the values that may move); a rolling
hash of the symbols finds blocks with equal text, and the periods tried at
a position are the distances to the next few places where the text of the
next ``GRAM`` equations recurs (a period of a run is one of them).  A
budget bounds the equation-by-equation checks of blocks whose text repeats
but whose data flow does not.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field


from ..ir import IR, Lit, Var
from ..printer import print_ir
from ..primitives.structural import pad_p, slice_p
from .reroll_steps import progressions

MIN_ITERATIONS = 3      # fewer repeats are left unrolled,
TWO_ITERATIONS_EQNS = 32    # but for blocks this large (an RK4 step), where 2 are enough
MIN_EQNS = 8            # nor runs covering fewer equations
PERIODS_TRIED = 8       # periods tried per position: the next occurrences of its text,
GRAM = 6                # the text of this many equations from there
CHECKS_PER_EQN = 64     # the budget of block checks, in equations visited per equation
MOVING_PARAMS = {slice_p: ("start", "limit"), pad_p: ("low", "high")}
# The parameter whose per-axis step a moving slice or pad is checked by (the
# types fix the other: a slice's extent, a pad's total width).
_OFFSETS = {slice_p: "start", pad_p: "low"}

_MOD = (1 << 61) - 1
_BASE = random.Random(12).randrange(1 << 20, _MOD)


# -- symbols: the text of an equation without what may move --------------------

def _param_key(value):
    if isinstance(value, IR):
        return ("ir", print_ir(value))
    try:
        hash(value)
    except TypeError:
        return ("repr", repr(value))
    return value


def _atom_key(atom):
    if isinstance(atom, Lit):
        if atom.type.dtype.kind in "iuf":
            return ("number", atom.type)
        return ("lit", atom.type, repr(atom.value))
    return ("var", atom.type)


def _symbol_key(eqn):
    moving = MOVING_PARAMS.get(eqn.prim, ())
    params = tuple(sorted((k, None if k in moving else _param_key(v))
                          for k, v in eqn.params.items()))
    return (eqn.prim, params, tuple(map(_atom_key, eqn.inputs)),
            tuple(v.type for v in eqn.outs))


def symbols(eqns) -> list:
    """One int per equation, equal for equations equal up to renaming and
    moving integers."""
    ids: dict = {}
    return [ids.setdefault(_symbol_key(e), len(ids)) for e in eqns]


class _WindowHash:
    """Polynomial hashes of windows of the symbol sequence in O(1)."""

    def __init__(self, syms):
        self.prefix, self.power = [0], [1]
        for s in syms:
            self.prefix.append((self.prefix[-1] * _BASE + s + 1) % _MOD)
            self.power.append(self.power[-1] * _BASE % _MOD)

    def __call__(self, start: int, length: int) -> int:
        return (self.prefix[start + length]
                - self.prefix[start] * self.power[length]) % _MOD


# -- the data flow of a run: one block as a template for all ------------------

@dataclass
class Run:
    """``count`` blocks of ``period`` equations from ``start``, and how each
    read of the template (block 0) is fed."""

    start: int
    period: int
    count: int
    # (local eqn, input position) -> ("own", e, o) | ("carry", e, o)
    #   | ("const", var) | ("lit", lit) | ("step", progressions that give its literals)
    #   | ("stack", (input var of each block...))
    reads: dict
    carries: dict          # (e, o) of a value read by the next block -> initial var
    slice_steps: dict      # local eqn -> per-axis offset delta of a moving slice or pad
    ys: list = field(default_factory=list)        # (e, o) slots read per iteration
    final: dict = field(default_factory=dict)     # (e, o) carry whose last value is read

    @property
    def end(self) -> int:
        return self.start + self.period * self.count


class Flow:
    """Where each variable of an IR is defined, and who reads it."""

    def __init__(self, ir):
        self.eqns = ir.eqns
        self.inputs = frozenset(ir.inputs)
        self.defs, self.users = {}, {a: [] for a in ir.inputs}
        defs, users = self.defs, self.users
        for j, e in enumerate(ir.eqns):
            for a in e.inputs:
                if a.__class__ is Var:
                    users[a].append(j)
            for o, v in enumerate(e.outs):
                defs[v] = (j, o)
                users[v] = []
        for a in ir.outputs:
            if isinstance(a, Var):
                self.users.setdefault(a, []).append(len(ir.eqns))

    def locate(self, atom, start, period, k):
        """Where block k of a run from ``start`` finds ``atom``."""
        if isinstance(atom, Lit):
            return ("lit", atom)
        j, o = self.defs.get(atom, (-1, 0))
        base = start + k * period
        if j >= base:
            return ("own", j - base, o)
        if k and j >= base - period:
            return ("prev", j - base + period, o)
        return ("outer", atom) if j < start else ("far",)


def _read_template(first, second, carries, inputs):
    """The feed of one read from its place in blocks 0 and 1, or None
    (``inputs``: the IR's inputs)."""
    if first[0] == "own" and first == second:
        return first
    if first[0] == "outer" and second[0] == "prev":
        slot = second[1:]
        if carries.setdefault(slot, first[1]) is not first[1]:
            return None         # two initial values for one carry
        return ("carry",) + slot
    if first[0] == "outer" and second[0] == "outer":
        if first[1] is second[1]:
            return ("const", first[1])
        if _stackable(second, first[1], inputs):
            return ("stack", [first[1], second[1]])
        return None
    if first[0] == "lit" and second[0] == "lit":
        lit0, lit1 = first[1], second[1]
        if lit0 == lit1:
            return ("lit", lit0)
        found = progressions(lit0, lit1)
        if found:
            return ("step", found)
    return None


def _stackable(found, first, inputs) -> bool:
    """Whether a block finds at ``found`` an IR input of ``first``'s type
    (which a stack of every block's input can stand for)."""
    return (found[0] == "outer" and found[1] in inputs and first in inputs
            and found[1].type == first.type)


def _read_matches(feed, found, k) -> bool:
    kind = feed[0]
    if kind == "own":
        return found == feed
    if kind == "carry":
        return found == ("prev",) + feed[1:]
    if kind == "const":
        return found[0] == "outer" and found[1] is feed[1]
    if kind == "lit":
        return found == feed
    return found[0] == "lit" and any(p.at(k) == found[1] for p in feed[1])


def _offsets(eqn):
    """The per-axis offsets of a slice (starts) or pad (low edges), else None."""
    key = _OFFSETS.get(eqn.prim)
    return eqn.params[key] if key else None


class _RunChecker:
    """Builds the template of a run from its first two blocks, then checks
    the blocks after them one by one."""

    def __init__(self, flow, syms, start, period):
        self.flow, self.syms, self.start, self.period = flow, syms, start, period
        self.reads, self.carries, self.slice_steps = {}, {}, {}
        self.visited = 0

    def block(self, k):
        base = self.start + k * self.period
        return self.flow.eqns[base:base + self.period]

    def make_template(self) -> bool:
        self.visited += 2 * self.period
        for e, (eqn0, eqn1) in enumerate(zip(self.block(0), self.block(1))):
            if self.syms[self.start + e] != self.syms[self.start + self.period + e]:
                return False
            for a, (x0, x1) in enumerate(zip(eqn0.inputs, eqn1.inputs)):
                feed = _read_template(self.flow.locate(x0, self.start, self.period, 0),
                                      self.flow.locate(x1, self.start, self.period, 1),
                                      self.carries, self.flow.inputs)
                if feed is None:
                    return False
                self.reads[e, a] = feed
            starts, next_starts = _offsets(eqn0), _offsets(eqn1)
            if starts is not None and starts != next_starts:
                self.slice_steps[e] = tuple(b - a for a, b in zip(starts, next_starts))
        return True

    def block_matches(self, k) -> bool:
        self.visited += self.period
        base = self.start + k * self.period
        template = self.block(0)
        for e, eqn in enumerate(self.block(k)):
            if self.syms[base + e] != self.syms[self.start + e]:
                return False
            for a, x in enumerate(eqn.inputs):
                found = self.flow.locate(x, self.start, self.period, k)
                feed = self.reads[e, a]
                if feed[0] == "stack":
                    if not _stackable(found, feed[1][0], self.flow.inputs):
                        return False
                    feed[1].append(found[1])
                    continue
                if not _read_matches(feed, found, k):
                    return False
                if feed[0] == "step":       # keep the progressions that still hold
                    self.reads[e, a] = ("step", tuple(p for p in feed[1] if p.at(k) == found[1]))
            if not self._starts_match(e, template[e], eqn, k):
                return False
        return True

    def _starts_match(self, e, eqn0, eqn, k) -> bool:
        starts = _offsets(eqn)
        if starts is None:
            return True
        steps = self.slice_steps.get(e, (0,) * len(starts))
        return starts == tuple(a + k * d for a, d in zip(_offsets(eqn0), steps))


def min_iterations(period: int) -> int:
    """The fewest blocks of ``period`` equations that make a run."""
    least = 2 if period >= TWO_ITERATIONS_EQNS else MIN_ITERATIONS
    return max(least, -(-MIN_EQNS // period))


def _threads_stacks(checker) -> bool:
    """Whether the blocks, if they read stacked inputs, carry a value from
    one to the next (a network's layers do).  Blocks that only read an
    input each, as the reshapes that make a stack do, would fold into a
    scan over the very stack they make."""
    return bool(checker.carries) or all(feed[0] != "stack" for feed in checker.reads.values())


def _longest_run(flow, syms, window, start, period, budget):
    """The Run of the most blocks from ``start`` with ``period`` (or None),
    and the equations visited checking it."""
    size = len(syms)
    needed = min_iterations(period)
    first = window(start, period)
    if start + needed * period > size or any(
            window(start + k * period, period) != first for k in range(1, needed)):
        return None, 0
    checker = _RunChecker(flow, syms, start, period)
    if not checker.make_template():
        return None, checker.visited
    count = 2
    while (start + (count + 1) * period <= size and checker.visited < budget
           and window(start + count * period, period) == window(start, period)
           and checker.block_matches(count)):
        count += 1
    if count < needed or not _threads_stacks(checker):
        return None, checker.visited
    # A block that failed half-way may have added its input to a stack.
    reads = {key: ("stack", tuple(feed[1][:count])) if feed[0] == "stack" else feed
             for key, feed in checker.reads.items()}
    return Run(start, period, count, reads, checker.carries,
               checker.slice_steps), checker.visited


def find_runs(flow) -> list:
    """The maximal runs to re-roll among the equations of ``flow`` (a
    ``Flow`` of the IR), left to right, not overlapping."""
    size = len(flow.eqns)
    if size < MIN_EQNS:
        return []
    syms = symbols(flow.eqns)
    window = _WindowHash(syms)
    grams = [window(j, min(GRAM, size - j)) for j in range(size)]
    occurrences: dict = {}
    for j, gram in enumerate(grams):
        occurrences.setdefault(gram, []).append(j)
    rank = {}
    for places in occurrences.values():
        rank.update((j, r) for r, j in enumerate(places))
    budget = CHECKS_PER_EQN * size
    runs, start = [], 0
    while start < size and budget > 0:
        best = None
        places = occurrences[grams[start]]
        for later in places[rank[start] + 1:rank[start] + 1 + PERIODS_TRIED]:
            period = later - start
            if start + 2 * period > size:
                break           # the periods grow: none further fits twice
            if start + min_iterations(period) * period > size:
                continue
            if best is not None and period % best.period == 0:
                continue        # a multiple of a period that holds: no longer run
            if window(start, period) != window(later, period):
                continue        # the common case, decided here for speed
            run, visited = _longest_run(flow, syms, window, start, period, budget)
            budget -= visited
            if run and (best is None or run.count * run.period > best.count * best.period):
                best = run
        if best is None:
            start += 1
            continue
        runs.append(best)
        start = best.end
    for run in runs:
        _find_outputs(run, flow)
    return runs


def _find_outputs(run, flow):
    """The slots whose values are read after the run: the last value of a
    carry (``final``), every other one per iteration (``ys``)."""
    for e in range(run.period):
        for o in range(len(flow.eqns[run.start + e].outs)):
            read_after = [k for k in range(run.count) if any(
                j >= run.end for j in flow.users.get(block_value(flow, run, k, e, o), ()))]
            if not read_after:
                continue
            if (e, o) in run.carries and read_after == [run.count - 1]:
                run.final[e, o] = True
            else:
                run.ys.append((e, o))


def block_value(flow, run, k, e, o):
    """The value slot (e, o) holds in block k."""
    return flow.eqns[run.start + k * run.period + e].outs[o]
