"""Long expressions split into named temporaries, for a reader's sake.

Fused loops and folded views inline whole chains of IR lines into one
expression.  ``split_statement`` moves its biggest parts (at most ``limit``
characters each) into temporaries computed just before it until it fits.
Only parts that are evaluated whenever the expression is may move: never a
branch of a conditional or a later operand of ``and``/``or`` or of a
chained comparison, which may read out of bounds when not taken.  A
conditional too long to move whole becomes an ``if`` statement, each
branch split in turn.  The expressions are pure, so the kernel computes
exactly what it did before.
"""
from __future__ import annotations

import ast

# The longest expression a generated statement keeps in one piece (its
# indentation and target come on top).
MAX_EXPRESSION_CHARS = 100
# Shorter parts are not worth a name of their own.
MIN_PART_CHARS = 16
# Nodes never moved out: names, literals, functions (``math.sin``), index tuples.
_ATOMS = (ast.Name, ast.Constant, ast.Attribute, ast.Tuple, ast.Slice, ast.Starred)


def split_statement(target, op, expr, fresh, limit=MAX_EXPRESSION_CHARS) -> list:
    """The statement ``target op expr`` as lines (depth, text), the parts of
    a long ``expr`` first assigned to new names from ``fresh()``."""
    lines = []
    while len(expr) > limit:
        root = ast.parse(expr, mode="eval").body
        node = _largest_part(root, limit)
        if node is not None:
            name = fresh()
            lines.append((0, f"{name} = {_text(expr, node)}"))
        else:
            node = _longest_conditional(root)
            if node is None:
                break
            name = fresh()
            lines += _if_statement(expr, node, name, fresh, limit)
        expr = _replaced(expr, node.col_offset, node.end_col_offset, name)
    return lines + [(0, f"{target} {op} {expr}")]


def _if_statement(expr, node, name, fresh, limit) -> list:
    """``name = body if test else orelse`` as an if statement."""
    lines = [(0, f"if {_text(expr, node.test)}:")]
    lines += [(d + 1, t) for d, t in split_statement(name, "=", _text(expr, node.body),
                                                     fresh, limit)]
    lines.append((0, "else:"))
    lines += [(d + 1, t) for d, t in split_statement(name, "=", _text(expr, node.orelse),
                                                     fresh, limit)]
    return lines


def _text(expr, node) -> str:
    return expr[node.col_offset:node.end_col_offset]


def _length(node) -> int:
    return node.end_col_offset - node.col_offset


def _largest_part(root, limit):
    """The longest movable node of at most ``limit`` characters, if any."""
    candidates = [node for node in _always_evaluated(root)
                  if MIN_PART_CHARS <= _length(node) <= limit]
    return max(candidates, key=_length, default=None)


def _longest_conditional(root):
    """The longest conditional evaluated whenever ``root`` is (itself included)."""
    nodes = [root, *_always_evaluated(root)]
    return max((n for n in nodes if isinstance(n, ast.IfExp)), key=_length, default=None)


def _always_evaluated(root):
    """The sub-expressions of ``root`` (not itself) evaluated whenever it is."""
    for child in _unconditional_children(root):
        if not isinstance(child, _ATOMS):
            yield child
        yield from _always_evaluated(child)


def _unconditional_children(node):
    if isinstance(node, ast.IfExp):
        return [node.test]
    if isinstance(node, ast.BoolOp):
        return node.values[:1]
    if isinstance(node, ast.Compare):
        return [node.left, node.comparators[0]]
    return [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]


def _replaced(expr, start, end, name) -> str:
    """``expr`` with ``name`` in place of ``expr[start:end]``, dropping the
    brackets that grouped it (not those of a call)."""
    grouped = (start > 0 and expr[start - 1] == "(" and expr[end:end + 1] == ")"
               and not (start > 1 and (expr[start - 2].isalnum() or expr[start - 2] in "_)]")))
    if grouped:
        start, end = start - 1, end + 1
    return expr[:start] + name + expr[end:]
