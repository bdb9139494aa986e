"""scipy.integrate.odeint inside traced functions (the ``ode`` primitive):
values against SciPy's odeint and closed forms, derivatives of every order
against finite differences and closed forms, vmap against a loop, odeint's
keywords, solve_ivp with t_eval (the same solve), and the errors: a stiff
problem, refused keywords and solve_ivp calls.
tests/runtime/test_ode_lowering.py runs the same solves compiled."""
import numpy as np
import pytest
import scipy.integrate

import numjac as nj
from tests.helpers import check_grads, check_vmap

TIMES = np.linspace(0.0, 1.0, 3)


def odeint(*args, **kwargs):
    """scipy.integrate.odeint looked up at call time, as numjac requires."""
    return scipy.integrate.odeint(*args, **kwargs)


def _decay(y, t, rate):
    return -rate * y


def _lotka_volterra(y, t, a, b):
    prey, predator = y
    return [a[0] * prey - b[0] * prey * predator, b[1] * prey * predator - a[1] * predator]


def _pendulum(y, t, damping):
    return np.array([y[1], -np.sin(y[0]) - damping * y[1]])


def _mildly_stiff(y, t, k):
    """Eigenvalues near -1 and -k (k ~ 100): stiffness ratio 100."""
    return np.array([-y[0] + y[1], -k * (y[1] - np.cos(t))])


def _coupled(y, t, a, b):
    """Decays backwards in time (the problem integrated from t=2 to 0.5)."""
    return np.sqrt(t) + y - a - 0.1 * np.mean((y + b) ** 2)


PROBLEMS = {
    "decay": (_decay, np.array([1.0, 2.0]), np.linspace(0.0, 3.0, 7), (0.7,)),
    "lotka-volterra": (_lotka_volterra, np.array([10.0, 5.0]), np.linspace(0.0, 15.0, 16),
                       (np.array([1.1, 0.4]), np.array([0.4, 0.1]))),
    "pendulum": (_pendulum, np.array([2.5, 0.0]), np.linspace(0.0, 10.0, 11), (0.1,)),
    "mildly-stiff": (_mildly_stiff, np.array([1.0, 0.0]), np.linspace(0.0, 5.0, 6), (100.0,)),
    "backwards": (_coupled, np.array([0.3, -0.2, 0.5]), np.linspace(2.0, 0.5, 5),
                  (np.array([0.1, 0.2, 0.3]), np.array([0.3, 0.1, -0.2]))),
}


@pytest.mark.parametrize("name", PROBLEMS)
def test_values_agree_with_scipy_odeint_within_its_tolerances(name):
    rhs, y0, ts, args = PROBLEMS[name]
    got = nj.jit(lambda y0, args: odeint(rhs, y0, ts, args))(y0, args)
    exact = scipy.integrate.odeint(rhs, y0, ts, args, rtol=1e-13, atol=1e-13)
    default = scipy.integrate.odeint(rhs, y0, ts, args)
    assert got.shape == default.shape == (len(ts), len(y0))
    scale = np.max(np.abs(exact))
    # numjac's error is no larger than LSODA's (both are about 1e-8 here)
    assert np.max(np.abs(got - exact)) <= max(2 * np.max(np.abs(default - exact)), 1e-9 * scale)
    np.testing.assert_allclose(got, default, rtol=0, atol=1e-6 * scale)


def test_decay_matches_its_closed_form():
    rate, y0 = 0.7, np.array([1.0, -2.0])
    got = nj.jit(lambda rate: odeint(_decay, y0, TIMES, args=(rate,)))(rate)
    np.testing.assert_allclose(got, y0 * np.exp(-rate * TIMES)[:, None], rtol=1e-8)


def test_odeint_forms_a_user_writes():
    """A scalar initial value (odeint's result is (len(t), 1)), a right-hand
    side returning a list, tfirst, and a closure over a traced value."""
    def forms(rate, y0):
        scalar = odeint(lambda y, t: -rate * y, y0[0], TIMES)
        first = odeint(lambda t, y, r: [-r * y[0], -2 * r * y[1]], y0, TIMES, (rate,),
                       tfirst=True)
        return scalar, first
    scalar, first = nj.jit(forms)(0.5, np.array([1.0, 3.0]))
    assert scalar.shape == (3, 1)
    np.testing.assert_allclose(scalar[:, 0], np.exp(-0.5 * TIMES), rtol=1e-8)
    np.testing.assert_allclose(first, [1.0, 3.0] * np.exp(-np.outer(TIMES, [0.5, 1.0])),
                               rtol=1e-8)


def test_a_right_hand_side_closing_over_a_traced_value_traces():
    def solve(rate):
        return odeint(lambda y, t: -rate * y, np.ones(2), TIMES)
    np.testing.assert_allclose(nj.jit(solve)(0.5), np.exp(-0.5 * TIMES)[:, None] * [1, 1],
                               rtol=1e-8)
    np.testing.assert_allclose(nj.grad(lambda r: solve(r)[-1, 0])(0.5), -np.exp(-0.5),
                               rtol=1e-7)


def test_rtol_atol_hmax_h0_are_honoured():
    y0, rate = np.array([1.0]), 3.0
    exact = np.exp(-rate * TIMES)[:, None]

    def error(**options):
        got = nj.jit(lambda r: odeint(_decay, y0, TIMES, (r,), **options))(rate)
        return np.max(np.abs(got - exact))
    loose, default = error(rtol=1e-3, atol=1e-3), error()
    assert 1e-8 < loose < 1e-2 and default < 1e-8
    assert error(rtol=1e-3, atol=1e-3, hmax=0.01) < loose / 100    # small steps: exact
    assert error(h0=1e-3) < 1e-8


def test_a_stiff_problem_exhausts_the_step_budget_with_a_clear_error():
    def stiff(k):
        return odeint(lambda y, t: -k * (y - np.cos(t)), np.zeros(1), np.array([0.0, 50.0]),
                      mxstep=500)
    with pytest.raises(RuntimeError, match=r"more than mxstep steps .* stiff"):
        nj.jit(stiff)(1e6)
    np.testing.assert_allclose(nj.jit(stiff)(1.0)[1],
                               scipy.integrate.odeint(lambda y, t: -(y - np.cos(t)), [0.0],
                                                      [0.0, 50.0])[1], atol=1e-7)


@pytest.mark.parametrize("keyword, value", [("full_output", True), ("tcrit", [0.5]),
                                            ("hmin", 1e-3)])
def test_odeint_keywords_it_cannot_honour_are_refused_by_name(keyword, value):
    with pytest.raises(nj.UnsupportedOperationError, match=rf"odeint with {keyword}"):
        nj.jit(lambda r: odeint(_decay, np.ones(2), TIMES, (r,), **{keyword: value}))(1.0)


def test_array_tolerances_are_refused():
    with pytest.raises(TypeError, match="rtol must be a non-negative number"):
        nj.jit(lambda r: odeint(_decay, np.ones(2), TIMES, (r,), rtol=np.ones(2)))(1.0)


# -- derivatives -----------------------------------------------------------------------

def test_derivatives_of_the_decay_match_closed_forms():
    """y = y0 exp(-r t): dy/dy0, dy/dr, d2y/dr2 and dy/dt."""
    y0, rate = np.array([1.5]), 0.8
    def at(y0, rate, ts):
        return odeint(_decay, y0, ts, (rate,))[:, 0]
    decay = np.exp(-rate * TIMES)
    for jac in (nj.jacfwd, nj.jacrev):
        np.testing.assert_allclose(jac(at, argnums=1)(y0, rate, TIMES), -TIMES * 1.5 * decay,
                                   rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(jac(at)(y0, rate, TIMES)[:, 0], decay, rtol=1e-7)
        np.testing.assert_allclose(jac(at, argnums=2)(y0, rate, TIMES),
                                   np.diag(-rate * 1.5 * decay)
                                   + np.outer(rate * 1.5 * decay, [1, 0, 0]), atol=1e-7)
    np.testing.assert_allclose(nj.hessian(lambda r: np.sum(at(y0, r, TIMES)))(rate),
                               np.sum(TIMES ** 2 * 1.5 * decay), rtol=1e-6)


@pytest.mark.parametrize("name", ["decay", "pendulum", "backwards"])
def test_derivatives_against_finite_differences_orders_1_and_2(name):
    rhs, y0, ts, args = PROBLEMS[name]
    ts = ts[:3]

    def solve(y0, ts, *args):
        return odeint(rhs, y0, ts, args, rtol=1e-11, atol=1e-11)
    check_grads(solve, [y0, ts, *args], order=2)


def test_vmap_over_initial_values_and_args_matches_a_loop():
    rhs, y0, ts, args = PROBLEMS["backwards"]
    rng = np.random.default_rng(0)
    y0s, a_s = y0 + 0.1 * rng.normal(size=(4, 3)), args[0] + 0.1 * rng.normal(size=(4, 3))

    def solve(y0, a, b):
        return odeint(rhs, y0, ts, (a, b))
    for y0_dim, a_dim in [(0, 0), (None, 0), (0, None)]:
        check_vmap(solve, (y0_dim, a_dim, None), (y0 if y0_dim is None else y0s,
                                                  args[0] if a_dim is None else a_s, args[1]),
                   rtol=1e-6, atol=1e-8)
    check_vmap(nj.grad(lambda y0, a, b: np.sum(solve(y0, a, b) ** 2), argnums=(0, 1)),
               (0, 0, None), (y0s, a_s, args[1]), rtol=1e-5, atol=1e-7)


def test_vmap_over_the_output_times_is_refused():
    with pytest.raises(NotImplementedError, match="output times"):
        nj.vmap(lambda ts: odeint(_decay, np.ones(1), ts, (1.0,)))(np.ones((2, 3)) * TIMES)


# -- calls numjac does not trace ----------------------------------------------------------

def solve_ivp(*args, **kwargs):
    return scipy.integrate.solve_ivp(*args, **kwargs)


def _swing(t, y, a):
    return np.array([y[1], -a * np.sin(y[0])])


T_EVAL = np.linspace(0.5, 3.0, 6)


@pytest.mark.parametrize("method", ["RK45", "DOP853"])
def test_solve_ivp_with_t_eval_agrees_with_scipy(method):
    def solve(y0, a, **tolerances):
        return solve_ivp(_swing, (0.0, 3.0), y0, method=method, t_eval=T_EVAL, args=(a,),
                         **tolerances)
    y0 = np.array([1.0, 0.0])
    exact = solve(y0, 2.0, rtol=1e-12, atol=1e-12).y
    sol = nj.jit(lambda y0, a: solve(y0, a).y)(y0, 2.0)      # rtol=1e-3, atol=1e-6
    assert sol.shape == (2, len(T_EVAL))
    np.testing.assert_allclose(sol, exact, atol=1e-3)
    np.testing.assert_allclose(nj.jit(lambda y0, a: solve(y0, a, rtol=1e-10, atol=1e-10).y)(
        y0, 2.0), exact, atol=1e-9)


def test_solve_ivp_derivatives_against_finite_differences():
    def solve(y0, t_eval, a):
        return solve_ivp(_swing, (0.0, 3.0), y0, t_eval=t_eval, args=(a,), rtol=1e-11,
                         atol=1e-11).y
    check_grads(solve, [np.array([1.0, 0.0]), T_EVAL[:3], np.array(2.0)], order=2)


@pytest.mark.parametrize("options, refused", [
    (dict(), "without t_eval"), (dict(t_eval=T_EVAL, method="BDF"), "with method='BDF'"),
    (dict(t_eval=T_EVAL, dense_output=True), "with dense_output"),
    (dict(t_eval=T_EVAL, events=lambda t, y: y[0]), "with events")])
def test_solve_ivp_calls_it_cannot_trace_are_refused_by_name(options, refused):
    def fn(rate):
        return solve_ivp(lambda t, y: -rate * y, (0.0, 3.0), np.ones(2), **options).y
    for transform in (nj.jit, nj.jacrev):
        with pytest.raises(nj.UnsupportedOperationError,
                           match=rf"scipy\.integrate\.solve_ivp on traced values {refused}"):
            transform(fn)(np.ones(2))


def test_an_ode_solve_of_constants_is_a_constant():
    def scaled(a):
        return a * odeint(_decay, np.ones(2), TIMES, args=(1.0,))
    expected = scipy.integrate.odeint(_decay, np.ones(2), TIMES, args=(1.0,))
    np.testing.assert_allclose(nj.jit(scaled)(np.full(2, 2.0)), 2.0 * expected)
