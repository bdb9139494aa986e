"""OP_SPECS rows for scipy.stats distributions (frontend/scipy_api/stats*.py):
one per traced method, differentiating the point (or the parameter, for
poisson and dirichlet), with the other parameters constant and the
argument mapped into the support inside the row's function."""
import numpy as np
import scipy.stats as st

from tests.op_specs import OpSpec

_UNIVARIATE = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")
# distribution -> (map from the row's argument into the support, shape parameters, domain)
_CONTINUOUS = {
    "norm": (lambda x: x, (), "real"),
    "t": (lambda x: 2 * x, (3.5,), "real"),
    "chi2": (lambda x: 2 * x, (3.0,), "positive"),
    "gamma": (lambda x: 2 * x, (2.5,), "positive"),
    "beta": (lambda x: x / 2.2, (2.0, 3.5), "positive"),
}


def _method(distribution, method, into, shapes):
    def fn(x):
        return getattr(getattr(st, distribution), method)(into(x), *shapes, loc=0.1)
    fn.__name__ = f"{distribution}_{method}"
    return fn


def _quantile(distribution, method, shapes):
    def fn(q):
        return getattr(getattr(st, distribution), method)(q / 2.2, *shapes, loc=0.3, scale=1.7)
    fn.__name__ = f"{distribution}_{method}"
    return fn


def _poisson(method):
    name = "pmf" if method == "pdf" else "logpmf" if method == "logpdf" else method

    def fn(mu):
        return getattr(st.poisson, name)(np.array([0.0, 1.0, 3.0, 6.0]), 3 * mu)
    fn.__name__ = f"poisson_{name}"
    return fn


def _mvn(method):
    def fn(x, factor):
        factor = factor.astype(np.float64)    # a float32 row's product: the same everywhere
        cov = factor @ factor.T + 3 * np.eye(3)
        return getattr(st.multivariate_normal, method)(x, np.array([0.1, -0.2, 0.3]), cov)
    fn.__name__ = f"multivariate_normal_{method}"
    return fn


def _dirichlet(method):
    def fn(alpha):
        return getattr(st.dirichlet, method)(np.array([0.2, 0.3, 0.5]), alpha)
    fn.__name__ = f"dirichlet_{method}"
    return fn


SPECS = (
    [OpSpec(f"stats-{name}-{method}", _method(name, method, into, shapes), ((3, 4),),
            domain=domain)
     for name, (into, shapes, domain) in _CONTINUOUS.items() for method in _UNIVARIATE]
    + [OpSpec(f"stats-{name}-{method}", _quantile(name, method, _CONTINUOUS[name][1]),
              ((3, 4),), domain="positive")
       for name in ("norm", "t", "chi2", "gamma", "beta") for method in ("ppf", "isf")]
    + [OpSpec(f"stats-poisson-{method}", _poisson(method), ((3, 4),), domain="positive")
       for method in _UNIVARIATE]
    + [OpSpec(f"stats-multivariate_normal-{method}", _mvn(method), ((2, 3), (3, 3)))
       for method in ("pdf", "logpdf")]
    + [OpSpec(f"stats-dirichlet-{method}", _dirichlet(method), ((3,),), domain="positive")
       for method in ("pdf", "logpdf")]
)
