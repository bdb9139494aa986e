"""What loading a cached kernel no longer imports, done numjac's way:
kernel_support.new_array, the allocation every generated kernel makes
(through ``empty`` and ``full``: NumPy's shapes, strides, dtypes and
errors), and the typing of a kernel's arguments (Numba's types)."""
import numba
import numpy as np
import pytest

from numjac.runtime.kernel_support import empty, full, new_array


@numba.njit
def _allocate_2d(n, m):
    return new_array((n, m), np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8,
                                   np.bool_, np.complex128])
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 4), (2, 0, 5), (2, 3, 4)])
def test_full_matches_numpy(shape, dtype):
    fill = dtype(1)
    got = full(tuple(np.int64(n) for n in shape), fill, dtype)
    expected = np.full(shape, fill, dtype)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.flags.c_contiguous
    if expected.size:       # NumPy gives an empty array zero strides, Numba C-order ones
        assert got.strides == expected.strides
    np.testing.assert_array_equal(got, expected)


def test_empty_is_writable_and_aligned():
    out = empty((np.int64(5), np.int64(3)), np.complex128)
    out[...] = 2 + 1j
    assert out.ctypes.data % 16 == 0
    np.testing.assert_array_equal(out, np.full((5, 3), 2 + 1j))


@numba.njit
def _allocate_with(shape, dtype):
    return new_array(shape, dtype)


def test_arguments_other_than_a_shape_and_a_dtype_are_refused():
    with pytest.raises(numba.core.errors.TypingError, match="dtype must be"):
        _allocate_with((3,), 1.5)
    with pytest.raises(numba.core.errors.TypingError, match="tuple of integers"):
        _allocate_with((3.0,), np.float64)


def test_negative_and_overflowing_sizes_raise_as_numpy_does():
    with pytest.raises(ValueError, match="negative dimensions"):
        _allocate_2d(3, -1)
    with pytest.raises(ValueError, match="too big"):
        _allocate_2d(2**40, 2**40)


def _arrays():
    base = np.arange(24.0).reshape(4, 6)
    readonly = base.copy()
    readonly.flags.writeable = False
    return [base, base.T, base[:, ::2], base[1], np.float32(2.5) * np.ones(()), readonly,
            np.zeros((2, 0), np.int32), np.ones(3, np.bool_), np.ones(2, np.complex64),
            np.ma.masked_array([1.0, 2.0]), np.datetime64("2020-01-01"), 1.5]


@pytest.mark.parametrize("value", _arrays(), ids=lambda v: f"{type(v).__name__}")
def test_kernels_type_arguments_as_numba_does(value):
    """numba_backend.typeof_plain_arrays skips Numba's masked-array test for
    exact ndarrays (it imports numpy.ma) and gives Numba's type for the rest."""
    from numba.core.dispatcher import Dispatcher
    from numjac.runtime.numba_backend import typeof_plain_arrays

    dispatcher = numba.njit(lambda x: x)
    ours = typeof_plain_arrays(dispatcher.typeof_pyval)
    if isinstance(value, np.ma.MaskedArray):
        with pytest.raises(numba.core.errors.NumbaTypeError):
            Dispatcher.typeof_pyval(dispatcher, value)
        with pytest.raises(numba.core.errors.NumbaTypeError):
            ours(value)
        return
    assert ours(value) == Dispatcher.typeof_pyval(dispatcher, value)
