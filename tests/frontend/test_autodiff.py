"""Autodiff: rules against finite differences for every OP_SPECS row, the
transforms against closed forms, realistic functions in both modes, and
every error the API promises."""
from collections import namedtuple

import numpy as np
import pytest

import numjac as nj
from tests.helpers import check_grads
from tests.op_specs import OP_SPECS

DIFFERENTIABLE = [s for s in OP_SPECS if s.differentiable and not s.dtypes]


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.name)
def test_grads_of_every_op(spec):
    check_grads(spec.fn, spec.make_args(), order=2)


# -- closed forms and the seed documents' examples ------------------------------------

def test_seed_jacrev_of_sin_is_diagonal():
    x = np.random.default_rng(0).normal(size=5)
    np.testing.assert_allclose(nj.jacrev(np.sin)(x), np.diag(np.cos(x)))
    np.testing.assert_allclose(nj.jacfwd(np.sin)(x), np.diag(np.cos(x)))


def test_seed_has_aux_returns_the_output():
    x = np.random.default_rng(1).normal(size=5)

    def g(x):
        result = np.sin(x)
        return result, result
    for transform in (nj.jacrev, nj.jacfwd):
        jac, aux = transform(g, has_aux=True)(x)
        np.testing.assert_allclose(aux, np.sin(x))
        np.testing.assert_allclose(jac, np.diag(np.cos(x)))


def test_seed_hessians():
    x = np.random.default_rng(2).normal(size=5)

    def f(x):
        return np.sum(np.sin(x))
    expected = np.diag(-np.sin(x))
    np.testing.assert_allclose(nj.jacrev(nj.jacrev(f))(x), expected, atol=1e-12)
    np.testing.assert_allclose(nj.jacfwd(nj.jacrev(f))(x), expected, atol=1e-12)
    np.testing.assert_allclose(nj.hessian(f)(x), expected, atol=1e-12)


def test_seed_argnums():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=5), rng.normal(size=5)

    def f(x, y):
        return x + y ** 2
    for transform in (nj.jacrev, nj.jacfwd):
        np.testing.assert_allclose(transform(f, argnums=1)(x, y), np.diag(2 * y))
        jx, jy = transform(f, argnums=(0, 1))(x, y)
        np.testing.assert_allclose(jx, np.eye(5))
        np.testing.assert_allclose(jy, np.diag(2 * y))
        np.testing.assert_allclose(transform(f, argnums=-1)(x, y), np.diag(2 * y))


def test_seed_vjp_examples():
    rng = np.random.default_rng(4)
    x = rng.normal(size=5)
    _, vjp_fn = nj.vjp(lambda x: np.sum(np.sin(x)), x)
    np.testing.assert_allclose(vjp_fn(np.array(1.0))[0],
                               nj.grad(lambda x: np.sum(np.sin(x)))(x))
    _, vjp_fn = nj.vjp(lambda x: (np.sin(x), np.cos(x)), x)
    np.testing.assert_allclose(vjp_fn((np.ones(5), np.ones(5)))[0], np.cos(x) - np.sin(x))
    _, vjp_fn = nj.vjp(lambda x: {"first": np.sin(x), "second": np.cos(x)}, x)
    cts = {"first": np.ones(5), "second": np.ones(5)}
    np.testing.assert_allclose(vjp_fn(cts)[0], np.cos(x) - np.sin(x))
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 5))
    _, vjp_fn = nj.vjp(np.matmul, a, b)
    ct = rng.normal(size=(5, 5))
    ga, gb = vjp_fn(ct)
    np.testing.assert_allclose(ga, ct @ b.T)
    np.testing.assert_allclose(gb, a.T @ ct)

    def scaled(x, scale=4.0):
        return x * scale
    _, vjp_fn = nj.vjp(scaled, x)
    np.testing.assert_allclose(vjp_fn(np.ones_like(x))[0], np.full(x.shape, 4.0))


def test_no_grad_inside_is_respected_outside_is_not():
    x = np.random.default_rng(5).normal(size=4)

    def f(x):
        with nj.no_grad():
            c = x ** 2
        return x - c
    np.testing.assert_allclose(nj.jacrev(f)(x), np.eye(4))
    with nj.no_grad():
        np.testing.assert_allclose(nj.jacrev(f)(x), np.eye(4))
    np.testing.assert_allclose(nj.grad(lambda x: np.sum(nj.stop_gradient(x) * x))(x), x)


def test_grad_value_and_grad_pytrees_and_aux():
    Params = namedtuple("Params", "w b")
    rng = np.random.default_rng(6)
    p = Params(rng.normal(size=3), np.array(0.5))
    data = {"x": rng.normal(size=(4, 3)), "y": rng.normal(size=4)}

    def loss(p, data):
        residual = data["x"] @ p.w + p.b - data["y"]
        return np.mean(residual ** 2), residual
    (value, residual), g = nj.value_and_grad(loss, has_aux=True)(p, data)
    expected_residual = data["x"] @ p.w + p.b - data["y"]
    np.testing.assert_allclose(value, np.mean(expected_residual ** 2))
    np.testing.assert_allclose(residual, expected_residual)
    assert isinstance(g, Params)
    np.testing.assert_allclose(g.w, 2 * data["x"].T @ expected_residual / 4)
    np.testing.assert_allclose(g.b, 2 * np.mean(expected_residual))
    g2, aux = nj.grad(loss, has_aux=True)(p, data)
    np.testing.assert_allclose(g2.w, g.w)


def test_jvp_and_linearize():
    x = np.random.default_rng(7).normal(size=3)
    out, tangent = nj.jvp(np.sin, (x,), (np.ones(3),))
    np.testing.assert_allclose(out, np.sin(x))
    np.testing.assert_allclose(tangent, np.cos(x))
    out, jvp_fn = nj.linearize(np.exp, x)
    np.testing.assert_allclose(jvp_fn(np.full(3, 2.0)), 2 * np.exp(x))


# -- realistic functions: jacrev == jacfwd == finite differences ------------------------

def mlp(x, w1=np.random.default_rng(8).normal(size=(6, 4)),
        w2=np.random.default_rng(9).normal(size=(3, 6))):
    return w2 @ np.tanh(w1 @ x)


def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def lorenz96(x, forcing=8.0):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + forcing


def stencil(u):
    interior = u[:-2] - 2 * u[1:-1] + u[2:]
    return np.concatenate([u[:1] ** 2, interior * u[1:-1], np.sin(u[-1:])])


def pairwise_distances(points):
    diff = points[:, None, :] - points[None, :, :]
    return np.sqrt(np.sum(diff ** 2, axis=-1) + 1e-3)


REALISTIC = [(mlp, (4,)), (log_sum_exp, (7,)), (rosenbrock, (6,)), (lorenz96, (8,)),
             (stencil, (7,)), (pairwise_distances, (4, 2))]


def finite_difference_jacobian(f, x, eps=1e-6):
    columns = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    out_shape = np.shape(f(x))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


@pytest.mark.parametrize("f, shape", REALISTIC, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("chunk_size", [None, 1, 3])
def test_realistic_jacobians(f, shape, chunk_size):
    x = np.random.default_rng(10).normal(size=shape)
    expected = finite_difference_jacobian(f, x)
    rev = nj.jacrev(f, chunk_size=chunk_size)(x)
    fwd = nj.jacfwd(f, chunk_size=chunk_size)(x)
    np.testing.assert_allclose(rev, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fwd, rev, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f, shape", REALISTIC[:4], ids=lambda v: getattr(v, "__name__", ""))
def test_realistic_second_order(f, shape):
    check_grads(f, (np.random.default_rng(11).normal(size=shape),), order=2)


# -- compositions -------------------------------------------------------------------

def test_compositions():
    rng = np.random.default_rng(12)
    x = rng.normal(size=4)

    def f(x):
        return np.sin(x) * np.sum(x ** 2)
    np.testing.assert_allclose(nj.jacrev(nj.jacrev(f))(x), nj.jacfwd(nj.jacfwd(f))(x),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nj.jacfwd(nj.jacrev(f))(x),
                               finite_difference_jacobian(nj.jacrev(f), x), rtol=1e-5, atol=1e-6)
    batch = rng.normal(size=(3, 4))
    np.testing.assert_allclose(nj.vmap(nj.jacrev(f))(batch),
                               np.stack([nj.jacrev(f)(b) for b in batch]), rtol=1e-12)
    np.testing.assert_allclose(nj.grad(lambda b: np.sum(nj.vmap(f)(b)))(batch),
                               np.stack([nj.jacrev(f)(b).sum(0) for b in batch]), rtol=1e-12)
    # vjp of grad: the Hessian-vector product
    g = nj.grad(lambda x: np.sum(np.sin(x) ** 2))
    _, vjp_fn = nj.vjp(g, x)
    v = rng.normal(size=4)
    np.testing.assert_allclose(vjp_fn(v)[0], nj.hessian(lambda x: np.sum(np.sin(x) ** 2))(x) @ v,
                               rtol=1e-10)


def test_recreating_a_transform_in_a_loop_reuses_the_trace():
    calls = []

    def f(x):
        calls.append(1)
        return np.sin(x)
    x = np.ones(3)
    for _ in range(5):
        nj.jacrev(f)(x + _)
    assert len(calls) == 1


def test_jacobian_torch_functional():
    rng = np.random.default_rng(13)
    x = rng.random((2, 2))

    def exp_reducer(x):
        return np.sum(np.exp(x), axis=1)
    expected = np.zeros((2, 2, 2))
    expected[0, 0], expected[1, 1] = np.exp(x[0]), np.exp(x[1])
    np.testing.assert_allclose(nj.jacobian(exp_reducer, x), expected)
    np.testing.assert_allclose(nj.jacobian(exp_reducer, x, vectorize=True,
                                           strategy="forward-mode"), expected)

    def exp_adder(x, y):
        return 2 * np.exp(x) + 3 * y
    a, b = rng.random(2), rng.random(2)
    ja, jb = nj.jacobian(exp_adder, (a, b))
    np.testing.assert_allclose(ja, np.diag(2 * np.exp(a)))
    np.testing.assert_allclose(jb, 3 * np.eye(2))
    with pytest.raises(ValueError, match="independent of input 1"):
        nj.jacobian(lambda x, y: x * 2, (a, b), strict=True)
    with pytest.raises(NotImplementedError, match="forward-mode"):    # as torch
        nj.jacobian(exp_reducer, x, strategy="forward-mode")
    with pytest.raises(ValueError, match="strategy"):
        nj.jacobian(exp_reducer, x, strategy="sideways")
    assert nj.jacobian(lambda x: x * 2, x.astype(np.float32)).dtype == np.float32


# -- errors ---------------------------------------------------------------------

X = np.arange(3.0)


@pytest.mark.parametrize("make, call, error, pattern", [
    (lambda: nj.grad(np.sin, argnums=()), None, ValueError, "non-empty"),
    (lambda: nj.jacrev(np.sin, argnums=(0, 0)), None, ValueError, "repeat"),
    (lambda: nj.jacrev(np.sin, argnums=1.0), None, TypeError, "argnums"),
    (lambda: nj.jacrev(np.sin, argnums=2), (X,), ValueError, "out of range"),
    (lambda: nj.jacrev(np.sin, chunk_size=0), None, ValueError, "chunk_size"),
    (lambda: nj.jacfwd(np.sin, chunk_size=-1), None, ValueError, "chunk_size"),
    (lambda: nj.grad(np.sin), (X,), ValueError, r"scalar.*\(3,\)"),
    (lambda: nj.grad(np.sum), (np.arange(3),), TypeError, "int64"),
    (lambda: nj.jacrev(lambda x: (x, x), has_aux=True), (X,), ValueError, None),
    (lambda: nj.jacrev(lambda x: x, has_aux=True), (X,), ValueError, "tuple"),
    (lambda: nj.jacrev(lambda x: 3.0), (X,), TypeError, "array"),
    (lambda: nj.jacrev(lambda x: "s"), (X,), TypeError, "array"),
    (lambda: nj.jacrev(lambda x: ()), (X,), ValueError, "no arrays"),
    (lambda: nj.grad(7), None, TypeError, "callable"),
])
def test_errors(make, call, error, pattern):
    if call is None:
        with pytest.raises(error, match=pattern):
            make()
        return
    transform = make()
    if pattern is None:
        transform(*call)   # a valid (output, aux) pair: no error
        return
    with pytest.raises(error, match=pattern):
        transform(*call)


def test_vjp_and_jvp_shape_checks():
    _, vjp_fn = nj.vjp(np.sin, X)
    with pytest.raises(ValueError, match="shape"):
        vjp_fn(np.ones(4))
    with pytest.raises(ValueError, match="structure"):
        vjp_fn((np.ones(3),))
    with pytest.raises(ValueError, match="shape"):
        nj.jvp(np.sin, (X,), (np.ones(2),))
    with pytest.raises(TypeError, match="tuple"):
        nj.jvp(np.sin, X, (X,))


def test_unrelated_inputs_and_outputs_give_exact_zeros():
    x, y = np.linspace(0.1, 1.0, 3), np.linspace(-1.0, 1.0, 4)

    def f(x, y):
        return np.sin(x), np.cos(y) * 3.0
    for transform in (nj.jacrev, nj.jacfwd):
        (jxx, jxy), (jyx, jyy) = transform(f, argnums=(0, 1))(x, y)
        assert jxy.shape == (3, 4) and not jxy.any()
        assert jyx.shape == (4, 3) and not jyx.any()
        np.testing.assert_allclose(jyy, np.diag(-3.0 * np.sin(y)))


def test_decorator_forms_and_python_scalars():
    @nj.jacrev
    def f(x):
        return x ** 2

    @nj.jacrev(argnums=1, chunk_size=2)
    def g(x, y):
        return x * y

    @nj.grad(has_aux=True)
    def h(x):
        return np.sum(x ** 2), x
    x = np.arange(3.0)
    np.testing.assert_allclose(f(x), np.diag(2 * x))
    np.testing.assert_allclose(g(x, x), np.diag(x))
    np.testing.assert_allclose(h(x)[0], 2 * x)
    derivative = nj.grad(lambda t: t ** 3)(2.0)    # a Python float is a 0-d float64
    assert derivative.dtype == np.float64 and derivative.shape == ()
    np.testing.assert_allclose(derivative, 12.0)


def test_vjp_fn_is_reusable_and_vmappable():
    rng = np.random.default_rng(14)
    x = rng.normal(size=4)
    out, vjp_fn = nj.vjp(np.tanh, x)
    cts = rng.normal(size=(5, 4))
    rows = [vjp_fn(ct)[0] for ct in cts]
    np.testing.assert_allclose(np.stack(rows), nj.vmap(vjp_fn)(cts)[0])
    np.testing.assert_allclose(rows[0], cts[0] * (1 - np.tanh(x) ** 2))


def test_gradients_through_chunked_vmap_and_float32():
    rng = np.random.default_rng(15)
    batch = rng.normal(size=(5, 3))

    def total(b):
        return np.sum(nj.vmap(lambda r: np.sin(r) * np.sum(r), chunk_size=2)(b))
    check_grads(total, (batch,), order=1)
    x32 = batch[0].astype(np.float32)
    jac = nj.jacrev(np.sin)(x32)
    assert jac.dtype == np.float32
    np.testing.assert_allclose(jac, np.diag(np.cos(x32)), rtol=1e-6)


def test_argnums_in_any_order():
    rng = np.random.default_rng(16)
    x, y = rng.normal(size=3), rng.normal(size=2)

    def f(x, y):
        return np.sum(np.sin(x)) * np.sum(y ** 2)
    gy, gx = nj.grad(f, argnums=(1, 0))(x, y)
    np.testing.assert_allclose(gx, np.cos(x) * np.sum(y ** 2))
    np.testing.assert_allclose(gy, 2 * y * np.sum(np.sin(x)))
    for transform in (nj.jacrev, nj.jacfwd):
        jy, jx = transform(lambda x, y: np.concatenate([x * 2, y ** 3]), argnums=(1, 0))(x, y)
        np.testing.assert_allclose(jx[:3], 2 * np.eye(3))
        np.testing.assert_allclose(jy[3:], np.diag(3 * y ** 2))


def test_vjp_fn_and_jvp_fn_reuse_the_residuals():
    calls = []

    def f(x):
        calls.append(1)
        return np.sin(x) * x
    x = np.linspace(0.1, 1.0, 4)
    out, vjp_fn = nj.vjp(f, x)
    vjp_fn(np.ones(4))
    traced = len(calls)     # the forward and the backward half, traced once each
    rows = np.stack([vjp_fn(ct)[0] for ct in np.eye(4)])
    assert len(calls) == traced
    np.testing.assert_allclose(rows, nj.jacrev(f)(x).T)
    out, jvp_fn = nj.linearize(f, x)
    np.testing.assert_allclose(jvp_fn(np.ones(4)), np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(jvp_fn(2 * np.ones(4)), 2 * (np.cos(x) * x + np.sin(x)))


def test_vjp_of_vjp_and_derivatives_of_linearize():
    x = np.linspace(0.1, 1.0, 4)
    ct = np.arange(4.0)

    def f(x):
        return np.sin(x) * np.sum(x ** 2)

    def pulled_back(x):
        return nj.vjp(f, x)[1](ct)[0]
    _, vjp_fn = nj.vjp(pulled_back, x)
    v = np.ones(4)
    np.testing.assert_allclose(vjp_fn(v)[0], nj.hessian(lambda x: f(x) @ ct)(x) @ v,
                               rtol=1e-10, atol=1e-12)
    check_grads(pulled_back, (x,), order=2)
    check_grads(lambda x: nj.linearize(f, x)[1](ct), (x,), order=2)
