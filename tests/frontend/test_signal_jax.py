"""scipy.signal's convolutions against jax.scipy.signal's: values, the
gradient of a scalar function of them, and a Hessian-vector product, on the
same inputs (each case written once for a scipy.signal-like module).

JAX is an optional peer (`pip install -e '.[bench]'`); without it these
tests are skipped, with that reason."""
import numpy as np
import pytest
import scipy.signal

import numjac as nj
from tests.op_specs import make_args

jax = pytest.importorskip("jax", reason="JAX is the reference here; install the 'bench' "
                                        "extra: pip install -e '.[bench]'")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
jss = jax.scipy.signal

# name -> (case(signal, x), shape): the kernel is a part of x itself.
CASES = {
    "convolve-full-1d": (lambda sig, x: sig.convolve(x, x[:3] * 2), (6,)),
    "convolve-same-2d": (lambda sig, x: sig.convolve(x, x[:2, :3], mode="same"), (4, 5)),
    "convolve-valid-3d": (lambda sig, x: sig.convolve(x, x[:2, 1:, :2], mode="valid"),
                          (3, 3, 4)),
    "correlate-same-2d": (lambda sig, x: sig.correlate(x, x[1:3, :2], mode="same"), (4, 5)),
    "correlate-full-1d": (lambda sig, x: sig.correlate(x, x[1:4]), (6,)),
    "convolve2d-full": (lambda sig, x: sig.convolve2d(x, x[:2, :3]), (4, 5)),
    "correlate2d-valid": (lambda sig, x: sig.correlate2d(x, x[:3, :2], mode="valid"), (4, 5)),
}


def _total(case, signal, xp):
    def total(x):
        y = case(signal, x)
        return xp.sum(xp.sin(y) * y)
    return total


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_derivatives_match_jax(name):
    case, shape = CASES[name]
    (x,) = make_args((shape,))
    np.testing.assert_allclose(nj.jit(lambda a: case(scipy.signal, a))(x),
                               np.asarray(case(jss, jnp.asarray(x))), rtol=1e-12, atol=1e-13)
    ours, theirs = _total(case, scipy.signal, np), _total(case, jss, jnp)
    np.testing.assert_allclose(nj.grad(ours)(x), np.asarray(jax.grad(theirs)(jnp.asarray(x))),
                               rtol=1e-10, atol=1e-12)
    direction = np.cos(np.arange(x.size)).reshape(x.shape)
    ours_hvp = nj.jvp(nj.grad(ours), (x,), (direction,))[1]
    theirs_hvp = jax.jvp(jax.grad(theirs), (jnp.asarray(x),), (jnp.asarray(direction),))[1]
    np.testing.assert_allclose(ours_hvp, np.asarray(theirs_hvp), rtol=1e-9, atol=1e-11)
