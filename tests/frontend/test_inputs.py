"""Inputs NumPy would treat differently from numjac's traced arrays: each
gets NumPy's result or a clear error naming the argument, raised before any
tracing or compilation, never a Numba typing error."""
import numpy as np
import pytest

import numjac as nj
from numjac import staging
from numjac.inputs import MAX_SCALAR_LEAVES
from tests.helpers import check_backends

X = np.arange(1.0, 4.0)
pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
BACKENDS = ("interpret", "numba")


@pytest.fixture
def nothing_staged(monkeypatch):
    """Fails the test if anything is traced or compiled."""
    def unreachable(*args, **kwargs):
        raise AssertionError("traced or compiled despite invalid arguments")
    monkeypatch.setattr(staging, "trace", unreachable)
    monkeypatch.setattr(staging, "compile_ir", unreachable)


# -- ndarray subclasses -------------------------------------------------------------------

@pytest.mark.parametrize("make, type_name", [
    (lambda: np.matrix([[1.0, 2.0], [3.0, 4.0]]), "numpy.matrix"),
    (lambda: np.ma.array([1.0, 2.0], mask=[False, True]), "MaskedArray"),
])
def test_ndarray_subclass_arguments_are_refused(nothing_staged, make, type_name):
    value = make()
    for transform in (nj.jit, nj.jacrev, nj.vmap, nj.make_ir):
        with pytest.raises(TypeError, match=f"argument 0 is a .*{type_name}.*np.asarray"):
            transform(lambda a: a * a)(value)


def test_the_refused_argument_is_named(nothing_staged):
    m = np.matrix([[1.0]])
    with pytest.raises(TypeError, match="keyword argument 'w' is a numpy.matrix"):
        nj.jit(lambda a, w: a * w)(X, w=m)
    with pytest.raises(TypeError, match=r"argument 1 \(its leaf 1 in flattened order\)"):
        nj.jit(lambda a, ws: a * ws[1])(X, (X, m))


def test_ndarray_subclass_in_the_closure_is_refused():
    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="numpy.matrix"):
        nj.jit(lambda a: np.add(a, m))(np.ones((2, 2)))


def test_a_memmap_computes_as_its_array(tmp_path):
    mapped = np.memmap(tmp_path / "x.dat", dtype=np.float64, mode="w+", shape=(3,))
    mapped[:] = X
    np.testing.assert_array_equal(nj.jit(lambda a: a * 2)(mapped), X * 2)


# -- ranks, byte order, dtypes -----------------------------------------------------------

def test_more_than_32_dimensions_is_a_value_error(nothing_staged):
    with pytest.raises(ValueError, match="argument 0 has 33 dimensions.*at most 32"):
        nj.jit(lambda a: a * 2)(np.zeros((1,) * 33))


@pytest.mark.parametrize("backend", BACKENDS)
def test_big_endian_arrays_compute_as_numpy_does(backend):
    big = np.arange(1.0, 5.0).astype(">f8")
    closure = np.array([1.0, 2.0, 3.0, 4.0], dtype=">f8")
    f = nj.jit(lambda a: a * closure + 1.0, backend=backend)
    for _ in range(2):          # the second call takes the fast path
        np.testing.assert_array_equal(f(big), big * closure + 1.0)
    grad = nj.grad(lambda a: np.sum(a ** 2))(big)
    np.testing.assert_array_equal(grad, 2 * big)


def _complex_cases():
    z = np.ones(3, dtype=complex)
    return [
        ("array argument", lambda a, c: a * c, (X, z)),
        ("Python complex argument", lambda a, c: a * c, (X, 1j)),
        ("closure array", lambda a, c: a * z, (X, 0.0)),
        ("constant", lambda a, c: a * np.sqrt(-1 + 0j), (X, 0.0)),
        ("output", lambda a, c: (a, np.complex128(1j)), (X, 0.0)),
    ]


@pytest.mark.parametrize("case", _complex_cases(), ids=lambda case: case[0])
@pytest.mark.parametrize("backend", BACKENDS)
def test_complex_values_raise_a_type_error_naming_complex(case, backend):
    _, f, args = case
    with pytest.raises(nj.UnsupportedDtypeError, match="complex") as info:
        nj.jit(f, backend=backend)(*args)
    assert isinstance(info.value, TypeError)


# -- Python ints beyond int64 ------------------------------------------------------------

def test_big_python_int_argument_computes_as_numpy_in_float_arithmetic():
    got = check_backends(lambda a, n: a * n + 1.0, (X, 2 ** 70))
    np.testing.assert_array_equal(got, X * 2 ** 70 + 1.0)
    got = check_backends(lambda a: a * 2 ** 70, (X,))
    np.testing.assert_array_equal(got, X * 2 ** 70)


@pytest.mark.parametrize("backend", BACKENDS)
def test_big_python_int_in_integer_arithmetic_overflows_as_numpy(backend):
    ints = np.arange(3)
    with pytest.raises(OverflowError):
        ints * 2 ** 70                 # NumPy's behaviour
    with pytest.raises(OverflowError, match="out of bounds for int64"):
        nj.jit(lambda a, n: a * n, backend=backend)(ints, 2 ** 70)
    with pytest.raises(OverflowError, match="out of bounds for int64"):
        nj.jit(lambda a: a + 2 ** 63, backend=backend)(ints)


# -- integers to negative integer powers ---------------------------------------------------

NEGATIVE_POWER = "Integers to negative integer powers are not allowed"


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_to_a_negative_literal_power_raises_when_traced(backend, monkeypatch):
    def unreachable(*args, **kwargs):
        raise AssertionError("compiled")
    monkeypatch.setattr(staging, "compile_ir", unreachable)
    with pytest.raises(ValueError, match=NEGATIVE_POWER):
        nj.jit(lambda a: a ** -1, backend=backend)(np.array([2, 3]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_to_a_negative_traced_power_raises_when_run(backend):
    f = nj.jit(lambda a, b: a ** b, backend=backend)
    with pytest.raises(ValueError, match=NEGATIVE_POWER):
        f(np.array([2, 3]), np.array([2, -1]))
    with pytest.raises(ValueError, match=NEGATIVE_POWER):
        f(np.array([2, 3]), -2)          # a traced Python int
    np.testing.assert_array_equal(f(np.array([2, 3]), np.array([3, 0])), [8, 1])


def test_integer_powers_agree_with_numpy_on_both_backends():
    got = check_backends(lambda a, b: a ** b, (np.array([2, -3, 4]), np.array([3, 2, 0])))
    np.testing.assert_array_equal(got, [8, 9, 1])
    got = check_backends(lambda a, b: a ** b, (np.array([2.0, 4.0]), np.array([-1, -2])))
    np.testing.assert_array_equal(got, [0.5, 1 / 16])


# -- the function itself -----------------------------------------------------------------

@pytest.mark.parametrize("transform", [nj.jit, nj.grad, nj.jacrev, nj.jacfwd, nj.vmap,
                                       nj.hessian, nj.value_and_grad])
@pytest.mark.parametrize("func", [None, 3, "f"])
def test_a_non_callable_func_is_a_type_error(transform, func):
    with pytest.raises(TypeError, match=f"func must be callable, got {func!r}"):
        transform(func)


@pytest.mark.parametrize("name", ["vjp", "jvp", "linearize", "jacobian"])
def test_a_non_callable_func_of_the_functional_transforms_is_a_type_error(name):
    args = {"vjp": (X,), "jvp": ((X,), (X,)), "linearize": (X,), "jacobian": (X,)}[name]
    with pytest.raises(TypeError, match=f"{name}: func must be callable, got None"):
        getattr(nj, name)(None, *args)


def test_decorator_forms_still_work():
    @nj.jit(static_argnums=1)
    def scaled(a, k):
        return a * k

    @nj.jit
    def doubled(a):
        return a * 2
    np.testing.assert_array_equal(scaled(X, 3), X * 3)
    np.testing.assert_array_equal(doubled(X), X * 2)


# -- lists of Python numbers -------------------------------------------------------------

def test_a_long_list_of_python_floats_is_refused_at_once(nothing_staged):
    values = [float(i) for i in range(1000)]
    with pytest.raises(TypeError, match="argument 0 holds 1000 Python numbers.*np.asarray"):
        nj.jit(lambda v: sum(v))(values)
    with pytest.raises(TypeError, match=r"the call has 80 \(argument 1 holds 50\) Python"):
        nj.jit(lambda u, v: sum(u) + sum(v))(values[:30], values[:50])


def test_short_lists_of_python_numbers_keep_pytree_semantics():
    values = [1.0, 2.0, 3.0]
    np.testing.assert_allclose(nj.jit(lambda v: v[0] * v[2] + v[1])(values), 5.0)
    grads = nj.grad(lambda v: v[0] * v[1] ** 2)([1.5, 2.0])
    assert isinstance(grads, list)
    np.testing.assert_allclose(grads, [4.0, 6.0])
    limit = [1.0] * MAX_SCALAR_LEAVES
    np.testing.assert_allclose(nj.jit(lambda v: sum(v))(limit), MAX_SCALAR_LEAVES)


def test_a_long_static_list_is_a_value_not_inputs():
    values = tuple(float(i) for i in range(200))
    got = nj.jit(lambda a, v: a * sum(v), static_argnums=1)(X, values)
    np.testing.assert_allclose(got, X * sum(values))
