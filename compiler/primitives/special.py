"""Special functions (scipy.special) as elementwise primitives on floats.

Each stanza: the primitive, computed by SciPy's ufunc in the interpreter,
and its jvp.  The derivatives chain inside the family: gammaln' = digamma,
digamma' = polygamma(1), polygamma(n)' = polygamma(n + 1); erfinv' =
sqrt(pi)/2 exp(erfinv^2).  Compositions of these (beta, ndtr, ndtri, logit,
xlogy, ...) are built by the frontend (frontend/scipy_api/special.py).
"""
from __future__ import annotations

import math

import numpy as np

from ..builder import bind
from ..rules import Primitive
from .base import broadcast_type, defelementwise, defjvp, elementwise
from .elementwise import exp, mul, neg, sub

_HALF_ROOT_PI = math.sqrt(math.pi) / 2
_TWO_OVER_ROOT_PI = 2 / math.sqrt(math.pi)
_ROOT_TWO_PI = math.sqrt(2 * math.pi)


def _scipy_special(name):
    """The impl calling ``scipy.special.<name>``, imported on the first
    call: importing SciPy's special functions costs a twentieth of a
    second, which a process that never evaluates one should not pay."""
    def impl(*args):
        import scipy.special
        return getattr(scipy.special, name)(*args)
    impl.__name__ = name
    return impl


lgamma_p, lgamma = elementwise("lgamma", _scipy_special("gammaln"))
def _lgamma_tangent(t, ans, x):
    return mul(t, digamma(x))
defjvp(lgamma_p, _lgamma_tangent)

gamma_p, gamma = elementwise("gamma", _scipy_special("gamma"))
def _gamma_tangent(t, ans, x):
    return mul(t, mul(ans, digamma(x)))
defjvp(gamma_p, _gamma_tangent)

digamma_p, digamma = elementwise("digamma", _scipy_special("digamma"))
def _digamma_tangent(t, ans, x):
    return mul(t, polygamma(x, 1))
defjvp(digamma_p, _digamma_tangent)

polygamma_p = Primitive("polygamma")
def polygamma(x, n: int):
    """The n-th derivative of digamma (n >= 1, static)."""
    if n < 1:
        raise ValueError(f"polygamma order must be at least 1 (digamma is 0), got {n}")
    return bind(polygamma_p, x, n=n)
def _polygamma_shape(x, *, n):
    return broadcast_type(x)
def _polygamma_impl(x, *, n):
    return np.asarray(_scipy_special("polygamma")(n, x), dtype=np.asarray(x).dtype)
def _polygamma_tangent(t, ans, x, *, n):
    return mul(t, polygamma(x, n + 1))
defelementwise(polygamma_p, _polygamma_shape, _polygamma_impl)
defjvp(polygamma_p, _polygamma_tangent)

def _gaussian(x):
    return exp(neg(mul(x, x)))

erf_p, erf = elementwise("erf", _scipy_special("erf"))
def _erf_tangent(t, ans, x):
    return mul(t, mul(_gaussian(x), _TWO_OVER_ROOT_PI))
defjvp(erf_p, _erf_tangent)

erfc_p, erfc = elementwise("erfc", _scipy_special("erfc"))
def _erfc_tangent(t, ans, x):
    return mul(t, mul(_gaussian(x), -_TWO_OVER_ROOT_PI))
defjvp(erfc_p, _erfc_tangent)

erfinv_p, erfinv = elementwise("erfinv", _scipy_special("erfinv"))
def _erfinv_tangent(t, ans, x):
    return mul(t, mul(exp(mul(ans, ans)), _HALF_ROOT_PI))
defjvp(erfinv_p, _erfinv_tangent)

erfcinv_p, erfcinv = elementwise("erfcinv", _scipy_special("erfcinv"))
def _erfcinv_tangent(t, ans, x):
    return mul(t, mul(exp(mul(ans, ans)), -_HALF_ROOT_PI))
defjvp(erfcinv_p, _erfcinv_tangent)

log_ndtr_p, log_ndtr = elementwise("log_ndtr", _scipy_special("log_ndtr"))
def _log_ndtr_tangent(t, ans, x):
    # The normal density over its CDF, in logs: finite far into the left tail.
    log_density = sub(mul(mul(x, x), -0.5), ans)
    return mul(t, mul(exp(log_density), 1 / _ROOT_TWO_PI))
defjvp(log_ndtr_p, _log_ndtr_tangent)

expit_p, expit = elementwise("expit", _scipy_special("expit"))
def _expit_tangent(t, ans, x):
    return mul(t, mul(ans, sub(1, ans)))
defjvp(expit_p, _expit_tangent)
