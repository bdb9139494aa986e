"""IR -> the Python source of one kernel of explicit scalar loops (for Numba).

Planning walks the equations once and puts each in a loop nest (a group):
an elementwise equation joins a nest of its shape whose loops can already
read its other inputs; a reduction joins the nest of its operand's shape,
with the reduced axes looped innermost; other primitives (contractions,
scans, the chunk loop) get a nest of their own.  Views (broadcasts,
transposes, reshapes, slices) and iota masks are never computed: their
readers fold them into index arithmetic.  A value is stored in an array only
when something outside its own nest reads it; otherwise it stays a scalar
temporary, or is inlined into its only reader.  Every statement carries the
IR lines it came from as comments.

What Numba is slow to compile stays out of the kernel, which is typed anew
for every IR: arrays come from helpers compiled once (kernel_support.empty
and full, not ``np.empty``), scalar functions from ``math`` (not ufuncs),
matrix products from an inline BLAS call (kernel_support.gemm, not
``np.dot`` and reshapes).

The kernel takes one array per IR input (0-d inputs as 0-d arrays, any
layout), then one preallocated array per name in the module's WORKSPACE
(if any: big temporaries, reused from call to call), and returns a tuple
with one new or input array per IR output.
"""
from __future__ import annotations

import builtins
import keyword
import math
from contextlib import contextmanager

import numpy as np

from ..compiler.ir import IR, Lit
from ..compiler.primitives.structural import transpose_p
from ..compiler.printer import format_eqn, format_ir, Namer
from ..compiler.rules import impls
from .lowering import (LOWERINGS, Elementwise, Folded, Reduction, cast_expr, dtype_expr,
                       literal_expr, operand_index, parenthesize, result_expr,
                       typed_literal_expr)

# Names the kernel module defines: modules, the kernel, kernel_support helpers.
_RESERVED = {"np", "math", "kernel", "empty", "full", "contiguous", "gemm", "splitmix",
             "standard_uniform", "standard_normal"} | set(dir(builtins))
# Inlined expressions stay well below Python's limit of 200 nested brackets.
MAX_NESTING = 40
# Cheap operations a view's reader recomputes rather than read from memory,
# and the longest source such a recomputation may take.
RECOMPUTE_LIMIT = 16
RECOMPUTE_CHARS = 1000
# Temporaries from this size on are allocated once per kernel (see
# Codegen.take_workspace); glibc maps fresh memory from 128 KB.  A kernel
# keeps at most WORKSPACE_MAX_BYTES of them alive between calls.
WORKSPACE_BYTES = 64 * 1024
WORKSPACE_MAX_BYTES = 256 * 1024 * 1024


class UnsupportedIR(Exception):
    """The IR uses something the Numba backend cannot compile (float16)."""


# -- values: how an IR variable is read at an index ---------------------------

class Value:
    ready = 0      # the index of the first group whose loops may read it
    free = False   # reads no array (literals, iota, masks made of them)

    def read(self, idx) -> str:
        raise NotImplementedError


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
        self.local_uses = 0
        self.stored = is_reduction   # read outside its group: needs storage
        self.storage = None          # Array or Scalar, once emitted
        self.layout = None           # a permutation to store it with (Permuted)
        self.local = None            # [expression, inlined IR lines] in its loops

    def read(self, idx):
        if self.local is not None:
            return self.local[0]
        return self.storage.read(idx)

    @property
    def cheap(self) -> bool:
        """Cheaper to recompute where a view reads it than to store."""
        lowering = LOWERINGS[self.eqn.prim]
        return (isinstance(lowering, Elementwise) and lowering.cheap
                and not self.is_reduction and bool(self.group.shape))


class Recomputed(Value):
    """A cheap member read through a view: computed again at the view's
    index from its inputs (recomputed in turn, or read from memory), so the
    member need not be stored and the view's reader need not wait for its
    loops."""

    def __init__(self, member):
        self.eqn = member.eqn
        self.ins = [view_operand(v, limit=math.inf) for v in member.ins]
        self.ready = max((v.ready for v in self.ins), default=0)

    def read(self, idx):
        return elementwise_read(self.eqn, self.ins, idx)


def view_operand(value, limit=RECOMPUTE_LIMIT) -> Value:
    """What a view reads for ``value``: a cheap member not stored anyway is
    recomputed (at most ``limit`` operations, RECOMPUTE_CHARS of source and
    MAX_NESTING brackets deep in all), anything else is read from memory."""
    if not isinstance(value, Member) or value.stored:
        return value
    if value.cheap and recompute_cost(value, limit) <= limit:
        # Building it may store some of its inputs, needlessly if it is then
        # too long; that is rare (views of views of views).
        recomputed = Recomputed(value)
        plain = tuple(f"i{k}" for k in range(value.var.type.ndim))
        text = Sizing(recomputed).read(plain)
        if len(text) <= RECOMPUTE_CHARS and nesting(text) < MAX_NESTING:
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


def recompute_cost(value, limit) -> float:
    """The operations that recompute ``value``: its cheap members not stored
    anyway and what is recomputed already (the rest is read from memory).
    Counting stops past ``limit``: shared inputs are counted per use."""
    total, pending = 0, [value]
    while pending and total <= limit:
        value = pending.pop()
        if isinstance(value, Member) and (value.stored or not value.cheap):
            continue
        total += isinstance(value, (Member, Recomputed))
        pending.extend(getattr(value, "ins", ()))
    return total


class FoldedValue(Value):
    """A view or mask: read by index arithmetic on its inputs."""

    def __init__(self, lowering, eqn, ins):
        self.lowering, self.eqn, self.ins = lowering, eqn, ins
        self.ready = max((v.ready for v in ins), default=0)
        self.free = all(v.free for v in ins)

    def read(self, idx):
        return self.lowering.read(self.ins, tuple(idx), self.eqn)


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


# -- planning ---------------------------------------------------------------------

class Group:
    """One loop nest: elementwise members and reductions over ``shape``, or a
    single equation with a custom lowering."""

    def __init__(self, index, shape, custom=None, ins=()):
        self.index = index
        self.shape = shape
        self.axes = ()              # reduced axes, looped innermost
        self.custom, self.ins = custom, ins
        self.members = []           # (eqn, Member) in program order

    def accepts(self, shape, axes, ins):
        if self.custom is not None or self.shape != shape:
            return False
        if axes and self.axes and axes != self.axes:
            return False
        return all(self.is_local(v) or v.ready <= self.index for v in ins)

    def is_local(self, value):
        return isinstance(value, Member) and value.group is self and not value.is_reduction


class Planner:
    """Assigns the equations of one IR to groups (see the module doc)."""

    def __init__(self, env):
        self.env = env
        self.groups = []

    def value(self, atom) -> Value:
        return Literal(atom) if isinstance(atom, Lit) else self.env[atom]

    def plan(self, ir: IR) -> list:
        for eqn in ir.eqns:
            self.plan_eqn(eqn, [self.value(a) for a in eqn.inputs])
        outs = [self.value(a) for a in ir.outputs]
        for v in outs:
            mark_stored(v)
            store_transposed(v, outs)
        return outs

    def plan_eqn(self, eqn, ins):
        lowering = LOWERINGS[eqn.prim]
        if isinstance(lowering, Folded):
            ins = [view_operand(v) for v in ins]
            self.env[eqn.outs[0]] = FoldedValue(lowering, eqn, ins)
        elif isinstance(lowering, Elementwise):
            if lowering.cheap and all(v.free for v in ins):
                self.env[eqn.outs[0]] = FreeElementwise(eqn, ins)
            else:
                self.join(eqn, ins, eqn.outs[0].type.shape, ())
        elif isinstance(lowering, Reduction):
            self.join(eqn, ins, eqn.inputs[0].type.shape, tuple(eqn.params["axes"]))
        else:
            for v in ins:
                mark_stored(v)
            group = Group(len(self.groups), (), custom=eqn, ins=ins)
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
            if group.is_local(v):
                v.local_uses += 1
            else:
                mark_stored(v)
        member = Member(eqn, eqn.outs[0], group, ins, is_reduction=bool(axes))
        group.members.append((eqn, member))
        self.env[eqn.outs[0]] = member


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


# -- emission -----------------------------------------------------------------------

class Codegen:
    """Writes the kernel source; custom lowerings call its helpers."""

    def __init__(self, ir: IR, name="kernel"):
        self.ir = ir
        self.name = name
        self.namer = Namer()
        format_ir(ir, self.namer, "", "ir")   # names every variable, nested ones too
        self.lines = []
        self.depth = 1
        self.loop_depth = 0
        self.fresh_count = 0
        self.support = set()   # kernel_support helpers the kernel calls
        self.allocations = []  # (line index, name, AType) of each `empty`

    # -- helpers for lowerings
    def line(self, text):
        self.lines.append("    " * self.depth + text)

    def comment(self, ir_lines):
        for text in dict.fromkeys(ir_lines):
            self.line(f"# {text}")

    def ir_line(self, eqn) -> str:
        return format_eqn(eqn, self.namer, "")[0]

    def var_name(self, var) -> str:
        name = self.namer(var)
        return f"v_{name}" if keyword.iskeyword(name) or name in _RESERVED else name

    @staticmethod
    def scalar(expr) -> Scalar:
        return Scalar(expr)

    @staticmethod
    def bound(value, shift=None) -> Bound:
        return Bound(value, shift)

    @staticmethod
    def constant(value, atype, limit=1 << 22):
        """The array a free value (built from iota and literals only)
        holds, computed now with NumPy; None for other values or sizes
        over ``limit``."""
        if not value.free or atype.size > limit:
            return None
        return np.asarray(evaluate_free(value, atype), dtype=atype.dtype)

    @staticmethod
    def array_of(value):
        """The Array holding ``value``, if it is stored in one."""
        storage = value.storage if isinstance(value, Member) else value
        return storage if isinstance(storage, Array) else None

    def fresh(self, prefix) -> str:
        self.fresh_count += 1
        return f"{prefix}{self.fresh_count}"

    @contextmanager
    def indented(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    @contextmanager
    def loops(self, shape, axes=None):
        """Loops over the ``axes`` of ``shape`` (default all, outermost
        first); yields the index with one loop variable per looped axis
        (None for the others)."""
        axes = range(len(shape)) if axes is None else axes
        idx = [None] * len(shape)
        for axis in axes:
            idx[axis] = f"i{self.loop_depth}"
            self.line(f"for {idx[axis]} in range({shape[axis]}):")
            self.loop_depth += 1
            self.depth += 1
        try:
            yield tuple(idx)
        finally:
            self.loop_depth -= len(axes)
            self.depth -= len(axes)

    def alloc(self, atype, name, fill=None) -> Array:
        """A new array ``name`` (filled with the Python value ``fill``, if
        given), made by a kernel_support helper: Numba compiles ``np.empty``
        anew in every kernel, the helper once.  Its arguments are typed
        values, not constants: Numba would compile the helper per constant."""
        dtype = dtype_expr(atype.dtype)
        shape = "".join(f"{typed_literal_expr(n, np.int64)}, " for n in atype.shape)
        if fill is None:
            self.support.add("empty")
            self.allocations.append((len(self.lines), name, atype))
            self.line(f"{name} = empty(({shape}), {dtype})")
        else:
            self.support.add("full")
            fill = typed_literal_expr(fill, atype.dtype)
            self.line(f"{name} = full(({shape}), {fill}, {dtype})")
        return Array(name, atype.ndim, contiguous=True)

    def materialize(self, value, atype, name) -> Array:
        """``value`` copied into a new array ``name`` of ``atype``."""
        target = self.alloc(atype, name)
        with self.loops(atype.shape) as idx:
            self.line(f"{target.read(idx)} = {value.read(idx)}")
        return target

    def emit_ir(self, ir: IR, env) -> list:
        """Plan and emit ``ir`` with its inputs bound in ``env`` (a dict
        var -> Value); returns the Values of its outputs, all readable
        after the emitted code."""
        planner = Planner(env)
        outs = planner.plan(ir)
        for group in planner.groups:
            self.emit_group(group)
        return outs

    # -- the kernel
    def generate(self) -> str:
        params = [self.var_name(v) for v in self.ir.inputs]
        env = {v: Array(p, v.type.ndim) for v, p in zip(self.ir.inputs, params)}
        outs = self.emit_ir(self.ir, env)
        names = [self.output_array(v, atom.type).name for v, atom in zip(outs, self.ir.outputs)]
        self.line(f"return ({''.join(n + ', ' for n in names)})")
        workspace = self.take_workspace(set(names))
        header = ["import math", "", "import numpy as np"]
        if self.support:
            helpers = ", ".join(sorted(self.support))
            header += ["", f"from numjac.runtime.kernel_support import {helpers}"]
        if workspace:
            spec = "".join(f"({shape_of(t)}, {t.dtype.name!r}), " for _, t in workspace)
            header += ["", f"WORKSPACE = ({spec})"]
        params += [name for name, _ in workspace]
        header += ["", "", f"def {self.name}({', '.join(params)}):"]
        return "\n".join(header + self.lines) + "\n"

    def take_workspace(self, outputs) -> list:
        """(name, AType) of the big temporaries, which become arguments: the
        caller allocates them once and passes them to every call (fresh
        ones that big may be mapped from the system on each call, a page
        fault per 4 KB written).  At most WORKSPACE_MAX_BYTES in all."""
        counts = {}
        for _, name, _ in self.allocations:
            counts[name] = counts.get(name, 0) + 1
        workspace, kept = [], 0
        for index, name, atype in self.allocations:
            size = atype.size * atype.dtype.itemsize
            if (name not in outputs and counts[name] == 1 and size >= WORKSPACE_BYTES
                    and kept + size <= WORKSPACE_MAX_BYTES):
                kept += size
                line = self.lines[index]
                indent = line[:len(line) - len(line.lstrip())]
                self.lines[index] = f"{indent}# {name}: {atype}, a workspace argument"
                workspace.append((name, atype))
        return workspace

    def output_array(self, value, atype) -> Array:
        array = self.array_of(value)
        if array is not None and not isinstance(array, Permuted):
            return array
        if isinstance(value, FoldedValue) and value.eqn.prim is transpose_p:
            stored = self.array_of(value.ins[0])
            if isinstance(stored, Permuted) and stored.perm == value.eqn.params["perm"]:
                return Array(stored.name, atype.ndim)
        return self.materialize(value, atype, self.fresh("out"))

    # -- groups
    def emit_group(self, group):
        if group.custom is not None:
            self.emit_custom(group)
            return
        self.allocate(group)
        if group.axes:
            self.emit_reduction_group(group)
        else:
            start = len(self.lines)
            with self.loops(group.shape) as idx:
                self.emit_members(group, idx, {})
            if len(self.lines) == start + len(group.shape):
                del self.lines[start:]   # only views read its members
        for _, member in group.members:
            member.local = None

    def emit_custom(self, group):
        eqn = group.custom
        self.comment([self.ir_line(eqn)])
        outs = LOWERINGS[eqn.prim].emit(self, eqn, group.ins)
        for (_, member), value in zip(group.members, outs):
            member.storage = value

    def allocate(self, group):
        """Storage for the stored elementwise members (0-d: scalar variables)."""
        for _, member in group.members:
            if member.stored and not member.is_reduction:
                name = self.var_name(member.var)
                if not group.shape:
                    member.storage = Scalar(name)
                elif member.layout is None:
                    member.storage = self.alloc(member.var.type, name)
                else:
                    shape = tuple(member.var.type.shape[p] for p in member.layout)
                    self.alloc(member.var.type.with_shape(shape), name)
                    member.storage = Permuted(name, member.layout)

    def emit_members(self, group, idx, updates):
        for eqn, member in group.members:
            if member.is_reduction:
                updates[member](idx)
            else:
                self.emit_elementwise(eqn, member, idx)

    def read_inputs(self, eqn, member, idx):
        """Expressions for an equation's inputs at ``idx`` of its group, and
        the IR lines of the inlined ones (claimed once)."""
        args, ir_lines = [], []
        shape = member.group.shape
        for atom, value in zip(eqn.inputs, member.ins):
            if isinstance(value, Member) and value.local is not None:
                args.append(value.local[0])
                ir_lines.extend(value.local[1])
                value.local[1] = []
            else:
                args.append(value.read(operand_index(idx, shape, atom.type.shape)))
                ir_lines.extend(self.ir_line(e) for e in folded_eqns(value))
        return args, ir_lines

    def emit_elementwise(self, eqn, member, idx):
        if not member.stored and not member.local_uses:
            return   # only views read it, and they recompute it
        args, ir_lines = self.read_inputs(eqn, member, idx)
        expr = result_expr(LOWERINGS[eqn.prim], eqn, args)
        ir_lines.append(self.ir_line(eqn))
        if not member.stored and member.local_uses == 1 and nesting(expr) < MAX_NESTING:
            member.local = [expr, ir_lines]
            return
        self.comment(ir_lines)
        if isinstance(member.storage, Scalar) or (member.stored and not member.local_uses):
            target = member.storage.read(idx)
            self.line(f"{target} = {expr}")
            member.local = [target, []] if isinstance(member.storage, Scalar) else None
            return
        temp = f"{self.var_name(member.var)}_"
        self.line(f"{temp} = {expr}")
        if member.stored:
            self.line(f"{member.storage.read(idx)} = {temp}")
        member.local = [temp, []]

    def emit_reduction_group(self, group):
        shape, axes = group.shape, group.axes
        kept = tuple(a for a in range(len(shape)) if a not in axes)
        reductions = [(eqn, m) for eqn, m in group.members if m.is_reduction]
        if axes != tuple(range(len(kept), len(shape))):
            self.emit_array_accumulators(group, kept, reductions)
            return
        # Reduced axes trailing: one scalar accumulator per output element.
        for eqn, member in reductions:
            if kept:
                member.storage = self.alloc(member.var.type, self.var_name(member.var))
        updates = {}
        with self.loops(shape, kept) as outer:
            for eqn, member in reductions:
                acc = f"{self.var_name(member.var)}_acc"
                lowering = LOWERINGS[eqn.prim]
                dtype = lowering.acc_dtype(eqn.inputs[0].type.dtype)
                self.line(f"{acc} = {lowering.init(dtype)}")
                updates[member] = self.scalar_update(eqn, member, acc)
            with self.loops(shape, axes) as inner:
                idx = tuple(o if o is not None else i for o, i in zip(outer, inner))
                self.emit_members(group, idx, updates)
            for eqn, member in reductions:
                self.store_accumulator(eqn, member, outer, kept)

    def scalar_update(self, eqn, member, acc):
        def update(idx):
            args, ir_lines = self.read_inputs(eqn, member, idx)
            self.comment(ir_lines + [self.ir_line(eqn)])
            dtype = eqn.inputs[0].type.dtype
            self.line(f"{acc} = {LOWERINGS[eqn.prim].combine(acc, args[0], dtype)}")
        return update

    def store_accumulator(self, eqn, member, outer, kept):
        lowering = LOWERINGS[eqn.prim]
        dtype = member.var.type.dtype
        acc = f"{self.var_name(member.var)}_acc"
        value = cast_expr(acc, dtype, lowering.acc_dtype(eqn.inputs[0].type.dtype))
        if kept:
            self.line(f"{member.storage.read(tuple(outer[a] for a in kept))} = {value}")
        else:
            name = self.var_name(member.var)
            self.line(f"{name} = {value}")
            member.storage = Scalar(name)

    def emit_array_accumulators(self, group, kept, reductions):
        """Reduced axes not trailing: loop in memory order and accumulate
        into the output arrays."""
        updates = {}
        for eqn, member in reductions:
            init = LOWERINGS[eqn.prim].identity(member.var.type.dtype)
            member.storage = self.alloc(member.var.type, self.var_name(member.var), fill=init)
            updates[member] = self.array_update(eqn, member, kept)
        with self.loops(group.shape) as idx:
            self.emit_members(group, idx, updates)

    def array_update(self, eqn, member, kept):
        def update(idx):
            args, ir_lines = self.read_inputs(eqn, member, idx)
            self.comment(ir_lines + [self.ir_line(eqn)])
            target = member.storage.read(tuple(idx[a] for a in kept))
            combined = LOWERINGS[eqn.prim].combine(target, args[0], eqn.inputs[0].type.dtype)
            self.line(f"{target} = {cast_expr(combined, member.var.type.dtype, None)}")
        return update


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


def shape_of(atype) -> str:
    return repr(tuple(int(n) for n in atype.shape))


def _types(ir: IR):
    for var in ir.inputs:
        yield var.type
    for eqn in ir.eqns:
        for var in eqn.outs:
            yield var.type
        for param in eqn.params.values():
            if isinstance(param, IR):
                yield from _types(param)


def check_supported(ir: IR):
    """Raise UnsupportedIR for what Numba cannot compile."""
    if any(t.dtype == np.float16 for t in _types(ir)):
        raise UnsupportedIR("float16 values")


def generate(ir: IR, name="kernel") -> str:
    """The source of a function ``name`` computing ``ir`` (see module doc)."""
    check_supported(ir)
    return Codegen(ir, name).generate()
