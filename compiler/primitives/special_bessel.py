"""scipy.special functions of an order or shape parameter and x, as
elementwise primitives computed by SciPy's ufuncs in the interpreter:
Bessel functions (jv, yv, yn, iv, ive, kv, kve and the fixed orders j0, j1,
y0, y1, i0, i1, i0e, i1e), the regularized incomplete gamma and beta
functions (gammainc, gammaincc, betainc, betaincc) and their inverses in
the probability (gammaincinv, gammainccinv, betaincinv, betainccinv), and
Student's t distribution function and its inverse (stdtr, stdtrit).

Derivatives are in x only, by the recurrences (Abramowitz & Stegun 9.1.27,
9.6.26): J_v' = (J_{v-1} - J_{v+1}) / 2, likewise Y_v; I_v' = (I_{v-1} +
I_{v+1}) / 2; K_v' = -(K_{v-1} + K_{v+1}) / 2; the exponentially scaled
ones add their factor's derivative (ive = I_v e^{-|x|}, kve = K_v e^{x}).
d/dx gammainc(a, x) = x^(a-1) e^(-x) / Gamma(a); d/dx betainc(a, b, x) =
x^(a-1) (1-x)^(b-1) / B(a, b) = -d/dx betaincc; an inverse's derivative in
q is one over the density at its value.  Neither SciPy nor the usual closed
forms give derivatives in the order or shape parameters: asking for one
raises ParameterDerivativeError naming the argument, never a silent zero.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..rules import Primitive
from .base import broadcast_type, defelementwise, defjvp, make_op
from .elementwise import add, div, exp, isinf, log, log1p, mul, neg, select, sign, sub
from .special import lgamma


class ParameterDerivativeError(NotImplementedError):
    """A derivative asked with respect to an argument that has none here."""


def _parameter(function: str, argument: str):
    """The tangent rule of a parameter without a derivative: it raises."""
    def refuse(t, ans, *primals):
        raise ParameterDerivativeError(
            f"scipy.special.{function} has no derivative with respect to its argument "
            f"{argument!r} in numjac (SciPy gives none either); differentiate with respect "
            f"to x only, keeping {argument} a constant")
    refuse.__name__ = f"{function}_{argument}_refused"
    return refuse


def _shape(*types):
    return broadcast_type(*types)


def _impl(name):
    """The impl calling ``scipy.special.<name>`` (imported on the first call,
    as special.py's are)."""
    def impl(*args):
        import scipy.special
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)    # yn of a non-integer n
            dtype = np.result_type(*args)
            return np.asarray(getattr(scipy.special, name)(*args), dtype=dtype)
    impl.__name__ = name
    return impl


def _primitive(name, *tangents):
    """An elementwise primitive of ``scipy.special.<name>``, its op, and its jvp."""
    prim = Primitive(name)
    defelementwise(prim, _shape, _impl(name))
    defjvp(prim, *tangents)
    return prim, make_op(prim)


def _order_recurrence(function, sign_of_upper, t, v, x):
    """t times (f_{v-1}(x) +- f_{v+1}(x)) / 2, the x-derivative of f_v(x) for
    the Bessel functions named above."""
    lower, upper = function(sub(v, 1), x), function(add(v, 1), x)
    return mul(t, mul(add(lower, mul(upper, sign_of_upper)), 0.5))


def _jv_tangent(t, ans, v, x):
    return _order_recurrence(jv, -1, t, v, x)
jv_p, jv = _primitive("jv", _parameter("jv", "v"), _jv_tangent)


def _yv_tangent(t, ans, v, x):
    return _order_recurrence(yv, -1, t, v, x)
yv_p, yv = _primitive("yv", _parameter("yv", "v"), _yv_tangent)


def _yn_tangent(t, ans, n, x):
    return _order_recurrence(yn, -1, t, n, x)
yn_p, yn = _primitive("yn", _parameter("yn", "n"), _yn_tangent)


def _iv_tangent(t, ans, v, x):
    return _order_recurrence(iv, 1, t, v, x)
iv_p, iv = _primitive("iv", _parameter("iv", "v"), _iv_tangent)


def _ive_tangent(t, ans, v, x):
    # ive = I_v(x) e^{-|x|}: the recurrence of ive, minus sign(x) ive.
    scaled = _order_recurrence(ive, 1, t, v, x)
    return sub(scaled, mul(t, mul(sign(x), ans)))
ive_p, ive = _primitive("ive", _parameter("ive", "v"), _ive_tangent)


def _kv_tangent(t, ans, v, x):
    return neg(_order_recurrence(kv, 1, t, v, x))
kv_p, kv = _primitive("kv", _parameter("kv", "v"), _kv_tangent)


def _kve_tangent(t, ans, v, x):
    # kve = K_v(x) e^{x}: minus the recurrence of kve, plus kve.
    return add(neg(_order_recurrence(kve, 1, t, v, x)), mul(t, ans))
kve_p, kve = _primitive("kve", _parameter("kve", "v"), _kve_tangent)


# -- fixed orders: their own SciPy routines (faster, and SciPy's values) -----------------

def _minus_order_one(order_one):
    """J_0' = -J_1 and Y_0' = -Y_1."""
    def tangent(t, ans, x):
        return neg(mul(t, order_one(x)))
    return tangent


def _half_difference(order_zero, order_two):
    """J_1' = (J_0 - J_2) / 2, and the same for Y."""
    def tangent(t, ans, x):
        return mul(t, mul(sub(order_zero(x), order_two(x)), 0.5))
    return tangent


# The lambdas name ops defined further down, looked up when a jvp runs.
j0_p, j0 = _primitive("j0", _minus_order_one(lambda x: j1(x)))
j1_p, j1 = _primitive("j1", _half_difference(lambda x: j0(x), lambda x: jv(2, x)))
y0_p, y0 = _primitive("y0", _minus_order_one(lambda x: y1(x)))
y1_p, y1 = _primitive("y1", _half_difference(lambda x: y0(x), lambda x: yn(2, x)))


def _i0_tangent(t, ans, x):
    return mul(t, i1(x))
i0_p, i0 = _primitive("i0", _i0_tangent)


def _i1_tangent(t, ans, x):
    return mul(t, mul(add(i0(x), iv(2, x)), 0.5))
i1_p, i1 = _primitive("i1", _i1_tangent)


def _i0e_tangent(t, ans, x):
    return mul(t, sub(i1e(x), mul(sign(x), ans)))
i0e_p, i0e = _primitive("i0e", _i0e_tangent)


def _i1e_tangent(t, ans, x):
    recurrence = mul(add(i0e(x), ive(2, x)), 0.5)
    return mul(t, sub(recurrence, mul(sign(x), ans)))
i1e_p, i1e = _primitive("i1e", _i1e_tangent)


# -- regularized incomplete gamma and beta ---------------------------------------------

def _gamma_density(a, x):
    """x^(a-1) e^(-x) / Gamma(a), in logs (no overflow for large a)."""
    return exp(sub(sub(mul(sub(a, 1), log(x)), x), lgamma(a)))


def _gammainc_tangent(t, ans, a, x):
    return mul(t, _gamma_density(a, x))
gammainc_p, gammainc = _primitive("gammainc", _parameter("gammainc", "a"),
                                  _gammainc_tangent)


def _gammaincc_tangent(t, ans, a, x):
    return neg(mul(t, _gamma_density(a, x)))
gammaincc_p, gammaincc = _primitive("gammaincc", _parameter("gammaincc", "a"), _gammaincc_tangent)


def _beta_density(a, b, x):
    """x^(a-1) (1-x)^(b-1) / B(a, b), in logs."""
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return exp(sub(add(mul(sub(a, 1), log(x)), mul(sub(b, 1), log1p(neg(x)))), log_beta))


def _betainc_tangent(t, ans, a, b, x):
    return mul(t, _beta_density(a, b, x))
betainc_p, betainc = _primitive("betainc", _parameter("betainc", "a"),
                                _parameter("betainc", "b"), _betainc_tangent)


def _betaincc_tangent(t, ans, a, b, x):
    return neg(mul(t, _beta_density(a, b, x)))
betaincc_p, betaincc = _primitive("betaincc", _parameter("betaincc", "a"),
                                  _parameter("betaincc", "b"), _betaincc_tangent)

# -- their inverses in the probability: dx/dq = +-1 / density(x) ---------------------

def _gammaincinv_tangent(t, ans, a, q):
    return div(t, _gamma_density(a, ans))
gammaincinv_p, gammaincinv = _primitive("gammaincinv", _parameter("gammaincinv", "a"),
                                        _gammaincinv_tangent)


def _gammainccinv_tangent(t, ans, a, q):
    return neg(div(t, _gamma_density(a, ans)))
gammainccinv_p, gammainccinv = _primitive("gammainccinv", _parameter("gammainccinv", "a"),
                                          _gammainccinv_tangent)


def _betaincinv_tangent(t, ans, a, b, q):
    return div(t, _beta_density(a, b, ans))
betaincinv_p, betaincinv = _primitive("betaincinv", _parameter("betaincinv", "a"),
                                      _parameter("betaincinv", "b"), _betaincinv_tangent)


def _betainccinv_tangent(t, ans, a, b, q):
    return neg(div(t, _beta_density(a, b, ans)))
betainccinv_p, betainccinv = _primitive("betainccinv", _parameter("betainccinv", "a"),
                                        _parameter("betainccinv", "b"), _betainccinv_tangent)


# -- Student's t distribution function and its inverse (scipy.stats.t) -------------------

def _t_density(df, x):
    """The t density; the normal's where df is infinite."""
    finite = select(isinf(df), 1.0, df)
    log_t = sub(sub(sub(lgamma(mul(add(finite, 1), 0.5)), lgamma(mul(finite, 0.5))),
                    mul(log(mul(finite, math.pi)), 0.5)),
                mul(mul(add(finite, 1), 0.5), log1p(div(mul(x, x), finite))))
    log_normal = sub(mul(mul(x, x), -0.5), 0.5 * math.log(2 * math.pi))
    return exp(select(isinf(df), log_normal, log_t))


def _stdtr_tangent(t, ans, df, x):
    return mul(t, _t_density(df, x))
stdtr_p, stdtr = _primitive("stdtr", _parameter("stdtr", "df"), _stdtr_tangent)


def _stdtrit_tangent(t, ans, df, p):
    return div(t, _t_density(df, ans))
stdtrit_p, stdtrit = _primitive("stdtrit", _parameter("stdtrit", "df"),
                                _stdtrit_tangent)


# Every primitive above, for the tables that list primitives (sparsity rules).
PRIMITIVES = (jv_p, yv_p, yn_p, iv_p, ive_p, kv_p, kve_p, j0_p, j1_p, y0_p, y1_p, i0_p,
              i1_p, i0e_p, i1e_p, gammainc_p, gammaincc_p, betainc_p, betaincc_p,
              gammaincinv_p, gammainccinv_p, betaincinv_p, betainccinv_p, stdtr_p, stdtrit_p)
