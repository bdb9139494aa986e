"""scipy.linalg.sqrtm, solve_sylvester and solve_banded traced: closed-form
derivatives and the errors (the OP_SPECS rows in tests/specs/linalg_sylvester.py
check every transform against finite differences, vmap and Numba)."""
import numpy as np
import pytest
import scipy.linalg

import numjac as nj

BACKENDS = ["interpret", "numba"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_sqrtm_derivative_of_a_diagonal_matrix(backend, monkeypatch):
    # At A = diag(a): X dX + dX X = E gives dX_ij = E_ij / (sqrt(a_i) + sqrt(a_j)).
    monkeypatch.setenv("NUMJAC_BACKEND", backend)
    a = np.array([1.0, 4.0, 9.0])
    direction = np.arange(9.0).reshape(3, 3)
    _, tangent = nj.jvp(lambda m: scipy.linalg.sqrtm(m), (np.diag(a),), (direction,))
    roots = np.sqrt(a)
    np.testing.assert_allclose(tangent, direction / (roots[:, None] + roots[None, :]),
                               rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_solve_sylvester_with_scalar_matrices_and_its_gradient(backend, monkeypatch):
    # alpha X + X beta = Q: X = Q / (alpha + beta), and d sum(X) / d alpha = -sum(Q) / (.)^2.
    monkeypatch.setenv("NUMJAC_BACKEND", backend)
    q = np.arange(6.0).reshape(2, 3)

    def total(alpha):
        return np.sum(scipy.linalg.solve_sylvester(alpha * np.eye(2), 2.0 * np.eye(3), q))
    assert np.isclose(nj.jit(total)(np.array(3.0)), q.sum() / 5.0)
    assert np.isclose(nj.grad(total)(np.array(3.0)), -q.sum() / 25.0)


def test_solve_banded_equals_the_dense_solve_and_its_jacobian():
    rng = np.random.default_rng(0)
    ab = rng.normal(size=(4, 6)) + np.array([[0.0], [5.0], [0.0], [0.0]])
    b = rng.normal(size=6)
    dense = sum(np.diag(ab[1 - k, max(k, 0):6 + min(k, 0)], k) for k in (-2, -1, 0, 1))

    def banded(rhs):
        return scipy.linalg.solve_banded((2, 1), ab, rhs)
    np.testing.assert_allclose(nj.jit(banded)(b), np.linalg.solve(dense, b), rtol=1e-12)
    np.testing.assert_allclose(nj.jacfwd(banded)(b), np.linalg.inv(dense), rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sqrtm_of_a_matrix_without_a_real_root_raises(backend, monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", backend)
    with pytest.raises(np.linalg.LinAlgError, match="no real square root"):
        nj.jit(lambda m: scipy.linalg.sqrtm(m))(-np.eye(2))


def test_solve_banded_with_the_wrong_band_count_raises():
    with pytest.raises(ValueError, match=r"l\+u\+1 \(3\) does not equal ab.shape\[-2\] \(2\)"):
        nj.jit(lambda ab: scipy.linalg.solve_banded((1, 1), ab, np.ones(4)))(np.ones((2, 4)))


def test_sqrtm_options_are_refused_by_name():
    with pytest.raises(nj.UnsupportedOperationError, match=r"scipy.linalg.sqrtm\(disp=...\)"):
        nj.jit(lambda m: scipy.linalg.sqrtm(m, disp=False))(np.eye(2))
