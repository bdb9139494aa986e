"""scipy.stats.multivariate_normal and scipy.stats.dirichlet on Tracers:
pdf and logpdf, with SciPy's parameter handling (a scalar or 1-d cov is
scaled or diagonal; points along the last axis of x, or x a set of 1-d
points when the dimension is 1; results squeezed as SciPy squeezes them).

multivariate_normal: through the Cholesky factor L of cov, log det cov =
2 sum log diag L and the Mahalanobis term |L^-1 (x - mean)|^2; a cov that
is not positive definite gives NaN where SciPy raises.  allow_singular=True
runs SciPy's own method when cov is a constant, and is refused for a
traced cov.  dirichlet: SciPy's checks of alpha and x raise as SciPy's do
when they are constants; traced values outside the domain give NaN.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import scipy.special as sc
import scipy.stats as st

from ..errors import unsupported
from ..tracer import is_traced
from .stats import implements_method
from .stats_univariate import as_float

_LOG_TWO_PI = math.log(2 * math.pi)


def _squeezed(result):
    """SciPy's _squeeze_output: drop every length-1 axis."""
    return np.squeeze(result)


def _mvn_parameters(mean, cov):
    """(mean as (dim,), cov as (dim, dim), dim) as SciPy reads them."""
    cov = as_float(cov)
    if mean is None:
        dim = 1 if cov.ndim < 2 else cov.shape[0]
        mean = np.zeros(dim)
    mean = as_float(mean)
    if mean.ndim > 1:
        raise ValueError("Array 'mean' must be a vector of length 1 or a scalar")
    dim = mean.size
    mean = np.reshape(mean, (dim,))
    if cov.ndim == 0:
        cov = cov * np.eye(dim)
    elif cov.ndim == 1:
        cov = np.diag(cov)
    if cov.shape != (dim, dim):
        raise ValueError(f"Array 'cov' must be of shape ({dim}, {dim}), got {cov.shape}")
    return mean, cov, dim


def _points(x, dim):
    """x as points along its last axis (SciPy's _process_quantiles)."""
    x = as_float(x)
    if x.ndim == 0:
        return np.reshape(x, (1,))
    if x.ndim == 1:
        return np.reshape(x, (-1, 1)) if dim == 1 else np.reshape(x, (1, -1))
    return x


def _mvn_logdensity(x, mean, cov):
    mean, cov, dim = _mvn_parameters(mean, cov)
    deviation = _points(x, dim) - mean
    factor = np.linalg.cholesky(cov)
    flat = np.reshape(deviation, (-1, dim))
    whitened = scipy.linalg.solve_triangular(factor, flat.T, lower=True)
    mahalanobis = np.reshape(np.sum(whitened ** 2, axis=0), deviation.shape[:-1])
    log_det = 2.0 * np.sum(np.log(np.diagonal(factor)))
    return _squeezed(-0.5 * (dim * _LOG_TWO_PI + log_det + mahalanobis))


def _mvn(method, log):
    original = getattr(st.multivariate_normal, method)

    def density(x, mean=None, cov=1, allow_singular=False):
        if allow_singular:
            if is_traced(cov):
                raise unsupported(f"scipy.stats.multivariate_normal.{method}"
                                  "(allow_singular=True) with a traced cov")
            return original(x, mean, cov, allow_singular=True)
        log_density = _mvn_logdensity(x, mean, cov)
        return log_density if log else np.exp(log_density)
    density.__name__ = f"multivariate_normal_{method}"
    return density


implements_method(st.multivariate_normal, "logpdf")(_mvn("logpdf", log=True))
implements_method(st.multivariate_normal, "pdf")(_mvn("pdf", log=False))


# -- dirichlet ---------------------------------------------------------------------------

def _check_constant(condition, message):
    if not is_traced(condition) and not np.all(condition):
        raise ValueError(message)


def _dirichlet_points(x, alpha):
    """x with its components along axis 0, completed by 1 - sum when it
    has one component fewer than alpha (as SciPy)."""
    x = as_float(x)
    if x.shape[0] + 1 == alpha.shape[0]:
        x = np.concatenate([x, 1.0 - np.sum(x, axis=0, keepdims=True)], axis=0)
    elif x.shape[0] != alpha.shape[0]:
        raise ValueError(f"Vector 'x' must have either the same number of entries as, or "
                         f"one entry fewer than, parameter vector 'a', but alpha.shape = "
                         f"{alpha.shape} and x.shape = {x.shape}.")
    _check_constant((x >= 0) & (x <= 1), "Each entry in 'x' must be between 0 and 1.")
    _check_constant(np.abs(np.sum(x, axis=0) - 1.0) <= 10e-10,
                    "The input vector 'x' must lie within the normal simplex.")
    return x


def _dirichlet_logpdf(x, alpha):
    alpha = as_float(alpha)
    if alpha.ndim != 1:
        raise ValueError("Parameter vector 'a' must be one dimensional, but a.shape = "
                         f"{alpha.shape}.")
    _check_constant(alpha > 0, "All parameters must be greater than 0")
    x = _dirichlet_points(x, alpha)
    log_beta = np.sum(sc.gammaln(alpha)) - sc.gammaln(np.sum(alpha))
    terms = sc.xlogy(np.reshape(alpha - 1, (-1,) + (1,) * (x.ndim - 1)), x)
    value = np.sum(terms, axis=0) - log_beta
    in_domain = (np.all(alpha > 0) & np.all((x >= 0) & (x <= 1))
                 & np.all(np.abs(np.sum(x, axis=0) - 1.0) <= 10e-10))
    return _squeezed(np.where(in_domain, value, np.nan))


@implements_method(st.dirichlet, "logpdf")
def dirichlet_logpdf(x, alpha):
    return _dirichlet_logpdf(x, alpha)


@implements_method(st.dirichlet, "pdf")
def dirichlet_pdf(x, alpha):
    return np.exp(_dirichlet_logpdf(x, alpha))
