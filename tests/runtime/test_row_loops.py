"""Row loops and products as loops (runtime/codegen/rows.py, products.py):
nests over the same rows share one loop, per-row vectors are scalars,
products BLAS would not speed up fuse with the code around them; values
agree with the interpreter, with NumPy and with a Python loop (vmap)."""
import numpy as np
import pytest

import numjac as nj
from ..helpers import check_backends, check_vmap


@pytest.fixture(autouse=True)
def numba_backend(monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")


def logistic_loss(w, x, y):
    return np.log1p(np.exp(-y * (x @ w)))


def per_example_grads(n, features=64):
    rng = np.random.default_rng(0)
    return (rng.normal(size=features) / 8, rng.normal(size=(n, features)),
            np.sign(rng.normal(size=n)))


def kernel_source(transformed, *args) -> str:
    return transformed.lower(*args).source


def test_per_example_gradients_are_one_row_loop():
    """Per-example gradients: one loop over the examples, the logit a
    per-row sum, no temporary the size of the batch (only the output)."""
    w, x, y = per_example_grads(1000)
    grads = nj.vmap(nj.grad(logistic_loss), in_dims=(None, 0, 0))
    source = kernel_source(grads, w, x, y)
    assert source.count("for i0 in range(1000)") == 1
    assert "gemm" not in source and "WORKSPACE" not in source
    assert source.count("empty(") == 1
    logit = -y * (x @ w)
    expected = (-y * np.exp(logit) / (1 + np.exp(logit)))[:, None] * x
    np.testing.assert_allclose(grads(w, x, y), expected, rtol=1e-12, atol=1e-14)
    check_vmap(nj.grad(logistic_loss), (None, 0, 0), (w, x[:50], y[:50]))


@pytest.mark.parametrize("features", [3, 64, 130])
def test_matrix_vector_product_in_rows(features):
    """Short rows: accumulated in the row loop (in SIMD lanes, to rounding
    of BLAS's order); long rows stay with BLAS."""
    w, x, _ = per_example_grads(600, features)

    def f(w, x):
        return np.tanh(x @ w) * x.sum(axis=1)
    source = kernel_source(nj.jit(f), w, x)
    assert ("gemm" in source) == (features > 128)
    np.testing.assert_allclose(nj.jit(f)(w, x), f(w, x), rtol=1e-13, atol=1e-14)
    check_backends(f, (w, x))


def test_outer_product_is_elementwise():
    a, b = np.linspace(0, 1, 300), np.linspace(-1, 2, 400)

    def f(a, b):
        return np.sin(np.outer(a, b)) + np.einsum("i,j->ij", a, b)
    source = kernel_source(nj.jit(f), a, b)
    assert "gemm" not in source and source.count("for i0 in range(300)") == 1
    np.testing.assert_array_equal(nj.jit(f)(a, b), f(a, b))


def test_small_products_are_within_rounding_of_the_sequential_sum():
    """Products the accumulator loops computed before (batch axes, small
    work): their contraction is a sum in any order (reassociable
    additions), within rounding of the sequential sum."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 7, 9)), rng.normal(size=(5, 9, 4))
    got = nj.jit(lambda a, b: a @ b)(a, b)
    expected = np.zeros((5, 7, 4))
    magnitude = np.zeros((5, 7, 4))
    for k in range(9):
        expected += a[:, :, k, None] * b[:, None, k, :]
        magnitude += np.abs(a[:, :, k, None] * b[:, None, k, :])
    assert np.all(np.abs(got - expected) <= 9 * np.finfo(float).eps * magnitude)


def test_rows_read_through_a_shift_do_not_fuse():
    """A nest reading another nest's rows shifted (a roll along the rows)
    waits for all of them: values match NumPy."""
    x = np.random.default_rng(2).normal(size=(500, 8))

    def f(x):
        s = np.exp(x).sum(axis=1)
        return np.roll(s, 1)[:, None] * x + s[::-1, None]
    np.testing.assert_allclose(nj.jit(f)(x), f(x), rtol=1e-12, atol=1e-12)
    check_backends(f, (x,))


def test_row_loop_of_reductions_and_views():
    """Sums over rows, maxima, a reshape of each row and a stored result
    read after the loop: one row loop where the reads allow it."""
    x = np.random.default_rng(3).normal(size=(400, 6))

    def f(x):
        m = x.max(axis=1, keepdims=True)
        e = np.exp(x - m)
        p = e / e.sum(axis=1, keepdims=True)
        return p, (p * x).sum(axis=1), p.reshape(400, 2, 3).sum(axis=2)
    for got, expected in zip(nj.jit(f)(x), f(x)):
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    check_backends(f, (x,))
    check_vmap(lambda r: np.exp(r - r.max()) / np.exp(r - r.max()).sum(), 0, (x,))


def test_small_kernel_unchanged():
    """A kernel of one small nest: one plain loop, nothing parallel."""
    source = kernel_source(nj.jit(lambda a: a * 2.0 + 1.0), np.zeros(8))
    assert source.count("for ") == 1 and "prange" not in source


def test_streamed_matrix_vector_product_is_a_loop_over_rows():
    """A matrix past the caches read by rows: a parallel loop of row sums
    (no BLAS call), to rounding of NumPy's; read down its columns (a
    transpose) it stays with BLAS."""
    a = np.random.default_rng(4).normal(size=(1100, 1000))
    x = np.random.default_rng(5).normal(size=1000)

    def rows(a, x):
        return np.tanh(a @ x)
    source = kernel_source(nj.jit(rows), a, x)
    assert "gemm" not in source and "prange(1100)" in source
    np.testing.assert_allclose(nj.jit(rows)(a, x), rows(a, x), rtol=1e-12, atol=1e-14)
    check_backends(rows, (a, x))
    y = np.linspace(-1, 1, 1100)
    assert "gemm" in kernel_source(nj.jit(lambda a, y: np.tanh(a.T @ y)), a, y)
