"""Python state a traced function reads besides its arguments is either an
input (read again at every call) or guarded (a change stages again): no
call returns a value computed from state that has since changed.

Each case changes the state after a first call and checks the next call
against NumPy, on the same transformed object and on a re-created one.
"""
import numpy as np
import pytest

import numjac as nj

X = np.array([0.3, -1.2, 2.0])
ROWS = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.7]])

# name -> (transform, its argument, the value for f(y) = sum(sin(y)) * t)
TRANSFORMS = {
    "jit": (nj.jit, X, lambda t: np.sum(np.sin(X)) * t),
    "jacfwd": (nj.jacfwd, X, lambda t: np.cos(X) * t),
    "jacrev": (nj.jacrev, X, lambda t: np.cos(X) * t),
    "grad": (nj.grad, X, lambda t: np.cos(X) * t),
    "vmap": (nj.vmap, ROWS, lambda t: np.sum(np.sin(ROWS), axis=1) * t),
    "hessian": (nj.hessian, X, lambda t: np.diag(-np.sin(X) * t)),
    "vjp": (lambda f: lambda y: nj.vjp(f, y)[1](np.float64(1.0))[0], X,
            lambda t: np.cos(X) * t),
}


def check(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def settable_closure(t):
    """f(y) = sum(sin(y)) * t over a closure cell, and a setter of t."""
    def f(y):
        return np.sum(np.sin(y)) * t

    def set_t(value):
        nonlocal t
        t = value
    return f, set_t


# -- closure floats are inputs ------------------------------------------------------

@pytest.mark.parametrize("name", TRANSFORMS)
def test_a_rebound_closure_float_is_seen_by_the_same_object(name):
    transform, arg, want = TRANSFORMS[name]
    f, set_t = settable_closure(1.0)
    g = transform(f)
    check(g(arg), want(1.0))
    set_t(2.5)
    check(g(arg), want(2.5))


@pytest.mark.parametrize("name", TRANSFORMS)
def test_a_rebound_closure_float_is_seen_by_a_recreated_transform(name):
    transform, arg, want = TRANSFORMS[name]
    f, set_t = settable_closure(1.0)
    check(transform(f)(arg), want(1.0))
    for t in (2.5, -0.5):
        set_t(t)
        check(transform(f)(arg), want(t))


def test_a_closure_float_change_neither_retraces_nor_makes_a_new_kernel():
    traces, t = [], 1.0

    def f(y):
        traces.append(1)
        return y * t

    g = nj.jit(f, backend="numba")
    for t in (1.0, 2.0, 3.0):
        check(g(X), X * t)
        check(nj.jit(f, backend="numba")(X), X * t)
    assert len(traces) == 1


def test_an_unchanged_closure_does_not_retrace():
    traces, t, w = [], 2.0, np.array([1.0, 2.0, 3.0])

    def f(y):
        traces.append(1)
        return y * t + w

    for _ in range(3):
        check(nj.jit(f)(X), X * 2.0 + w)
        check(nj.jacfwd(f)(X), np.diag(np.full(3, 2.0)))
    assert len(traces) == 2        # one per transform


def test_the_ode_idiom_a_lambda_per_time_step():
    def rhs(t, y):
        return np.sin(t) * y ** 2

    for t in (0.5, 1.0, 2.0):
        jac = nj.jacfwd(lambda y: rhs(t, y))   # noqa: B023 - the point of the test
        check(jac(X), np.diag(np.sin(t) * 2 * X))


def test_the_ode_idiom_one_lambda_over_a_changing_time():
    def rhs(t, y):
        return np.sin(t) * y ** 2

    t = 0.0
    f = lambda y: rhs(t, y)     # noqa: E731
    for t in (0.5, 1.0, 2.0):
        check(nj.jacfwd(f)(X), np.diag(np.sin(t) * 2 * X))
        check(nj.jacrev(f)(X), np.diag(np.sin(t) * 2 * X))


def test_a_closure_float_tested_in_an_if_is_guarded():
    traces, t = [], 1.0

    def f(y):
        traces.append(1)
        return y * 3.0 if t > 0 else y * -5.0

    g = nj.jit(f)
    check(g(X), 3.0 * X)
    t = -1.0
    check(g(X), -5.0 * X)
    check(nj.jacrev(f)(X), -5.0 * np.eye(3))
    t = -2.0                    # same branch: the guard compares the value
    check(g(X), -5.0 * X)


def test_numpy_float_closures_are_inputs_too():
    t = np.float64(1.5)
    f = lambda y: y * t     # noqa: E731
    for t in np.linspace(0.5, 2.0, 3):
        check(nj.jacfwd(f)(X), np.diag(np.full(3, t)))


def test_a_closure_float_rebound_to_another_type_restages():
    t = 2.0
    f = lambda y: y * t     # noqa: E731
    g = nj.jit(f)
    check(g(X), 2.0 * X)
    t = np.array([1.0, 2.0, 3.0])
    check(g(X), X * t)
    t = 4
    check(g(X), 4 * X)


# -- closures at any depth ------------------------------------------------------------

def test_a_closure_of_a_closure():
    t = 1.0

    def inner(y):
        return np.sin(y) * t

    def outer(y):
        return np.sum(inner(y))

    g = nj.grad(outer)
    check(g(X), np.cos(X))
    t = 3.0
    check(g(X), 3.0 * np.cos(X))
    check(nj.grad(outer)(X), 3.0 * np.cos(X))


def scale_by(t):
    def scaled(y):
        return y * t
    return scaled


SCALER = scale_by(2.0)
FACTOR = 2.0


def through_global_helper(y):
    return SCALER(y) + FACTOR


def test_a_global_function_with_its_own_closure():
    global SCALER
    g = nj.jit(through_global_helper)
    check(g(X), 2.0 * X + 2.0)
    SCALER = scale_by(5.0)
    try:
        check(g(X), 5.0 * X + 2.0)
        check(nj.jacfwd(through_global_helper)(X), 5.0 * np.eye(3))
    finally:
        SCALER = scale_by(2.0)


def test_a_global_float_read_by_the_function_is_an_input():
    global FACTOR
    g = nj.jit(through_global_helper)
    check(g(X), 2.0 * X + 2.0)
    FACTOR = -1.0
    try:
        check(g(X), 2.0 * X - 1.0)
    finally:
        FACTOR = 2.0


def test_a_jitted_function_called_inside_a_transform():
    t = 1.0
    h = nj.jit(lambda y: np.sin(y) * t)
    g = nj.grad(lambda y: np.sum(h(y)))
    check(g(X), np.cos(X))
    t = 2.0
    check(g(X), 2.0 * np.cos(X))
    check(h(X), 2.0 * np.sin(X))


# -- defaults and code ----------------------------------------------------------------

def test_changed_defaults_and_kwdefaults():
    def f(y, a=2.0, *, b=1.0):
        return y * a + b

    g = nj.jit(f)
    check(g(X), 2.0 * X + 1.0)
    f.__defaults__ = (3.0,)
    check(g(X), 3.0 * X + 1.0)
    f.__kwdefaults__ = {"b": -4.0}
    check(g(X), 3.0 * X - 4.0)
    check(nj.jacfwd(f)(X), 3.0 * np.eye(3))


def test_a_replaced_code_object():
    def f(y):
        return y * 2.0

    g = nj.jit(f)
    check(g(X), 2.0 * X)
    f.__code__ = (lambda y: np.sin(y)).__code__
    check(g(X), np.sin(X))
    check(nj.jacrev(f)(X), np.diag(np.cos(X)))


# -- module globals --------------------------------------------------------------------

N_OUT = 2
WEIGHTS = np.array([1.0, 2.0, 3.0])


def global_shape(y):
    return np.zeros(N_OUT) + np.sum(y * WEIGHTS)


def test_a_global_int_used_as_a_shape_is_guarded():
    global N_OUT
    g = nj.jit(global_shape)
    check(g(X), np.full(2, X @ WEIGHTS))
    N_OUT = 4
    try:
        check(g(X), np.full(4, X @ WEIGHTS))
        check(nj.jacrev(global_shape)(X), np.tile(WEIGHTS, (4, 1)))
    finally:
        N_OUT = 2


POWER = 3


def global_power(y):
    return np.sum(y[1:] ** POWER * y[:-1])


def test_a_hessian_whose_gradient_reads_the_same_globals():
    """The hessian's trace inlines its gradient's entry, guarded by the same
    places with the same values: its check compares them once, and still
    stages again when they change (here through the compressed dense path,
    whose constants follow the captures)."""
    global POWER
    y = np.linspace(0.5, 1.5, 48)

    def expected(power):
        return nj.jacfwd(nj.grad(lambda z: np.sum(z[1:] ** power * z[:-1])),
                         chunk_size=10 ** 9)(y)
    hessian = nj.hessian(global_power)
    check(hessian(y), expected(3))
    POWER = 2
    try:
        check(hessian(y), expected(2))
        check(nj.hessian(global_power)(y), expected(2))
    finally:
        POWER = 3
    check(hessian(y), expected(3))


def test_a_rebound_global_array_same_and_new_shape():
    global WEIGHTS
    g = nj.jit(global_shape)
    check(g(X), np.full(2, X @ WEIGHTS))
    old = WEIGHTS
    try:
        WEIGHTS = np.array([-1.0, 0.5, 4.0])          # same shape: passed as it is
        check(g(X), np.full(2, X @ WEIGHTS))
        WEIGHTS = np.array([[1.0], [2.0], [3.0]])     # a new shape: traced again
        check(g(X), np.zeros(2) + np.sum(X * WEIGHTS))
    finally:
        WEIGHTS = old


def test_an_array_mutated_in_place_is_seen():
    w = np.array([1.0, 2.0, 3.0])
    f = lambda y: np.sum(y * w)     # noqa: E731
    g = nj.jit(f, backend="numba")
    check(g(X), X @ w)
    w[:] = [4.0, 5.0, 6.0]
    check(g(X), X @ w)
    check(nj.grad(f)(X), w)


# -- bound methods --------------------------------------------------------------------

class Model:
    offset = 0.0                # a class attribute

    def __init__(self):
        self.a = 2.0
        self.w = np.array([1.0, 1.0, 1.0])

    def __call__(self, y):
        return self.predict(y)

    def predict(self, y):
        return np.sum(self.scaled(y)) + self.offset

    def scaled(self, y):
        return np.sin(y) * self.a * self.w


def model_value(m):
    return np.sum(np.sin(X) * m.a * m.w) + m.offset


def test_instance_attributes_of_a_bound_method():
    m = Model()
    g = nj.jit(m.predict)
    check(g(X), model_value(m))
    m.a = 3.0                               # a float: an input
    check(g(X), model_value(m))
    m.w = np.array([1.0, -2.0, 0.5])        # a rebound array, same shape
    check(g(X), model_value(m))
    check(nj.jit(m.predict)(X), model_value(m))
    check(nj.grad(m.predict)(X), np.cos(X) * m.a * m.w)
    m.w = np.array(2.0)                     # a new shape
    check(g(X), model_value(m))


def test_class_attributes_and_shadowing_instance_attributes():
    m = Model()
    g = nj.jit(m.predict)
    check(g(X), model_value(m))
    Model.offset = 1.5
    try:
        check(g(X), model_value(m))
        m.offset = -3.0
        check(g(X), model_value(m))
    finally:
        Model.offset = 0.0


def test_a_callable_instance_through_a_transform():
    m = Model()
    g = nj.jacrev(m.__call__)
    check(g(X), np.cos(X) * m.a * m.w)
    m.a = -1.0
    check(g(X), np.cos(X) * m.a * m.w)


# -- what the guards do not stage again for ------------------------------------------

def test_an_equal_int_in_a_new_object_does_not_retrace():
    traces, n = [], 1000

    def f(y):
        traces.append(1)
        return y * n

    g = nj.jit(f)
    check(g(X), 1000 * X)
    n = int("1000")             # equal, not the same object
    check(g(X), 1000 * X)
    assert len(traces) == 1
    n = 7
    check(g(X), 7 * X)
    assert len(traces) == 2


def test_a_zero_d_closure_array_is_an_input_passed_by_reference():
    t = np.array(2.0)
    f = lambda y: y * t     # noqa: E731
    g = nj.jit(f)
    check(g(X), 2.0 * X)
    t[()] = 3.0
    check(g(X), 3.0 * X)
    t = np.array(-1.0)
    check(g(X), -1.0 * X)


class Slotted:
    __slots__ = ("a",)

    def __init__(self):
        self.a = 2.0

    @property
    def doubled(self):
        return 2.0 * self.a

    def f(self, y):
        return y * self.doubled


def test_slots_and_properties_of_a_bound_method_are_guarded():
    m = Slotted()
    g = nj.jit(m.f)
    check(g(X), 4.0 * X)
    m.a = 3.0
    check(g(X), 6.0 * X)


def test_a_jitted_function_out_of_sight_of_the_enclosing_trace():
    t = 1.0
    h = nj.jit(lambda y: np.sin(y) * t)
    holder = [h]                # the enclosing function cannot see into the list
    g = nj.grad(lambda y: np.sum(holder[0](y)))
    check(h(X), np.sin(X))      # h's entry is cached before g traces
    check(g(X), np.cos(X))
    t = 2.0
    check(g(X), 2.0 * np.cos(X))


def test_a_function_passed_as_a_static_argument():
    def apply(fn, y):
        return np.sum(fn(y))

    t = 1.0
    rate = lambda y: y * t     # noqa: E731
    g = nj.jit(apply)
    check(g(rate, X), np.sum(X))
    t = 4.0
    check(g(rate, X), 4.0 * np.sum(X))
    check(nj.grad(apply, argnums=1)(rate, X), np.full(3, 4.0))


def test_a_float_formatted_or_rounded_while_tracing_is_guarded():
    labels, t = [], 0.25

    def f(y):
        labels.append(f"{t:.2f}")
        return y * round(t, 1)

    g = nj.jit(f)
    check(g(X), 0.2 * X)
    t = 0.75
    check(g(X), 0.8 * X)
    assert labels[-1] == "0.75"


def test_a_decorator_closure_is_read_with_the_function_it_wraps():
    import functools

    def scaled_by(k):
        def decorate(fn):
            @functools.wraps(fn)
            def wrapper(y):
                return fn(y) * k
            return wrapper
        return decorate

    k = 2.0

    @scaled_by(3.0)
    def f(y):
        return np.sin(y) * k

    g = nj.jit(f)
    check(g(X), 6.0 * np.sin(X))
    k = -1.0
    check(g(X), -3.0 * np.sin(X))


def test_rebound_closure_arrays_and_floats_on_numba():
    w, t = np.array([1.0, 2.0, 3.0]), 0.5
    f = lambda y: np.sum(np.sin(y) * w) * t     # noqa: E731
    g = nj.jit(nj.grad(f), backend="numba")
    check(g(X), np.cos(X) * w * t)
    w, t = np.array([-1.0, 0.0, 2.0]), 3.0
    check(g(X), np.cos(X) * w * t)
    w = np.array([1.0, 2.0])    # another shape: traced again for it
    check(nj.jit(f, backend="numba")(X[:2]), np.sum(np.sin(X[:2]) * w) * t)


def test_a_float_passed_to_a_numpy_function_numjac_does_not_trace():
    t = 2.0
    f = lambda y: y * np.linspace(0.0, t, 3)    # noqa: E731
    g = nj.jit(f)
    check(g(X), X * np.linspace(0.0, 2.0, 3))
    t = 4.0
    check(g(X), X * np.linspace(0.0, 4.0, 3))
    h = nj.jit(lambda y, s: y * np.linspace(0.0, s, 3))     # an argument: specialized
    check(h(X, 3.0), X * np.linspace(0.0, 3.0, 3))
    check(h(X, 5.0), X * np.linspace(0.0, 5.0, 3))


def test_a_float_formatted_in_an_f_string_reads_its_value():
    t = 2.0
    f = lambda y: y * len(f"{t}")   # noqa: E731
    g = nj.jit(f)
    check(g(X), 3 * X)
    t = 12.5
    check(g(X), 4 * X)
