"""np.linalg and scipy.linalg as users call them: the errors numjac raises on
purpose, dtypes, SciPy outside traces, the Numba backend on derivatives, and
derivatives against JAX's (skipped, with the reason, when JAX is absent).
Values, finite differences, vmap and Numba per call: the OP_SPECS rows in
tests/specs/linalg_functions.py."""
import numpy as np
import pytest
import scipy.linalg

import numjac as nj
from tests.helpers import check_backends

RNG = np.random.default_rng(3)
A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
B = RNG.normal(size=(3, 2))
SPD = A @ A.T


# -- what raises -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, alternative", [("eig", "eigh"), ("eigvals", "eigvalsh")])
def test_general_eigendecomposition_refuses_with_the_symmetric_alternative(name, alternative):
    # np.linalg.eig looked up while tracing (a function bound to a name
    # earlier reaches the generic "not supported" error of the protocol)
    with pytest.raises(nj.UnsupportedOperationError,
                       match=f"numpy.linalg.{name}.*complex.*np.linalg.{alternative}"):
        nj.jit(lambda x: getattr(np.linalg, name)(x))(A)


@pytest.mark.parametrize("call, match", [
    (lambda x: np.linalg.svd(x), "full_matrices=False"),
    (lambda x: np.linalg.qr(x, mode="complete"), "mode='reduced'"),
    (lambda x: np.linalg.qr(x, mode="raw"), "mode='reduced'"),
    (lambda x: np.linalg.svd(x, hermitian=True), "hermitian=False"),
    (lambda x: np.linalg.pinv(x, hermitian=True), "hermitian=False"),
])
def test_variants_without_a_unique_derivative_name_the_one_that_works(call, match):
    with pytest.raises(nj.UnsupportedOperationError, match=match):
        nj.jit(call)(RNG.normal(size=(4, 3)))


@pytest.mark.parametrize("call, error, match", [
    (lambda x: np.linalg.inv(x[0]), np.linalg.LinAlgError, "at least two-dimensional"),
    (lambda x: np.linalg.det(x[:, :2]), np.linalg.LinAlgError, "must be square"),
    (lambda x: np.linalg.solve(x, x[:2]), ValueError, "does not match"),
    (lambda x: np.linalg.eigh(x, UPLO="X"), ValueError, "UPLO"),
    (lambda x: np.linalg.norm(x, "nuc", axis=0), ValueError, "Invalid norm order"),
    (lambda x: scipy.linalg.solve_triangular(x, x, trans=3), ValueError, "trans"),
])
def test_bad_arguments_raise_numpys_errors_while_tracing(call, error, match):
    with pytest.raises(error, match=match):
        nj.make_ir(call)(A)


@pytest.mark.parametrize("backend", ["interpret", "numba"])
def test_singular_triangular_solve_raises_linalg_error(backend):
    singular = np.triu(A)
    singular[1, 1] = 0.0
    f = nj.jit(lambda a, b: scipy.linalg.solve_triangular(a, b), backend=backend)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        f(singular, B)


# -- dtypes, SciPy outside traces, documented differences -----------------------------------

def test_float32_stays_float32_and_ints_become_float64():
    assert nj.jit(np.linalg.inv)(A.astype(np.float32)).dtype == np.float32
    assert nj.jit(np.linalg.det)(np.eye(3, dtype=np.int64) * 2).dtype == np.float64
    w, v = nj.jit(np.linalg.eigh)(SPD.astype(np.float32))
    assert w.dtype == v.dtype == np.float32
    np.testing.assert_allclose(w, np.linalg.eigvalsh(SPD), rtol=1e-6)


def test_scipy_functions_are_themselves_outside_traces():
    assert scipy.linalg.expm.__module__ == "scipy.linalg._matfuncs"
    np.testing.assert_allclose(scipy.linalg.expm(np.zeros((2, 2))), np.eye(2))


def test_scipy_call_on_constants_inside_a_trace_runs_scipy():
    def f(x):
        return x @ scipy.linalg.expm(np.eye(3))
    np.testing.assert_allclose(nj.jit(f)(A), A @ scipy.linalg.expm(np.eye(3)))
    assert "expm" not in str(nj.make_ir(f)(A))


def test_lu_factor_pivots_and_lstsq_rank_are_numpys():
    lu, piv = nj.jit(lambda x: scipy.linalg.lu_factor(x))(A)
    expected_lu, expected_piv = scipy.linalg.lu_factor(A)
    np.testing.assert_array_equal(piv, expected_piv)
    assert piv.dtype == expected_piv.dtype
    np.testing.assert_allclose(lu, expected_lu, rtol=1e-12)
    tall = RNG.normal(size=(5, 3))
    deficient = np.column_stack([tall[:, 0], tall[:, 0], tall[:, 1]])
    for matrix, rank in ((tall, 3), (deficient, 2)):
        got = nj.jit(lambda a, b: np.linalg.lstsq(a, b)[2])(matrix, np.ones(5))
        assert int(got) == rank == np.linalg.lstsq(matrix, np.ones(5))[2]


def test_singular_matrix_slogdet_is_numpys():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    sign, logdet = nj.jit(np.linalg.slogdet)(singular)
    expected = np.linalg.slogdet(singular)
    assert sign == expected[0] == 0.0 or abs(logdet - expected[1]) < 1e-10


# -- Numba on derivatives -------------------------------------------------------------------

def _losses(x):
    spd = x @ x.T + 3 * np.eye(3)
    return (np.linalg.slogdet(spd)[1] + np.sum(np.linalg.eigvalsh(spd))
            + np.sum(np.linalg.svd(x, compute_uv=False))
            + np.sum(scipy.linalg.expm(0.3 * x)) + np.sum(np.linalg.qr(x)[1])
            + np.sum(scipy.linalg.cho_solve(scipy.linalg.cho_factor(spd), x)))


def test_numba_agrees_with_the_interpreter_on_gradients_and_hessians():
    check_backends(nj.grad(_losses), [A])
    check_backends(nj.hessian(_losses), [A], rtol=1e-8)


def test_numba_agrees_on_stacked_jacobians():
    def f(x):
        return np.linalg.solve(x + 3 * np.eye(3), np.linalg.cholesky(x @ np.swapaxes(x, 1, 2)
                                                                     + np.eye(3)))
    check_backends(nj.jacrev(f), [RNG.normal(size=(2, 3, 3))])
