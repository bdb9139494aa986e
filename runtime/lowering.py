"""The Numba lowering table: one entry per primitive, of four kinds.

- ``Elementwise(expr)``: the scalar expression of one element; fused into
  loop nests by the code generator.
- ``Folded(read)``: an element read from the inputs by index arithmetic
  (views, iota, gathers); never computed on its own.
- ``Reduction(identity, combine, acc_dtype)``: an accumulator loop.
- ``Custom(emit)``: writes its own loops (contractions, scans, scatters).

Expressions are strings of Python that Numba types exactly as NumPy would:
values whose NumPy dtype Numba might not reproduce (int32 sums, float32
literals) are wrapped in an explicit conversion.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..compiler.rules import Primitive, shape_rules

F64 = np.dtype(np.float64)
I64 = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)

LOWERINGS: dict = {}


@dataclass(frozen=True)
class Elementwise:
    expr: Callable            # (eqn, *arg_exprs) -> str
    keeps: frozenset = frozenset({F64, I64})   # input dtypes Numba keeps exactly
    cheap: bool = False       # recomputed where read when its inputs are free
    typed: bool = False       # expr already has the output dtype
    first_value: int = 0      # inputs before this one are not values (select's predicate)


@dataclass(frozen=True)
class Folded:
    read: Callable            # (input Values, index, eqn) -> str


@dataclass(frozen=True)
class Reduction:
    identity: Callable        # dtype -> the identity as a Python value
    combine: Callable         # (acc, x, dtype) -> str
    acc_dtype: Callable       # operand dtype -> accumulator dtype

    def init(self, dtype) -> str:
        return literal_expr(self.identity(dtype), dtype)


@dataclass(frozen=True)
class Custom:
    emit: Callable            # (codegen, eqn, input Values) -> output Values


def lowers(*prims):
    def register(lowering):
        for prim in prims:
            LOWERINGS[prim] = lowering
        return lowering
    return register


def prim_named(name) -> Primitive:
    for prim in shape_rules:
        if prim.name == name:
            return prim
    raise KeyError(name)


# -- expressions -----------------------------------------------------------------

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


def result_expr(lowering: Elementwise, eqn, args) -> str:
    """The expression of an elementwise equation, typed as its output."""
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


# -- elementwise -------------------------------------------------------------------

def infix(op):
    def expr(eqn, x, y):
        return f"{parenthesize(x)} {op} {parenthesize(y)}"
    expr.__name__ = f"infix_{op}"
    return expr


def call(fn):
    def expr(eqn, *args):
        return f"{fn}({', '.join(args)})"
    expr.__name__ = f"call_{fn}"
    return expr


def _neg(eqn, x):
    return f"-{parenthesize(x)}"


def _not(eqn, x):
    return f"not {parenthesize(x)}"


def _select(eqn, pred, x, y):
    return f"{parenthesize(x)} if {parenthesize(pred)} else {parenthesize(y)}"


def _convert(eqn, x):
    return cast_expr(x, eqn.params["dtype"], eqn.inputs[0].type.dtype)


_CHEAP_INFIX = {"add": "+", "sub": "-", "mul": "*", "eq": "==", "ne": "!=", "lt": "<",
                "le": "<=", "gt": ">", "ge": ">=", "and": "&", "or": "|", "xor": "^"}
_PREDICATES = {"eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "not",
               "isnan", "isfinite", "isinf"}
_CHEAP_CALLS = {"max": "np.maximum", "min": "np.minimum", "abs": "np.abs",
                "sign": "np.sign", "floor": "np.floor", "ceil": "np.ceil",
                "round": "np.rint", "trunc": "np.trunc"}
# Scalar math goes through ``math`` where Numba's version matches NumPy's
# (float32 stays float32, NaN instead of errors): typing ``math.tanh`` costs
# Numba far less than typing the ufunc ``np.tanh`` on a scalar.
_CALLS = {"exp": "math.exp", "exp2": "math.exp2", "expm1": "math.expm1", "log": "math.log",
          "log2": "math.log2", "log10": "math.log10", "log1p": "math.log1p",
          "sqrt": "math.sqrt", "cbrt": "np.cbrt", "sin": "math.sin", "cos": "math.cos",
          "tan": "math.tan", "asin": "math.asin", "acos": "math.acos", "atan": "math.atan",
          "sinh": "math.sinh", "cosh": "math.cosh", "tanh": "math.tanh",
          "asinh": "math.asinh", "acosh": "math.acosh", "atanh": "math.atanh",
          "pow": "np.power", "atan2": "math.atan2", "rem": "np.remainder",
          "fmod": "np.fmod", "floor_divide": "np.floor_divide", "isnan": "np.isnan",
          "isfinite": "np.isfinite", "isinf": "np.isinf"}


def _register_elementwise():
    for name, op in _CHEAP_INFIX.items():
        lowers(prim_named(name))(Elementwise(infix(op), cheap=True,
                                             typed=name in _PREDICATES))
    for name, fn in _CHEAP_CALLS.items():
        lowers(prim_named(name))(Elementwise(call(fn), cheap=True))
    for name, fn in _CALLS.items():
        lowers(prim_named(name))(Elementwise(call(fn), typed=name in _PREDICATES))
    # Division of integers is a float in Numba: its keeps is float64 only.
    lowers(prim_named("div"))(Elementwise(infix("/"), keeps=frozenset({F64})))
    lowers(prim_named("neg"))(Elementwise(_neg, cheap=True))
    lowers(prim_named("not"))(Elementwise(_not, cheap=True, typed=True))
    lowers(prim_named("select"))(Elementwise(_select, cheap=True, first_value=1))
    lowers(prim_named("convert"))(Elementwise(_convert, cheap=True, typed=True))


_register_elementwise()


# -- folded: views and generated values ------------------------------------------------

def _broadcast_in_dim(ins, idx, eqn):
    (x,), shape, dims = ins, eqn.params["shape"], eqn.params["dims"]
    in_shape = eqn.inputs[0].type.shape
    return x.read(tuple("0" if in_shape[k] == 1 and shape[d] != 1 else idx[d]
                        for k, d in enumerate(dims)))


def _transpose(ins, idx, eqn):
    perm = eqn.params["perm"]
    operand = [None] * len(perm)
    for k, p in enumerate(perm):
        operand[p] = idx[k]
    return ins[0].read(tuple(operand))


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


def reshape_index(idx, in_shape, out_shape) -> tuple:
    """The operand index of a C-order reshape, block by block: axes split
    or merged with their neighbours cost a multiply-add or a div/mod; unit
    axes cost nothing."""
    operand = ["0"] * len(in_shape)
    if 0 in in_shape:
        return tuple(operand)
    ins = [k for k, n in enumerate(in_shape) if n != 1]
    outs = [k for k, n in enumerate(out_shape) if n != 1]
    a = b = 0
    while a < len(ins):
        block_in, block_out = [ins[a]], [outs[b]]
        a, b = a + 1, b + 1
        while math.prod(in_shape[k] for k in block_in) != math.prod(
                out_shape[k] for k in block_out):
            if math.prod(in_shape[k] for k in block_in) < math.prod(
                    out_shape[k] for k in block_out):
                block_in.append(ins[a])
                a += 1
            else:
                block_out.append(outs[b])
                b += 1
        flat = flat_index([idx[k] for k in block_out], [out_shape[k] for k in block_out])
        for k, i in zip(block_in, unravel(flat, [in_shape[k] for k in block_in])):
            operand[k] = i
    return tuple(operand)


def _reshape(ins, idx, eqn):
    return ins[0].read(reshape_index(idx, eqn.inputs[0].type.shape, eqn.params["shape"]))


def _iota(ins, idx, eqn):
    return cast_expr(idx[eqn.params["dimension"]], eqn.params["dtype"], I64)


def wrapped(index_expr, n) -> str:
    """A NumPy index that may be negative, as a position in 0..n-1."""
    i = parenthesize(index_expr)
    return f"({i} if {i} >= 0 else {i} + {n})"


def _take(ins, idx, eqn):
    x, indices = ins
    axis, k = eqn.params["axis"], eqn.inputs[1].type.ndim
    position = wrapped(indices.read(idx[axis:axis + k]), eqn.inputs[0].type.shape[axis])
    return x.read(idx[:axis] + (position,) + idx[axis + k:])


def operand_index(idx, out_shape, in_shape):
    """NumPy broadcasting: the index into an operand of ``in_shape`` at
    ``idx`` of ``out_shape`` (trailing axes; 0 along stretched unit axes)."""
    lead = len(out_shape) - len(in_shape)
    return tuple("0" if n == 1 and out_shape[lead + k] != 1 else idx[lead + k]
                 for k, n in enumerate(in_shape))


def _along(idx, axis, position):
    return idx[:axis] + (position,) + idx[axis + 1:]


def plus(i, k) -> str:
    """The index expression ``i + k``."""
    if k == 0:
        return i
    return f"{parenthesize(i)} + {k}" if k > 0 else f"{parenthesize(i)} - {-k}"


def _slice(ins, idx, eqn):
    start, step = eqn.params["start"], eqn.params["step"]
    return ins[0].read(tuple(plus(i if s == 1 else f"{parenthesize(i)} * {s}", a)
                             for i, a, s in zip(idx, start, step)))


def _rev(ins, idx, eqn):
    axes, shape = eqn.params["axes"], eqn.outs[0].type.shape
    return ins[0].read(tuple(f"{shape[k] - 1} - {parenthesize(i)}" if k in axes else i
                             for k, i in enumerate(idx)))


def _concatenate(ins, idx, eqn):
    """Nested choices along the axis: the first operand whose range holds it."""
    axis = eqn.params["axis"]
    i = idx[axis]
    bounds, offset = [], 0
    for atom in eqn.inputs:
        bounds.append(offset)
        offset += atom.type.shape[axis]
    choices = [f"{parenthesize(value.read(_along(idx, axis, plus(i, -low))))} if "
               f"{parenthesize(i)} < {high} else "
               for value, low, high in zip(ins[:-1], bounds[:-1], bounds[1:])]
    last = ins[-1].read(_along(idx, axis, plus(i, -bounds[-1])))
    return "".join(choices) + parenthesize(last)


def _pad(ins, idx, eqn):
    low, high, value = eqn.params["low"], eqn.params["high"], eqn.params["value"]
    shape = eqn.inputs[0].type.shape
    inside = [f"{a} <= {parenthesize(i)} < {a + n}"
              for i, a, b, n in zip(idx, low, high, shape) if a or b]
    read = ins[0].read(tuple(plus(i, -a) for i, a in zip(idx, low)))
    fill = literal_expr(value, eqn.outs[0].type.dtype)
    return f"{parenthesize(read)} if {' and '.join(inside)} else {fill}"


def _identity(ins, idx, eqn):
    return ins[0].read(idx)


lowers(prim_named("broadcast_in_dim"))(Folded(_broadcast_in_dim))
lowers(prim_named("slice"))(Folded(_slice))
lowers(prim_named("rev"))(Folded(_rev))
lowers(prim_named("concatenate"))(Folded(_concatenate))
lowers(prim_named("pad"))(Folded(_pad))
lowers(prim_named("stop_gradient"))(Folded(_identity))
lowers(prim_named("transpose"))(Folded(_transpose))
lowers(prim_named("reshape"))(Folded(_reshape))
lowers(prim_named("iota"))(Folded(_iota))
lowers(prim_named("take"))(Folded(_take))


# -- reductions ---------------------------------------------------------------------

def _wide(dtype):
    """Sums and products accumulate in 64 bits (float32 sums in float64)."""
    dtype = np.dtype(dtype)
    return F64 if dtype.kind == "f" else I64


def _same(dtype):
    return np.dtype(dtype)


def _zero(dtype):
    return 0


def _one(dtype):
    return 1


def _lowest(dtype):
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return False
    return -math.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return True
    return math.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _plus(acc, x, dtype):
    return f"{acc} + {parenthesize(x)}"


def _times(acc, x, dtype):
    return f"{acc} * {parenthesize(x)}"


def _maximum(acc, x, dtype):
    return f"{acc} | {parenthesize(x)}" if dtype == BOOL else f"np.maximum({acc}, {x})"


def _minimum(acc, x, dtype):
    return f"{acc} & {parenthesize(x)}" if dtype == BOOL else f"np.minimum({acc}, {x})"


lowers(prim_named("reduce_sum"))(Reduction(_zero, _plus, _wide))
lowers(prim_named("reduce_prod"))(Reduction(_one, _times, _wide))
lowers(prim_named("reduce_max"))(Reduction(_lowest, _maximum, _same))
lowers(prim_named("reduce_min"))(Reduction(_highest, _minimum, _same))


# -- custom loops --------------------------------------------------------------------

def _out_array(cg, eqn, k=0, fill=None):
    var = eqn.outs[k]
    return cg.alloc(var.type, cg.var_name(var), fill)


def arg_extremum(better):
    """argmax/argmin: the first best position; the first NaN wins."""
    def emit(cg, eqn, ins):
        (x,), axis = ins, eqn.params["axis"]
        shape = eqn.inputs[0].type.shape
        out = _out_array(cg, eqn)
        kept = tuple(a for a in range(len(shape)) if a != axis)
        with cg.loops(shape, kept) as idx:
            best, where, v, j = (cg.fresh(p) for p in ("best", "arg", "v", "j"))
            cg.line(f"{best} = {x.read(_along(idx, axis, '0'))}")
            cg.line(f"{where} = 0")
            cg.line(f"for {j} in range(1, {shape[axis]}):")
            with cg.indented():
                cg.line(f"{v} = {x.read(_along(idx, axis, j))}")
                cg.line(f"if {best} == {best} and ({v} {better} {best} or {v} != {v}):")
                with cg.indented():
                    cg.line(f"{best} = {v}")
                    cg.line(f"{where} = {j}")
            cg.line(f"{out.read(tuple(i for i in idx if i is not None))} = {where}")
        return [out]
    emit.__name__ = f"arg_extremum_{better}"
    return emit


def scan(reduction: Reduction):
    """cumsum/cumprod: a running accumulator along the axis."""
    def emit(cg, eqn, ins):
        (x,), axis = ins, eqn.params["axis"]
        in_type = eqn.inputs[0].type
        shape, dtype = in_type.shape, in_type.dtype
        reverse = eqn.params.get("reverse", False)
        out = _out_array(cg, eqn)
        acc_dtype = reduction.acc_dtype(dtype)
        kept = tuple(a for a in range(len(shape)) if a != axis)
        with cg.loops(shape, kept) as idx:
            acc, j = cg.fresh("acc"), cg.fresh("j")
            cg.line(f"{acc} = {reduction.init(acc_dtype)}")
            cg.line(f"for {j} in range({shape[axis]}):")
            with cg.indented():
                position = f"{shape[axis] - 1} - {j}" if reverse else j
                at = _along(idx, axis, position)
                cg.line(f"{acc} = {reduction.combine(acc, x.read(at), dtype)}")
                cg.line(f"{out.read(at)} = {cast_expr(acc, dtype, acc_dtype)}")
        return [out]
    emit.__name__ = "scan"
    return emit


def _scatter_add(cg, eqn, ins):
    indices, updates = ins
    axis, size = eqn.params["axis"], eqn.params["size"]
    k = eqn.inputs[0].type.ndim
    out = _out_array(cg, eqn, fill=0)
    dtype = eqn.outs[0].type.dtype
    with cg.loops(eqn.inputs[1].type.shape) as idx:
        position = wrapped(indices.read(idx[axis:axis + k]), size)
        target = out.read(idx[:axis] + (position,) + idx[axis + k:])
        total = f"{target} + {parenthesize(updates.read(idx))}"
        cg.line(f"{target} = {cast_expr(total, dtype, None)}")
    return [out]


lowers(prim_named("argmax"))(Custom(arg_extremum(">")))
lowers(prim_named("argmin"))(Custom(arg_extremum("<")))
lowers(prim_named("cumsum"))(Custom(scan(LOWERINGS[prim_named("reduce_sum")])))
lowers(prim_named("cumprod"))(Custom(scan(LOWERINGS[prim_named("reduce_prod")])))
lowers(prim_named("scatter_add"))(Custom(_scatter_add))

from . import lower_control, lower_linalg  # noqa: E402,F401  (register the rest)
