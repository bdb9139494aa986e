"""scipy.special and the everyday NumPy calls against JAX, where JAX has the
function: values, gradients (reverse mode) and a Hessian-vector product
(forward over reverse), on the same inputs.  Each case is written once for
a NumPy-like module and a scipy.special-like module, and run with
(numpy, scipy.special) under numjac and (jax.numpy, jax.scipy.special)
under JAX.

JAX is in the test extra (as the reference, never in the default install);
a bare install without it skips these tests, with that reason."""
import numpy as np
import pytest
import scipy.special

from tests.jax_checks import assert_matches_jax, import_jax
from tests.op_specs import make_args

jax = import_jax()
jnp = jax.numpy
jsp = jax.scipy.special

_NODES = [-2.0, -0.5, 0.1, 0.7, 2.5]

# name -> (case(xp, sp, x), shape, domain)
CASES = {
    "gammaln": (lambda xp, sp, x: sp.gammaln(x), (3, 4), "positive"),
    "gamma": (lambda xp, sp, x: sp.gamma(x), (3, 4), "positive"),
    "digamma": (lambda xp, sp, x: sp.digamma(x), (3, 4), "positive"),
    "polygamma": (lambda xp, sp, x: sp.polygamma(2, x), (3, 4), "positive"),
    "beta": (lambda xp, sp, x: sp.beta(x, x[::-1]), (3, 4), "positive"),
    "betaln": (lambda xp, sp, x: sp.betaln(x, 2.5), (3, 4), "positive"),
    "erf": (lambda xp, sp, x: sp.erf(x), (3, 4), "real"),
    "erfc": (lambda xp, sp, x: sp.erfc(x), (3, 4), "real"),
    "erfinv": (lambda xp, sp, x: sp.erfinv(x), (3, 4), "unit"),
    "ndtr": (lambda xp, sp, x: sp.ndtr(x), (3, 4), "real"),
    "ndtri": (lambda xp, sp, x: sp.ndtri((x + 1) / 2), (3, 4), "unit"),
    "log_ndtr": (lambda xp, sp, x: sp.log_ndtr(x * 5), (3, 4), "real"),
    "expit": (lambda xp, sp, x: sp.expit(x), (3, 4), "real"),
    "logit": (lambda xp, sp, x: sp.logit((x + 1) / 2), (3, 4), "unit"),
    "xlogy": (lambda xp, sp, x: sp.xlogy(x, x + 1), (3, 4), "positive"),
    "xlog1py": (lambda xp, sp, x: sp.xlog1py(x, x), (3, 4), "positive"),
    "logsumexp": (lambda xp, sp, x: sp.logsumexp(x, axis=1), (3, 4), "real"),
    "logsumexp-b": (lambda xp, sp, x: sp.logsumexp(x, b=x * x), (3, 4), "real"),
    "softmax": (lambda xp, sp, x: sp.softmax(x, axis=0), (3, 4), "real"),
    "log_softmax": (lambda xp, sp, x: sp.log_softmax(x, axis=1), (3, 4), "real"),
    "sort": (lambda xp, sp, x: xp.sort(x, axis=0) * xp.arange(4.0), (3, 4), "real"),
    "median": (lambda xp, sp, x: xp.median(x, axis=1), (3, 5), "real"),
    "quantile": (lambda xp, sp, x: xp.quantile(x, xp.array([0.2, 0.7]), axis=0),
                 (5, 3), "real"),
    "percentile": (lambda xp, sp, x: xp.percentile(x, 35.0), (3, 4), "real"),
    "diff": (lambda xp, sp, x: xp.diff(x, n=2, axis=0), (4, 3), "real"),
    "gradient": (lambda xp, sp, x: xp.gradient(x, 0.3, axis=1), (3, 4), "real"),
    "cross": (lambda xp, sp, x: xp.cross(x[:, :3], x[:, 1:]), (2, 4), "real"),
    "kron": (lambda xp, sp, x: xp.kron(x, x[:2, :2]), (3, 4), "real"),
    "nanmean": (lambda xp, sp, x: xp.nanmean(xp.where(x > 1.0, xp.nan, x), axis=0),
                (4, 3), "real"),
    "nanstd": (lambda xp, sp, x: xp.nanstd(xp.where(x > 1.0, xp.nan, x), ddof=1),
               (4, 3), "real"),
    "nanmax": (lambda xp, sp, x: xp.nanmax(xp.where(x > 1.0, xp.nan, x), axis=1),
               (4, 3), "real"),
    "var-ddof": (lambda xp, sp, x: xp.var(x, axis=1, ddof=1), (3, 4), "real"),
    "cov": (lambda xp, sp, x: xp.cov(x), (3, 5), "real"),
    "corrcoef": (lambda xp, sp, x: xp.corrcoef(x), (3, 5), "real"),
    "vander": (lambda xp, sp, x: xp.vander(x, 4), (5,), "real"),
    "trapezoid": (lambda xp, sp, x: xp.trapezoid(x, dx=0.5, axis=0), (4, 3), "real"),
    "interp": (lambda xp, sp, x: xp.interp(x, xp.array(_NODES), xp.sin(xp.array(_NODES))),
               (3, 4), "real"),
    "convolve": (lambda xp, sp, x: xp.convolve(x, x[:3] * 2, mode="same"), (6,), "real"),
    "correlate": (lambda xp, sp, x: xp.correlate(x, x[1:4], mode="full"), (6,), "real"),
    "insert-delete": (lambda xp, sp, x: xp.delete(xp.insert(x, 1, x[2], axis=0), 3, axis=1),
                      (3, 4), "real"),
    "rot90-append": (lambda xp, sp, x: xp.append(xp.rot90(x), x[:1].T, axis=1), (3, 3),
                     "real"),
    "linspace": (lambda xp, sp, x: xp.linspace(x[0], x[1], 5), (2, 3), "real"),
    "select": (lambda xp, sp, x: xp.select([x > 0.5, x < -0.5], [x * x, xp.sin(x)], 0.1),
               (3, 4), "real"),
    "sinc": (lambda xp, sp, x: xp.sinc(x), (3, 4), "real"),
    "nan_to_num": (lambda xp, sp, x: xp.nan_to_num(xp.log(x - 0.5)), (3, 4), "positive"),
}


def _numpy_fn(case):
    return lambda x: case(np, scipy.special, x)


def _jax_fn(case):
    return lambda x: case(jnp, jsp, x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_derivatives_match_jax(name):
    case, shape, domain = CASES[name]
    (x,) = make_args((shape,), domain)
    assert_matches_jax(jax, _numpy_fn(case), _jax_fn(case), x)
