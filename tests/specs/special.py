"""OP_SPECS rows for scipy.special: its ufuncs (through __array_ufunc__) and
the Python functions numjac replaces while tracing (logsumexp, softmax,
log_softmax, softplus, polygamma).  Arguments are mapped into each
function's domain inside the row's function."""
import scipy.special as sc

from tests.op_specs import OpSpec

_REAL = {"erf": sc.erf, "erfc": sc.erfc, "ndtr": sc.ndtr, "log_ndtr": sc.log_ndtr,
         "expit": sc.expit, "gamma-real": sc.gamma, "gammaln-real": sc.gammaln,
         "digamma-real": sc.digamma}
_POSITIVE = {"gammaln": sc.gammaln, "gamma": sc.gamma, "digamma": sc.digamma,
             "psi": sc.psi}
_UNIT = {"erfinv": sc.erfinv}


def _erfcinv(z):
    return sc.erfcinv(z + 1)


def _ndtri(p):
    return sc.ndtri((p + 1) / 2)


def _logit(p):
    return sc.logit((p + 1) / 2)


def _beta(a, b):
    return sc.beta(a, b)


def _betaln(a, b):
    return sc.betaln(a, b)


def _beta_negative(a, b):
    return sc.beta(a - 2.6, b)


def _xlogy(x, y):
    return sc.xlogy(x, y)


def _xlog1py(x, y):
    return sc.xlog1py(x, y)


def _gammasgn_rgamma(x):
    return sc.gammasgn(x - 1.3) * sc.rgamma(x - 1.3)


def _multigammaln(a):
    return sc.multigammaln(a + 1.5, 3)


def _polygamma(n):
    def fn(x):
        return sc.polygamma(n, x)
    fn.__name__ = f"polygamma_{n}"
    return fn


def _logsumexp(**options):
    def fn(a):
        return sc.logsumexp(a, **options)
    return fn


def _logsumexp_weighted(a, b):
    return sc.logsumexp(a, axis=0, b=b)


def _logsumexp_sign(a, b):
    value, sign = sc.logsumexp(a, axis=1, b=b - 0.5, return_sign=True)
    return value * sign


def _softmax(x):
    return sc.softmax(x, axis=1)


def _log_softmax(x):
    return sc.log_softmax(x, axis=0)


def _softmax_all(x):
    return sc.softmax(x) + sc.log_softmax(x)


def _softplus(x):
    return sc.softplus(x * 3)


SPECS = (
    [OpSpec(f"special-{name}", fn, ((3, 4),)) for name, fn in _REAL.items()]
    + [OpSpec(f"special-{name}-positive", fn, ((3, 4),), domain="positive")
       for name, fn in _POSITIVE.items()]
    + [OpSpec(f"special-{name}", fn, ((3, 4),), domain="unit") for name, fn in _UNIT.items()]
    + [OpSpec("special-erfcinv", _erfcinv, ((3, 4),), domain="unit"),
       OpSpec("special-ndtri", _ndtri, ((3, 4),), domain="unit"),
       OpSpec("special-logit", _logit, ((3, 4),), domain="unit"),
       OpSpec("special-beta", _beta, ((3, 4), (4,)), domain="positive"),
       OpSpec("special-beta-negative", _beta_negative, ((3, 4), (4,)), domain="positive"),
       OpSpec("special-betaln", _betaln, ((3, 4), (4,)), domain="positive"),
       OpSpec("special-xlogy", _xlogy, ((3, 4), (4,)), domain="positive"),
       OpSpec("special-xlog1py", _xlog1py, ((3, 4), (4,)), domain="positive"),
       OpSpec("special-gammasgn-rgamma", _gammasgn_rgamma, ((3, 4),), domain="positive"),
       OpSpec("special-multigammaln", _multigammaln, ((3, 4),), domain="positive"),
       OpSpec("special-polygamma-1", _polygamma(1), ((3, 4),), domain="positive"),
       OpSpec("special-polygamma-3", _polygamma(3), ((3, 4),), domain="positive"),
       OpSpec("special-polygamma-0", _polygamma(0), ((3, 4),), domain="positive"),
       OpSpec("special-logsumexp", _logsumexp(), ((3, 4),)),
       OpSpec("special-logsumexp-axis", _logsumexp(axis=1, keepdims=True), ((3, 4),)),
       OpSpec("special-logsumexp-b", _logsumexp_weighted, ((3, 4), (3, 4)),
              domain="positive"),
       OpSpec("special-logsumexp-sign", _logsumexp_sign, ((3, 4), (3, 4)), domain="positive"),
       OpSpec("special-softmax", _softmax, ((3, 4),)),
       OpSpec("special-log_softmax", _log_softmax, ((3, 4),)),
       OpSpec("special-softmax-all", _softmax_all, ((3, 4),)),
       OpSpec("special-softplus", _softplus, ((3, 4),))]
)
