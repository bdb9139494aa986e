"""Row loops: consecutive loop nests over the same leading axis (the rows of
a batch) emitted inside one loop over that axis, each nest's other loops
inside it.

Planning fuses equations of one shape; a batch of examples also has
values of other shapes per row (a feature vector, its sum, a scalar per
example), each its own nest, and each nest a pass over the whole batch
with temporaries the size of the batch between them.  In one row loop the
row's data stays in cache from one nest to the next, and a per-row value
(a vector of the batch's length read only in the same row loop) is a
scalar variable instead of an array.

Nests join a row loop when they have the same leading extent (up to
functions.PART_MIN_LINES equations in all: a row loop is one statement,
which functions.py does not cut, so that a long program still is cut into
parts, repeated ones shared), do not
reduce over it, reduce (if at all) over trailing axes, and read what
earlier nests of the row loop compute only at the current row: checked by
reading each input at a probe index and looking at the row index that
reaches those nests' values, through any views and recomputations.
"""
from __future__ import annotations

from . import functions
from .values import (Bound, FoldedValue, FreeElementwise, Member, Recomputed, Value,
                     elementwise_read)
from ..lowering import operand_index

ROW = "ROW"


def row_loops(groups) -> list:
    """The groups in runs (lists in program order) that share a row loop;
    a run of one is a nest on its own."""
    runs = []
    for group in groups:
        if runs and _joins(runs[-1], group):
            runs[-1].append(group)
        else:
            runs.append([group])
    return runs


def _row_nest(group) -> bool:
    shape = group.shape
    return (group.custom is None and len(shape) > 0 and shape[0] > 1
            and 0 not in group.axes and group.reduces_trailing())


def _joins(run, group) -> bool:
    first = run[0]
    if not (_row_nest(first) and _row_nest(group) and group.shape[0] == first.shape[0]):
        return False
    if sum(len(g.members) for g in run) + len(group.members) > functions.PART_MIN_LINES:
        return False
    members = {id(m) for g in run for _, m in g.members}
    idx = (ROW,) + tuple(f"c{k}" for k in range(1, len(group.shape)))
    probe = _Probe(members)
    for eqn, member in group.members:
        for atom, value in zip(eqn.inputs, member.ins):
            if not group.is_local(value):
                probe.wrap(value).read(operand_index(idx, group.shape, atom.type.shape))
    return probe.aligned


class _Probe:
    """Reads values as the kernel would, noting whether every read of the
    run's members (``members``: their ids) is at the row ``ROW``."""

    def __init__(self, members):
        self.members, self.aligned = members, True

    def wrap(self, value):
        return _Probed(value, self)


class _Probed(Value):
    """``value`` read through the probe (values built on it see its ``free``)."""

    def __init__(self, value, probe):
        self.value, self.probe = value, probe
        self.free = value.free

    def read(self, idx):
        value, probe = self.value, self.probe
        if isinstance(value, Member):
            if id(value) in probe.members and (not idx or idx[0] != ROW):
                probe.aligned = False
            return "m"
        if isinstance(value, Recomputed):
            return elementwise_read(value.eqn, [probe.wrap(v) for v in value.ins], idx)
        if isinstance(value, FoldedValue):
            return value.lowering.read([probe.wrap(v) for v in value.ins], tuple(idx), value.eqn)
        if isinstance(value, Bound):
            return Bound(probe.wrap(value.value), value.shift).read(idx)
        return value.read(idx)

    def slice_of(self):
        sliced = self.value.slice_of()
        return None if sliced is None else (self.probe.wrap(sliced[0]), sliced[1])

    def key(self):
        return self.value.key()


def mark_row_scalars(runs, outputs):
    """Members of a run that are vectors along the rows and read only in
    their run (at the row) are held in a scalar per row, not stored."""
    run_of = {id(g): k for k, run in enumerate(runs) for g in run}
    escaped = set()
    for value in outputs:
        _reach(value, None, run_of, escaped)
    for k, run in enumerate(runs):
        for group in run:
            for value in (group.ins if group.custom is not None else
                          [v for _, m in group.members for v in m.ins]):
                _reach(value, None if group.custom is not None else k, run_of, escaped)
    for run in runs:
        if len(run) == 1:
            continue
        for group in run:
            for _, member in group.members:
                if (member.stored and id(member) not in escaped and member.var.type.ndim == 1
                        and member.layout is None):
                    member.row_scalar = True


def _reach(value, run, run_of, escaped):
    """Note the members ``value`` reads that belong to a run other than ``run``."""
    if isinstance(value, Member):
        if run_of.get(id(value.group)) != run:
            escaped.add(id(value))
        return
    if isinstance(value, Bound):
        _reach(value.value, run, run_of, escaped)
    elif isinstance(value, (FoldedValue, FreeElementwise, Recomputed)):
        for v in value.ins:
            _reach(v, run, run_of, escaped)
