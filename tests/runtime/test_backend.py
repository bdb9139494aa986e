"""The Numba backend against the reference interpreter: every OP_SPECS row
(float64, and float32 with non-contiguous inputs), 0-d values, the
transforms of realistic functions, random draws; the shape of the generated
code; the memory cache (the disk cache: test_cache_integrity.py); backend selection."""

import numpy as np
import pytest

import numjac as nj
from numjac.runtime import cache
from numjac.runtime.dispatch import compile_ir
from tests.helpers import check_backends
from tests.op_specs import OP_SPECS


# -- agreement with the interpreter ----------------------------------------------

def as_float32(args):
    return [a.astype(np.float32) if a.dtype == np.float64 else a for a in args]


def noncontiguous(a):
    """``a``'s values in an array whose last axis has stride 2."""
    if a.ndim == 0:
        return a
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., ::2] = a
    return wide[..., ::2]


@pytest.mark.parametrize("spec", OP_SPECS, ids=lambda s: s.name)
def test_op_spec_on_numba(spec):
    args = spec.make_args()
    check_backends(spec.fn, args)
    # One more kernel per row: float32 where the row is float64, any layout.
    check_backends(spec.fn, [noncontiguous(a) for a in as_float32(args)])


def test_zero_dim_inputs_and_outputs():
    def f(x, y, s):
        return np.sin(x) * y + s, np.sum(y) * x, x, np.float64(3.0) * s
    out = check_backends(f, [np.array(0.5), np.arange(3.0), 2.0])
    assert out[1].shape == () and out[3].shape == ()


def test_transposed_and_sliced_inputs():
    x = np.arange(12.0).reshape(3, 4)
    check_backends(lambda a, b: a @ b + np.sin(a).sum(), [x.T, x[::-1, 1:].T[:3].T])


def mlp(x, W1, b1, W2, b2):
    return W2 @ np.tanh(W1 @ x + b1) + b2


def lorenz96(x):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_loss(w, x, y):
    return np.log1p(np.exp(-y * (x @ w)))


def _mlp_args(rng):
    return [rng.normal(size=5), rng.normal(size=(6, 5)), rng.normal(size=6),
            rng.normal(size=(3, 6)), rng.normal(size=3)]


TRANSFORMED = {
    "lorenz96-jacfwd": (lambda: nj.jacfwd(lorenz96), lambda r: [r.normal(size=7)]),
    "lorenz96-jacrev-chunked": (lambda: nj.jacrev(lorenz96, chunk_size=3),
                                lambda r: [r.normal(size=7)]),
    "mlp-jacrev": (lambda: nj.jacrev(mlp, argnums=(0, 1)), _mlp_args),
    "mlp-jacfwd-chunked": (lambda: nj.jacfwd(mlp, chunk_size=2), _mlp_args),
    "rosenbrock-hessian": (lambda: nj.hessian(rosenbrock), lambda r: [r.normal(size=6)]),
    "rosenbrock-grad": (lambda: nj.grad(rosenbrock), lambda r: [r.normal(size=6)]),
    "logistic-per-example-grads": (
        lambda: nj.vmap(nj.grad(lambda w, x, y: logistic_loss(w, x, y)), (None, 0, 0)),
        lambda r: [r.normal(size=4), r.normal(size=(9, 4)), np.sign(r.normal(size=9))]),
    "logistic-per-example-grads-chunked": (
        lambda: nj.vmap(nj.grad(logistic_loss), (None, 0, 0), chunk_size=4),
        lambda r: [r.normal(size=4), r.normal(size=(9, 4)), np.sign(r.normal(size=9))]),
    "mlp-vjp": (lambda: lambda *a: nj.vjp(mlp, *a)[1](np.ones(3)), _mlp_args),
}


@pytest.mark.parametrize("name", TRANSFORMED)
def test_transforms_on_numba(name):
    make, make_args = TRANSFORMED[name]
    check_backends(make(), make_args(np.random.default_rng(0)))


# Transforms whose IRs once broke the code generator (found by running the
# transforms' suites on Numba), each as small as reproduces it.
REGRESSIONS = {
    # A literal operand of a contraction (the vjp of a dot with a 0-d output).
    "literal-contraction-operand": (
        lambda a, b: nj.vjp(np.dot, a, b)[1](1.0), lambda r: [r.normal(size=3), r.normal(size=3)]),
}


@pytest.mark.parametrize("name", REGRESSIONS)
def test_regressions_on_numba(name):
    f, make_args = REGRESSIONS[name]
    check_backends(f, make_args(np.random.default_rng(0)))


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_random_draws_agree(chunk_size):
    def f(loc):
        return nj.random.normal(size=(3, 2), loc=loc) + nj.random.uniform(-1.0, 2.0, size=(2,))
    batched = nj.vmap(f, randomness="different", chunk_size=chunk_size)
    loc = np.arange(5.0)
    results = []
    for backend in ("interpret", "numba"):
        nj.random.seed(7)
        results.append(nj.jit(batched, backend=backend)(loc))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


# -- the generated code ---------------------------------------------------------------

def source_of(f, *args):
    return nj.jit(f, backend="numba").lower(*args).source


def test_elementwise_chain_and_reduction_fuse():
    source = source_of(lambda x, W: np.sum(np.sin(x) * W, axis=1), np.ones(4), np.ones((3, 4)))
    # Arrays: sin(x) (read along a broadcast) and the result; the product
    # is accumulated without being stored.
    assert source.count(" = empty(") == 2
    assert "= mul " in source and "= reduce_sum[axes=(1,)] " in source


def test_identity_basis_is_folded_into_indexing():
    source = source_of(nj.jacrev(np.sin), np.ones(4))
    assert source.count(" = empty(") == 2      # cos(x) and the Jacobian
    assert "i1 == i0" in source


def test_cheap_values_read_through_views_are_recomputed():
    def shifted_sum(x):
        y = x * 2.0 - 1.0
        return y[1:] + y[:-1]
    x = np.linspace(-1.0, 1.0, 6)
    # y is recomputed at both shifts instead of stored: one array, the result.
    assert source_of(shifted_sum, x).count(" = empty(") == 1
    check_backends(shifted_sum, [x])


def test_costly_values_read_through_views_are_stored(monkeypatch):
    monkeypatch.setenv("NUMJAC_REROLL", "0")     # long_chain stays one straight line
    def exp_shifted(x):
        y = np.exp(x)
        return y[1:] + y[:-1]

    def long_chain(x):
        y = x
        for _ in range(12):
            y = y * 1.5 - 0.25
        return y[1:] + y[:-1]
    x = np.linspace(-1.0, 1.0, 6)
    for f in (exp_shifted, long_chain):
        assert source_of(f, x).count(" = empty(") == 2
        check_backends(f, [x])


def test_recomputation_through_nested_views_stays_small():
    # Each level's index arithmetic nests the previous level's: recomputing
    # every level through its views would grow the source geometrically.
    def shuffled(x):
        for _ in range(10):
            x = x.reshape(2, 3, 4).transpose(2, 0, 1).reshape(6, 4) + 1.0
        return x
    x = np.arange(24.0).reshape(6, 4)
    assert len(source_of(shuffled, x)) < 20_000
    check_backends(shuffled, [x])


def test_constant_jacobian_of_a_loop_grows_linearly():
    # The Jacobian of this linear loop depends on no input: every value is
    # "free".  Each step reads the previous step's value twice, so inlining
    # free values wherever they are read grew the source threefold per step.
    def running(x):
        y = x.copy()
        for i in range(1, len(y)):
            y[i] += y[i - 1] * 0.5
        return y
    for transform in (nj.jacrev, nj.jacfwd):
        small, large = (len(source_of(transform(running), np.arange(float(n))))
                        for n in (8, 16))
        assert large < 3 * small
    check_backends(nj.jacrev(running), [np.arange(12.0)])


def test_big_temporaries_are_workspace_arguments():
    def smoothed(x):
        y = np.exp(x) * 0.5            # a big temporary: its array is reused
        return y[2:] + y[:-2] - 2.0 * y[1:-1]
    rng = np.random.default_rng(0)
    f = nj.jit(smoothed, backend="numba")
    x = rng.normal(size=20_000)
    assert "WORKSPACE = (((20000,), 'float64'), )" in f.lower(x).source
    for _ in range(3):   # fresh values through the fast path, not stale ones
        x = rng.normal(size=20_000)
        np.testing.assert_allclose(f(x), smoothed(x), rtol=1e-12)
    assert "WORKSPACE" not in source_of(smoothed, np.ones(100))   # small: allocated


def test_workspace_is_capped(monkeypatch):
    from numjac.runtime.codegen import emission
    monkeypatch.setattr(emission, "WORKSPACE_MAX_BYTES", 100_000)

    def two_temporaries(x):
        y, z = np.exp(x), np.sin(x)
        return y[1:] * z[:-1]
    x = np.linspace(0.0, 1.0, 10_000)   # 80 KB each: one fits under the cap
    assert source_of(two_temporaries, x).count("a workspace argument") == 1
    check_backends(two_temporaries, [x])


def test_workspace_inside_chunk_loops():
    def row_stencil(r):
        y = np.sin(r) * r
        return y[1:] - y[:-1]
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(5, 10_000))
    batched = nj.vmap(row_stencil, chunk_size=2)
    assert "a workspace argument" in nj.jit(batched, backend="numba").lower(rows).source
    for _ in range(2):
        rows = rng.normal(size=(5, 10_000))
        check_backends(batched, [rows])


def test_identity_products_are_folded():
    W = np.arange(1.0, 41.0).reshape(5, 8) / 40

    def f(x):
        return W @ np.tanh(W.T @ x)
    body = source_of(nj.jacrev(f), np.ones(5)).split("def kernel")[1]
    # The basis times W becomes a read of W: two of three contractions
    # loop (as sums: runtime/codegen/products.py).
    assert body.count("= dot_general") == 3 and body.count("reassociable_add(") == 2
    check_backends(nj.jacrev(f), [np.linspace(-1.0, 1.0, 5)])


def test_diagonal_detection():
    from numjac.runtime.lowering.linalg import diagonal
    assert diagonal(np.eye(3)) == (0, 1.0)
    assert diagonal(2.0 * np.eye(3, 4, k=1)) == (1, 2.0)
    assert diagonal(np.eye(4, 3, k=-1)) == (-1, 1.0)
    assert diagonal(np.ones((2, 2))) is None
    assert diagonal(np.diag([1.0, 2.0])) is None
    assert diagonal(np.eye(3)[:, ::-1]) is None


def test_lower_shows_the_stages_and_the_source():
    lowered = nj.jit(lambda x: np.exp(x) * 2.0, backend="numba").lower(np.ones(3))
    text = str(lowered)
    assert "ir(a:f64[3]):" in text and "def kernel(a):" in text
    assert "# c:f64[3] = mul b 2.0" in lowered.source


def test_allocation_helpers_are_not_compiled_per_shape():
    from numjac.runtime import kernel_support
    for n in (3, 4, 5):
        nj.jit(lambda x: (np.sin(x) * 2.0, np.max(x, axis=0)), backend="numba")(np.ones((n, 2)))
    signatures = kernel_support.empty.signatures + kernel_support.full.signatures
    assert signatures and not [s for s in signatures if "Literal" in str(s)]


def test_large_contraction_calls_blas_small_one_loops():
    assert "gemm(" in source_of(np.matmul, np.ones((40, 40)), np.ones((40, 40)))
    assert "gemm(" not in source_of(np.matmul, np.ones((3, 4)), np.ones((4, 2)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blas_operands_of_any_layout(dtype):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(36, 40)).astype(dtype)
    b = rng.normal(size=(40, 3, 12)).astype(dtype)
    contract = lambda x, y: np.tensordot(x, y, axes=1) * 2.0
    check_backends(contract, [a, b])
    check_backends(contract, [np.asfortranarray(a), b[:, :, ::-1]])
    check_backends(contract, [noncontiguous(a), np.swapaxes(b.copy(), 1, 2).swapaxes(1, 2)])
    assert "gemm(" in source_of(contract, a, b)


def test_blas_operand_stored_transposed():
    # tanh(a @ b) leaves the kernel transposed, so it is stored transposed;
    # the product that reads it must not take that array as it is.
    def f(a, b):
        h = np.tanh(a @ b)
        return h.T, h @ b
    rng = np.random.default_rng(1)
    check_backends(f, [rng.normal(size=(40, 40)), rng.normal(size=(40, 40))])


TRANSPOSED_PRODUCTS = {   # a left operand BLAS reads transposed in place (flag 1)
    "a b^T": (lambda a, b: a @ b.T, (36, 40), (44, 40), ", 0)"),
    "a^T b": (lambda a, b: a.T @ b, (40, 36), (40, 44), ", 1)"),
    "a^T b^T": (lambda a, b: a.T @ b.T, (40, 36), (44, 40), ", 1)"),
    "a^T v": (lambda a, v: a.T @ v, (300, 200), (300,), ", 1)"),
    "v b^T": (lambda v, b: v @ b.T, (300,), (200, 300), ", 0)"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", TRANSPOSED_PRODUCTS)
def test_blas_reads_transposed_operands_in_place(name, dtype):
    f, a_shape, b_shape, flags = TRANSPOSED_PRODUCTS[name]
    rng = np.random.default_rng(2)
    a, b = (rng.normal(size=s).astype(dtype) for s in (a_shape, b_shape))
    check_backends(f, [a, b], rtol=1e-5 if dtype == np.float32 else 1e-10)
    assert flags in source_of(f, a, b)


def test_half_power_is_sqrt_as_in_numpy():
    # NumPy's power by a scalar one half is sqrt (C's pow differs at -0.0, -inf).
    x = np.array([-np.inf, -1.0, -0.0, 0.0, 4.0, np.inf, np.nan])
    with np.errstate(invalid="ignore"):
        for dtype in (np.float64, np.float32):
            v = x.astype(dtype)
            got = nj.jit(lambda a: a ** 0.5, backend="numba")(v)
            np.testing.assert_array_equal(got, v ** 0.5)
            assert np.array_equal(np.signbit(got), np.signbit(v ** 0.5))
    gradient = nj.grad(lambda a: np.sum(a ** 0.5))(np.array([1.0, 4.0]))
    np.testing.assert_allclose(gradient, [0.5, 0.25])   # 1 / (2 sqrt(a))


def test_math_functions_at_the_edges_of_their_domains():
    # The kernels call math.log and friends: NaN and infinities as NumPy gives.
    x = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 800.0, -800.0, np.inf, -np.inf, np.nan])
    functions = [np.exp, np.expm1, np.exp2, np.log, np.log2, np.log10, np.log1p, np.sqrt,
                 np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh,
                 np.tanh, np.arcsinh, np.arccosh, np.arctanh]
    with np.errstate(all="ignore"):
        for fn in functions:
            for dtype in (np.float64, np.float32):
                got = nj.jit(fn, backend="numba")(x.astype(dtype))
                np.testing.assert_allclose(got, fn(x.astype(dtype)), rtol=4e-7,
                                           err_msg=fn.__name__)
        np.testing.assert_allclose(nj.jit(np.arctan2, backend="numba")(x, x[::-1]),
                                   np.arctan2(x, x[::-1]))



def integer_edges(dtype):
    info = np.iinfo(dtype)
    return np.array([v for v in (info.min, info.min + 1, -7, -1, 0, 1, 3, 7, 64, info.max)
                     if info.min <= v <= info.max], dtype)


def every_pair(x, y):
    return np.repeat(x, y.size), np.tile(y, x.size)


INTEGER_DTYPES = [np.int64, np.int32, np.int8, np.uint64, np.uint8]


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integer_arithmetic_at_the_edges_as_in_numpy(dtype):
    # Numba's np.fmod of signed integers took the divisor's sign, MIN % -1
    # killed the process (SIGFPE), np.power went through float64 (3**63 off
    # by 85) and np.sign(uint8(255)) was 255.
    a, b = every_pair(integer_edges(dtype), integer_edges(dtype))
    with np.errstate(all="ignore"):
        for fn in (np.fmod, np.remainder, np.floor_divide, np.power, np.sign):
            args = (a, np.maximum(b, 0)) if fn is np.power else (a,) if fn is np.sign else (a, b)
            got = nj.jit(fn, backend="numba")(*args)
            assert got.dtype == fn(*args).dtype
            np.testing.assert_array_equal(got, fn(*args), err_msg=fn.__name__)


@pytest.mark.parametrize("backend", ["interpret", "numba"])
def test_signed_and_unsigned_compare_exactly(backend):
    # NumPy 2 compares int64 with uint64 exactly (no float64 rounding).
    a, b = every_pair(integer_edges(np.int64), integer_edges(np.uint64))
    for fn in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal):
        for args in ((a, b), (b, a)):
            np.testing.assert_array_equal(nj.jit(fn, backend=backend)(*args), fn(*args),
                                          err_msg=fn.__name__)


# -- backend choice ----------------------------------------------------------------

def test_backend_option_and_environment(monkeypatch):
    ir = nj.make_ir(np.sin)(np.ones(3))
    monkeypatch.setenv("NUMJAC_BACKEND", "interpret")
    assert not isinstance(compile_ir(ir), cache.NumbaKernel)
    assert isinstance(compile_ir(ir, "numba"), cache.NumbaKernel)
    monkeypatch.delenv("NUMJAC_BACKEND")
    assert isinstance(compile_ir(ir), cache.NumbaKernel)
    with pytest.raises(ValueError, match="backend"):
        nj.jit(np.sin, backend="llvm")


def test_float16_falls_back_to_the_interpreter():
    x = np.arange(3, dtype=np.float16)
    np.testing.assert_array_equal(nj.jit(lambda a: a * 2, backend="numba")(x), x * 2)


# -- caches ---------------------------------------------------------------------------

def _scaled(x):
    return x * 3.0 - 1.0


def test_same_ir_shares_one_kernel():
    x = np.ones(5)
    before = len(cache._KERNELS)
    nj.jit(lambda a: a * 3.0 - 1.0, backend="numba")(x)
    nj.jit(lambda b: b * 3.0 - 1.0, backend="numba")(x)
    assert len(cache._KERNELS) == before + 1


def test_signature_hits_and_misses():
    f = nj.jit(_scaled, backend="numba")
    x = np.arange(4.0)
    f(x)
    count = len(cache._KERNELS)
    f(x + 1.0)
    assert len(cache._KERNELS) == count
    f(np.arange(9.0))
    assert len(cache._KERNELS) == count + 1
    f(np.arange(9.0, dtype=np.float32))
    assert len(cache._KERNELS) == count + 2


def test_results_never_stale():
    f = nj.jit(_scaled, backend="numba")
    for scale in (1.0, 2.0, -3.0):
        x = np.arange(6.0) * scale
        np.testing.assert_array_equal(f(x), _scaled(x))
        # Same dtype and shape, another layout: the fast path still fits.
        y = np.arange(12.0).reshape(2, 6)[:, ::2].T.copy().T * scale
        np.testing.assert_array_equal(f(y), _scaled(y))
