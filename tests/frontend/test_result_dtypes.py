"""Result dtypes (and values) of traced NumPy calls against NumPy 2 itself,
on both backends: the promotions NumPy applies inside a function (cov's
float64, vander's default int, gradient keeping its input's dtype), which
a composition of NumPy calls on Tracers does not get by itself."""
import numpy as np
import pytest

import numjac as nj

BACKENDS = ["interpret", "numba"]
DATA = np.array([[1.0, 2.0, 4.0, 7.0], [3.0, 1.0, 0.0, 2.0], [2.0, 5.0, 1.0, 1.0]])
INPUT_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.bool_]


def assert_same_as_numpy(fn, *args, backend, rtol=1e-6):
    got, want = nj.jit(fn, backend=backend)(*args), fn(*args)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, equal_nan=True)


def tolerance(*dtypes):
    return 2e-3 if np.float16 in dtypes else 1e-6


COVARIANCES = {
    "cov": np.cov,
    "corrcoef": np.corrcoef,
    "cov-y": lambda a: np.cov(a[0], a[1].astype(np.float32)),
    "cov-columns": lambda a: np.cov(a, rowvar=False, bias=True),
    "corrcoef-one-row-columns": lambda a: np.corrcoef(a[:1], rowvar=False),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
@pytest.mark.parametrize("name", COVARIANCES)
def test_covariance_is_at_least_float64(name, dtype, backend):
    fn = COVARIANCES[name]
    if name == "corrcoef-one-row-columns":
        fn = np.cov     # corrcoef of one-element variables is NaN
    assert_same_as_numpy(fn, DATA.astype(dtype), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("out", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int8])
@pytest.mark.parametrize("fn", [np.cov, np.corrcoef])
def test_covariance_computes_in_the_dtype_asked(fn, dtype, out, backend):
    assert_same_as_numpy(lambda a: fn(a, dtype=out), DATA.astype(dtype), backend=backend,
                         rtol=tolerance(out))


def test_covariance_in_an_integer_dtype_is_refused_as_numpy_does():
    with pytest.raises(TypeError, match="dtype"):
        nj.jit(lambda a: np.cov(a, dtype=np.int64))(DATA)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
@pytest.mark.parametrize("columns, increasing", [(None, False), (3, True), (0, False), (6, True)])
def test_vander_promotes_with_the_default_int(columns, increasing, dtype, backend):
    assert_same_as_numpy(lambda v: np.vander(v, columns, increasing=increasing),
                         DATA[0].astype(dtype), backend=backend)


GRADIENTS = {
    "default": lambda f: np.gradient(f[0]),
    "all-axes": lambda f: np.stack(np.gradient(f)),
    "spacing-axis": lambda f: np.gradient(f, 0.5, axis=-1),
    "edge-order-2": lambda f: np.gradient(f, edge_order=2, axis=0),
    "coordinates": lambda f: np.gradient(f, np.array([0.0, 1.0, 3.0, 4.5]), axis=1),
    "float32-coordinates": lambda f: np.gradient(f, np.array([0, 1, 3, 4], np.float32), axis=1),
    "int-coordinates": lambda f: np.gradient(f, np.array([0, 1, 3, 4]), axis=1),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", INPUT_DTYPES[:-1])
@pytest.mark.parametrize("name", GRADIENTS)
def test_gradient_keeps_the_dtype_of_its_values(name, dtype, backend):
    assert_same_as_numpy(GRADIENTS[name], DATA.astype(dtype), backend=backend,
                         rtol=tolerance(dtype))


def test_gradient_of_bools_is_refused_as_numpy_does():
    with pytest.raises(TypeError, match="bool"):
        nj.jit(np.gradient)(DATA > 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rounding_bools_gives_float16_as_numpy(backend):
    assert_same_as_numpy(np.round, DATA[0] > 2, backend=backend)


def test_rounding_bools_to_decimals_is_refused_as_numpy_does():
    with pytest.raises(TypeError, match="bool"):
        nj.jit(lambda b: np.round(b, 1))(DATA > 2)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_diff_of_bools_is_whether_neighbours_differ(n, backend):
    flags = np.array([[True, False, False, True, True], [True, True, False, False, True]])
    assert_same_as_numpy(lambda b: np.diff(b, n=n), flags, backend=backend)
    assert_same_as_numpy(lambda b: np.diff(b, axis=0, prepend=True), flags, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int8])
def test_linspace_samples_in_the_endpoints_float_type(dtype, backend):
    # NumPy promotes the endpoints with a (weak) Python float.
    start, stop = np.array([0.0, 1.0], dtype), np.array([2.0, 5.0], dtype)
    assert_same_as_numpy(lambda a, b: np.linspace(a, b, 5, axis=-1), start, stop,
                         backend=backend, rtol=tolerance(dtype))
    for endpoint in (False, True):     # a scalar stop is broadcast to the start's shape
        assert_same_as_numpy(lambda a: np.linspace(a, 3, 4, endpoint=endpoint), start,
                             backend=backend, rtol=tolerance(dtype))
