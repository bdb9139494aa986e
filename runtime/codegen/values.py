"""Values: how the code generator reads an IR variable at an index.

A Value's ``read(idx)`` is a Python expression for one element, given one
index expression per axis: a literal, an element of a kernel array, the
expression of an equation computed in the same loop nest, or index
arithmetic on other values (views, masks, recomputed cheap values).
"""
from __future__ import annotations

import numpy as np

from ...compiler.primitives.structural import slice_p
from ...compiler.rules import impls
from ..lowering import (LOWERINGS, Elementwise, Readable, literal_expr, operand_index,
                        parenthesize, result_expr)


class Value(Readable):
    ready = 0      # the index of the first group whose loops may read it
    free = False   # reads no array (literals, iota, masks made of them)


class Scalar(Value):
    """A scalar expression valid anywhere: a literal or a 0-d variable."""

    def __init__(self, expr, free=False, ready=0):
        self.expr, self.free, self.ready = expr, free, ready

    def read(self, idx):
        return self.expr


class Literal(Scalar):
    """A scalar literal: free, its value known while generating."""

    def __init__(self, atom):
        super().__init__(literal_expr(atom.value, atom.type.dtype), free=True)
        self.value = np.array(atom.value, atom.type.dtype)


class Array(Value):
    """A kernel array variable, read with one index per axis.  ``contiguous``:
    known to be C-contiguous (kernel inputs may have any layout)."""

    perm = None    # see Permuted

    def __init__(self, name, ndim, contiguous=False):
        self.name, self.ndim, self.contiguous = name, ndim, contiguous

    def read(self, idx):
        return f"{self.name}[{', '.join(idx) if idx else '()'}]"


class Permuted(Array):
    """An array stored with its axes permuted by ``perm`` (a result that
    leaves the kernel transposed is stored that way, saving a copy)."""

    def __init__(self, name, perm):
        super().__init__(name, len(perm))
        self.perm = perm

    def read(self, idx):
        return super().read(tuple(idx[p] for p in self.perm))


def elementwise_read(eqn, ins, idx) -> str:
    """An elementwise equation's expression at ``idx``, from its inputs'
    reads at the (broadcast) operand indices."""
    shape = eqn.outs[0].type.shape
    args = [v.read(operand_index(idx, shape, a.type.shape)) for v, a in zip(ins, eqn.inputs)]
    return result_expr(LOWERINGS[eqn.prim], eqn, args)


class Member(Value):
    """The result of an equation computed inside a group's loops."""

    def __init__(self, eqn, var, group, ins, is_reduction=False):
        self.eqn, self.var, self.group, self.ins = eqn, var, group, ins
        self.is_reduction = is_reduction
        self.ready = group.index + 1
        self.local_uses = 0          # reads by emitted members of its group (planning)
        self.stored = is_reduction   # read outside its group: needs storage
        self.storage = None          # Array or Scalar, once emitted
        self.layout = None           # a permutation to store it with (Permuted)
        self.local = None            # [expression, inlined IR lines] in its loops
        self.row_scalar = False      # held per row of a row loop (rows.py)

    def read(self, idx):
        if self.local is not None:
            return self.local[0]
        return self.storage.read(idx)

    def key(self):
        return id(self.var)

    @property
    def cheap(self) -> bool:
        """Cheaper to recompute where a view reads it than to store."""
        lowering = LOWERINGS[self.eqn.prim]
        return (isinstance(lowering, Elementwise) and lowering.cheap
                and not self.is_reduction and bool(self.group.shape))


class Recomputed(Value):
    """A cheap member's equation read through a view: computed again at the
    view's index from ``ins`` (its inputs, recomputed in turn or read from
    memory: see planning.view_operand), so the member need not be stored and
    the view's reader need not wait for its loops."""

    def __init__(self, eqn, ins):
        self.eqn, self.ins = eqn, ins
        self.ready = max((v.ready for v in self.ins), default=0)

    def read(self, idx):
        return elementwise_read(self.eqn, self.ins, idx)

    def key(self):
        return id(self.eqn.outs[0])


class FoldedValue(Value):
    """A view or mask: read by index arithmetic on its inputs."""

    def __init__(self, lowering, eqn, ins):
        self.lowering, self.eqn, self.ins = lowering, eqn, ins
        self.ready = max((v.ready for v in ins), default=0)
        self.free = all(v.free for v in ins)

    def read(self, idx):
        return self.lowering.read(self.ins, tuple(idx), self.eqn)

    def slice_of(self):
        return (self.ins[0], self.eqn.params) if self.eqn.prim is slice_p else None

    def key(self):
        return id(self.eqn.outs[0])


class Bound(Value):
    """An outer value read inside a sub-IR's code (a chunk loop body),
    optionally shifted by a row offset along axis 0."""

    def __init__(self, value, shift=None):
        self.value, self.shift = value, shift
        self.free = value.free and shift is None

    def read(self, idx):
        if self.shift is not None:
            idx = (f"{self.shift} + {parenthesize(idx[0])}",) + tuple(idx[1:])
        return self.value.read(idx)

    def slice_of(self):
        sliced = self.value.slice_of()     # the shift commutes with the slice's start
        return None if sliced is None else (Bound(sliced[0], self.shift), sliced[1])

    def key(self):
        return ("bound", self.value.key(), self.shift)


class FreeElementwise(Value):
    """A cheap elementwise op of free values (an identity mask, say): computed
    where it is read instead of stored."""

    free = True

    def __init__(self, eqn, ins):
        self.eqn, self.ins = eqn, ins

    def read(self, idx):
        return elementwise_read(self.eqn, self.ins, idx)


def folded_eqns(value) -> list:
    """The equations folded into reads of ``value``, in program order."""
    if isinstance(value, Bound):
        return folded_eqns(value.value)
    if not isinstance(value, (FoldedValue, FreeElementwise, Recomputed)):
        return []
    eqns = [e for v in value.ins for e in folded_eqns(v)] + [value.eqn]
    return list(dict.fromkeys(eqns))


def evaluate_free(value, atype):
    """The NumPy value of a free Value of type ``atype``."""
    if isinstance(value, Bound):
        return evaluate_free(value.value, atype)
    if isinstance(value, Literal):
        return value.value
    if isinstance(value, (FoldedValue, FreeElementwise)):
        eqn = value.eqn
        args = [evaluate_free(v, a.type) for v, a in zip(value.ins, eqn.inputs)]
        return impls[eqn.prim](*args, **eqn.params)
    raise TypeError(f"not a free value: {value!r}")
