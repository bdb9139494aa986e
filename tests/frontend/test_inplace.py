"""In-place updates (docs/guide.md, "In-place updates"): the PDE right-hand
side of issue 13 under every transform; derivatives through traced and
repeated indices; aliases, views, 0-d values and known values as in NumPy;
and every write numjac refuses.  The table of in-place programs against
NumPy, finite differences, vmap and Numba is tests/specs/inplace.py."""
import math

import numpy as np
import pytest

import numjac as nj
from numjac.errors import UnsupportedOperationError
from tests.helpers import check_backends, check_grads, check_vmap
from tests.op_specs import OP_SPECS

_ROWS = {spec.name: spec.fn for spec in OP_SPECS}
pde_rhs = _ROWS["inplace-pde-rhs"]
traced_index = _ROWS["inplace-traced-index"]
traced_array_index = _ROWS["inplace-traced-array-index"]

U = np.linspace(0.0, 1.0, 9) ** 2 + 0.5


def _finite_difference_jacobian(f, x, eps=1e-6):
    columns = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]
    return np.stack(columns, axis=-1)


# -- the PDE right-hand side, written naturally ------------------------------------------

@pytest.mark.parametrize("backend", ["interpret", "numba"])
def test_pde_rhs_jacobians_and_hessian(backend):
    np.testing.assert_allclose(nj.jit(pde_rhs, backend=backend)(U), pde_rhs(U), rtol=1e-13)
    expected = _finite_difference_jacobian(pde_rhs, U)
    for jac in (nj.jacfwd, nj.jacrev):
        np.testing.assert_allclose(nj.jit(jac(pde_rhs), backend=backend)(U), expected,
                                   rtol=1e-6, atol=1e-5)
    energy = lambda u: np.sum(pde_rhs(u))       # noqa: E731
    hessian = nj.jit(nj.hessian(energy), backend=backend)(U)
    grad_fd = _finite_difference_jacobian(nj.grad(energy), U)
    np.testing.assert_allclose(hessian, grad_fd, rtol=1e-6, atol=1e-4)


def test_pde_rhs_vmap_backends_and_grads():
    batch = np.stack([U, 2 * U, U[::-1]])
    check_vmap(pde_rhs, 0, (batch,))
    check_backends(nj.jacrev(pde_rhs), (U,))
    check_grads(pde_rhs, (U,), order=2)


# -- traced and repeated indices ------------------------------------------------------

@pytest.mark.parametrize("i", [0, 3, -2])
def test_traced_scalar_index_derivatives(i):
    x = np.linspace(0.5, 2.0, 7)
    # The index is traced: jit's argument, not a constant of the function.
    check_grads(lambda x: nj.jit(traced_index)(x, np.int64(i)), (x,), order=2)
    check_backends(nj.jacrev(traced_index), (x, i))
    check_vmap(traced_index, (0, None), (np.stack([x, 2 * x]), i))
    check_vmap(traced_index, (None, 0), (x, np.array([0, 2, -1])))


def test_repeated_traced_indices_differentiate_the_last_write_only():
    x = np.array([1.0, 2.0, 3.0])
    i = np.array([4, 1, 4])                # y[4] = x[2]: x[0]'s write is overwritten
    np.testing.assert_array_equal(nj.jit(traced_array_index)(x, i), traced_array_index(x, i))
    jac = nj.jacrev(traced_array_index)(x, i)
    expected = np.zeros((6, 3))
    expected[1, 1] = expected[4, 2] = 1.0
    np.testing.assert_array_equal(jac, expected)
    np.testing.assert_array_equal(nj.jacfwd(traced_array_index)(x, i), expected)
    check_backends(nj.jacrev(traced_array_index), (x, i))
    check_vmap(nj.jacrev(traced_array_index), (None, 0), (x, np.array([[4, 1, 4], [0, 0, 5]])))


def test_add_at_accumulates_repeated_indices_and_their_derivatives():
    def f(x, i):
        y = np.zeros(4)
        np.add.at(y, i, x ** 2)
        return y
    x, i = np.array([1.0, 2.0, 3.0]), np.array([2, 2, 0])
    np.testing.assert_allclose(nj.jit(f)(x, i), f(x, i))
    np.testing.assert_allclose(nj.jacrev(f)(x, i), _finite_difference_jacobian(
        lambda x: f(x, i), x), atol=1e-6)


# -- NumPy's semantics: aliases, views, 0-d values, casts, known values -------------------

def _agrees(f, *args):
    np.testing.assert_allclose(nj.jit(f)(*args), f(*args), rtol=1e-13)


def test_aliases_see_writes():
    def f(x):
        y = np.zeros(3)
        z = y
        z[0] = x[0]
        ys = [y]
        y += x
        return ys[0] + z
    _agrees(f, np.arange(3.0))


def test_zero_d_augmented_assignment_rebinds_like_a_numpy_scalar():
    def f(x):
        s = x.sum()
        t = s
        s += 1.0
        return t * s
    _agrees(f, np.arange(3.0))


def test_view_through_a_view_and_ellipsis():
    def f(x):
        y = np.ones((2, 3))
        v = y[...]
        w = v[1, ::2]
        w *= x[:2]
        return y, v[1].sum()
    x = np.array([2.0, 3.0, 4.0])
    for got, expected in zip(nj.jit(f)(x), f(x)):
        np.testing.assert_allclose(got, expected)


def test_write_into_an_advanced_index_result_does_not_change_the_source():
    def f(x):
        y = x.copy()
        z = y[[0, 1]]          # a copy, as in NumPy
        z[0] = 10.0
        return y + z.sum()
    _agrees(f, np.arange(3.0))


def test_assignment_casts_like_numpy():
    def f(x):
        y = np.zeros(3, dtype=np.int64)
        y[:] = x               # float -> int truncates toward zero
        b = np.zeros(3, dtype=bool)
        b[1:] = x[1:]
        return y, b
    x = np.array([1.7, -2.5, 0.0])
    for got, expected in zip(nj.jit(f)(x), f(x)):
        np.testing.assert_array_equal(got, expected)


def test_known_values_stay_concrete():
    def f(x):
        w = np.zeros(4)
        w[2] = 1.0
        k = int(np.argmax(w))                  # NumPy's value, not a traced one
        if w.sum() > 0:
            return x[k] * w[k]
        return x[0]
    _agrees(f, np.arange(4.0) + 1.0)


def test_known_values_reach_scipy_as_numpy_arrays():
    import scipy.linalg

    def f(x):
        a = np.zeros((3, 3)) + np.eye(3) * 2.0
        a[0, 1] = 1.0
        lower = scipy.linalg.cholesky(a.T @ a, lower=True)    # SciPy on a's value
        b = np.asarray(a)          # in the user's code: still the traced array
        b[2, 2] = x[0]
        return lower @ x + a @ x
    _agrees(f, np.arange(3.0))


def test_known_values_add_no_inputs():
    def f(x):
        mask = np.zeros(4, dtype=bool)
        mask[1:3] = True
        return x[mask] * x[~mask]
    assert "bool" not in str(nj.make_ir(f)(np.ones(4)))


def test_library_code_keeps_numpy_arrays():
    from scipy.special import roots_legendre    # allocates with np.zeros inside
    def f(x):
        nodes, weights = roots_legendre(3)
        return np.sum(weights * np.sin(x * nodes))
    _agrees(f, np.array([0.5, 1.0, 1.5]))


def test_full_and_copy_of_a_numpy_array():
    table = np.arange(4.0)

    def f(x):
        a = np.full(4, x[0])
        b = np.array(table)    # a closed-over array, copied: now writable
        b[1:3] = x[1:3]
        return a + b
    _agrees(f, np.array([0.5, 1.0, 1.5, 2.0]))


# -- what numjac refuses, and why ---------------------------------------------------------

REFUSED = [
    ("argument", lambda x: x.__setitem__(0, 1.0), "argument"),
    ("argument +=", lambda x: x.__iadd__(1.0), "argument"),
    ("argument view", lambda x: x[1:].__setitem__(0, 1.0), "argument"),
    ("argument out=", lambda x: np.add(x, 1.0, out=x), "argument"),
    ("argument add.at", lambda x: np.add.at(x, [0], 1.0), "argument"),
    ("argument put", lambda x: np.put(x, [0], 1.0), "argument"),
    ("argument fill_diagonal", lambda x: np.fill_diagonal(x.reshape(2, 2), 1.0), "view"),
    ("reshape view", lambda x: np.reshape(x * 1.0, (2, 2)).__setitem__(0, 1.0), "view"),
    ("transpose view", lambda x: (x * 1.0).T.__setitem__(0, 1.0), "view"),
    ("multiply.at", lambda x: np.multiply.at(x * 1.0, [0], 2.0), "numpy.multiply.at"),
]


@pytest.mark.parametrize("f, expected", [pytest.param(f, m, id=name)
                                         for name, f, m in REFUSED])
def test_refused_writes_raise_clear_errors(f, expected):
    with pytest.raises(UnsupportedOperationError, match=expected):
        nj.jit(f)(np.arange(4.0))


def test_writing_into_an_argument_says_to_copy_first():
    def f(x):
        x[0] = 1.0
        return x
    with pytest.raises(UnsupportedOperationError, match=r"x = x\.copy\(\)"):
        nj.grad(lambda x: f(x).sum())(np.arange(3.0))


def test_stale_untracked_view_refuses_to_be_read():
    def f(x):
        y = x * 1.0
        m = y.reshape(2, 2)
        y[0] = 5.0
        return m.sum()
    with pytest.raises(UnsupportedOperationError, match="numpy.reshape, after a write"):
        nj.jit(f)(np.arange(4.0))


def test_untracked_view_unread_after_the_write_is_fine():
    def f(x):
        y = x * 1.0
        total = y.reshape(2, 2).sum(axis=0)
        y[0] = 5.0
        return y, total
    x = np.arange(4.0)
    for got, expected in zip(nj.jit(f)(x), f(x)):
        np.testing.assert_allclose(got, expected)


def test_closed_over_numpy_array_cannot_hold_traced_values():
    table = np.zeros(3)

    def setitem(x):
        table[0] = x[0]
        return x

    def out(x):
        return np.multiply(x, 2.0, out=table)
    for f in (setitem, out):
        # NumPy raises its own error for a[i] = value, caused by numjac's.
        with pytest.raises(Exception) as error:
            nj.jit(f)(np.arange(3.0))
        cause = error.value if error.value.__cause__ is None else error.value.__cause__
        assert "np.array(a)" in str(cause)


def test_writes_into_an_enclosing_trace_raise():
    def f(x):
        y = x * 1.0

        def inner(z):
            y[0] = z[0]
            return z
        return nj.jit(inner)(x)
    with pytest.raises(UnsupportedOperationError, match="enclosing trace"):
        nj.jit(f)(np.arange(3.0))


def test_numpy_errors_for_bad_shapes_and_casts():
    def shape(x):
        y = np.zeros(3)
        y[:2] = x
        return y

    def cast(x):
        y = np.zeros(3, dtype=np.int64)
        y += x
        return y

    def broadcast(x):
        y = np.zeros(3)
        y += np.ones((2, 3))
        return y

    def copyto(x):
        y = np.zeros(3, dtype=np.int64)
        np.copyto(y, x)
        return y
    with pytest.raises(ValueError, match="could not broadcast"):
        nj.jit(shape)(np.arange(3.0))
    with pytest.raises(TypeError, match="same_kind"):
        nj.jit(cast)(np.arange(3.0))
    with pytest.raises(ValueError, match="non-broadcastable output"):
        nj.jit(broadcast)(np.arange(3.0))
    with pytest.raises(TypeError, match="according to the rule 'same_kind'"):
        nj.jit(copyto)(np.arange(3.0))


@pytest.mark.parametrize("f, alternative", [
    (lambda x: math.exp(x[0]), "np.exp"), (lambda x: math.atan2(x[0], 1.0), "np.arctan2"),
    (lambda x: math.lgamma(x[0]), "scipy.special.gammaln")])
def test_math_functions_suggest_numpy(f, alternative):
    with pytest.raises(nj.ConcretizationError, match=f"math.* use {alternative} instead"):
        nj.jit(f)(np.arange(3.0))


def test_math_functions_of_known_values_and_python_floats_work():
    def f(x):
        w = np.ones(2)
        return x * math.exp(w[0]) * math.sqrt(4.0)
    _agrees(f, np.arange(3.0))


@pytest.mark.parametrize("f", [lambda x: float(x.sum()) * x, lambda x: np.float64(x[0]) * x])
def test_scalar_conversions_of_traced_values_say_how_to_stay_traced(f):
    with pytest.raises(nj.ConcretizationError, match=r"use x itself or x\.astype"):
        nj.jit(f)(np.arange(3.0))


def test_r_and_c_outside_traces_are_numpys():
    np.testing.assert_array_equal(np.r_[1:3, 5], [1, 2, 5])
    assert np.c_[np.ones(2), np.zeros(2)].shape == (2, 2)
    with pytest.raises(UnsupportedOperationError, match="numpy.r_"):
        nj.jit(lambda x: np.r_["0,2", x, x])(np.arange(3.0))
