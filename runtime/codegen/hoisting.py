"""Index arithmetic simplified and computed once per loop iteration.

Folded views read their operands at computed positions: a roll at
``i + 1 - 40 * (i >= 39)``, a roll of a roll at that position rolled
again, a padded slice at ``i + 1``.  One loop body repeats the same
position many times (the loops of an RK4 Hessian read each of three
neighbours a dozen times), and Numba types, lowers and hands LLVM every
copy.  ``hoisted_indices`` rewrites each loop body's positions:

- a roll of a roll of the loop index over its whole ``range(n)`` becomes
  one roll of the index, or the index itself: ``(i + a) mod n`` rolled by
  ``b`` is ``(i + a + b) mod n`` for every ``0 <= i < n``;
- a position the body then spells out more than once gets a name,
  assigned at the top of the body of the loop whose index it is computed
  from.

Only integer arithmetic (``+``, ``-``, ``*``, comparisons) of one loop
index and integer literals is touched.  It cannot fail and has no effects,
so computing it at the top of the body, also where the original was in a
branch not taken, changes nothing the kernel computes.  A loop whose body
assigns its own index again is left alone.
"""
from __future__ import annotations

import ast
import re
from collections import Counter

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult)
_COMPARISONS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def hoisted_indices(lines: list, reserved=()) -> list:
    """The kernel body ``lines`` (at depth 1 or more) with the positions of
    each loop body simplified and those repeated computed once at its top;
    new names avoid those in the lines and ``reserved``."""
    collector = _Positions()
    collector.visit(ast.parse("def body():\n" + "\n".join(lines)))
    taken = set(_IDENTIFIER.findall("\n".join(lines))) | set(reserved)
    replacements, definitions = [], {}
    for loop in collector.loops:
        if loop.reassigned:
            continue
        loop.name_repeated(taken)
        replacements += loop.replacements()
        if loop.names:
            definitions[loop.node.lineno - 2] = loop.definitions()
    return _rewritten(lines, replacements, definitions)


class _Positions(ast.NodeVisitor):
    """One walk of the body: its ``for`` loops over ``range`` and, for
    each, the outermost positions computed from its index (its ``sites``),
    and whether the body assigns the index again."""

    def __init__(self):
        self.loops, self.enclosing = [], []

    def visit_For(self, node):
        self.visit(node.iter)
        self.visit(node.target)     # assigns the index of an enclosing loop of that name
        ranged = (isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Call)
                  and isinstance(node.iter.func, ast.Name) and node.iter.func.id == "range")
        if ranged:
            self.loops.append(_Loop(node))
            self.enclosing.append(self.loops[-1])
        for statement in node.body + node.orelse:
            self.visit(statement)
        if ranged:
            self.enclosing.pop()

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            for loop in self.enclosing:
                loop.reassigned |= loop.index == node.id

    def generic_visit(self, node):
        loop = self.position_of(node)
        if loop is None:
            super().generic_visit(node)
        else:
            loop.sites.append(node)

    def position_of(self, node):
        """The innermost enclosing loop ``node`` is a position of, if any."""
        names = set()
        if not (isinstance(node, ast.BinOp) and _is_integer_arithmetic(node, names)
                and len(names) == 1):
            return None
        index = names.pop()
        return next((loop for loop in reversed(self.enclosing) if loop.index == index), None)


class _Loop:
    """One ``for`` loop over ``range``: the positions its body computes from
    its index, simplified, and the names given to those repeated."""

    def __init__(self, node):
        self.node = node
        self.index = node.target.id
        args = node.iter.args
        self.extent = (args[0].value if len(args) == 1 and isinstance(args[0], ast.Constant)
                       and type(args[0].value) is int else None)
        self.sites = []          # the outermost positions of the index in the body
        self.reassigned = False  # does the body assign the index? (then: left alone)
        self.names = {}          # simplified position text -> its name

    def simplified(self, node) -> str:
        """The text of position ``node`` with rolls of rolls of the index
        made one roll."""
        shift = self.roll_shift(node)
        if shift is None:
            return ast.unparse(node)
        return self.roll_text(shift)

    def roll_shift(self, node):
        """s if ``node`` equals (index + s) mod extent for every index of the
        loop: a roll's read position ``x + a - n * (x >= n - a)`` (n the
        extent, 0 < a < n) of an x in 0..2n-a-1, which is x + a or x + a - n,
        so (x + a) mod n.  x may be the index, the index plus c (0 <= c and
        c + a <= n), or another such roll."""
        operand, shift = _roll(node, self.extent)
        if operand is None:
            return None
        if isinstance(operand, ast.Name) and operand.id == self.index:
            return shift
        if (isinstance(operand, ast.BinOp) and isinstance(operand.op, ast.Add)
                and isinstance(operand.left, ast.Name) and operand.left.id == self.index
                and _is_int(operand.right) and 0 <= operand.right.value <= self.extent - shift):
            return (operand.right.value + shift) % self.extent
        inner = self.roll_shift(operand)
        return None if inner is None else (inner + shift) % self.extent

    def roll_text(self, shift) -> str:
        i, n = self.index, self.extent
        return i if shift == 0 else f"{i} + {shift} - {n} * ({i} >= {n - shift})"

    def name_repeated(self, taken):
        """Name the positions written twice or more; then, as the code reads
        once these are named, those written twice or more inside them (a
        named position's inside is written once, in its definition) or
        inside the others; and so on.  Shorter ones first: a definition
        uses the names of those inside it."""
        named, sites = set(), [self.simplified(node) for node in self.sites]
        while sites:
            chosen = {text for text, n in Counter(sites).items() if n > 1 and text != self.index}
            named |= chosen
            sites = [self.simplified(p) for text in [*chosen, *(t for t in sites if t not in chosen)]
                     for p in self.inside(text)]
        for text in sorted(named, key=lambda t: (len(t), t)):
            self.names[text] = _fresh(self.index, taken)

    def inside(self, text) -> list:
        """The outermost positions strictly inside the position ``text``."""
        root = ast.parse(text, mode="eval").body
        return [p for child in ast.iter_child_nodes(root)
                for p in _outermost_positions(child, self.index)]

    def definitions(self) -> list:
        """(name, text) of the named positions, each after those it uses."""
        return [(name, self.written(ast.parse(text, mode="eval").body, inside=True))
                for text, name in self.names.items()]

    def written(self, node, inside=False) -> str:
        """The text of position ``node``: simplified, with the named
        positions in it (itself too, unless ``inside``) by their names."""
        text = self.simplified(node)
        if not inside and text in self.names:
            return self.names[text]
        spans = [(p.col_offset, p.end_col_offset, self.written(p)) for p in self.inside(text)]
        for start, end, new in sorted(spans, reverse=True):
            text = text[:start] + new + text[end:]
        return text

    def replacements(self) -> list:
        """(line, start, end, text) for each position of the body whose
        text changes."""
        out = []
        for node in self.sites:
            text = self.written(node)
            if text != ast.unparse(node):
                out.append((node.lineno - 2, node.col_offset, node.end_col_offset, text))
        return out


def _roll(node, n):
    """(x, s) if ``node`` is ``x + s - n * (x >= n - s)`` with 0 < s < n,
    the read position of a roll; else (None, None)."""
    if n is None or not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)):
        return None, None
    plus, wrap = node.left, node.right
    if not (isinstance(plus, ast.BinOp) and isinstance(plus.op, ast.Add)
            and _is_int(plus.right) and 0 < plus.right.value < n):
        return None, None
    x, s = plus.left, plus.right.value
    if not (isinstance(wrap, ast.BinOp) and isinstance(wrap.op, ast.Mult)
            and _is_int(wrap.left) and wrap.left.value == n
            and isinstance(wrap.right, ast.Compare) and len(wrap.right.ops) == 1
            and isinstance(wrap.right.ops[0], ast.GtE)
            and ast.unparse(wrap.right.left) == ast.unparse(x)
            and _is_int(wrap.right.comparators[0])
            and wrap.right.comparators[0].value == n - s):
        return None, None
    return x, s


def _is_int(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _is_position(node, index) -> bool:
    """Integer arithmetic of ``index`` (which it reads) and integer
    literals, with an arithmetic operation at its root."""
    names = set()
    return isinstance(node, ast.BinOp) and _is_integer_arithmetic(node, names) and names == {index}


def _is_integer_arithmetic(node, names) -> bool:
    """Whether ``node`` is integer arithmetic of names and integer
    literals; the names it reads are added to ``names``."""
    if isinstance(node, ast.Name):
        names.add(node.id)
        return True
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.BinOp):
        return (isinstance(node.op, _ARITHMETIC) and _is_integer_arithmetic(node.left, names)
                and _is_integer_arithmetic(node.right, names))
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub) and _is_integer_arithmetic(node.operand, names)
    if isinstance(node, ast.Compare):
        return (all(isinstance(op, _COMPARISONS) for op in node.ops)
                and all(_is_integer_arithmetic(n, names) for n in [node.left, *node.comparators]))
    return False


def _outermost_positions(node, index) -> list:
    """The positions under ``node`` (itself included) not inside another."""
    if _is_position(node, index):
        return [node]
    return [p for child in ast.iter_child_nodes(node) for p in _outermost_positions(child, index)]


def _fresh(index, taken) -> str:
    k = 1
    while f"{index}_{k}" in taken:
        k += 1
    taken.add(f"{index}_{k}")
    return f"{index}_{k}"


def _rewritten(lines, replacements, definitions) -> list:
    """``lines`` with the (line, start, end, text) replacements made and the
    definitions inserted after their loop's ``for`` line."""
    lines = list(lines)
    for number, start, end, text in sorted(replacements, reverse=True):
        line = lines[number]
        lines[number] = line[:start] + text + line[end:]
    out = []
    for number, line in enumerate(lines):
        out.append(line)
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        out += [f"{indent}{name} = {text}" for name, text in definitions.get(number, ())]
    return out
