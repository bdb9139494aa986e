"""Errors for calls numjac cannot trace name the real function (numpy.X,
scipy.special.X), point to docs/coverage.md, and suggest what to write
instead; calls whose output shape depends on the data say so."""
import numpy as np
import pytest
import scipy.special

import numjac as nj


def _message(fn, *args):
    with pytest.raises(nj.UnsupportedOperationError) as caught:
        nj.jit(fn)(*args)
    return str(caught.value)


X = np.arange(1.0, 6.0)


@pytest.mark.parametrize("fn, name", [
    (np.nonzero, "numpy.nonzero"), (np.argwhere, "numpy.argwhere"),
    (np.flatnonzero, "numpy.flatnonzero"), (np.unique, "numpy.unique"),
    (lambda x: np.extract(x > 2, x), "numpy.extract"),
])
def test_data_dependent_shapes_explain_why_and_what_instead(fn, name):
    message = _message(fn, X)
    assert message.startswith(f"{name} is not supported")
    assert "shape depends on the values" in message
    assert "docs/coverage.md" in message


def test_one_argument_where_suggests_three_arguments():
    assert "np.where(condition, x, y)" in _message(lambda x: np.where(x > 2), X)


def test_traced_compress_condition_suggests_a_mask_multiply():
    message = _message(lambda x: np.compress(x > 2, x), X)
    assert "numpy.compress with a traced condition" in message and "np.where" in message


def test_traced_mask_indexing_explains_the_shape():
    with pytest.raises(nj.ConcretizationError, match="shape depends on the mask"):
        nj.jit(lambda x: x[x > 2])(X)


@pytest.mark.parametrize("fn, name, hint", [
    (np.ptp, "numpy.ptp", "np.max(x, axis) - np.min(x, axis)"),
    (np.count_nonzero, "numpy.count_nonzero", "np.sum(x != 0)"),
    (lambda x: np.isclose(x, 1.0), "numpy.isclose", "atol + rtol"),
    (lambda x: np.logspace(0.0, x[0], 3), "numpy.logspace", "np.linspace"),
    (np.nancumsum, "numpy.nancumsum", "np.cumsum"),
])
def test_unsupported_calls_suggest_the_supported_alternative(fn, name, hint):
    message = _message(fn, X)
    assert message.startswith(f"{name} is not supported") and hint in message


def test_scipy_special_functions_are_named_as_scipy_special():
    assert _message(lambda x: scipy.special.struve(1, x), X).startswith(
        "scipy.special.struve is not supported")
    assert _message(lambda x: scipy.special.zeta(x, 1.0), X).startswith(
        "scipy.special._zeta is not supported")


def test_arange_with_traced_endpoints_explains_its_length():
    message = _message(lambda x: np.arange(x[0], 3.0), X)
    assert "its length would depend on traced values" in message
    assert "np.linspace(start, stop, n)" in message


def test_arange_with_static_length_still_works():
    fn = nj.jit(lambda x, n: x[:n] * np.arange(n), static_argnums=1)
    np.testing.assert_array_equal(fn(X, 3), X[:3] * np.arange(3))


def test_vectorize_with_signature_suggests_vmap():
    fn = np.vectorize(lambda v: v.sum(), signature="(n)->()")
    assert "nj.vmap" in _message(lambda x: fn(x[None]), X)


def test_polygamma_needs_a_constant_order():
    message = _message(lambda x: scipy.special.polygamma(x[:2].astype(int), x[:2]), X)
    assert "scipy.special.polygamma with a traced order n" in message


def test_quantile_needs_constant_quantiles():
    assert "traced q" in _message(lambda x: np.quantile(x, x[0] / 10), X)


def test_traced_positions_in_insert_are_refused():
    with pytest.raises(nj.UnsupportedOperationError, match="numpy.insert at traced positions"):
        nj.jit(lambda x, i: np.insert(x, i, 0.0))(X, np.array([1]))


def test_missing_ndarray_methods_are_named_and_keep_hasattr_false():
    with pytest.raises(nj.UnsupportedOperationError, match="numpy.ndarray.ptp is not supported"):
        nj.jit(lambda x: x.ptp())(X)
    with pytest.raises(AttributeError, match="x.sort\\(\\) sorts in place"):
        nj.jit(lambda x: x.sort())(X)
    np.testing.assert_array_equal(nj.jit(lambda x: x * hasattr(x, "ptp"))(X), 0 * X)


def test_real_imag_conj_of_real_arrays():
    np.testing.assert_array_equal(nj.jit(lambda x: x.real + x.imag + x.conj())(X), 2 * X)
