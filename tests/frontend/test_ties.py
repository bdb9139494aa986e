"""Derivatives at ties and edges (docs/guide.md, "Derivatives at ties and
edges"): at each tie, zero or infinity, orders 1 and 2 in every mode against
closed forms; finite differences away from the ties; Numba against the
interpreter at the ties."""
import math

import numpy as np
import pytest

import numjac as nj
from tests.helpers import check_backends, check_grads

INF = np.inf
QUARTER = np.array([[0.25, -0.25], [-0.25, 0.25]])
HALF = np.array([0.5, 0.5])
ZERO2 = np.zeros((2, 2))


def _logaddexp(v):
    return np.logaddexp(v[0], v[1])


def _logaddexp2(v):
    return np.logaddexp2(v[0], v[1])


def _power(v):
    return v[0] ** v[1]


def _std_of_first(v):
    return np.std(v[:1])


def _std_size1_axis(v):
    return np.sum(np.std(v.reshape(2, 1), axis=1))


def _squared(reduce):
    return lambda v: reduce(v[0], v[1]) ** 2


def _clip_squares(v):
    return np.sum(np.clip(v, -1.0, 1.0) ** 2)


def _hypot(v):
    return np.hypot(v[0], v[1])


def _abs_sum(v):
    return np.sum(np.abs(v))


def _max_squared(v):
    return np.max(v) ** 2


def _min_squared(v):
    return np.min(v) ** 2


# (name, f, point, gradient, Hessian).
TIES = [
    ("logaddexp-tie", _logaddexp, [0.0, 0.0], HALF, QUARTER),
    ("logaddexp-tie-1.5", _logaddexp, [1.5, 1.5], HALF, QUARTER),
    ("logaddexp2-tie", _logaddexp2, [0.0, 0.0], HALF, math.log(2.0) * QUARTER),
    ("logaddexp-inf-tie", _logaddexp, [INF, INF], HALF, ZERO2),
    ("logaddexp-minus-inf-tie", _logaddexp, [-INF, -INF], HALF, ZERO2),
    ("logaddexp2-minus-inf-tie", _logaddexp2, [-INF, -INF], HALF, ZERO2),
    ("logaddexp-inf", _logaddexp, [INF, 0.0], [1.0, 0.0], ZERO2),
    ("logaddexp-minus-inf", _logaddexp, [-INF, 0.0], [0.0, 1.0], ZERO2),
    ("std-one-element", _std_of_first, [1.0, 2.0], [0.0, 0.0], ZERO2),
    ("std-size-1-axis", _std_size1_axis, [1.0, 2.0], [0.0, 0.0], ZERO2),
    ("std-constant", np.std, [2.0, 2.0], [0.0, 0.0], ZERO2),
    ("std-ddof1-constant", lambda v: np.std(v, ddof=1), [2.0, 2.0], [0.0, 0.0], ZERO2),
    ("norm-zero", np.linalg.norm, [0.0, 0.0], [0.0, 0.0], ZERO2),
    ("norm-3-zero", lambda v: np.linalg.norm(v, 3), [0.0, 0.0], [0.0, 0.0], ZERO2),
    ("norm-fro-zero", lambda v: np.linalg.norm(v.reshape(1, 2)), [0.0, 0.0], [0.0, 0.0], ZERO2),
    ("hypot-zero", _hypot, [0.0, 0.0], [0.0, 0.0], ZERO2),
    ("hypot-axis", _hypot, [0.0, 2.0], [0.0, 1.0], [[0.5, 0.0], [0.0, 0.0]]),
    ("hypot-inf", _hypot, [-INF, 1.0], [-1.0, 0.0], ZERO2),
    ("power-0-0", _power, [0.0, 0.0], [0.0, 0.0], ZERO2),
    ("power-2-0", _power, [2.0, 0.0], [0.0, math.log(2.0)],
     [[0.0, 0.5], [0.5, math.log(2.0) ** 2]]),
    ("power-0-2", _power, [0.0, 2.0], [0.0, 0.0], [[2.0, 0.0], [0.0, 0.0]]),
    ("maximum-tie", _squared(np.maximum), [1.0, 1.0], [1.0, 1.0], np.full((2, 2), 0.5)),
    ("minimum-tie", _squared(np.minimum), [1.0, 1.0], [1.0, 1.0], np.full((2, 2), 0.5)),
    ("fmax-tie", _squared(np.fmax), [1.0, 1.0], [1.0, 1.0], np.full((2, 2), 0.5)),
    ("fmin-tie", _squared(np.fmin), [-1.0, -1.0], [-1.0, -1.0], np.full((2, 2), 0.5)),
    ("fmax-nan", _squared(np.fmax), [np.nan, 3.0], [0.0, 6.0], [[0.0, 0.0], [0.0, 2.0]]),
    ("clip-at-bounds", _clip_squares, [1.0, -1.0], [1.0, -1.0], np.eye(2) * 0.5),
    ("abs-zero", _abs_sum, [0.0, -2.0], [0.0, -1.0], ZERO2),
    ("sign-zero", lambda v: np.sign(v[0]) * v[1], [0.0, 3.0], [0.0, 0.0], ZERO2),
    ("max-reduction-ties", _max_squared, [2.0, 2.0, 1.0], [2.0, 2.0, 0.0],
     [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]),
    ("min-reduction-ties", _min_squared, [1.0, 3.0, 1.0], [1.0, 0.0, 1.0],
     [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0], [0.5, 0.0, 0.5]]),
    ("where-equal-branches", lambda v: np.where(v[0] > 0, v[0] * v[1], v[0] * v[1]),
     [0.0, 2.0], [2.0, 0.0], [[0.0, 1.0], [1.0, 0.0]]),
    # inf as in NumPy; a single input, as forward mode would add 0 * inf for another.
    ("sqrt-zero", lambda v: np.sum(np.sqrt(v)), [0.0], [INF], [[-INF]]),
]
IDS = [case[0] for case in TIES]


@pytest.mark.parametrize("name, f, point, gradient, hessian", TIES, ids=IDS)
def test_first_derivative_at_tie(name, f, point, gradient, hessian):
    x = np.array(point)
    for transform in (nj.grad, nj.jacfwd, nj.jacrev):
        np.testing.assert_allclose(transform(f)(x), gradient, rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name}: {transform.__name__}")


@pytest.mark.parametrize("name, f, point, gradient, hessian", TIES, ids=IDS)
def test_second_derivative_at_tie(name, f, point, gradient, hessian):
    x = np.array(point)
    modes = {"hessian": nj.hessian(f), "jacfwd(jacrev)": nj.jacfwd(nj.jacrev(f)),
             "jacrev(jacrev)": nj.jacrev(nj.jacrev(f)), "jacfwd(jacfwd)": nj.jacfwd(nj.jacfwd(f)),
             "jacrev(grad)": nj.jacrev(nj.grad(f))}
    for mode, second in modes.items():
        np.testing.assert_allclose(second(x), hessian, rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name}: {mode}")


# -- x ** y at x == 0, y an argument or a closure value ---------------------------------

@pytest.mark.parametrize("y, slope, curvature", [(0.0, 0.0, 0.0), (1.0, 1.0, 0.0),
                                                 (2.0, 0.0, 2.0), (3.0, 0.0, 0.0)])
def test_power_at_zero_base_with_closure_exponent(y, slope, curvature):
    def f(x):
        return x ** y
    assert nj.grad(f)(0.0) == slope
    assert nj.jacfwd(f)(np.array(0.0)) == slope
    assert nj.hessian(f)(np.array(0.0)) == curvature
    assert nj.jacfwd(nj.jacrev(f))(np.array(0.0)) == curvature


@pytest.mark.parametrize("y", [0.0, 1.0, 2.0, 3.0])
def test_power_at_zero_base_diagonal_of_hessian(y):
    """d2/dx2 of x ** y at x == 0 with y traced: y (y - 1) 0 ** (y - 2),
    taken as 0 where y (y - 1) == 0 (x ** 0 and x ** 1 are polynomials)."""
    expected = {0.0: 0.0, 1.0: 0.0, 2.0: 2.0, 3.0: 0.0}[y]
    assert nj.hessian(_power)(np.array([0.0, y]))[0, 0] == expected
    assert nj.jacrev(nj.jacfwd(_power))(np.array([0.0, y]))[0, 0] == expected


def test_power_exponent_derivative_at_zero_base():
    # 0 ** y == 0 for every y > 0: its derivative in y is 0.
    np.testing.assert_array_equal(nj.grad(_power)(np.array([0.0, 2.5])), [0.0, 0.0])


def test_power_negative_base_integer_exponent():
    # d/dx of x ** 3 at -2 is 12; d/dy needs log(-2): NaN, as NumPy's x ** y
    # is NaN at non-integer y there (as JAX).  With y a closure value, no
    # tangent of y exists and the second derivative is exact.
    gradient = nj.grad(_power)(np.array([-2.0, 3.0]))
    assert gradient[0] == 12.0 and np.isnan(gradient[1])
    y = 3.0
    assert nj.hessian(lambda x: x ** y)(np.array(-2.0)) == -12.0


# -- values at the edges: the same as NumPy's ---------------------------------------------

EDGES = np.array([0.0, 1.0, -1.0, INF, -INF, np.nan, INF, -INF, 3.0, 0.0, 1e300, np.nan])
OTHERS = np.array([0.0, 1.0, 2.0, INF, -INF, 1.0, -INF, INF, -4.0, np.nan, 1e300, INF])


@pytest.mark.parametrize("ufunc", [np.logaddexp, np.logaddexp2, np.hypot, np.fmax, np.fmin])
def test_values_at_edges_match_numpy(ufunc):
    with np.errstate(all="ignore"):
        expected = ufunc(EDGES, OTHERS)
    np.testing.assert_array_equal(nj.jit(ufunc)(EDGES, OTHERS), expected)


# -- away from the ties: finite differences ------------------------------------------------

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("f, args", [
    (np.logaddexp, (RNG.normal(size=4), RNG.normal(size=4))),
    (np.logaddexp2, (RNG.normal(size=4), RNG.normal(size=4))),
    (np.hypot, (RNG.normal(size=4), RNG.normal(size=4))),
    (np.power, (RNG.uniform(0.5, 2.0, size=4), RNG.normal(size=4))),
    (lambda x: np.std(x, axis=1), (RNG.normal(size=(3, 4)),)),
    (lambda x: np.std(x, ddof=1), (RNG.normal(size=5),)),
    (np.linalg.norm, (RNG.normal(size=5),)),
    (lambda x: np.linalg.norm(x, 3), (RNG.normal(size=5),)),
], ids=["logaddexp", "logaddexp2", "hypot", "power", "std-axis", "std-ddof1", "norm", "norm-3"])
def test_derivatives_away_from_ties(f, args):
    check_grads(f, args, order=2)


# -- Numba agrees with the interpreter at the ties -----------------------------------------

@pytest.mark.parametrize("f, point", [
    (_logaddexp, [0.0, 0.0]), (_logaddexp2, [-INF, -INF]), (_hypot, [0.0, 0.0]),
    (_power, [0.0, 1.0]), (_std_size1_axis, [1.0, 2.0]), (np.linalg.norm, [0.0, 0.0]),
], ids=["logaddexp", "logaddexp2", "hypot", "power", "std", "norm"])
def test_numba_agrees_at_ties(f, point):
    x = np.array(point)
    check_backends(nj.grad(f), (x,))
    check_backends(nj.hessian(f), (x,))
