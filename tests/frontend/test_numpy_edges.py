"""Edge values and dtypes where a traced NumPy call once differed from NumPy:
NaN in searchsorted, the dtype of quantiles and NaN-ignoring means of
float32 data.  Both backends, against NumPy itself."""
import numpy as np
import pytest

import numjac as nj


def assert_same_as_numpy(fn, *args, backend):
    got, want = nj.jit(fn, backend=backend)(*args), fn(*args)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("backend", ["interpret", "numba"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_puts_nan_last(side, backend):
    values = np.array([np.nan, -1.0, 1.0, 5.0, np.inf, -np.inf])
    for nodes in (np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0, np.nan, np.nan])):
        assert_same_as_numpy(lambda a, v: np.searchsorted(a, v, side=side), nodes, values,
                             backend=backend)


QUANTILES = {
    "median": np.median,
    "quantile-scalar": lambda x: np.quantile(x, 0.3),
    "quantile-list": lambda x: np.quantile(x, [0.2, 0.7], axis=1),
    "quantile-float32-q": lambda x: np.quantile(x, np.float32(0.3), axis=0),
    "percentile-scalar": lambda x: np.percentile(x, 30, axis=0),
    "percentile-list": lambda x: np.percentile(x, [10, 50.5]),
    "nanmean": lambda x: np.nanmean(x, axis=1),
    "nanvar": lambda x: np.nanvar(x, axis=0, ddof=1),
}


@pytest.mark.parametrize("backend", ["interpret", "numba"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64, np.int8])
@pytest.mark.parametrize("name", QUANTILES)
def test_quantiles_keep_numpys_dtype(name, dtype, backend):
    x = np.array([[3.0, -2.0, -1.0, 2.0], [1.0, 2.0, 7.0, 4.0], [0.5, 0.25, 9.0, -3.0]])
    assert_same_as_numpy(QUANTILES[name], x.astype(dtype), backend=backend)


FLOORED = {"floor_divide": np.floor_divide, "remainder": np.remainder,
           "operators": lambda x, y: (x // y) * 10 + x % y}


@pytest.mark.parametrize("backend", ["interpret", "numba"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", FLOORED)
def test_floored_float_division_as_numpy(name, dtype, backend):
    """NumPy's quotient comes from fmod (1.0 // 0.1 is 9.0, inf // 3.0 NaN)
    and its remainder has the divisor's sign, zeros included."""
    x = np.array([1.0, 0.7, -1.0, 5.0, 1e20, np.inf, -np.inf, 3.0, -0.0, 0.0, 7.0, -7.0,
                  np.nan, 1.0, -1.0, 1e-310, 1e308, 0.3])
    y = np.array([0.1, 0.1, 0.1, -0.5, 3.0, 3.0, 2.0, np.inf, 5.0, -5.0, 0.0, -0.0,
                  1.0, np.nan, np.inf, 3.0, 1e-10, -0.1])
    rng = np.random.default_rng(0)
    scales = 10.0 ** rng.integers(-3, 4, (2, 500))
    x = np.concatenate((x, rng.normal(size=500) * scales[0])).astype(dtype)
    y = np.concatenate((y, rng.normal(size=500) * scales[1])).astype(dtype)
    with np.errstate(all="ignore"):
        got, want = nj.jit(FLOORED[name], backend=backend)(x, y), FLOORED[name](x, y)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


INTERPOLATIONS = {
    "nodes": (np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0, 0.0])),
    "nan-value": (np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, np.nan, 2.0, 0.0])),
    "infinite-values": (np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, np.inf, np.inf, 0.0])),
    "repeated-node": (np.array([0.0, 1.0, 1.0, 4.0]), np.array([1.0, 3.0, 2.0, 0.0])),
    "one-node": (np.array([1.0]), np.array([5.0])),
}


@pytest.mark.parametrize("backend", ["interpret", "numba"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize("name", INTERPOLATIONS)
def test_interp_as_numpy_at_nodes_and_infinities(name, dtype, backend):
    """Always float64; a node's own value at a node even next to an infinite
    or NaN value (the line through it is NaN there); NaN at NaN."""
    xp, fp = INTERPOLATIONS[name]
    x = np.array([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, np.nan, np.inf, -np.inf])
    x = x[np.isfinite(x)] if dtype == np.int32 else x
    assert_same_as_numpy(lambda x, xp, fp: np.interp(x, xp, fp, right=-7.0), x.astype(dtype),
                         xp.astype(dtype), fp.astype(dtype), backend=backend)


def test_interp_derivative_at_nodes_is_the_next_segments_slope():
    # As JAX: the slope to the node's right, the last segment's at the last
    # node; in fp, the node's own value only.
    xp, fp = np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0, 0.0])
    jac_x, jac_fp = nj.jacrev(lambda x, fp: np.interp(x, xp, fp), argnums=(0, 1))(xp, fp)
    np.testing.assert_array_equal(np.diagonal(jac_x), [2.0, -1.0, -1.0, -1.0])
    np.testing.assert_array_equal(jac_fp, np.eye(4))


@pytest.mark.parametrize("backend", ["interpret", "numba"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sign_of_negative_zero_is_positive_zero(dtype, backend):
    x = np.array([-0.0, 0.0, -3.0, 2.0, np.nan, -np.inf, 1e-40], dtype)
    got = nj.jit(np.sign, backend=backend)(x)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.sign(x))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(np.sign(x)))
