"""runtime/special_support.py's special functions (the Numba code behind
digamma, polygamma, erfinv, erfcinv, log_ndtr and expit in kernels) against
SciPy over wide ranges, to about 1e-13 relative, and at their edges."""
import math

import numpy as np
import pytest
import scipy.special as sc

from numjac.runtime import special_support as S

_RNG = np.random.default_rng(0)


def _relative_error(fn, reference, xs, *leading):
    got = np.array([fn(*leading, x) for x in xs])
    want = reference(*leading, xs)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    # Where SciPy underflows to 0, ours may keep a subnormal.
    assert np.all(np.abs(got[want == 0]) < 1e-300)
    finite = np.isfinite(want) & (want != 0)
    return np.abs(got[finite] - want[finite]) / np.abs(want[finite])


def test_digamma_is_accurate_on_the_positive_axis_and_near_its_root():
    xs = np.concatenate([_RNG.uniform(0, 3, 3000), 10 ** _RNG.uniform(-10, 8, 2000),
                         1.4616321449683623 + _RNG.uniform(-1e-3, 1e-3, 200)])
    assert _relative_error(S.digamma, sc.digamma, xs).max() < 1e-13


def test_digamma_on_the_negative_axis():
    # Between the poles digamma has one root each, where the reflection
    # formula cancels: there the error is absolute, about 1e-14.
    xs = -10 ** _RNG.uniform(-6, 2.5, 3000)
    got = np.array([S.digamma(x) for x in xs])
    np.testing.assert_allclose(got, sc.digamma(xs), rtol=2e-13, atol=1e-13)


def test_digamma_edges():
    edges = np.array([0.0, -0.0, -1.0, -7.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal([S.digamma(x) for x in edges], sc.digamma(edges))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_polygamma_is_accurate(n):
    xs = np.concatenate([_RNG.uniform(0, 3, 2000), 10 ** _RNG.uniform(-5, 5, 1000),
                         _RNG.uniform(-20, 0, 1000)])
    assert _relative_error(S.polygamma, sc.polygamma, xs, n).max() < 5e-13


@pytest.mark.parametrize("n", [1, 2])
def test_polygamma_edges(n):
    edges = np.array([0.0, -3.0, np.inf, np.nan])
    np.testing.assert_array_equal([S.polygamma(n, x) for x in edges], sc.polygamma(n, edges))


def test_erfinv_is_accurate_into_both_ends():
    ys = np.concatenate([_RNG.uniform(-1, 1, 5000), 1 - 10 ** _RNG.uniform(-16, -1, 1000),
                         10 ** _RNG.uniform(-300, -1, 1000)])
    assert _relative_error(S.erfinv, sc.erfinv, ys).max() < 1e-14


def test_erfcinv_is_accurate_into_both_ends():
    zs = np.concatenate([_RNG.uniform(0, 2, 5000), 10 ** _RNG.uniform(-300, 0, 2000),
                         2 - 10 ** _RNG.uniform(-16, 0, 1000)])
    assert _relative_error(S.erfcinv, sc.erfcinv, zs).max() < 1e-14


def test_inverse_error_function_edges():
    ys, zs = np.array([-1.0, 1.0, 0.0, -0.0, 2.0, np.nan]), np.array([0.0, 2.0, 1.0, -1.0, 3.0])
    np.testing.assert_array_equal([S.erfinv(y) for y in ys], sc.erfinv(ys))
    np.testing.assert_array_equal([S.erfcinv(z) for z in zs], sc.erfcinv(zs))


def test_log_ndtr_is_accurate_in_both_tails():
    xs = np.concatenate([_RNG.uniform(-40, 40, 5000), -10 ** _RNG.uniform(0, 8, 1000),
                         10 ** _RNG.uniform(-5, 1.5, 1000)])
    assert _relative_error(S.log_ndtr, sc.log_ndtr, xs).max() < 1e-13


def test_expit_is_accurate_without_overflow():
    xs = np.concatenate([_RNG.uniform(-800, 800, 5000), _RNG.normal(size=1000)])
    assert _relative_error(S.expit, sc.expit, xs).max() < 1e-15
    assert S.expit(-math.inf) == 0.0 and S.expit(math.inf) == 1.0
