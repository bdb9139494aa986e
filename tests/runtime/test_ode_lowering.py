"""The Numba lowering of ``ode`` (runtime/lowering/ode.py) against the
reference interpreter (runtime/ode_solver.py), which it follows step for
step: solves, gradients (the adjoint: an ode inside a reverse scan),
Hessians, vmap; the stiff problem's error raised inside the kernel; and the
right-hand side's code emitted once per solve, whatever the number of
output times."""
import numpy as np
import pytest
import scipy.integrate

import numjac as nj
from tests.frontend.test_scipy_integrate import PROBLEMS, odeint
from tests.helpers import check_backends


@pytest.mark.parametrize("name", PROBLEMS)
def test_solves_agree_with_the_interpreter(name):
    rhs, y0, ts, args = PROBLEMS[name]
    check_backends(lambda y0, args: odeint(rhs, y0, ts, args), (y0, args))


@pytest.mark.parametrize("name", ["lotka-volterra", "backwards"])
def test_gradients_and_hessians_agree_with_the_interpreter(name):
    rhs, y0, ts, args = PROBLEMS[name]

    def loss(y0, ts, args):
        return np.sum(np.sin(odeint(rhs, y0, ts, args)))
    check_backends(nj.grad(loss, argnums=(0, 1, 2)), (y0, ts, args))
    check_backends(nj.hessian(loss), (y0, ts, args))
    check_backends(nj.jacfwd(lambda y0: odeint(rhs, y0, ts, args)), (y0,))


def test_vmap_agrees_with_the_interpreter():
    rhs, y0, ts, args = PROBLEMS["backwards"]
    y0s = y0 + 0.1 * np.random.default_rng(0).normal(size=(5, 3))
    check_backends(nj.vmap(lambda y0: odeint(rhs, y0, ts, args)), (y0s,))


def test_the_step_budget_error_is_raised_in_the_kernel():
    solve = nj.jit(lambda k: odeint(lambda y, t: -k * (y - np.cos(t)), np.zeros(1),
                                    np.array([0.0, 50.0]), mxstep=500), backend="numba")
    with pytest.raises(RuntimeError, match="more than mxstep steps"):
        solve(1e6)
    np.testing.assert_allclose(solve(1.0)[1], scipy.integrate.odeint(
        lambda y, t: -(y - np.cos(t)), [0.0], [0.0, 50.0])[1], atol=1e-7)


def _source(fn, *args) -> str:
    return nj.jit(fn, backend="numba").lower(*args).source


def test_the_right_hand_side_is_emitted_once_per_solve():
    def rhs(y, t, a):
        return -a * np.tanh(y)

    def loss(a, ts):
        return np.sum(odeint(rhs, np.ones(2), ts, (a,)) ** 2)
    a = np.array([0.5, 1.5])
    assert _source(lambda a: odeint(rhs, np.ones(2), np.linspace(0, 1, 3), (a,)), a).count(
        "tanh(") == 1
    few, many = (_source(nj.grad(loss), a, np.linspace(0, 1, n)).count("tanh(") for n in (3, 30))
    assert few == many
