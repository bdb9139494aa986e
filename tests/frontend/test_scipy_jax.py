"""The Bessel and incomplete gamma/beta functions of scipy.special and the
scipy.stats distributions against JAX, where JAX has them: values,
gradients (reverse mode) and a Hessian-vector product (forward over
reverse), on the same inputs.  Each case is written once for a pair of
modules: (scipy.special, scipy.stats) under numjac and (jax.scipy.special,
jax.scipy.stats) under JAX.

JAX is in the test extra (as the reference, never in the default install);
a bare install without it skips these tests, with that reason."""
import numpy as np
import pytest
import scipy.special
import scipy.stats

from tests.jax_checks import assert_matches_jax, import_jax
from tests.op_specs import make_args

jax = import_jax()
jnp = jax.numpy
import jax.scipy.special as jsp  # noqa: E402
import jax.scipy.stats as jst  # noqa: E402

# name -> (case(sp, st, x), domain); JAX has no t.cdf, jn/yn, kv or the inverses
CASES = {
    "i0": (lambda sp, st, x: sp.i0(3 * x), "real"),
    "i1": (lambda sp, st, x: sp.i1(3 * x), "real"),
    "i0e": (lambda sp, st, x: sp.i0e(3 * x), "real"),
    "i1e": (lambda sp, st, x: sp.i1e(3 * x), "real"),
    "gammainc": (lambda sp, st, x: sp.gammainc(2.5, 2 * x), "positive"),
    "gammaincc": (lambda sp, st, x: sp.gammaincc(0.7, 2 * x), "positive"),
    "betainc": (lambda sp, st, x: sp.betainc(2.5, 1.5, x / 2.2), "positive"),
    "norm-logcdf": (lambda sp, st, x: st.norm.logcdf(3 * x, 0.2, 1.5), "real"),
    "norm-ppf": (lambda sp, st, x: st.norm.ppf(x / 2.2, 0.2, 1.5), "positive"),
    "t-logpdf": (lambda sp, st, x: st.t.logpdf(x, 3.5, 0.1, 2.0), "real"),
    "chi2-logpdf": (lambda sp, st, x: st.chi2.logpdf(2 * x, 3.0), "positive"),
    "chi2-cdf": (lambda sp, st, x: st.chi2.cdf(2 * x, 3.0), "positive"),
    "gamma-logpdf": (lambda sp, st, x: st.gamma.logpdf(2 * x, 2.5, 0.1, 1.5), "positive"),
    "gamma-cdf": (lambda sp, st, x: st.gamma.cdf(2 * x, 2.5), "positive"),
    "beta-logpdf": (lambda sp, st, x: st.beta.logpdf(x / 2.2, 2.0, 3.5), "positive"),
    "beta-cdf": (lambda sp, st, x: st.beta.cdf(x / 2.2, 2.0, 3.5), "positive"),
    "poisson-logpmf": (lambda sp, st, x: st.poisson.logpmf(3.0, 2 * x), "positive"),
    "poisson-cdf": (lambda sp, st, x: st.poisson.cdf(3.0, 2 * x), "positive"),
    "multivariate_normal-logpdf": (
        lambda sp, st, x: st.multivariate_normal.logpdf(x, x[0] * 0.5,
                                                        np.eye(3) * (x[1] ** 2 + 1)),
        "real"),
    "dirichlet-logpdf": (
        lambda sp, st, x: st.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), x[:, 0] + 1), "positive"),
}
SHAPES = {"multivariate_normal-logpdf": (3, 3), "dirichlet-logpdf": (3, 2)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_derivatives_match_jax(name):
    case, domain = CASES[name]
    (x,) = make_args((SHAPES.get(name, (3, 4)),), domain)
    assert_matches_jax(jax, lambda v: case(scipy.special, scipy.stats, v),
                       lambda v: case(jsp, jst, v), x)
