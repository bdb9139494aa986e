"""Python and NumPy scalar arguments take the fast call path (issue 15):
the values are right on every call, and no call after the first stages."""
import numpy as np
import pytest

import numjac as nj
from numjac.staging import StagedFunction


def scaled_sine(t, y):
    return np.sin(y) * t + t ** 2


@pytest.fixture
def staged_calls(monkeypatch):
    """The number of calls that went past the fast path."""
    calls = []
    original = StagedFunction.call_staged

    def counting(self, args, kwargs):
        calls.append(args)
        return original(self, args, kwargs)
    monkeypatch.setattr(StagedFunction, "call_staged", counting)
    return calls


SCALARS = [1.5, 2, True, np.float64(1.25), np.float32(0.5), np.int32(3)]


@pytest.mark.parametrize("t", SCALARS, ids=lambda t: type(t).__name__)
def test_scalar_then_array_values_and_no_restaging(t, staged_calls):
    y = np.linspace(-1.0, 1.0, 5)
    f = nj.jit(scaled_sine)
    for step in range(4):
        value = type(t)(t + step) if not isinstance(t, bool) else bool(step % 2)
        np.testing.assert_allclose(f(value, y), scaled_sine(value, y), rtol=1e-6)
    assert len(staged_calls) == 1


def test_scalar_argument_of_a_jacobian_on_the_fast_path(staged_calls):
    y = np.linspace(0.1, 1.0, 4)
    jac = nj.jacfwd(scaled_sine, argnums=1)
    for t in (0.5, 1.5, -2.0):
        np.testing.assert_allclose(jac(t, y), np.diag(np.cos(y) * t), rtol=1e-12)
    assert len(staged_calls) == 1


def test_scalar_alone_on_the_fast_path(staged_calls):
    square = nj.jit(lambda t: t * t)
    assert [float(square(t)) for t in (1.0, 2.0, 3.0)] == [1.0, 4.0, 9.0]
    assert len(staged_calls) == 1


def test_int_beyond_int64_after_a_small_int_takes_the_full_call():
    f = nj.jit(lambda n, y: y * n)
    y = np.ones(2)
    np.testing.assert_array_equal(f(3, y), [3.0, 3.0])
    np.testing.assert_array_equal(f(2 ** 70, y), y * 2 ** 70)
    np.testing.assert_array_equal(f(4, y), [4.0, 4.0])


def test_float_and_zero_d_array_are_separate_signatures():
    f = nj.jit(lambda t, y: y * t)
    y = np.arange(3.0)
    np.testing.assert_array_equal(f(2.0, y), 2.0 * y)
    np.testing.assert_array_equal(f(np.array(3.0), y), 3.0 * y)
    np.testing.assert_array_equal(f(4.0, y), 4.0 * y)


def test_numpy_scalars_of_each_dtype_keep_their_own_kernels(staged_calls):
    """The fast path keys a NumPy scalar by its class alone: each class
    (hence dtype) still gets its own kernel, with NumPy's result dtype."""
    f = nj.jit(lambda t, y: y * t)
    y = np.arange(3, dtype=np.float32)
    for t in (np.float32(2.0), np.float64(2.0), np.int16(2), np.float32(3.0), np.float64(3.0)):
        got = f(t, y)
        assert got.dtype == (y * t).dtype
        np.testing.assert_array_equal(got, y * t)
    assert len(staged_calls) == 3
