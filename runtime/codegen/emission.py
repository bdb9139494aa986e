"""Emission: the Codegen class, which writes the kernel source group by
group; custom lowerings call its helpers (loops, allocation, naming).

What Numba is slow to compile stays out of the kernel, which is typed anew
for every IR: arrays come from helpers compiled once (kernel_support.empty
and full, not ``np.empty``), scalar functions from ``math`` (not ufuncs),
matrix products from an inline BLAS call (kernel_support.gemm, not
``np.dot`` and reshapes).  Every statement carries the IR lines it came
from as comments.
"""
from __future__ import annotations

import builtins
import keyword
import math
import re
from contextlib import contextmanager

import numpy as np

from ...compiler.ir import IR
from ...compiler.primitives.structural import reshape_p, slice_p, transpose_p
from ...compiler.printer import Namer, format_eqn, format_ir
from ..lowering import LOWERINGS, dtype_expr, operand_index, result_expr, typed_literal_expr
from .accumulators import Accumulators
from .functions import appended_parts, part_imports, split_body
from .hoisting import hoisted_indices
from .planning import MAX_NESTING, Planner, nesting
from .rows import mark_row_scalars, row_loops
from .split import MAX_EXPRESSION_CHARS, split_statement
from .values import (Array, Bound, FoldedValue, Member, Permuted, Scalar, evaluate_free,
                     folded_eqns)

# Names the kernel module defines: modules, the kernel, kernel_support helpers.
_RESERVED = {"np", "math", "kernel", "empty", "full", "contiguous", "gemm", "prange", "splitmix",
             "standard_uniform", "standard_normal", "IndexOutOfBounds"} | set(dir(builtins))
_RESERVED |= {"digamma", "polygamma", "erfinv", "erfcinv", "log_ndtr", "expit", "argsort"}
_RESERVED |= {"gemm_alone", "blas_one_thread"}
# Temporaries from this size on are allocated once per kernel (see
# Codegen.take_workspace); glibc maps fresh memory from 128 KB.  A kernel
# keeps at most WORKSPACE_MAX_BYTES of them alive between calls.
WORKSPACE_BYTES = 64 * 1024
WORKSPACE_MAX_BYTES = 256 * 1024 * 1024
# Arrays the kernel returns from this size on are written into buffers the
# caller passes (see Codegen.take_output_buffers).
OUTPUT_BUFFER_BYTES = 4 * 1024 * 1024
# Elements of a top-level loop nest from which its outer loop runs on
# several threads (runtime/parallel.py): about a quarter of a millisecond
# of work, against the few microseconds a parallel region costs to start.
PARALLEL_MIN_ELEMENTS = 1 << 18


class Codegen(Accumulators):
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
        self.support = set()     # kernel_support helpers the kernel calls
        self.commented = set()   # IR lines commented in the current loop nest
        self.allocations = []    # (line index, name, AType) of each `empty`
        self.viewed = set()      # arrays an output may be a view of (or swapped with)
        self.parallel_depth = 0  # prange loops around the current line
        self.origins = {}        # planned equation -> the IR equation it stands for

    # -- helpers for lowerings
    def line(self, text):
        self.lines.append("    " * self.depth + text)

    def assign(self, target, expr, op="="):
        """The statement ``target op expr``, the parts of a long ``expr``
        first put in temporaries named after the target."""
        base = re.match(r"\w+", target).group().rstrip("_")
        for depth, text in split_statement(target, op, expr, lambda: self.fresh(f"{base}_")):
            self.line("    " * depth + text)

    def comment(self, ir_lines):
        """The IR lines as comments, each once per loop nest."""
        for text in dict.fromkeys(ir_lines):
            if text not in self.commented:
                self.commented.add(text)
                self.line(f"# {text}")

    def ir_line(self, eqn) -> str:
        return format_eqn(self.origins.get(eqn, eqn), self.namer, "")[0]

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

    @classmethod
    def array_read_now(cls, value):
        """(Array, axes): the array holding ``value`` with its axes
        permuted (value axis ``i`` is the array's axis ``axes[i]``), through
        transposes and an outer value a loop body reads; (None, None) if
        none.  For code reading it at once (a BLAS call), never for a value
        kept past the iteration (its array may be a carry)."""
        if isinstance(value, Bound) and value.shift is None:
            return cls.array_read_now(value.value)
        if isinstance(value, FoldedValue) and value.eqn.prim is transpose_p:
            array, axes = cls.array_read_now(value.ins[0])
            perm = value.eqn.params["perm"]
            return (None, None) if array is None else (array, tuple(axes[p] for p in perm))
        array = cls.array_of(value)
        if array is None or array.perm is not None:
            return None, None
        return array, tuple(range(array.ndim))

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
    def loops(self, shape, axes=None, work=0):
        """Loops over the ``axes`` of ``shape`` (default all, outermost
        first); yields the index with one loop variable per looped axis
        (None for the others).  A caller whose iterations of the outermost
        loop write disjoint elements gives its ``work`` (elements computed):
        from PARALLEL_MIN_ELEMENTS on, at the kernel's top level, that loop
        is a ``prange``."""
        axes = range(len(shape)) if axes is None else axes
        idx = [None] * len(shape)
        parallel = self.parallel_loop(shape, axes, work)
        for axis in axes:
            idx[axis] = f"i{self.loop_depth}"
            loop = "prange" if parallel and axis == axes[0] else "range"
            self.line(f"for {idx[axis]} in {loop}({shape[axis]}):")
            self.loop_depth += 1
            self.depth += 1
        if parallel:
            self.support.add("prange")
        self.parallel_depth += parallel
        try:
            yield tuple(idx)
        finally:
            self.parallel_depth -= parallel
            self.loop_depth -= len(axes)
            self.depth -= len(axes)

    def parallel_loop(self, shape, axes, work) -> bool:
        """Whether ``loops(shape, axes, work)`` here makes a ``prange``."""
        axes = range(len(shape)) if axes is None else axes
        return (work >= PARALLEL_MIN_ELEMENTS and self.depth == 1 and len(axes) > 0
                and shape[axes[0]] > 1)

    def alloc(self, atype, name, fill=None) -> Array:
        """A new array ``name`` (filled with the Python value ``fill``, if
        given), made by a kernel_support helper: Numba compiles ``np.empty``
        anew in every kernel, the helper once.  Its arguments are typed
        values, not constants: Numba would compile the helper per constant."""
        dtype = dtype_expr(atype.dtype)
        shape = "".join(f"{typed_literal_expr(n, np.int64)}, " for n in atype.shape)
        if fill is None:
            self.support.add("empty")
            if not self.parallel_depth:   # each thread its own: not a workspace
                self.allocations.append((len(self.lines), name, atype))
            self.line(f"{name} = empty(({shape}), {dtype})")
        else:
            self.support.add("full")
            fill = typed_literal_expr(fill, atype.dtype)
            self.line(f"{name} = full(({shape}), {fill}, {dtype})")
        return Array(name, atype.ndim, contiguous=True)

    def alloc_var(self, var, fill=None) -> Array:
        """A new array for the IR variable ``var``, named after it."""
        return self.alloc(var.type, self.var_name(var), fill)

    def materialize(self, value, atype, name) -> Array:
        """``value`` copied into a new array ``name`` of ``atype``."""
        target = self.alloc(atype, name)
        with self.loops(atype.shape, work=atype.size) as idx:
            self.assign(target.read(idx), value.read(idx))
        return target

    def emit_ir(self, ir: IR, env) -> list:
        """Plan and emit ``ir`` with its inputs bound in ``env`` (a dict
        var -> Value); returns the Values of its outputs, all readable
        after the emitted code."""
        planner = Planner(env, self.origins)
        outs = planner.plan(ir)
        runs = row_loops(planner.groups)
        mark_row_scalars(runs, outs)
        for run in runs:
            if len(run) == 1:
                self.emit_group(run[0])
            else:
                self.emit_row_loop(run)
        return outs

    # -- the kernel
    def generate(self) -> str:
        params = [self.var_name(v) for v in self.ir.inputs]
        env = {v: self.input_value(v, p) for v, p in zip(self.ir.inputs, params)}
        outs = self.emit_ir(self.ir, env)
        names = [self.output_array(v, atom.type).name for v, atom in zip(outs, self.ir.outputs)]
        self.line(f"return ({''.join(n + ', ' for n in names)})")
        returned = set(names) | self.viewed
        workspace = self.take_workspace(returned)
        buffers = self.take_output_buffers(returned)
        self.read_scalar_inputs(params)
        header = ["import math", "", "import numpy as np"]
        if self.support:
            helpers = ", ".join(sorted(self.support))
            header += ["", f"from numjac.runtime.kernel_support import {helpers}"]
        if workspace:
            spec = "".join(f"({shape_of(t)}, {t.dtype.name!r}), " for _, t in workspace)
            header += ["", f"WORKSPACE = ({spec})"]
        if buffers:
            spec = "".join(f"({shape_of(t)}, {t.dtype.name!r}), " for _, t in buffers)
            header += ["", f"OUTPUT_BUFFERS = ({spec})"]
        params += [name for name, _ in workspace + buffers]
        body, parts = split_body(hoisted_indices(self.lines, params), params, self.support)
        if parts:
            header += ["", *part_imports(parts)]
        header += ["", "", f"def {self.name}({', '.join(params)}):"]
        return "\n".join(header + body) + "\n" + appended_parts(parts)

    @staticmethod
    def input_value(var, param):
        """The kernel's input ``var``, passed as ``param``: an array, but a
        0-d one read into a local first (``read_scalar_inputs``: Numba's
        parallel loops are given a 0-d array as a scalar, on which
        ``param[()]`` fails to compile)."""
        if var.type.ndim:
            return Array(param, var.type.ndim)
        return Scalar(f"{param}_")

    def read_scalar_inputs(self, params):
        """Put the reads of the 0-d inputs the code uses before it (once
        the lines are final: other steps note lines by their position)."""
        code = "\n".join(self.lines)
        self.lines[:0] = ["    " + f"{p}_ = {p}[()]"
                          for v, p in zip(self.ir.inputs, params)
                          if not v.type.ndim and re.search(rf"\b{p}_\b", code)]

    def take_workspace(self, returned) -> list:
        """(name, AType) of the big temporaries, which become arguments: the
        caller allocates them once and passes them to every call (fresh
        ones that big may be mapped from the system on each call, a page
        fault per 4 KB written).  At most WORKSPACE_MAX_BYTES in all."""
        workspace, kept = [], 0
        for index, name, atype in self.allocated_once():
            size = atype.size * atype.dtype.itemsize
            if (name not in returned and size >= WORKSPACE_BYTES
                    and kept + size <= WORKSPACE_MAX_BYTES):
                kept += size
                self.passed_in(index, name, atype, "a workspace argument")
                workspace.append((name, atype))
        return workspace

    def take_output_buffers(self, returned) -> list:
        """(name, AType) of the big arrays the kernel returns (or returns
        views of), which become arguments after the workspace: the caller
        passes a buffer no one else holds (runtime/output_buffers.py), so
        that a call in a loop writes the memory of an earlier result the
        user dropped instead of new pages the system must clear first."""
        buffers = []
        for index, name, atype in self.allocated_once():
            if name in returned and atype.size * atype.dtype.itemsize >= OUTPUT_BUFFER_BYTES:
                self.passed_in(index, name, atype, "an output buffer argument")
                buffers.append((name, atype))
        return buffers

    def allocated_once(self) -> list:
        """The (line index, name, AType) of ``allocations`` whose name has
        only that allocation (one array, whatever path the kernel takes)."""
        counts = {}
        for _, name, _ in self.allocations:
            counts[name] = counts.get(name, 0) + 1
        return [entry for entry in self.allocations if counts[entry[1]] == 1]

    def passed_in(self, index, name, atype, what):
        """Allocation line ``index`` of ``name`` made a comment: the array
        is an argument."""
        line = self.lines[index]
        indent = line[:len(line) - len(line.lstrip())]
        self.lines[index] = f"{indent}# {name}: {atype}, {what}"

    def output_array(self, value, atype) -> Array:
        array = self.array_of(value)
        if array is not None and not isinstance(array, Permuted):
            return array
        if isinstance(value, FoldedValue) and value.eqn.prim is transpose_p:
            stored = self.array_of(value.ins[0])
            if isinstance(stored, Permuted) and stored.perm == value.eqn.params["perm"]:
                return Array(stored.name, atype.ndim)
        if isinstance(value, FoldedValue) and value.eqn.prim is reshape_p and atype.ndim:
            # A reshape of an array the kernel made: a view of it, not a copy
            # (a dense Jacobian scattered flat; 10^6 elements copied: 30 ms).
            stored, part = self.stored_prefix(value.ins[0])
            if stored is not None:
                self.viewed.add(stored.name)
                name = self.fresh("out")
                self.line(f"{name} = {stored.name}{part}.reshape({shape_of(atype)})")
                return Array(name, atype.ndim, contiguous=True)
        return self.materialize(value, atype, self.fresh("out"))

    def stored_prefix(self, value):
        """(array, index text): a contiguous array the kernel made holding
        ``value`` whole (index "") or as its first elements (a flat slice
        from 0: the dense Jacobian scattered with one spare slot at the
        end); (None, None) for other values."""
        part = ""
        if isinstance(value, FoldedValue) and value.eqn.prim is slice_p \
                and value.eqn.inputs[0].type.ndim == 1 \
                and value.eqn.params["start"] == (0,) and value.eqn.params["step"] == (1,):
            part = f"[:{value.eqn.params['limit'][0]}]"
            value = value.ins[0]
        stored = self.array_of(value)
        if stored is None or not stored.contiguous or isinstance(stored, Permuted):
            return None, None
        return stored, part

    # -- groups
    def emit_group(self, group):
        self.commented = set()
        if group.custom is not None:
            self.emit_custom(group)
            return
        self.allocate(group)
        if group.axes and not group.reduces_trailing():
            self.emit_array_accumulators(group)
        else:
            self.emit_nest(group, None)
        for _, member in group.members:
            member.local = None

    def emit_row_loop(self, run):
        """The groups of ``run`` (rows.py) in one loop over their rows."""
        for group in run:
            self.allocate(group)
        start = len(self.lines)
        work = sum(math.prod(group.shape) for group in run)
        with self.loops(run[0].shape[:1], work=work) as (row,):
            for group in run:
                self.commented = set()
                self.emit_nest(group, row)
                for _, member in group.members:
                    member.local = None
        if len(self.lines) == start + 1:
            del self.lines[start:]

    def emit_nest(self, group, row):
        """The loops of ``group`` (all, or all but the first inside the row
        loop of ``row``) and its members; none if nothing is written."""
        start = len(self.lines)
        axes = range(len(group.shape)) if row is None else range(1, len(group.shape))
        work = 0 if row else math.prod(group.shape)
        if group.axes:
            self.emit_reduction_group(group, [a for a in axes if a not in group.axes], row, work)
        else:
            with self.loops(group.shape, axes, work) as idx:
                self.emit_members(group, (row,) + idx[1:] if row else idx, {})
        if len(self.lines) == start + len(axes):
            del self.lines[start:]   # only views read its members

    def emit_custom(self, group):
        eqn = group.custom
        self.comment([self.ir_line(eqn)])
        outs = group.emit(self, eqn, group.ins)
        for (_, member), value in zip(group.members, outs):
            member.storage = value

    def allocate(self, group):
        """Storage for the stored members (0-d, or held per row: scalar
        variables); a sum over trailing axes allocates its own."""
        for _, member in group.members:
            name = self.var_name(member.var)
            if member.row_scalar or (member.stored and not group.shape):
                member.storage = Scalar(name)
            elif not member.stored or member.is_reduction:
                continue
            elif member.layout is None:
                member.storage = self.alloc(member.var.type, name)
            else:
                shape = tuple(member.var.type.shape[p] for p in member.layout)
                self.alloc(member.var.type.with_shape(shape), name)
                member.storage = Permuted(name, member.layout)
        if group.axes and group.reduces_trailing() and len(group.shape) > len(group.axes):
            for eqn, member in group.members:
                if member.is_reduction and not member.row_scalar:
                    member.storage = self.alloc(member.var.type, self.var_name(member.var))

    def emit_members(self, group, idx, updates):
        for eqn, member in group.members:
            if member.is_reduction:
                updates[member](idx)
            else:
                self.emit_elementwise(eqn, member, idx)

    def read_inputs(self, eqn, member, idx, build):
        """The expression ``build(args)`` of an equation from its inputs'
        expressions at ``idx`` of its group, and the IR lines of the inlined
        inputs (claimed once).  Inlined inputs that make the expression too
        long are first written to temporaries."""
        expr = build(self.input_exprs(eqn, member, idx))
        while len(expr) > MAX_EXPRESSION_CHARS and self.spill_inlined(member):
            expr = build(self.input_exprs(eqn, member, idx))
        ir_lines = []
        for value in member.ins:
            if isinstance(value, Member) and value.local is not None:
                ir_lines.extend(value.local[1])
                value.local[1] = []
            else:
                ir_lines.extend(self.ir_line(e) for e in folded_eqns(value))
        return expr, ir_lines

    @staticmethod
    def input_exprs(eqn, member, idx) -> list:
        shape = member.group.shape
        return [value.local[0] if isinstance(value, Member) and value.local is not None
                else value.read(operand_index(idx, shape, atom.type.shape))
                for atom, value in zip(eqn.inputs, member.ins)]

    def spill_inlined(self, member) -> bool:
        """Write the longest input of ``member`` that is an inlined
        expression (its IR lines still unclaimed) to a temporary named after
        it; False if there is none."""
        inlined = [v for v in member.ins
                   if isinstance(v, Member) and v.local is not None and v.local[1]]
        if not inlined:
            return False
        value = max(inlined, key=lambda v: len(v.local[0]))
        self.comment(value.local[1])
        temp = f"{self.var_name(value.var)}_"
        self.assign(temp, value.local[0])
        value.local = [temp, []]
        return True

    def emit_elementwise(self, eqn, member, idx):
        if not member.stored and not member.local_uses:
            return   # only views read it, and they recompute it
        lowering = LOWERINGS[eqn.prim]
        if lowering.support is not None:
            self.support.update(lowering.support(eqn))
        expr, ir_lines = self.read_inputs(
            eqn, member, idx, lambda args: result_expr(lowering, eqn, args))
        ir_lines.append(self.ir_line(eqn))
        if (not member.stored and member.local_uses == 1 and nesting(expr) < MAX_NESTING
                and len(expr) <= MAX_EXPRESSION_CHARS):
            member.local = [expr, ir_lines]
            return
        self.comment(ir_lines)
        if isinstance(member.storage, Scalar) or (member.stored and not member.local_uses):
            target = member.storage.read(idx)
            self.assign(target, expr)
            member.local = [target, []] if isinstance(member.storage, Scalar) else None
            return
        temp = f"{self.var_name(member.var)}_"
        self.assign(temp, expr)
        if member.stored:
            self.line(f"{member.storage.read(idx)} = {temp}")
        member.local = [temp, []]


def shape_of(atype) -> str:
    return repr(tuple(int(n) for n in atype.shape))
