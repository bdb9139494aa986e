"""scipy.signal.convolve/correlate/convolve2d/correlate2d traced: the values
and shapes of SciPy's for every mode and shape pairing, and SciPy's errors
(the OP_SPECS rows in tests/specs/signal.py check the derivatives, vmap and
Numba)."""
import itertools

import numpy as np
import pytest
import scipy.signal

import numjac as nj

_PAIRS = [((6,), (3,)), ((3,), (6,)), ((5,), (5,)), ((4, 5), (2, 3)), ((2, 3), (4, 5)),
          ((4, 3), (2, 3)), ((7, 7), (4, 4)), ((3, 4, 5), (2, 2, 3))]
_CASES = [(name, mode, pair) for name, mode, pair in itertools.product(
    ("convolve", "correlate", "convolve2d", "correlate2d"), ("full", "same", "valid"), _PAIRS)
    if not (name.endswith("2d") and len(pair[0]) != 2)]


@pytest.mark.parametrize("name, mode, pair", _CASES)
def test_values_are_scipys(name, mode, pair):
    rng = np.random.default_rng(0)
    in1, in2 = (rng.normal(size=shape) for shape in pair)

    def fn(a, b):
        return getattr(scipy.signal, name)(a, b, mode=mode)
    expected = fn(in1, in2)
    got = nj.jit(fn)(in1, in2)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn, message", [
    (lambda a: scipy.signal.convolve(a, np.ones(2)), "same dimensionality"),
    (lambda a: scipy.signal.convolve(a, np.ones((1, 5)), mode="valid"),
     "at least as large as the other in every dimension"),
    (lambda a: scipy.signal.correlate(a, np.ones((2, 2)), mode="middle"), "acceptable mode"),
])
def test_scipys_errors(fn, message):
    with pytest.raises(ValueError, match=message):
        nj.jit(fn)(np.ones((3, 3)))


def test_other_boundaries_are_refused_with_advice():
    with pytest.raises(nj.UnsupportedOperationError, match=r"boundary='wrap'.*np\.pad"):
        nj.jit(lambda a: scipy.signal.convolve2d(a, np.ones((2, 2)), boundary="wrap"))(
            np.ones((3, 3)))
