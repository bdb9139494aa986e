"""Derivatives of np.linalg and scipy.linalg calls against JAX's (jacrev,
and the Hessian of scalar functions).  Each case is written once against
modules passed in: NumPy/SciPy for numjac, jax.numpy/jax.scipy for JAX.
Inputs are symmetric where JAX symmetrizes (its cholesky and eigh use
(a + a^T) / 2, NumPy one triangle), and eigenvectors and singular vectors
are compared through sign-free functions of them (v * v), as the two
LAPACK builds may pick other signs.  Skipped when JAX (in the `test`
extra: pip install -e '.[test]') is not installed."""
import numpy as np
import pytest
import scipy.linalg

import numjac as nj

jax = pytest.importorskip("jax", reason="JAX is in the test extra (pip install -e '.[test]'); "
                          "without it there is nothing to compare with")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402

RNG = np.random.default_rng(11)
X = RNG.normal(size=(3, 3))
Y = RNG.normal(size=(3, 2))
TALL = RNG.normal(size=(4, 3))


def _spd(xp, x):
    return x @ x.T + 3.0 * xp.eye(3)


def _shifted(xp, x):
    return x + 3.0 * xp.eye(3)


def _sign_free(xp, v):
    return v * v


CASES = {
    "solve": (lambda xp, sp, x: xp.linalg.solve(_shifted(xp, x), xp.asarray(Y)), X),
    "inv": (lambda xp, sp, x: xp.linalg.inv(_shifted(xp, x)), X),
    "det": (lambda xp, sp, x: xp.linalg.det(x), X),
    "slogdet": (lambda xp, sp, x: xp.linalg.slogdet(x)[1], X),
    "cholesky": (lambda xp, sp, x: xp.linalg.cholesky(_spd(xp, x)), X),
    "eigh-values": (lambda xp, sp, x: xp.linalg.eigh(_spd(xp, x))[0], X),
    "eigh-vectors": (lambda xp, sp, x: _sign_free(xp, xp.linalg.eigh(_spd(xp, x))[1]), X),
    "eigvalsh": (lambda xp, sp, x: xp.linalg.eigvalsh(x + x.T), X),
    "svd-values": (lambda xp, sp, x: xp.linalg.svd(x, compute_uv=False), TALL),
    "svd-u": (lambda xp, sp, x: _sign_free(xp, xp.linalg.svd(x, full_matrices=False)[0]),
              TALL),
    "svd-vh": (lambda xp, sp, x: _sign_free(xp, xp.linalg.svd(x, full_matrices=False)[2]),
               TALL),
    "qr-q": (lambda xp, sp, x: xp.linalg.qr(x)[0], TALL),
    "qr-r": (lambda xp, sp, x: xp.linalg.qr(x)[1], TALL),
    "qr-wide-r": (lambda xp, sp, x: xp.linalg.qr(x.T)[1], TALL),
    "pinv": (lambda xp, sp, x: xp.linalg.pinv(x), TALL),
    "lstsq": (lambda xp, sp, x: xp.linalg.lstsq(x, xp.ones(4))[0], TALL),
    "matrix-power": (lambda xp, sp, x: xp.linalg.matrix_power(x, 5), X),
    "matrix-power-negative": (lambda xp, sp, x: xp.linalg.matrix_power(_shifted(xp, x), -2),
                              X),
    "multi-dot": (lambda xp, sp, x: xp.linalg.multi_dot([x, x.T, x, xp.asarray(Y)]), X),
    "cond": (lambda xp, sp, x: xp.linalg.cond(x), X),
    "solve-triangular": (lambda xp, sp, x: sp.solve_triangular(
        _shifted(xp, x), xp.asarray(Y), lower=True, trans=1), X),
    "cho-solve": (lambda xp, sp, x: sp.cho_solve(sp.cho_factor(_spd(xp, x)), xp.asarray(Y)), X),
    "lu-solve": (lambda xp, sp, x: sp.lu_solve(sp.lu_factor(x), xp.asarray(Y)), X),
    "expm": (lambda xp, sp, x: sp.expm(x), X),
    "expm-squarings": (lambda xp, sp, x: sp.expm(4.0 * x), X),
}
NORM_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
VECTOR_ORDS = [None, 1, 2, 3, 0.5, np.inf, -np.inf]


def _numjac_jacobian(fn, x, transform=nj.jacrev):
    return transform(lambda a: fn(np, scipy.linalg, a))(x)


def _jax_jacobian(fn, x, transform=jax.jacrev):
    return np.asarray(transform(lambda a: fn(jnp, jsl, a))(jnp.asarray(x)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_jacobian_agrees_with_jax(name):
    fn, x = CASES[name]
    np.testing.assert_allclose(_numjac_jacobian(fn, x), _jax_jacobian(fn, x), rtol=1e-8,
                               atol=1e-10)


@pytest.mark.parametrize("ord", NORM_ORDS, ids=str)
def test_matrix_norm_gradient_agrees_with_jax(ord):
    def fn(xp, sp, x):
        return xp.linalg.norm(x, ord)
    np.testing.assert_allclose(_numjac_jacobian(fn, TALL), _jax_jacobian(fn, TALL), rtol=1e-8)


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
def test_vector_norm_gradient_agrees_with_jax(ord):
    def fn(xp, sp, x):
        return xp.linalg.norm(x, ord, axis=1)
    np.testing.assert_allclose(_numjac_jacobian(fn, TALL), _jax_jacobian(fn, TALL), rtol=1e-8)


SCALARS = {
    "logdet": lambda xp, sp, x: xp.linalg.slogdet(_spd(xp, x))[1],
    "nuclear-norm": lambda xp, sp, x: xp.linalg.norm(x, "nuc"),
    "expm-trace": lambda xp, sp, x: xp.trace(sp.expm(x)),
    "eigh-top": lambda xp, sp, x: xp.linalg.eigh(_spd(xp, x))[0][-1],
    "cholesky-sum": lambda xp, sp, x: xp.sum(xp.linalg.cholesky(_spd(xp, x))),
    "qr-sum": lambda xp, sp, x: xp.sum(xp.linalg.qr(x)[1]),
}


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_hessian_agrees_with_jax(name):
    fn = SCALARS[name]
    got = nj.hessian(lambda a: fn(np, scipy.linalg, a))(X)
    expected = np.asarray(jax.hessian(lambda a: fn(jnp, jsl, a))(jnp.asarray(X)))
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)
