"""Elementwise primitives with NumPy broadcasting.

All value operands share one dtype (the tracer inserts conversions); shapes
broadcast as in NumPy.  Each stanza: the primitive and its op, its jvp
(linear in the tangent, so the linearize pass can transpose it) and, for the
linear primitives, the transpose.  ``add``, which every rule needs, lives in
the base family and is re-exported here.
"""
from __future__ import annotations

import math

import numpy as np

from ..atoms import AType, Lit
from ..builder import bind
from ..rules import Primitive, Zero, is_undefined
from .base import add, add_p  # noqa: F401  (re-exported: a member of this family)
from .base import (as_atom, broadcast_type, defbilinear, defelementwise, defjvp, deflinear,
                   elementwise, instantiate, unbroadcast)


# ---------------------------------------------------------------- linear ----

sub_p, sub = elementwise("sub", np.subtract)
def _sub_lhs_tangent(t, ans, x, y):
    return t
def _sub_rhs_tangent(t, ans, x, y):
    return neg(t)
def _sub_transpose(ct, x, y):
    return [unbroadcast(ct, x.type) if is_undefined(x) else None,
            unbroadcast(neg(ct), y.type) if is_undefined(y) else None]
defjvp(sub_p, _sub_lhs_tangent, _sub_rhs_tangent, transpose=_sub_transpose)

neg_p, neg = elementwise("neg", np.negative)
def _neg_transpose(ct, x):
    return [neg(ct)]
deflinear(neg_p, _neg_transpose)

mul_p, mul = elementwise("mul", np.multiply)
def _mul_transpose(ct, x, y):
    if is_undefined(x):
        return [unbroadcast(mul(ct, y), x.type), None]
    return [None, unbroadcast(mul(x, ct), y.type)]
defbilinear(mul_p, _mul_transpose)

div_p, div = elementwise("div", np.true_divide)
def _div_lhs_tangent(t, ans, x, y):
    return div(t, y)
def _div_rhs_tangent(t, ans, x, y):
    return mul(neg(t), div(ans, y))
def _div_transpose(ct, x, y):
    assert not is_undefined(y), "div is linear in its numerator only"
    return [unbroadcast(div(ct, y), x.type), None]
defjvp(div_p, _div_lhs_tangent, _div_rhs_tangent, transpose=_div_transpose)

select_p = Primitive("select")
def select(pred, a, b):
    """``np.where(pred, a, b)``; scalar branches take the other's dtype."""
    dtype = a.type.dtype if hasattr(a, "type") else b.type.dtype
    return bind(select_p, pred, as_atom(a, dtype), as_atom(b, dtype))
def _select_shape(pred, a, b):
    if pred.dtype != np.bool_:
        raise TypeError(f"select predicate must be bool, got {pred}")
    shape = np.broadcast_shapes(pred.shape, broadcast_type(a, b).shape)
    return AType(a.dtype, shape)
def _select_jvp(primals, tangents):
    pred, a, b = primals
    _, ta, tb = tangents
    ans = select(pred, a, b)
    if isinstance(ta, Zero) and isinstance(tb, Zero):
        return ans, Zero(ans.type)
    return ans, select(pred, instantiate(ta), instantiate(tb))
def _select_transpose(ct, pred, a, b):
    return [None,
            unbroadcast(select(pred, ct, 0), a.type) if is_undefined(a) else None,
            unbroadcast(select(pred, 0, ct), b.type) if is_undefined(b) else None]
defelementwise(select_p, _select_shape, np.where, jvp=_select_jvp,
               transpose=_select_transpose)

# ------------------------------------------------------------- nonlinear ----

exp_p, exp = elementwise("exp", np.exp)
def _exp_tangent(t, ans, x):
    return mul(t, ans)
defjvp(exp_p, _exp_tangent)

exp2_p, exp2 = elementwise("exp2", np.exp2)
def _exp2_tangent(t, ans, x):
    return mul(t, mul(ans, math.log(2.0)))
defjvp(exp2_p, _exp2_tangent)

expm1_p, expm1 = elementwise("expm1", np.expm1)
def _expm1_tangent(t, ans, x):
    return mul(t, add(ans, 1))
defjvp(expm1_p, _expm1_tangent)

log_p, log = elementwise("log", np.log)
def _log_tangent(t, ans, x):
    return div(t, x)
defjvp(log_p, _log_tangent)

log2_p, log2 = elementwise("log2", np.log2)
def _log2_tangent(t, ans, x):
    return div(t, mul(x, math.log(2.0)))
defjvp(log2_p, _log2_tangent)

log10_p, log10 = elementwise("log10", np.log10)
def _log10_tangent(t, ans, x):
    return div(t, mul(x, math.log(10.0)))
defjvp(log10_p, _log10_tangent)

log1p_p, log1p = elementwise("log1p", np.log1p)
def _log1p_tangent(t, ans, x):
    return div(t, add(x, 1))
defjvp(log1p_p, _log1p_tangent)

sqrt_p, sqrt = elementwise("sqrt", np.sqrt)
def _sqrt_tangent(t, ans, x):
    return div(t, mul(ans, 2))
defjvp(sqrt_p, _sqrt_tangent)

cbrt_p, cbrt = elementwise("cbrt", np.cbrt)
def _cbrt_tangent(t, ans, x):
    return div(t, mul(mul(ans, ans), 3))
defjvp(cbrt_p, _cbrt_tangent)

sin_p, sin = elementwise("sin", np.sin)
def _sin_tangent(t, ans, x):
    return mul(t, cos(x))
defjvp(sin_p, _sin_tangent)

cos_p, cos = elementwise("cos", np.cos)
def _cos_tangent(t, ans, x):
    return mul(t, neg(sin(x)))
defjvp(cos_p, _cos_tangent)

tan_p, tan = elementwise("tan", np.tan)
def _tan_tangent(t, ans, x):
    return mul(t, add(mul(ans, ans), 1))
defjvp(tan_p, _tan_tangent)

asin_p, asin = elementwise("asin", np.arcsin)
def _asin_tangent(t, ans, x):
    return div(t, sqrt(sub(1, mul(x, x))))
defjvp(asin_p, _asin_tangent)

acos_p, acos = elementwise("acos", np.arccos)
def _acos_tangent(t, ans, x):
    return div(neg(t), sqrt(sub(1, mul(x, x))))
defjvp(acos_p, _acos_tangent)

atan_p, atan = elementwise("atan", np.arctan)
def _atan_tangent(t, ans, x):
    return div(t, add(mul(x, x), 1))
defjvp(atan_p, _atan_tangent)

sinh_p, sinh = elementwise("sinh", np.sinh)
def _sinh_tangent(t, ans, x):
    return mul(t, cosh(x))
defjvp(sinh_p, _sinh_tangent)

cosh_p, cosh = elementwise("cosh", np.cosh)
def _cosh_tangent(t, ans, x):
    return mul(t, sinh(x))
defjvp(cosh_p, _cosh_tangent)

tanh_p, tanh = elementwise("tanh", np.tanh)
def _tanh_tangent(t, ans, x):
    return mul(t, sub(1, mul(ans, ans)))
defjvp(tanh_p, _tanh_tangent)

asinh_p, asinh = elementwise("asinh", np.arcsinh)
def _asinh_tangent(t, ans, x):
    return div(t, sqrt(add(mul(x, x), 1)))
defjvp(asinh_p, _asinh_tangent)

acosh_p, acosh = elementwise("acosh", np.arccosh)
def _acosh_tangent(t, ans, x):
    return div(t, mul(sqrt(sub(x, 1)), sqrt(add(x, 1))))
defjvp(acosh_p, _acosh_tangent)

atanh_p, atanh = elementwise("atanh", np.arctanh)
def _atanh_tangent(t, ans, x):
    return div(t, sub(1, mul(x, x)))
defjvp(atanh_p, _atanh_tangent)

abs_p, abs = elementwise("abs", np.abs)
def _abs_tangent(t, ans, x):
    return mul(t, sign(x))
defjvp(abs_p, _abs_tangent)

pow_p, pow = elementwise("pow", np.power)
def _pow_base_tangent(t, ans, x, y):
    # y * x**(y-1), which is finite at x == 0 for y >= 1.  At x == 0, y == 0
    # it is 0 * inf: 0 is right (x**0 == 1 everywhere), and by the same rule
    # the second derivative of x**1 at 0 is 0.  Elsewhere the select keeps the
    # slope's own derivative in y; the inner select keeps inf out of the
    # discarded branch, whose reverse-mode products would turn 0 * inf to NaN.
    if isinstance(y, Lit):
        return mul(t, 0 if y.value == 0 else mul(y, pow(x, sub(y, 1))))
    origin = logical_and(eq(y, 0), eq(x, 0))
    slope = mul(y, pow(select(origin, 1, x), sub(y, 1)))
    return mul(t, select(origin, 0, slope))
def _pow_exponent_tangent(t, ans, x, y):
    safe_log = select(eq(x, 0), 0, log(select(eq(x, 0), 1, x)))
    return mul(t, mul(ans, safe_log))
defjvp(pow_p, _pow_base_tangent, _pow_exponent_tangent)

max_p, max = elementwise("max", np.maximum)
def _max_weight(x, y):
    """How much of the tangent flows to x: 1, 1/2 at ties (as JAX), or 0."""
    half = Lit(0.5, x.type.dtype)
    return select(gt(x, y), 1, select(eq(x, y), half, 0))
def _max_lhs_tangent(t, ans, x, y):
    return mul(t, _max_weight(x, y))
def _max_rhs_tangent(t, ans, x, y):
    return mul(t, _max_weight(y, x))
defjvp(max_p, _max_lhs_tangent, _max_rhs_tangent)

min_p, min = elementwise("min", np.minimum)
def _min_lhs_tangent(t, ans, x, y):
    return mul(t, _max_weight(y, x))
def _min_rhs_tangent(t, ans, x, y):
    return mul(t, _max_weight(x, y))
defjvp(min_p, _min_lhs_tangent, _min_rhs_tangent)

atan2_p, atan2 = elementwise("atan2", np.arctan2)
def _atan2_lhs_tangent(t, ans, y, x):
    return mul(t, div(x, add(mul(x, x), mul(y, y))))
def _atan2_rhs_tangent(t, ans, y, x):
    return mul(t, div(neg(y), add(mul(x, x), mul(y, y))))
defjvp(atan2_p, _atan2_lhs_tangent, _atan2_rhs_tangent)

rem_p, rem = elementwise("rem", np.remainder)
def _rem_lhs_tangent(t, ans, x, y):
    return t
def _rem_rhs_tangent(t, ans, x, y):
    return mul(t, neg(floor(div(x, y))))
defjvp(rem_p, _rem_lhs_tangent, _rem_rhs_tangent)

fmod_p, fmod = elementwise("fmod", np.fmod)
def _fmod_rhs_tangent(t, ans, x, y):
    return mul(t, neg(trunc(div(x, y))))
defjvp(fmod_p, _rem_lhs_tangent, _fmod_rhs_tangent)

copysign_p, copysign = elementwise("copysign", np.copysign)
def _copysign_lhs_tangent(t, ans, x, y):
    # +-1 where the sign flips or not; 0 at x == 0, as the derivative of abs.
    return mul(t, mul(sign(ans), sign(x)))
defjvp(copysign_p, _copysign_lhs_tangent, None)

# ------------------------------------------------- piecewise constant ----

def piecewise_constant(name, impl):
    """An elementwise primitive whose derivative is zero almost everywhere."""
    return elementwise(name, impl, differentiable=False)


sign_p, sign = piecewise_constant("sign", np.sign)
floor_p, floor = piecewise_constant("floor", np.floor)
ceil_p, ceil = piecewise_constant("ceil", np.ceil)
round_p, round = piecewise_constant("round", np.rint)
trunc_p, trunc = piecewise_constant("trunc", np.trunc)
floor_divide_p, floor_divide = piecewise_constant("floor_divide", np.floor_divide)

# ------------------------------------------- predicates and logic (bool) ----

eq_p, eq = elementwise("eq", np.equal, predicate=True)
ne_p, ne = elementwise("ne", np.not_equal, predicate=True)
lt_p, lt = elementwise("lt", np.less, predicate=True)
le_p, le = elementwise("le", np.less_equal, predicate=True)
gt_p, gt = elementwise("gt", np.greater, predicate=True)
ge_p, ge = elementwise("ge", np.greater_equal, predicate=True)
isnan_p, isnan = elementwise("isnan", np.isnan, predicate=True)
isfinite_p, isfinite = elementwise("isfinite", np.isfinite, predicate=True)
isinf_p, isinf = elementwise("isinf", np.isinf, predicate=True)
and_p, logical_and = elementwise("and", np.logical_and, predicate=True)
or_p, logical_or = elementwise("or", np.logical_or, predicate=True)
xor_p, logical_xor = elementwise("xor", np.logical_xor, predicate=True)
not_p, logical_not = elementwise("not", np.logical_not, predicate=True)
