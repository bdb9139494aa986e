"""scipy.integrate.odeint under numjac against jax.experimental.ode.odeint
(also Dormand-Prince with error control, derivatives by the adjoint):
values, the gradient in the initial value, the times and the args, and a
Hessian-vector product.  The solvers take different steps, so they agree
to the tolerances (1.49e-8), not to rounding."""
import numpy as np
import scipy.integrate

import numjac as nj
from tests.jax_checks import import_jax

jax = import_jax()
jnp = jax.numpy
from jax.experimental.ode import odeint as jax_odeint  # noqa: E402  (after x64 is set)

Y0 = np.array([0.3, -0.2, 0.5])
TIMES = np.linspace(0.5, 2.0, 5)
ARGS = (np.array([0.1, 0.2, 0.3]), np.array([0.3, 0.1, -0.2]))


def _rhs(xp):
    def rhs(y, t, a, b):
        return xp.sqrt(t) + y * xp.sin(a) - a - 0.1 * xp.mean((y + b) ** 2)
    return rhs


def _loss(xp, solve):
    def loss(y0, ts, a, b):
        return xp.sum(xp.sin(solve(y0, ts, a, b)) * xp.arange(1.0, 4.0))
    return loss


def ours(y0, ts, a, b):
    return scipy.integrate.odeint(_rhs(np), y0, ts, (a, b))


def theirs(y0, ts, a, b):
    return jax_odeint(_rhs(jnp), y0, ts, a, b)


def test_values_match_jax():
    np.testing.assert_allclose(nj.jit(ours)(Y0, TIMES, *ARGS), theirs(Y0, TIMES, *ARGS),
                               atol=1e-7)


def test_gradients_match_jax():
    argnums = (0, 1, 2, 3)
    got = nj.grad(_loss(np, ours), argnums=argnums)(Y0, TIMES, *ARGS)
    expected = jax.grad(_loss(jnp, theirs), argnums=argnums)(Y0, TIMES, *ARGS)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, np.asarray(e), atol=1e-6)


def test_a_hessian_vector_product_matches_jax():
    v = np.cos(np.arange(3.0))

    ours_hvp = nj.jvp(lambda a: nj.grad(_loss(np, ours), argnums=2)(Y0, TIMES, a, ARGS[1]),
                      (ARGS[0],), (v,))[1]
    # JAX's odeint has a custom vjp only: its Hessian is reverse over reverse
    theirs_hvp = jax.grad(lambda a: jnp.vdot(jax.grad(_loss(jnp, theirs), argnums=2)(
        Y0, TIMES, a, ARGS[1]), v))(ARGS[0])
    np.testing.assert_allclose(ours_hvp, np.asarray(theirs_hvp), atol=1e-5)
