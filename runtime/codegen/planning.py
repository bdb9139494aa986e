"""Planning: which loop nest (group) computes each equation, and which
values are stored, kept as scalar temporaries, inlined or recomputed.

Planning walks the equations once and puts each in a group: an elementwise
equation joins a nest of its shape whose loops can already read its other
inputs; a reduction joins the nest of its operand's shape, with the reduced
axes looped innermost; a product BLAS would not speed up is planned as
its multiply and sum (products.py); other primitives (BLAS contractions,
scans, the chunk loop) get a nest of their own.  Views and masks are never
computed: their readers fold them into index arithmetic, recomputing the
cheap values they read (see view_operand).  A value is stored in an array only when something
outside its own nest reads it.
"""
from __future__ import annotations

import math

from ...compiler.ir import IR, Lit
from ...compiler.primitives.indexing import scatter_add_p, take_p
from ...compiler.primitives.linalg import dot_general_p
from ...compiler.primitives.structural import concatenate_p, transpose_p
from ..lowering import LOWERINGS, Elementwise, Folded, Reduction
from .concatenation import MAX_FOLDED_OPERANDS, stored_concatenation
from .gathers import gathered_operand
from .products import loop_product
from .values import (Bound, FoldedValue, FreeElementwise, Literal, Member, Recomputed, Value,
                     elementwise_read)

# Inlined expressions stay well below Python's limit of 200 nested brackets.
MAX_NESTING = 40
# Cheap operations a view's reader recomputes rather than read from memory,
# and the longest source such a recomputation may take.
RECOMPUTE_LIMIT = 16
RECOMPUTE_CHARS = 1000
# In a kernel of LONG_KERNEL_EQUATIONS or more, recomputations stay within
# LONG_RECOMPUTE_CHARS: long ones multiply the code Numba compiles (RK4
# Lorenz-96 2 steps jacrev: 7.5 -> 5.7 s of CPU, and faster per call),
# while small kernels gain from recomputing rather than storing (Lorenz-96
# jacfwd: 2.1 us per call with 1000 characters, 2.9 us with 200).
LONG_KERNEL_EQUATIONS = 100
LONG_RECOMPUTE_CHARS = 200
# The most equations one loop nest fuses: a longer chain continues in a new
# nest, so that the kernel can be cut into parts of bounded size
# (functions.py) and no one loop body grows with the program.
MAX_GROUP_MEMBERS = 64


class Group:
    """One loop nest: elementwise members and reductions over ``shape``, or a
    single equation with a custom lowering."""

    def __init__(self, index, shape, custom=None, ins=(), emit=None):
        self.index = index
        self.shape = shape
        self.axes = ()              # reduced axes, looped innermost
        self.custom, self.ins = custom, ins
        self.emit = emit            # for a custom group: (codegen, eqn, ins) -> outputs
        self.members = []           # (eqn, Member) in program order

    def accepts(self, shape, axes, ins):
        if (self.custom is not None or self.shape != shape
                or len(self.members) >= MAX_GROUP_MEMBERS):
            return False
        if axes and self.axes and axes != self.axes:
            return False
        return all(self.is_local(v) or v.ready <= self.index for v in ins)

    def reduces_trailing(self) -> bool:
        """Its reduced axes (if any) are the last ones."""
        return self.axes == tuple(range(len(self.shape) - len(self.axes), len(self.shape)))

    def is_local(self, value):
        return isinstance(value, Member) and value.group is self and not value.is_reduction


class Planner:
    """Assigns the equations of one IR to groups (see the module doc)."""

    def __init__(self, env, origins=None):
        self.env = env
        self.groups = []
        # Equations planned in place of another (products.py) -> that one,
        # whose IR line the code shows.
        self.origins = {} if origins is None else origins
        self.recompute_chars = RECOMPUTE_CHARS

    def value(self, atom) -> Value:
        return Literal(atom) if isinstance(atom, Lit) else self.env[atom]

    def plan(self, ir: IR) -> list:
        if len(ir.eqns) >= LONG_KERNEL_EQUATIONS:
            self.recompute_chars = LONG_RECOMPUTE_CHARS
        for eqn in ir.eqns:
            self.plan_eqn(eqn, [self.value(a) for a in eqn.inputs])
        outs = [self.value(a) for a in ir.outputs]
        for v in outs:
            mark_stored(v)
            store_transposed(v, outs)
        for group in self.groups:
            count_local_uses(group)
        return outs

    def plan_eqn(self, eqn, ins):
        lowering = LOWERINGS[eqn.prim]
        as_loops = loop_product(eqn, ins) if eqn.prim is dot_general_p else None
        if as_loops is not None:
            self.plan_product(eqn, as_loops)
        elif eqn.prim is concatenate_p and len(ins) > MAX_FOLDED_OPERANDS:
            self.add_custom(eqn, ins, stored_concatenation)
        elif isinstance(lowering, Folded):
            if eqn.prim is take_p:
                ins = [gathered_operand(self, eqn, ins[0])] + ins[1:]
            ins = [view_operand(v, chars=self.recompute_chars) for v in ins]
            self.env[eqn.outs[0]] = FoldedValue(lowering, eqn, ins)
        elif isinstance(lowering, Elementwise):
            free = FreeElementwise(eqn, ins)
            if lowering.cheap and all(v.free for v in ins) and is_cheap_to_recompute(free):
                self.env[eqn.outs[0]] = free
            else:
                self.join(eqn, ins, eqn.outs[0].type.shape, ())
        elif isinstance(lowering, Reduction):
            self.join(eqn, ins, eqn.inputs[0].type.shape, tuple(eqn.params["axes"]))
        else:
            if eqn.prim is scatter_add_p:
                # Its loop runs over the updates in order, as their own nest
                # would: computed there (up to a nest's length: it is fusion,
                # not a recomputation), they need no array (the dense
                # Jacobian written straight from the compressed product).
                ins = [ins[0], view_operand(ins[1], MAX_GROUP_MEMBERS, self.recompute_chars)]
            self.add_custom(eqn, ins, lowering.emit)

    def plan_product(self, eqn, eqns):
        """``eqn`` planned as the equations ``eqns`` (products.py)."""
        for part in eqns:
            self.origins[part] = eqn
            self.plan_eqn(part, [self.value(a) for a in part.inputs])

    def add_custom(self, eqn, ins, emit):
        """A nest of its own for ``eqn``, which ``emit`` writes."""
        for v in ins:
            mark_stored(v)
        group = Group(len(self.groups), (), custom=eqn, ins=ins, emit=emit)
        self.groups.append(group)
        for var in eqn.outs:
            member = Member(eqn, var, group, ins, is_reduction=True)
            group.members.append((eqn, member))
            self.env[var] = member

    def join(self, eqn, ins, shape, axes):
        group = next((g for g in reversed(self.groups) if g.accepts(shape, axes, ins)), None)
        if group is None:
            group = Group(len(self.groups), shape)
            self.groups.append(group)
        group.axes = group.axes or axes
        for v in ins:
            if not group.is_local(v):
                mark_stored(v)
        member = Member(eqn, eqn.outs[0], group, ins, is_reduction=bool(axes))
        group.members.append((eqn, member))
        self.env[eqn.outs[0]] = member


def count_local_uses(group):
    """How often each member is read by members of its group that are
    emitted: those stored or read in turn.  A member that only views read
    is recomputed by them and never emitted, so its reads do not count."""
    for _, member in reversed(group.members):
        if member.stored or member.local_uses:
            for v in member.ins:
                if group.is_local(v):
                    v.local_uses += 1


def store_transposed(value, outs):
    """An output that is a transpose of a loop result: store the result
    transposed, so that the output is that array, not a copy."""
    if not (isinstance(value, FoldedValue) and value.eqn.prim is transpose_p):
        return
    base = value.ins[0]
    if (isinstance(base, Member) and not base.is_reduction and base.group.shape
            and base.layout is None and all(base is not v for v in outs)):
        base.layout = value.eqn.params["perm"]


def mark_stored(value):
    """``value`` is read outside its own group, so it must be stored."""
    if isinstance(value, Member):
        value.stored = True


def view_operand(value, limit=RECOMPUTE_LIMIT, chars=RECOMPUTE_CHARS) -> Value:
    """What a view reads for ``value``: a cheap member not stored anyway is
    recomputed (at most ``limit`` operations, ``chars`` of source and
    MAX_NESTING brackets deep in all), anything else is read from memory."""
    if not isinstance(value, Member) or value.stored:
        return value
    if value.cheap and recompute_cost(value, limit) <= limit:
        # Building it may store some of its inputs, needlessly if it is then
        # too long; that is rare (views of views of views).
        recomputed = Recomputed(value.eqn, [view_operand(v, math.inf, chars)
                                            for v in value.ins])
        plain = tuple(f"i{k}" for k in range(value.var.type.ndim))
        text = Sizing(recomputed).read(plain)
        if len(text) <= chars and nesting(text) < MAX_NESTING:
            return recomputed
    value.stored = True
    return value


class Sizing(Value):
    """``value`` read as the kernel will read it, except for members read
    from memory (not emitted yet while planning): a short stand-in.  It
    measures recomputed reads, whose index arithmetic can grow geometrically
    with nested reshapes and pads."""

    def __init__(self, value):
        self.value = value

    def read(self, idx):
        value = self.value
        if isinstance(value, Member):
            return f"m[{', '.join(idx)}]"
        if isinstance(value, Recomputed):
            return elementwise_read(value.eqn, [Sizing(v) for v in value.ins], idx)
        if isinstance(value, FoldedValue):
            return value.lowering.read([Sizing(v) for v in value.ins], tuple(idx), value.eqn)
        if isinstance(value, Bound):
            return Bound(Sizing(value.value), value.shift).read(idx)
        return value.read(idx)

    def slice_of(self):
        sliced = self.value.slice_of()
        return None if sliced is None else (Sizing(sliced[0]), sliced[1])

    def key(self):
        return self.value.key()


def is_cheap_to_recompute(value) -> bool:
    return recompute_cost(value, RECOMPUTE_LIMIT) <= RECOMPUTE_LIMIT


def recompute_cost(value, limit) -> float:
    """The operations that recompute ``value``: its cheap members not stored
    anyway, what is recomputed already and free elementwise values (the rest
    is read from memory).  Counting stops past ``limit``: shared inputs are
    counted per use, so a chain of values each read twice (a constant
    Jacobian of a loop) is planned into loops, not inlined 2^n times."""
    total, pending = 0, [value]
    while pending and total <= limit:
        value = pending.pop()
        if isinstance(value, Member) and (value.stored or not value.cheap):
            continue
        total += isinstance(value, (Member, Recomputed, FreeElementwise))
        pending.extend(getattr(value, "ins", ()))
    return total


def nesting(expr: str) -> int:
    """The deepest bracket nesting in ``expr``."""
    depth = deepest = 0
    for ch in expr:
        if ch in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]":
            depth -= 1
    return deepest
