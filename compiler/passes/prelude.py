"""The capture prelude: stacks of kernel inputs built in NumPy before the call.

When the re-rolling pass (``reroll.py``) folds the layers of a network
written as a Python loop, each layer's weights (captured arrays, so IR
inputs) become one row of a stack scanned as xs: a ``concatenate`` along
axis 0 of each input reshaped to a leading 1.  Compiled, that stack is one
copy loop per input and one kernel argument per input, which costs Numba
more than the loop saves.  ``split_prelude`` takes those stacks out of the
IR: the kernel gets each stack as one input, and a ``Prelude`` builds it
from the call's arrays with ``np.stack``.

The prelude stacks on every call: the kernel never sees a stale stack,
whether a capture was rebound or changed in place (which no cheap check
can tell).  The copy is small beside the work the stacked layers do.
"""
from __future__ import annotations

import numpy as np

from ..ir import IR, Var
from ..primitives.base import reshape_p
from ..primitives.structural import concatenate_p
from ..typecheck import maybe_typecheck
from .simplify import dce


class Prelude:
    """Maps the arrays for the IR's inputs to those of the kernel's: the
    inputs it still reads (``kept``, positions), then each stack (the
    positions of its rows, and its shape)."""

    __slots__ = ("kept", "stacks")

    def __init__(self, kept, stacks):
        self.kept, self.stacks = tuple(kept), tuple((tuple(r), s) for r, s in stacks)

    def __call__(self, arrays) -> list:
        return ([arrays[i] for i in self.kept]
                + [_stacked([arrays[i] for i in rows], shape) for rows, shape in self.stacks])


def _stacked(rows, shape):
    """``np.stack(rows)``, of ``shape``: joined along their first axis and
    reshaped, which skips np.stack's view per row (a third of its time for
    100 rows of 64x64)."""
    return np.concatenate(rows).reshape(shape) if len(shape) > 1 else np.stack(rows)


def _stacked_positions(eqn, position, defs):
    """The input positions that ``eqn`` stacks along axis 0 (each input
    reshaped to a leading 1), or None."""
    if eqn.prim is not concatenate_p or eqn.params["axis"] != 0:
        return None
    rows = []
    for operand in eqn.inputs:
        made = defs.get(operand)
        if made is None or made.prim is not reshape_p or made.inputs[0] not in position:
            return None
        source = made.inputs[0]
        if operand.type.shape != (1,) + source.type.shape:
            return None
        rows.append(position[source])
    return rows


def split_prelude(ir: IR):
    """``(prelude, kernel IR)``: the kernel IR takes ``prelude(arrays)``
    where ``ir`` takes ``arrays``; ``(None, ir)`` when ``ir`` stacks no inputs."""
    position = {v: i for i, v in enumerate(ir.inputs)}
    defs = {eqn.outs[0]: eqn for eqn in ir.eqns if eqn.prim is reshape_p}
    stacks, kept_eqns = {}, []
    for eqn in ir.eqns:
        rows = _stacked_positions(eqn, position, defs)
        if rows is None:
            kept_eqns.append(eqn)
        else:
            stacks[eqn.outs[0]] = rows
    if not stacks:
        return None, ir
    # What the remaining equations and outputs read (bodies of loops read
    # only their operands).
    body = dce(IR(list(ir.inputs), kept_eqns, list(ir.outputs)))
    read = {a for eqn in body.eqns for a in eqn.inputs if isinstance(a, Var)}
    read.update(a for a in body.outputs if isinstance(a, Var))
    kept = [i for i, v in enumerate(ir.inputs) if v in read]
    stacked = [v for v in stacks if v in read]
    kernel_ir = IR([ir.inputs[i] for i in kept] + stacked, body.eqns, body.outputs)
    return (Prelude(kept, [(stacks[v], v.type.shape) for v in stacked]),
            maybe_typecheck(kernel_ir))

