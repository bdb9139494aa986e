"""scipy.stats distributions traced (frontend/scipy_api/stats*.py): values
equal SciPy's to rounding on random points, in the tails, outside the
support and with invalid parameters; SciPy's argument forms (positional,
keywords, frozen distributions, broadcasting); derivatives against finite
differences; the Numba backend; clear errors for what is not traced."""
import warnings

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import numjac as nj
from numjac.compiler.primitives.special_bessel import ParameterDerivativeError
from numjac.errors import UnsupportedOperationError
from tests.helpers import check_backends, check_grads

RNG = np.random.default_rng(7)


def scipy_value(fn, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args)


def assert_same(got, expected, rtol=1e-12):
    """Equal to rounding, with NaN and infinities in the same places; the
    logs of probabilities near 1 are compared absolutely."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(expected)],
                                  expected[~finite & ~np.isnan(expected)])
    np.testing.assert_allclose(got[finite], expected[finite], rtol=rtol, atol=1e-15)


def method_of(distribution, method, **keywords):
    def call(*args):
        return getattr(getattr(st, distribution), method)(*args, **keywords)
    call.__name__ = f"{distribution}_{method}"
    return call


# x in the bulk, far in both tails, at and beyond the support's ends, NaN.
X = np.concatenate([RNG.normal(size=8) * 3, [-40.0, -8.0, 0.0, 1e-300, 0.5, 1.0, 7.5, 40.0,
                                             300.0, np.inf, -np.inf, np.nan]])
UNIT_X = np.concatenate([RNG.uniform(size=8), [0.0, 1e-12, 1e-300, 0.5, 1 - 1e-12, 1.0,
                                               -0.2, 1.3, np.nan]])
CONTINUOUS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")
# distribution -> (points, shape parameter values: valid, and one invalid)
SHAPES = {
    "norm": (X, ()),
    "t": (X, ([0.7, 3.0, 25.0, 1e5, np.inf, -1.0],)),
    "chi2": (X, ([0.5, 2.0, 7.0, 60.0, 0.0],)),
    "gamma": (X, ([0.3, 1.0, 4.5, 80.0, -2.0],)),
    "beta": (UNIT_X, ([0.4, 1.0, 2.5, 30.0, -1.0], [0.6, 1.0, 3.0, 0.0, 12.0])),
}


def _grid(points, shapes):
    """Every point against every shape value (points along the last axis)."""
    return (points,) + tuple(np.asarray(s)[:, None] for s in shapes)


@pytest.mark.parametrize("method", CONTINUOUS)
@pytest.mark.parametrize("distribution", SHAPES)
def test_continuous_methods_equal_scipys(distribution, method):
    points, shapes = SHAPES[distribution]
    fn = method_of(distribution, method)
    args = _grid(points, shapes)
    assert_same(nj.jit(fn)(*args), scipy_value(fn, *args))


@pytest.mark.parametrize("method", CONTINUOUS)
def test_loc_and_scale_by_position_and_keyword(method):
    loc, scale = np.array([[0.5], [-2.0], [1.0]]), np.array([[2.0], [0.5], [-1.0]])
    positional = method_of("norm", method)
    assert_same(nj.jit(positional)(X, loc, scale), scipy_value(positional, X, loc, scale))

    def keywords(x, s):
        return getattr(st.gamma, method)(x, a=2.5, scale=s, loc=-1.0)
    assert_same(nj.jit(keywords)(X, scale), scipy_value(keywords, X, scale))


def test_beta_tails_and_t_tails_near_zero_and_far_out():
    x = np.array([1e-9, 1e-6, 0.3, 1 - 1e-6, 1 - 1e-9])
    fn = method_of("beta", "sf")
    args = (x, np.array([[0.5], [3.0], [200.0]]), np.array([[0.7], [2.0], [1.5]]))
    assert_same(nj.jit(fn)(*args), scipy_value(fn, *args), rtol=1e-11)
    t = np.array([-1e6, -300.0, -1e-8, 0.0, 1e-8, 2e-3, 50.0, 1e6])
    for method in ("cdf", "sf", "logcdf", "logsf"):
        fn = method_of("t", method)
        args = (t, np.array([[0.3], [4.0], [1e4]]))
        assert_same(nj.jit(fn)(*args), scipy_value(fn, *args), rtol=1e-11)


@pytest.mark.parametrize("method", ["pmf", "logpmf", "cdf", "logcdf", "sf", "logsf"])
def test_poisson_methods_equal_scipys(method):
    k = np.array([0.0, 1.0, 2.0, 3.5, 7.0, 40.0, 250.0, -1.0, np.inf, -np.inf, np.nan])
    mu = np.array([[0.0], [0.4], [6.0], [180.0], [-1.0]])
    fn = method_of("poisson", method)
    assert_same(nj.jit(fn)(k, mu), scipy_value(fn, k, mu))
    shifted = nj.jit(lambda k, mu: getattr(st.poisson, method)(k, mu, loc=2))
    assert_same(shifted(k, mu), scipy_value(getattr(st.poisson, method), k, mu, 2))


@pytest.mark.parametrize("distribution", ["norm", "t", "chi2", "gamma", "beta"])
def test_quantiles(distribution):
    tiny = 1e-80 if distribution == "beta" else 1e-300     # see the test below
    q = np.array([0.0, tiny, 1e-10, 0.2, 0.5, 0.9, 1 - 1e-12, 1.0, -0.1, 1.5, np.nan])
    shapes = SHAPES[distribution][1]
    for method in ("ppf", "isf"):
        fn = method_of(distribution, method, loc=1.5, scale=2.0)
        args = _grid(q, shapes)
        assert_same(nj.jit(fn)(*args), scipy_value(fn, *args))


def test_beta_ppf_far_in_the_tail_is_betaincinv():
    """Below q ~ 1e-90 SciPy's beta.ppf loses its accuracy (at q = 1e-100,
    a = 2.5, b = 3 it returns a point whose cdf is 2e-92); numjac's is
    scipy.special.betaincinv, whose cdf there is q to rounding."""
    q = np.array([1e-100, 1e-95])
    got = nj.jit(lambda q: st.beta.ppf(q, 2.5, 3.0))(q)
    np.testing.assert_allclose(sc.betainc(2.5, 3.0, got), q, rtol=1e-13)


def test_frozen_distributions_and_python_scalars():
    def log_likelihood(mu, sigma):
        return np.sum(st.norm(loc=mu, scale=sigma).logpdf(X[:8]))
    assert_same(nj.jit(log_likelihood)(0.3, 1.7), scipy_value(log_likelihood, 0.3, 1.7))
    check_grads(log_likelihood, [np.float64(0.3), np.float64(1.7)])
    frozen = nj.jit(lambda x: st.t(4.0).cdf(x) + st.beta(2.0, 3.0).pdf(x / 10))
    assert_same(frozen(X[:8]), scipy_value(lambda x: st.t(4.0).cdf(x)
                                           + st.beta(2.0, 3.0).pdf(x / 10), X[:8]))


def test_results_are_float64_as_scipys():
    x = np.array([0.5, 1.5], dtype=np.float32)
    got = nj.jit(method_of("gamma", "logpdf"))(x, 2)
    assert got.dtype == np.float64
    assert_same(got, st.gamma.logpdf(x, 2))


@pytest.mark.parametrize("distribution, method, args", [
    ("norm", "logcdf", (np.array([-3.0, 0.2, 2.0]), 0.3, 1.4)),
    ("t", "logpdf", (np.array([-3.0, 0.2, 2.0]), np.array([2.5, 4.0, 9.0]))),
    ("t", "cdf", (np.array([-3.0, 0.2, 2.0]),)),
    ("chi2", "logsf", (np.array([0.3, 2.0, 9.0]),)),
    ("gamma", "cdf", (np.array([0.3, 2.0, 9.0]),)),
    ("beta", "logpdf", (np.array([0.2, 0.5, 0.9]), np.array([1.5, 2.0, 0.7]), 2.5)),
    ("beta", "sf", (np.array([0.2, 0.5, 0.9]),)),
    ("beta", "ppf", (np.array([0.2, 0.5, 0.9]),)),
    ("chi2", "isf", (np.array([0.2, 0.5, 0.9]),)),
    ("poisson", "logpmf", (np.array([1.3, 2.0, 9.0]),)),
])
def test_derivatives_against_finite_differences(distribution, method, args):
    constants = {"t": (3.5,), "chi2": (3.0,), "gamma": (2.5,), "beta": (2.0, 3.0)}
    fn = method_of(distribution, method)
    if distribution == "poisson":
        check_grads(lambda mu: fn(np.array([1.0, 2.0, 9.0]), mu), [args[0]])
    elif len(args) == 1:
        check_grads(lambda x: fn(x, *constants[distribution]), list(args))
    else:
        check_grads(fn, [np.asarray(a, dtype=float) for a in args])


def test_the_numba_backend_agrees():
    def log_densities(x, loc, df):
        return (st.norm.logpdf(x, loc, 2.0) + st.t.cdf(x, df) + st.chi2.logsf(x ** 2, df)
                + st.gamma.logcdf(x ** 2, 1.5) + st.beta.pdf(1 / (1 + x ** 2), df, 2.0)
                + st.poisson.logpmf(3.0, df))
    args = (X[:8], RNG.normal(size=8), RNG.uniform(1, 5, 8))
    check_backends(log_densities, args)
    check_backends(nj.grad(lambda *a: np.sum(log_densities(*a)), argnums=(0, 1)), args)


def test_vmap_over_parameters():
    fn = nj.vmap(lambda s: st.norm.logpdf(X[:8], 0.0, s))
    scales = np.array([0.5, 1.0, 2.0])
    assert_same(fn(scales), st.norm.logpdf(X[:8], 0.0, scales[:, None]))


# -- multivariate -------------------------------------------------------------------------

def _spd(n):
    a = RNG.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


@pytest.mark.parametrize("x, mean, cov", [
    (RNG.normal(size=3), RNG.normal(size=3), _spd(3)),
    (RNG.normal(size=(5, 3)), RNG.normal(size=3), _spd(3)),
    (RNG.normal(size=(2, 4, 3)), None, _spd(3)),
    (RNG.normal(size=(4, 1)), np.array([0.2]), np.array([[1.7]])),
    (RNG.normal(size=4), 0.3, 2.0),
    (RNG.normal(size=(6, 2)), np.zeros(2), np.array([0.5, 3.0])),
])
def test_multivariate_normal_equals_scipys(x, mean, cov):
    for method in ("logpdf", "pdf"):
        fn = method_of("multivariate_normal", method)
        got = nj.jit(lambda x, cov: fn(x, mean, cov))(x, cov)
        assert_same(got, scipy_value(fn, x, mean, cov), rtol=1e-11)


def test_multivariate_normal_derivatives_in_every_argument():
    x, mean, cov = RNG.normal(size=(2, 3)), RNG.normal(size=3), _spd(3)
    check_grads(method_of("multivariate_normal", "logpdf"), [x, mean, cov])


def test_multivariate_normal_allow_singular():
    x, cov = RNG.normal(size=(4, 2)), np.array([[1.0, 1.0], [1.0, 1.0]])
    fn = nj.jit(lambda x: st.multivariate_normal.logpdf(x, None, cov, allow_singular=True))
    assert_same(fn(x), st.multivariate_normal.logpdf(x, None, cov, allow_singular=True))
    with pytest.raises(UnsupportedOperationError, match="allow_singular=True"):
        nj.jit(lambda c: st.multivariate_normal.logpdf(x, None, c, allow_singular=True))(cov)


def test_dirichlet_equals_scipys():
    alpha = np.array([0.7, 2.0, 3.5])
    x = RNG.dirichlet(alpha, size=5).T
    for method in ("logpdf", "pdf"):
        fn = method_of("dirichlet", method)
        assert_same(nj.jit(fn)(x, alpha), fn(x, alpha))
        assert_same(nj.jit(fn)(x[:2], alpha), fn(x[:2], alpha))   # the last part implied
    check_grads(lambda a: st.dirichlet.logpdf(x[:, 0], a), [alpha])
    with pytest.raises(ValueError, match="greater than 0"):
        nj.jit(lambda x: st.dirichlet.logpdf(x, -alpha))(x)
    bad = nj.jit(lambda a: st.dirichlet.logpdf(x[:, 0], a))(-alpha)    # traced: NaN
    assert np.isnan(bad)


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda x: st.t.entropy(x), "scipy.stats.t.entropy"),
    (lambda x: st.expon.pdf(x), "scipy.stats.expon.pdf"),
    (lambda x: st.norm.rvs(loc=x), "scipy.stats.norm.rvs"),
    (lambda x: st.norm(x).mean(), "scipy.stats.norm.mean"),
    (lambda x: st.multivariate_normal.cdf(x, np.zeros(2)),
     "scipy.stats.multivariate_normal.cdf"),
])
def test_what_is_not_traced_is_named(call, name):
    with pytest.raises(UnsupportedOperationError, match=name.replace(".", r"\.")):
        nj.jit(call)(np.array([0.3, 0.4]))


def test_no_derivative_in_a_parameter_of_an_incomplete_function():
    with pytest.raises(ParameterDerivativeError, match="gammainc has no derivative .* 'a'"):
        nj.grad(lambda df: st.chi2.cdf(2.0, df))(3.0)


def test_constant_arguments_run_scipys_own_method_inside_a_trace():
    fn = nj.jit(lambda x: x * st.norm.pdf(0.5) + st.expon.cdf(2.0))
    assert_same(fn(np.array([1.0, 2.0])), np.array([1.0, 2.0]) * st.norm.pdf(0.5)
                + st.expon.cdf(2.0))
