"""scipy.special on Tracers.

Its ufuncs (gammaln, erf, expit, xlogy, ...) reach the tracer through
``__array_ufunc__`` like NumPy's and are filed in the same table; the
functions written in Python on top of SciPy's array-API layer (logsumexp,
softmax, log_softmax, softplus, polygamma) convert their arguments first,
so they are replaced while a thread traces (frontend/replacements.py) and
routed to the table when an argument is traced.  Primitives:
compiler/primitives/special.py; the rest are compositions here.
"""
from __future__ import annotations

import math
import operator

import numpy as np
import scipy.special as sc

from ..compiler.ir import Lit
from ..compiler.primitives import elementwise as E
from ..compiler.primitives import special as SP
from ..compiler.primitives import special_bessel as BESSEL
from ..compiler.primitives import structural as S
from ..errors import unsupported
from ..pytree import flatten
from ..replacements import replaced_while_tracing
from ..tracer import is_traced, to_atom, wrap
from ..transforms import stop_gradient
from ..numpy_api.table import DISPLAY_NAMES, dispatch_function, implements
from ..numpy_api.ufuncs import traced_ufunc

_ROOT_TWO = math.sqrt(2.0)


def _gamma_sign(x):
    """The sign of Gamma(x): 1 for x > 0; below, -1 on (-1, 0), (-3, -2), ..."""
    odd_interval = E.eq(E.rem(E.floor(x), 2), 1)
    return E.select(E.logical_and(E.le(x, 0), odd_interval), Lit(-1, x.type.dtype), 1)


def _betaln(a, b):
    return E.sub(E.add(SP.lgamma(a), SP.lgamma(b)), SP.lgamma(E.add(a, b)))


def _beta(a, b):
    sign = E.mul(E.mul(_gamma_sign(a), _gamma_sign(b)), _gamma_sign(E.add(a, b)))
    return E.mul(sign, E.exp(_betaln(a, b)))


def _gammasgn(x):
    """scipy.special.gammasgn: NaN at the poles and at NaN, +-1 at +-0."""
    pole = E.logical_and(E.lt(x, 0), E.eq(x, E.floor(x)))
    signed = E.select(E.eq(x, 0), E.copysign(Lit(1, x.type.dtype), x), _gamma_sign(x))
    return E.select(E.logical_or(pole, E.isnan(x)), math.nan, signed)


def _rgamma(x):
    # 1 / Gamma(x) = sign * exp(-gammaln(x)): finite where Gamma overflows,
    # and 0 at the poles (where gammaln is inf), as SciPy.
    return E.mul(_gamma_sign(x), E.exp(E.neg(SP.lgamma(x))))


def _ndtr(x):
    return E.mul(SP.erfc(E.mul(x, -1 / _ROOT_TWO)), 0.5)


def _ndtri(p):
    return E.mul(SP.erfcinv(E.mul(p, 2)), -_ROOT_TWO)


def _logit(p):
    # 2 atanh(2p - 1), where 2p - 1 is exact (p >= 1/4) and the logs would
    # cancel near p = 1/2; log(p) - log1p(-p) below.
    upper = E.ge(p, 0.25)
    centred = E.mul(E.atanh(E.sub(E.mul(E.select(upper, p, 0.5), 2), 1)), 2)
    low = E.select(upper, 0.125, p)
    return E.select(upper, centred, E.sub(E.log(low), E.log1p(E.neg(low))))


def _times_log(log):
    """xlogy / xlog1py: 0 where x == 0 (unless y is NaN), else x * log(y)."""
    def op(x, y):
        zero = E.logical_and(E.eq(x, 0), E.logical_not(E.isnan(y)))
        return E.select(zero, 0, E.mul(x, log(y)))
    op.__name__ = f"x_times_{log.__name__}"
    return op


_UFUNCS = {
    sc.gammaln: SP.lgamma, sc.gamma: SP.gamma, sc.digamma: SP.digamma,
    sc.gammasgn: _gammasgn, sc.rgamma: _rgamma, sc.beta: _beta, sc.betaln: _betaln, sc.erf: SP.erf, sc.erfc: SP.erfc,
    sc.erfinv: SP.erfinv, sc.erfcinv: SP.erfcinv, sc.ndtr: _ndtr, sc.ndtri: _ndtri,
    sc.log_ndtr: SP.log_ndtr, sc.expit: SP.expit, sc.logit: _logit,
    sc.xlogy: _times_log(E.log), sc.xlog1py: _times_log(E.log1p),
}

# Bessel functions and the incomplete gamma and beta functions: derivatives
# in x only (compiler/primitives/special_bessel.py).  scipy.special.jn is jv.
_UFUNCS.update({getattr(sc, name): getattr(BESSEL, name) for name in (
    "jv", "yv", "yn", "iv", "ive", "kv", "kve", "j0", "j1", "y0", "y1", "i0", "i1", "i0e",
    "i1e", "gammainc", "gammaincc", "betainc", "betaincc", "gammaincinv", "gammainccinv",
    "betaincinv", "betainccinv", "stdtr", "stdtrit")})


def _yn(n, x):
    # SciPy's yn loop takes an integer n; the primitive takes it as x's float.
    return BESSEL.yn(S.convert(n, x.type.dtype), x)


_UFUNCS[sc.yn] = _yn

for _ufunc, _op in _UFUNCS.items():
    implements(_ufunc)(traced_ufunc(_ufunc, _op))
DISPLAY_NAMES[sc.digamma] = "scipy.special.digamma"     # the ufunc named psi


# -- the functions SciPy writes in Python ----------------------------------------------

def _traced_replacement(name):
    """File the handler under scipy.special.<name> in the table, and route
    calls there while tracing when an argument is traced."""
    original = getattr(sc, name)

    def register(handler):
        implements(original)(handler)

        @replaced_while_tracing(sc, name)
        def route(original, *args, **kwargs):
            if any(is_traced(leaf) for leaf in flatten((args, kwargs))[0]):
                return dispatch_function(original, args, kwargs)
            return original(*args, **kwargs)
        return handler
    return register


def _shifted(a, axis):
    """``a`` minus its (finite) max along ``axis``, kept as a constant for
    derivatives: the shift cancels, and a tie in the max needs no rule."""
    top = np.max(a, axis=axis, keepdims=True)
    return a - stop_gradient(np.where(np.isfinite(top), top, 0)), top


def _float(a):
    return a if np.issubdtype(a.dtype, np.floating) else a * 1.0


@_traced_replacement("logsumexp")
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    a = _float(a)
    shifted, top = _shifted(a, axis)
    terms = np.exp(shifted) if b is None else b * np.exp(shifted)
    total = np.sum(terms, axis=axis, keepdims=True)
    offset = stop_gradient(np.where(np.isfinite(top), top, 0))
    result = np.log(np.abs(total) if return_sign else total) + offset
    if not keepdims:
        result = np.squeeze(result, axis=axis)
    if return_sign:
        sign = np.sign(total)
        return result, sign if keepdims else np.squeeze(sign, axis=axis)
    return result


@_traced_replacement("softmax")
def softmax(x, axis=None):
    terms = np.exp(_shifted(_float(x), axis)[0])
    return terms / np.sum(terms, axis=axis, keepdims=True)


@_traced_replacement("log_softmax")
def log_softmax(x, axis=None):
    shifted = _shifted(_float(x), axis)[0]
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@_traced_replacement("softplus")
def softplus(x, **kwargs):
    if kwargs:
        raise unsupported(f"scipy.special.softplus({', '.join(kwargs)}=...)")
    return np.logaddexp(0, _float(x))


@_traced_replacement("multigammaln")
def multigammaln(a, d):
    """log of the multivariate gamma function: NaN where SciPy raises
    (a <= (d - 1) / 2), which a traced ``a`` cannot report."""
    if is_traced(d):
        raise unsupported("scipy.special.multigammaln with a traced dimension d",
                          "d must be a concrete positive integer")
    d = operator.index(d)
    a = _float(wrap(to_atom(a)))
    terms = np.stack([_log_gamma(a - 0.5 * j) for j in range(d)])
    total = d * (d - 1) * 0.25 * math.log(math.pi) + np.sum(terms, axis=0)
    return np.where(a > 0.5 * (d - 1), total, np.nan)


def _log_gamma(x):
    return wrap(SP.lgamma(to_atom(x)))


@_traced_replacement("polygamma")
def polygamma(n, x):
    if is_traced(n):
        raise unsupported("scipy.special.polygamma with a traced order n",
                          "the order must be a concrete integer")
    order = operator.index(np.asarray(n).item()) if np.ndim(n) == 0 else None
    if order is None:
        raise unsupported("scipy.special.polygamma with an array of orders",
                          "call it once per order")
    atom = to_atom(_float(x))
    return wrap(SP.digamma(atom) if order == 0 else SP.polygamma(atom, order))
