"""Ufuncs: dtypes are resolved by NumPy's own loop selection (so NumPy 2
promotion holds, Python scalars weak), operands converted, one op bound."""
from __future__ import annotations

import numpy as np

from ..compiler.ir import Lit
from ..compiler.primitives import elementwise as E
from ..compiler.primitives.structural import convert
from ..errors import unsupported
from ..tracer import dtype_for_promotion, to_atom, wrap
from .table import implements, numpy_name


def resolved_atoms(ufunc, inputs):
    """Operands as atoms converted to the dtypes of NumPy's chosen loop."""
    loop = ufunc.resolve_dtypes(
        tuple(dtype_for_promotion(x) for x in inputs) + (None,) * ufunc.nout)
    return [to_atom(x, dtype) for x, dtype in zip(inputs, loop)]


def traced_ufunc(ufunc, op):
    """The handler of ``ufunc``: NumPy's loop dtypes, then ``op`` on atoms."""
    def handler(*inputs, **kwargs):
        reject_ufunc_kwargs(ufunc, kwargs)
        return wrap(op(*resolved_atoms(ufunc, inputs)))
    handler.__name__ = ufunc.__name__
    return handler


def reject_ufunc_kwargs(ufunc, kwargs):
    extra = {k: v for k, v in kwargs.items() if not (k == "casting" and v == "same_kind")}
    if extra:
        raise unsupported(f"{numpy_name(ufunc)}({', '.join(extra)}=...)")


def _square(x):
    return E.mul(x, x)


def _reciprocal(x):
    return E.div(1, x)


def _identity(x):
    return x


def _nan_ignoring(choose):
    """fmax/fmin: like maximum/minimum, but a NaN loses to a number."""
    def op(x, y):
        return E.select(E.isnan(x), y, E.select(E.isnan(y), x, choose(x, y)))
    op.__name__ = f"nan_ignoring_{choose.__name__}"
    return op


def root_of_squares(total, root=E.sqrt):
    """``root(total)`` for a sum of squares (or of p-th powers: a length, as
    in hypot, norm, std), with derivative 0 where ``total == 0`` instead of
    0 * inf = NaN: the length is a cone there, and 0 is its smallest
    subgradient (and exact where the length is 0 identically, as the std of
    one element).  The inner select keeps inf out of the other branch's
    reverse-mode products."""
    zero = E.eq(total, 0)
    return E.select(zero, 0, root(E.select(zero, 1, total)))


def _hypot(x, y):
    # As NumPy, an infinite argument gives inf even beside a NaN; the finite
    # formula gets zeros in its place, so no inf / inf enters any derivative.
    x_inf, y_inf = E.isinf(x), E.isinf(y)
    finite = _finite_hypot(E.select(x_inf, 0, x), E.select(y_inf, 0, y))
    return E.select(x_inf, E.abs(x), E.select(y_inf, E.abs(y), finite))


def _finite_hypot(x, y):
    # Scaled by the larger magnitude so that large inputs do not overflow.
    big = E.max(E.abs(x), E.abs(y))
    safe = E.select(E.eq(big, 0), 1, big)
    ratio_x, ratio_y = E.div(x, safe), E.div(y, safe)
    return E.mul(big, root_of_squares(E.add(E.mul(ratio_x, ratio_x), E.mul(ratio_y, ratio_y))))


def _log_add(x, y, log1p_of_exp):
    """logaddexp in base e or 2: ``big + log1p_of_exp(small - big)``.

    big and small are picked by a select, not max/min/abs: each branch is an
    exact formula, so derivatives of every order hold at x == y (ties get
    weights 1/2 each).  Equal infinities, where small - big would be NaN, are
    their mean: the same value and the same 1/2 weights.  NaN propagates.
    """
    x_first = E.logical_not(E.lt(x, y))  # also where x is NaN, so NaN wins
    big, small = E.select(x_first, x, y), E.select(x_first, y, x)
    equal_infinities = E.logical_and(E.eq(x, y), E.isinf(x))
    gap = E.select(equal_infinities, 0, E.sub(small, big))
    finite = E.add(big, log1p_of_exp(gap))
    return E.select(equal_infinities, E.mul(E.add(x, y), 0.5), finite)


def _log1p_exp(gap):
    return E.log1p(E.exp(gap))


def _log1p_exp2_in_bits(gap):
    return E.div(E.log1p(E.exp2(gap)), np.log(2.0))


def _logaddexp(x, y):
    return _log_add(x, y, _log1p_exp)


def _logaddexp2(x, y):
    return _log_add(x, y, _log1p_exp2_in_bits)


def _deg2rad(x):
    return E.mul(x, np.pi / 180.0)


def _rad2deg(x):
    return E.mul(x, 180.0 / np.pi)


def _float_power(x, y):
    return E.pow(x, y)


def _power(x, y):
    # NumPy refuses integers to negative integer powers: a literal exponent
    # is checked here, a computed one when the kernel runs (its lowering).
    if (isinstance(y, Lit) and y.type.dtype.kind == "i" and y.value < 0
            and x.type.dtype.kind in "iu"):
        raise ValueError("Integers to negative integer powers are not allowed.")
    return E.pow(x, y)


def _bool_only(ufunc, op):
    def checked(*atoms):
        if any(a.type.dtype != np.bool_ for a in atoms):
            raise unsupported(f"numpy.{ufunc.__name__} on integer arrays",
                              "bitwise operations are supported on bool arrays only")
        return op(*atoms)
    checked.__name__ = op.__name__
    return checked


_MIRRORED = {E.lt: E.gt, E.le: E.ge, E.gt: E.lt, E.ge: E.le, E.eq: E.eq, E.ne: E.ne}
_TRUE_OF_NEGATIVE = {E.lt, E.le, E.ne}


def _exact_comparison(compare):
    """``compare`` as NumPy 2 does it for a signed and an unsigned 64-bit
    integer (its loop takes both, exactly): a negative signed operand
    compares as below every unsigned one, the others as unsigned."""
    def exact(x, y):
        if x.type.dtype == y.type.dtype:
            return compare(x, y)
        if x.type.dtype.kind == "u":
            return _exact_comparison(_MIRRORED[compare])(y, x)
        negative = E.lt(x, 0)
        as_unsigned = compare(convert(x, y.type.dtype), y)
        if compare in _TRUE_OF_NEGATIVE:
            return E.logical_or(negative, as_unsigned)
        return E.logical_and(E.logical_not(negative), as_unsigned)
    exact.__name__ = compare.__name__
    return exact


_DIRECT = {
    np.add: E.add, np.subtract: E.sub, np.multiply: E.mul, np.true_divide: E.div,
    np.floor_divide: E.floor_divide, np.remainder: E.rem, np.fmod: E.fmod,
    np.power: _power, np.float_power: _float_power, np.negative: E.neg,
    np.positive: _identity, np.absolute: E.abs, np.fabs: E.abs, np.sign: E.sign,
    np.square: _square, np.reciprocal: _reciprocal, np.conjugate: _identity,
    np.exp: E.exp, np.exp2: E.exp2, np.expm1: E.expm1, np.log: E.log,
    np.log2: E.log2, np.log10: E.log10, np.log1p: E.log1p, np.sqrt: E.sqrt,
    np.cbrt: E.cbrt, np.sin: E.sin, np.cos: E.cos, np.tan: E.tan,
    np.arcsin: E.asin, np.arccos: E.acos, np.arctan: E.atan, np.arctan2: E.atan2,
    np.copysign: E.copysign,
    np.sinh: E.sinh, np.cosh: E.cosh, np.tanh: E.tanh, np.arcsinh: E.asinh,
    np.arccosh: E.acosh, np.arctanh: E.atanh, np.hypot: _hypot,
    np.maximum: E.max, np.minimum: E.min, np.fmax: _nan_ignoring(E.max),
    np.fmin: _nan_ignoring(E.min), np.logaddexp: _logaddexp,
    np.logaddexp2: _logaddexp2, np.floor: E.floor, np.ceil: E.ceil,
    np.rint: E.round, np.trunc: E.trunc, np.isfinite: E.isfinite,
    np.isnan: E.isnan, np.isinf: E.isinf,
    np.equal: _exact_comparison(E.eq), np.not_equal: _exact_comparison(E.ne),
    np.less: _exact_comparison(E.lt), np.less_equal: _exact_comparison(E.le),
    np.greater: _exact_comparison(E.gt), np.greater_equal: _exact_comparison(E.ge),
    np.logical_and: E.logical_and,
    np.logical_or: E.logical_or, np.logical_xor: E.logical_xor,
    np.logical_not: E.logical_not,
    np.bitwise_and: _bool_only(np.bitwise_and, E.logical_and),
    np.bitwise_or: _bool_only(np.bitwise_or, E.logical_or),
    np.bitwise_xor: _bool_only(np.bitwise_xor, E.logical_xor),
    np.invert: _bool_only(np.invert, E.logical_not),
    np.deg2rad: _deg2rad, np.radians: _deg2rad, np.rad2deg: _rad2deg, np.degrees: _rad2deg,
}

for _ufunc, _op in _DIRECT.items():
    implements(_ufunc)(traced_ufunc(_ufunc, _op))
