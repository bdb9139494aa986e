"""kernel_support.new_array, the allocation every generated kernel makes
(through ``empty`` and ``full``): NumPy's shapes, strides, dtypes and errors."""
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


def test_negative_and_overflowing_sizes_raise_as_numpy_does():
    with pytest.raises(ValueError, match="negative dimensions"):
        _allocate_2d(3, -1)
    with pytest.raises(ValueError, match="too big"):
        _allocate_2d(2**40, 2**40)
