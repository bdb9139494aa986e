"""Python expressions shared by the lowerings and the code generator.

Expressions are strings of Python that Numba types exactly as NumPy would:
values whose NumPy dtype Numba might not reproduce (int32 sums, float32
literals) are wrapped in an explicit conversion.
"""
from __future__ import annotations

import math

import numpy as np

F64 = np.dtype(np.float64)
I64 = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)


def dtype_expr(dtype) -> str:
    dtype = np.dtype(dtype)
    return "np.bool_" if dtype == BOOL else f"np.{dtype.name}"


def literal_expr(value, dtype) -> str:
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return repr(bool(value))
    if dtype.kind == "f":
        value = float(value)
        text = repr(value) if math.isfinite(value) else (
            "np.nan" if math.isnan(value) else ("np.inf" if value > 0 else "-np.inf"))
        return text if dtype == F64 else f"{dtype_expr(dtype)}({text})"
    text = str(int(value))
    return text if dtype == I64 else f"{dtype_expr(dtype)}({text})"


def typed_literal_expr(value, dtype) -> str:
    """A literal that Numba types as a plain ``dtype`` value, never as a
    Literal type (a compiled helper taking one is compiled per value):
    int64 and bool literals go through their NumPy type, like other dtypes'."""
    text = literal_expr(value, dtype)
    return f"{dtype_expr(dtype)}({text})" if np.dtype(dtype) in (I64, BOOL) else text


def cast_expr(expr, dtype, source) -> str:
    """``expr`` (of dtype ``source``; None if unknown) converted to ``dtype``."""
    dtype = np.dtype(dtype)
    if source is not None and np.dtype(source) == dtype:
        return expr
    if dtype == BOOL:
        return f"{parenthesize(expr)} != 0"
    return f"{dtype_expr(dtype)}({expr})"


def result_expr(lowering, eqn, args) -> str:
    """The expression of an elementwise equation (its lowering an
    Elementwise), typed as its output."""
    expr = lowering.expr(eqn, *args)
    out = eqn.outs[0].type.dtype
    values = {a.type.dtype for a in eqn.inputs[lowering.first_value:]}
    if lowering.typed or (values == {out} and out in lowering.keeps):
        return expr
    return cast_expr(expr, out, None)


def parenthesize(expr: str) -> str:
    """``expr`` wrapped in parentheses unless it is one name, call or item."""
    depth = 0
    for ch in expr:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch in " +-*/%<>=!&|^~":
            return f"({expr})"
    return expr


# -- index arithmetic -------------------------------------------------------------------

def operand_index(idx, out_shape, in_shape):
    """NumPy broadcasting: the index into an operand of ``in_shape`` at
    ``idx`` of ``out_shape`` (trailing axes; 0 along stretched unit axes)."""
    lead = len(out_shape) - len(in_shape)
    return tuple("0" if n == 1 and out_shape[lead + k] != 1 else idx[lead + k]
                 for k, n in enumerate(in_shape))


def along(idx, axis, position) -> tuple:
    """``idx`` with ``position`` along ``axis``."""
    return idx[:axis] + (position,) + idx[axis + 1:]


def plus(i, k) -> str:
    """The index expression ``i + k``."""
    if k == 0:
        return i
    return f"{parenthesize(i)} + {k}" if k > 0 else f"{parenthesize(i)} - {-k}"


def flat_index(idx, shape) -> str:
    """The C-order flat position of ``idx`` in ``shape`` (Horner form)."""
    expr = None
    for i, n in zip(idx, shape):
        expr = i if expr is None else f"{parenthesize(expr)} * {n} + {i}"
    return expr or "0"


def unravel(flat, shape) -> list:
    """The C-order index of position ``flat`` in ``shape``."""
    flat = parenthesize(flat)
    idx = []
    for k, n in enumerate(shape):
        inner = math.prod(shape[k + 1:])
        part = flat if inner == 1 else f"{flat} // {inner}"
        idx.append(part if k == 0 else f"{parenthesize(part)} % {n}")
    return idx
