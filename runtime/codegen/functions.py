"""A long kernel body cut into parts: functions of bounded size that Numba
compiles separately, identical ones once.

LLVM's optimisation time grows faster than linearly in the size of a
function, so a kernel of thousands of statements takes minutes as one
function and seconds as many.  The body's top-level statements (each a
whole loop nest, or a scalar statement) are grouped into consecutive runs
of PART_MIN_LINES to PART_MAX_LINES lines; a run becomes ``part(...)``, a
function taking the values it reads that were computed before it and
returning those read after it.  Cuts fall where the statement text (names
left out) hashes to a multiple of CUT_EVERY, so the layers of a network or
the steps of an integrator, which repeat the same statements, are cut at
the same places each time.  A part's names are then renamed in order of
appearance, so that repeated runs give the same source: a part is named by
the hash of its source, compiled once per process and cached on disk under
that hash (numba_backend.py), whichever kernel uses it.  Each call site
keeps the IR comments of its run, so the kernel still reads as the IR.
"""
from __future__ import annotations

import ast
import hashlib
import re
import zlib
from collections import Counter

# Kernels whose body has at most this many lines stay one function: small
# kernels are the common case, and a call costs a little.
SPLIT_LINES = 100
# The size of a part, in lines of code (comments not counted).
PART_MIN_LINES = 40
PART_MAX_LINES = 120
# A statement whose text hashes to a multiple of this may start a part.
CUT_EVERY = 3
# The line that starts each part's module in the kernel source.
PART_MARKER = "# numjac part module "

_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


class Statement:
    """One top-level statement of the body: its lines (comments first),
    the names it reads before assigning them (``exposed``) and those it
    assigns."""

    def __init__(self, lines, node):
        self.lines = lines
        self.code = [line for line in lines if not line.lstrip().startswith("#")]
        self.comments = [line for line in lines if line.lstrip().startswith("#")]
        names = _Names()
        names.visit(node)
        self.exposed, self.stores = names.exposed, names.stores
        shape = _IDENTIFIER.sub("_", "\n".join(self.code))
        self.may_cut = zlib.crc32(shape.encode()) % CUT_EVERY == 0


class _Names(ast.NodeVisitor):
    """Reads and assignments in execution order: a name read before the
    statement assigns it is ``exposed`` (it comes from before)."""

    def __init__(self):
        self.exposed, self.stores = [], set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.stores.add(node.id)
        elif node.id not in self.stores:
            self.exposed.append(node.id)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name) and node.target.id not in self.stores:
            self.exposed.append(node.target.id)
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node):
        self.visit(node.iter)
        self.visit(node.target)
        for child in node.body + node.orelse:
            self.visit(child)


def split_body(lines, params, support) -> tuple:
    """(kernel body lines, part module sources) for a kernel body of
    ``lines`` (at depth 1, the return statement last) taking ``params``;
    ``support`` names the kernel_support helpers the kernel imports.  A
    short body comes back unchanged, with no parts."""
    if sum(not line.lstrip().startswith("#") for line in lines) <= SPLIT_LINES:
        return lines, []
    statements = _statements(lines)
    *runs, last = _runs(statements[:-1]) + [[statements[-1]]]
    later = Counter(name for s in statements for name in s.exposed)
    defined = set(params)
    local = defined | {name for s in statements for name in s.stores}
    body, parts = [], {}
    for run in runs:
        for s in run:
            later.subtract(s.exposed)
        source, call = _part(run, defined, local, later, support)
        parts.setdefault(source, None)
        body += ["    " + line.lstrip() for s in run for line in s.comments] + [call]
        defined.update(name for s in run for name in s.stores)
    body += last[0].lines
    return body, list(parts)


def _statements(lines) -> list:
    tree = ast.parse("def body():\n" + "\n".join(lines))
    statements, start = [], 0
    for node in tree.body[0].body:
        end = node.end_lineno - 1      # line 0 of ``lines`` is line 2 of the text
        statements.append(Statement(lines[start:end], node))
        start = end
    return statements


def _runs(statements) -> list:
    """Consecutive statements grouped into runs of bounded size."""
    runs, run, size = [], [], 0
    for s in statements:
        full = size + len(s.code) > PART_MAX_LINES
        if run and (full or (size >= PART_MIN_LINES and s.may_cut)):
            runs.append(run)
            run, size = [], 0
        run.append(s)
        size += len(s.code)
    return runs + [run] if run else runs


def _part(run, defined, local, later, support) -> tuple:
    """(part module source, the kernel line calling it) for one run."""
    order = list(dict.fromkeys(_IDENTIFIER.findall("\n".join(c for s in run for c in s.code))))
    names = [n for n in order if n in local]
    reads, stores = set(), set()
    for s in run:
        reads.update(n for n in s.exposed if n not in stores)
        stores.update(s.stores)
    ins = [n for n in names if n in reads and n in defined]
    outs = [n for n in names if n in stores and later[n] > 0]
    renamed = {n: f"a{k}" for k, n in enumerate(ins)}
    for n in names:
        renamed.setdefault(n, f"v{len(renamed) - len(ins)}")
    code = [_IDENTIFIER.sub(lambda m: renamed.get(m.group(), m.group()), line)
            for s in run for line in s.code]
    results = "".join(f"{renamed[n]}, " for n in outs)
    helpers = sorted(n for n in support if re.search(rf"\b{n}\b", "\n".join(code)))
    header = ["import math", "", "import numpy as np", ""]
    if helpers:
        header += [f"from numjac.runtime.kernel_support import {', '.join(helpers)}", ""]
    function = [f"def part({', '.join(renamed[n] for n in ins)}):", *code]
    if outs:
        function.append(f"    return ({results})")
    source = "\n".join(header + ["", *function]) + "\n"
    name = part_name(source)
    call = f"{name}({', '.join(ins)})"
    call = f"    {''.join(n + ', ' for n in outs)}= {call}" if outs else f"    {call}"
    return source, call


def part_name(source: str) -> str:
    """The name a part is called by in kernels: from the hash of its source."""
    return "part_" + hashlib.sha256(source.encode()).hexdigest()[:16]


def part_imports(parts) -> list:
    """The kernel's import lines of its parts (numba_backend.load registers
    the part modules before the kernel runs)."""
    from .. import kernel_store      # the module-name prefix of kernels and parts
    return [f"from {kernel_store.PREFIX}{part_name(s)} import part as {part_name(s)}"
            for s in parts]


def appended_parts(parts) -> str:
    """The part modules, each after a marker line, to append to the kernel's."""
    return "".join(f"\n{PART_MARKER}{part_name(s)}\n{s}" for s in parts)
