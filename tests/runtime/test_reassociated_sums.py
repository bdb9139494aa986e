"""Sums whose order of additions is numjac's (np.sum, the contraction of a
product planned as loops) are added with kernel_support.reassociable_add:
LLVM may reorder them into SIMD lanes, nothing else about the arithmetic
changes.  Values stay within rounding of NumPy's, NaN and infinities
propagate as in NumPy, zeros keep NumPy's sign, on both backends."""
import math

import numba
import numpy as np
import pytest

import numjac as nj
from numjac.runtime.kernel_support import reassociable_add
from ..helpers import check_backends


@pytest.fixture(autouse=True)
def blocking_compiles():
    nj.set_compile_mode("blocking")


def row_sums(x):
    return x.sum(axis=1)


def logits(x, w):
    return np.tanh(x @ w)


def test_reassociable_add_marks_only_the_addition():
    """The compiled addition carries LLVM's ``reassoc`` flag and no other
    fast-math flag; the multiply beside it keeps strict IEEE semantics."""
    @numba.njit
    def dot(a, b):
        acc = 0.0
        for k in range(a.size):
            acc = reassociable_add(acc, a[k] * b[k])
        return acc
    a = np.linspace(-1, 1, 64)
    assert dot(a, a) == pytest.approx(a @ a, rel=1e-14)
    llvm = dot.inspect_llvm(dot.signatures[0])
    assert "fadd reassoc" in llvm
    for flag in ("fast ", "nnan", "ninf", "nsz", "arcp", "contract", "afn"):
        assert flag not in llvm
    assert "fmul reassoc" not in llvm


def test_float32_terms_accumulate_in_float64():
    @numba.njit
    def total(a):
        acc = 0.0
        for k in range(a.size):
            acc = reassociable_add(acc, a[k])
        return acc
    a = np.full(10, np.float32(0.1))
    assert total(a) == pytest.approx(10 * float(np.float32(0.1)), rel=1e-15)


def test_float_sums_and_loop_products_use_it_integer_sums_do_not():
    x = np.random.default_rng(0).normal(size=(300, 64))
    w = np.linspace(-1, 1, 64)
    assert "reassociable_add" in nj.jit(row_sums).lower(x).source
    assert "reassociable_add" in nj.jit(logits).lower(x, w).source
    ints = np.arange(300 * 64).reshape(300, 64)
    assert "reassociable_add" not in nj.jit(row_sums).lower(ints).source
    assert "fastmath" not in nj.jit(logits).lower(x, w).source


@pytest.mark.parametrize("length", [1, 3, 7, 64, 127, 1001])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sums_within_rounding_of_numpy(length, dtype):
    """Within the error bound of any order of additions (n ulps of the sum
    of magnitudes), against an exact sum; the interpreter agrees."""
    x = np.random.default_rng(length).normal(size=(50, length)).astype(dtype)
    got = nj.jit(row_sums, backend="numba")(x)
    exact = np.array([math.fsum(row) for row in x.astype(np.float64)])
    bound = length * np.finfo(dtype).eps * np.abs(x.astype(np.float64)).sum(axis=1)
    assert got.dtype == dtype
    assert np.all(np.abs(got - exact) <= bound)
    np.testing.assert_allclose(got, row_sums(x), rtol=np.finfo(dtype).eps * length * 4,
                               atol=np.finfo(dtype).eps * length * 4)
    check_backends(row_sums, (x,))


@pytest.mark.parametrize("features", [5, 64, 100])
def test_matrix_vector_products_within_rounding_of_numpy(features):
    x = np.random.default_rng(features).normal(size=(400, features))
    w = np.random.default_rng(1).normal(size=features)
    magnitude = np.abs(x) @ np.abs(w)
    got = nj.jit(lambda x, w: x @ w)(x, w)
    assert np.all(np.abs(got - x @ w) <= 2 * features * np.finfo(float).eps * magnitude)
    check_backends(logits, (x, w))


def special_rows(length):
    """Rows holding a NaN, infinities of one sign, of both signs, and a
    finite row, at positions the SIMD lanes split between them."""
    rows = np.ones((6, length))
    rows[0, length // 2] = np.nan
    rows[1, 1] = np.inf
    rows[2, -1] = -np.inf
    rows[3, 0], rows[3, -2] = np.inf, -np.inf
    rows[4, ::3] = np.inf
    return rows


@pytest.mark.parametrize("length", [4, 64, 131])
@pytest.mark.parametrize("backend", ["numba", "interpret"])
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_nan_and_infinities_propagate_as_in_numpy(length, backend):
    rows, w = special_rows(length), np.linspace(1, 2, length)
    np.testing.assert_array_equal(nj.jit(row_sums, backend=backend)(rows), row_sums(rows))
    np.testing.assert_array_equal(nj.jit(lambda x: x @ w, backend=backend)(rows), rows @ w)


@pytest.mark.parametrize("backend", ["numba", "interpret"])
def test_zeros_keep_numpys_sign(backend):
    negative_zeros = np.full((3, 64), -0.0)
    w = np.linspace(1, 2, 64)
    for f in (row_sums, lambda x: x @ w, lambda x: (x * w).sum(axis=1)):
        got, expected = nj.jit(f, backend=backend)(negative_zeros), f(negative_zeros)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
