"""Comparisons with JAX shared by the tests that use it as a reference
(tests/frontend/test_against_jax.py, test_scipy_jax.py, test_signal_jax.py):
a function written once for a NumPy-like module pair, run under numjac and
JAX on the same input."""
import numpy as np
import pytest

import numjac as nj


def import_jax():
    """JAX, computing in float64 as numjac does; without it (a bare install:
    JAX comes with the test extra) the calling test module is skipped."""
    jax = pytest.importorskip("jax", reason="JAX is the reference here; install the 'test' "
                                            "extra: pip install -e '.[test]'")
    jax.config.update("jax_enable_x64", True)
    return jax


def scalar_of(fn, xp):
    """A scalar function of ``fn``'s output that weighs every element
    differently (its gradient and Hessian see each one)."""
    def total(x):
        y = fn(x)
        return xp.sum(xp.sin(y) * y)
    return total


def assert_matches_jax(jax, ours, theirs, x):
    """``ours`` (NumPy, under numjac) and ``theirs`` (jax.numpy) agree on
    ``x``: values, the gradient of ``scalar_of`` them, and a Hessian-vector
    product (forward over reverse)."""
    jnp = jax.numpy
    np.testing.assert_allclose(nj.jit(ours)(x), np.asarray(theirs(jnp.asarray(x))),
                               rtol=1e-12, atol=1e-13)
    ours_total, theirs_total = scalar_of(ours, np), scalar_of(theirs, jnp)
    np.testing.assert_allclose(nj.grad(ours_total)(x),
                               np.asarray(jax.grad(theirs_total)(jnp.asarray(x))),
                               rtol=1e-10, atol=1e-12)
    direction = np.cos(np.arange(x.size)).reshape(x.shape)
    ours_hvp = nj.jvp(nj.grad(ours_total), (x,), (direction,))[1]
    theirs_hvp = jax.jvp(jax.grad(theirs_total), (jnp.asarray(x),),
                         (jnp.asarray(direction),))[1]
    np.testing.assert_allclose(ours_hvp, np.asarray(theirs_hvp), rtol=1e-9, atol=1e-11)
