"""A user's strictly typed module that uses every public name of numjac:
test_typing.py checks it with ``mypy --strict`` and runs ``main``.  The
``assert_type`` lines pin what a type checker infers, so an annotation that
decays to Any fails too."""
from __future__ import annotations

from typing import Any, Callable, assert_type

import numpy as np
from numpy.typing import NDArray

import numjac as nj
from numjac.typing import IR, Lowered, Transformed

Vector = NDArray[np.float64]


def model(x: Vector, w: Vector) -> Vector:
    return np.tanh(x * w)


def loss(x: Vector, w: Vector) -> np.float64:
    return np.sum(model(x, w) ** 2)


def loss_with_aux(x: Vector) -> tuple[np.float64, Vector]:
    return np.sum(x ** 2), x


@nj.jit
def decorated(x: Vector) -> Vector:
    return np.sin(x)


@nj.jit(static_argnums=1)
def power(x: Vector, n: int) -> Vector:
    return x ** n


@nj.grad
def grad_of_sum(x: Vector) -> np.float64:
    return np.sum(x ** 3)


@nj.jacrev(argnums=1, chunk_size=2)
def jacobian_in_w(x: Vector, w: Vector) -> Vector:
    return model(x, w)


@nj.jacfwd(randomness="same")
def jacobian_fwd(x: Vector) -> Vector:
    return np.exp(x)


@nj.hessian(argnums=0)
def curvature(x: Vector) -> np.float64:
    return np.sum(x ** 3)


@nj.vmap(in_dims=(0, None))
def batched_model(x: Vector, w: Vector) -> Vector:
    return model(x, w)


@nj.value_and_grad(has_aux=True)
def value_grad_aux(x: Vector) -> tuple[np.float64, Vector]:
    return loss_with_aux(x)


def damped(x: Vector) -> Vector:
    with nj.no_grad():
        scale = np.sum(x ** 2)
    return nj.stop_gradient(scale) * x


def looped(x: Vector) -> Vector:
    """The loops: each returns its carry's type."""
    def step(carry: Vector, row: Vector) -> tuple[Vector, Vector]:
        return carry * row, carry
    carry, rows = nj.scan(step, x, np.stack([x, x]))
    y: Vector = nj.fori_loop(0, 3, lambda i, v: v * x, carry)
    y = nj.while_loop(lambda v: v[0] > 1.0, lambda v: v * 0.5, y)
    return nj.cond(x[0] > 0, lambda v: v + rows[0], lambda v: v, y)


def transform_of(f: Callable[[Vector], Vector]) -> Transformed[[Vector], Any]:
    return nj.jacrev(f)


def main() -> None:
    x = np.linspace(0.1, 0.5, 3)
    w = np.ones(3)
    jitted = nj.jit(model, backend="interpret")
    assert_type(jitted(x, w), Vector)
    lowered = jitted.lower(x, w)
    assert_type(lowered, Lowered)
    assert_type(decorated(x), Vector)
    assert_type(power(x, 2), Vector)
    assert_type(nj.value_and_grad(loss)(x, w), tuple[Any, Any])
    g: Vector = nj.grad(loss, argnums=1)(x, w)
    gx, gw = nj.grad(loss, argnums=(0, 1))(x, w)
    grad_of_sum(x)
    (value, aux), g_aux = value_grad_aux(x)
    jacobian_in_w(x, w)
    jacobian_fwd(x)
    curvature(x)
    batched_model(np.ones((4, 3)), w)
    nj.vmap(model, in_dims=(0, None), out_dims=0, chunk_size=2)(np.ones((4, 3)), w)
    assert_type(nj.vjp(model, x, w), tuple[Any, Callable[[Any], tuple[Any, ...]]])
    out, vjp_fn = nj.vjp(model, x, w)
    cx, cw = vjp_fn(np.ones(3))
    out, vjp_fn, vjp_aux = nj.vjp(loss_with_aux, x, has_aux=True)
    out, tangent = nj.jvp(model, (x, w), (np.ones(3), np.zeros(3)))
    out, tangent, jvp_aux = nj.jvp(loss_with_aux, (x,), (np.ones(3),), has_aux=True)
    out, jvp_fn = nj.linearize(model, x, w)
    jvp_fn(np.ones(3), np.zeros(3))
    nj.jacobian(model, (x, w), strategy="reverse-mode")
    ir = nj.make_ir(model)(x, w)
    assert_type(ir, IR)
    nj.make_ir(power, static_argnums=1)(x, 3)
    nj.jacrev(damped)(x)
    nj.jacfwd(looped)(x)
    transform_of(np.sin)(x)
    nj.random.seed(1)
    assert_type(nj.random.normal(size=(2, 3), loc=0.0, scale=np.ones(3)), Vector)
    nj.random.uniform(-1.0, 1.0, size=4)
    try:
        nj.jit(lambda v: v if v > 0 else -v)(np.array(1.0))
    except nj.ConcretizationError as error:
        assert "np.where" in str(error)
    for unsupported in (nj.UnsupportedOperationError, nj.UnsupportedDtypeError,
                        nj.NumpyRandomError):
        assert issubclass(unsupported, NotImplementedError)
    assert np.allclose(g, gw) and value.shape == () and aux.shape == g_aux.shape
    assert gx.shape == cx.shape == cw.shape and ir.outputs


if __name__ == "__main__":
    main()
