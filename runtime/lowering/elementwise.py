"""Lowerings of compiler/primitives/elementwise.py: one scalar expression
each, fused into loop nests by the code generator."""
from __future__ import annotations

from ...compiler.primitives.elementwise import (
    abs_p, acos_p, acosh_p, add_p, and_p, asin_p, asinh_p, atan2_p, atan_p, atanh_p, cbrt_p,
    ceil_p, copysign_p, cos_p, cosh_p, div_p, eq_p, exp2_p, exp_p, expm1_p, floor_divide_p,
    floor_p, fmod_p, ge_p, gt_p, isfinite_p, isinf_p, isnan_p, le_p, log10_p, log1p_p, log2_p,
    log_p, lt_p, max_p, min_p, mul_p, ne_p, neg_p, not_p, or_p, pow_p, rem_p, round_p, select_p,
    sign_p, sin_p, sinh_p, sqrt_p, sub_p, tan_p, tanh_p, trunc_p, xor_p)
from .expressions import F64, parenthesize
from .kinds import Elementwise, lowers


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


_CHEAP_INFIX = {add_p: "+", sub_p: "-", mul_p: "*", eq_p: "==", ne_p: "!=", lt_p: "<",
                le_p: "<=", gt_p: ">", ge_p: ">=", and_p: "&", or_p: "|", xor_p: "^"}
_PREDICATES = {eq_p, ne_p, lt_p, le_p, gt_p, ge_p, and_p, or_p, xor_p, not_p,
               isnan_p, isfinite_p, isinf_p}
_CHEAP_CALLS = {max_p: "np.maximum", min_p: "np.minimum", abs_p: "np.abs",
                floor_p: "np.floor", ceil_p: "np.ceil",
                round_p: "np.rint", trunc_p: "np.trunc"}
# Scalar math goes through ``math`` where Numba's version matches NumPy's
# (float32 stays float32, NaN instead of errors): typing ``math.tanh`` costs
# Numba far less than typing the ufunc ``np.tanh`` on a scalar.
_CALLS = {exp_p: "math.exp", exp2_p: "math.exp2", expm1_p: "math.expm1", log_p: "math.log",
          log2_p: "math.log2", log10_p: "math.log10", log1p_p: "math.log1p",
          sqrt_p: "math.sqrt", cbrt_p: "np.cbrt", sin_p: "math.sin", cos_p: "math.cos",
          tan_p: "math.tan", asin_p: "math.asin", acos_p: "math.acos", atan_p: "math.atan",
          sinh_p: "math.sinh", cosh_p: "math.cosh", tanh_p: "math.tanh",
          asinh_p: "math.asinh", acosh_p: "math.acosh", atanh_p: "math.atanh",
          atan2_p: "math.atan2", copysign_p: "math.copysign",
          isnan_p: "np.isnan", isfinite_p: "np.isfinite", isinf_p: "np.isinf"}
# Integer operands go through kernel_support's helpers (NumPy's edge cases),
# and so do the floored float divisions (float_divmod: Numba's differ).
_DIVISIONS = {rem_p: "remainder", fmod_p: "fmod", floor_divide_p: "floor_divide"}
_FLOAT_DIVMOD_RESULT = {floor_divide_p: 0, rem_p: 1}


def _is_integer(eqn) -> bool:
    return eqn.outs[0].type.dtype.kind in "iu"


def _integer_helper(name, float_expr, float_support=()):
    """Integer outputs call kernel_support's ``integer_<name>`` (NumPy's edge
    cases: zero divisors, MIN // -1, exact powers); others ``float_expr``,
    which calls the helpers ``float_support``."""
    def expr(eqn, *args):
        if _is_integer(eqn):
            return f"integer_{name}({', '.join(args)})"
        return float_expr(eqn, *args)

    def support(eqn):
        return (f"integer_{name}",) if _is_integer(eqn) else float_support
    return expr, support


def _lower_with_integer_helper(prim, name, float_expr, float_support=(), **options):
    expr, support = _integer_helper(name, float_expr, float_support)
    lowers(prim)(Elementwise(expr, support=support, **options))


def _float_divmod(result):
    def expr(eqn, x, y):
        return f"float_divmod({x}, {y})[{result}]"
    return expr


def _sign(eqn, x):
    kind = eqn.outs[0].type.dtype.kind
    if kind == "u":    # Numba's np.sign(uint8(255)) is 255
        return f"{parenthesize(x)} != 0"
    if kind == "f":    # Numba's np.sign(-0.0) is -0.0, NumPy's 0.0: adding 0.0 makes it so
        return f"np.sign({x}) + 0.0"
    return f"np.sign({x})"


def _register_tables():
    for prim, op in _CHEAP_INFIX.items():
        lowers(prim)(Elementwise(infix(op), cheap=True, typed=prim in _PREDICATES))
    for prim, fn in _CHEAP_CALLS.items():
        lowers(prim)(Elementwise(call(fn), cheap=True))
    for prim, fn in _CALLS.items():
        lowers(prim)(Elementwise(call(fn), typed=prim in _PREDICATES))
    for prim, name in _DIVISIONS.items():
        if prim in _FLOAT_DIVMOD_RESULT:
            _lower_with_integer_helper(prim, name, _float_divmod(_FLOAT_DIVMOD_RESULT[prim]),
                                       ("float_divmod",))
        else:
            _lower_with_integer_helper(prim, name, call(f"np.{name}"))


_register_tables()
# Division of integers is a float in Numba: its keeps is float64 only.  An
# integer output is np.reciprocal's (the only integer division NumPy has).
_lower_with_integer_helper(div_p, "divide", infix("/"), keeps=frozenset({F64}))
lowers(neg_p)(Elementwise(_neg, cheap=True))
_lower_with_integer_helper(pow_p, "power", call("np.power"))
lowers(sign_p)(Elementwise(_sign, cheap=True))
lowers(not_p)(Elementwise(_not, cheap=True, typed=True))
lowers(select_p)(Elementwise(_select, cheap=True, first_value=1))
