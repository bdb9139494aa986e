"""Layers that read another captured array each (a network written as a
Python loop over its weights) fold into one scan over the stacked weights
(compiler/passes/reroll_runs.py), stacked in NumPy before the kernel runs
(compiler/passes/prelude.py): the fold, values against the unrolled trace,
finite differences, both backends, vmap, and captures rebound or changed in
place between calls."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.passes.prelude import split_prelude
from numjac.compiler.primitives.loops import scan_p
from numjac.runtime.interpreter import evaluate

from ..helpers import check_backends, check_grads, check_vmap

WIDTH = 6


def layers(depth, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH), rng.normal(size=WIDTH) * 0.1)
            for _ in range(depth)]


def mlp(weights):
    """A tanh MLP closing over the list ``weights`` of (W, b)."""
    def f(x):
        for w, b in weights:
            x = np.tanh(w @ x + b)
        return x
    return f


def scans(ir):
    return [e for e in ir.eqns if e.prim is scan_p]


X = np.random.default_rng(1).normal(size=WIDTH)
TRANSFORMS = {"jit": nj.jit, "jacrev": nj.jacrev, "jacfwd": nj.jacfwd, "hessian":
              lambda f: nj.hessian(lambda x: np.sum(f(x) ** 2))}


def unrolled(transform, f, monkeypatch):
    """``transform(f)`` traced with re-rolling off (a new wrapper)."""
    monkeypatch.setenv("NUMJAC_REROLL", "0")
    return transform(lambda x: f(x))


@pytest.mark.parametrize("depth", [12, 40])
def test_the_layers_fold_into_one_scan_over_the_stacked_weights(depth):
    ir = nj.jit(mlp(layers(depth))).lower(X).stage("final")
    [loop] = scans(ir)
    assert loop.params["length"] == depth and loop.params["num_carry"] == 1
    assert len(loop.params["body"].eqns) == 3        # W @ x, + b, tanh
    # The stacks are the only other equations: reshapes to a leading 1 and
    # two concatenates (the reshapes are not folded again into a scan).
    assert [e.prim.name for e in ir.eqns].count("concatenate") == 2
    assert len(ir.eqns) == 2 * depth + 3


def test_the_kernel_takes_each_stack_as_one_argument():
    ir = nj.jacrev(mlp(layers(12))).lower(X).stage("final")
    prelude, kernel_ir = split_prelude(ir)
    assert len(ir.inputs) == 1 + 2 * 12 and len(kernel_ir.inputs) == 3
    assert [v.type.shape for v in kernel_ir.inputs[1:]] == [(12, WIDTH, WIDTH), (12, WIDTH)]
    assert not any(e.prim.name == "concatenate" for e in kernel_ir.eqns)
    arrays = [X] + [a for layer in layers(12) for a in layer]
    for got, expected in zip(evaluate(kernel_ir, *prelude(arrays)), evaluate(ir, *arrays)):
        np.testing.assert_array_equal(got, expected)


def test_the_shown_source_is_the_kernel_compiled():
    source = nj.jit(mlp(layers(12))).lower(X).source
    assert "def kernel(a, b, c):" in source and f"b:f64[12,{WIDTH},{WIDTH}]" in source


def test_an_ir_without_stacks_has_no_prelude():
    ir = nj.jit(mlp(layers(2))).lower(X).stage("final")
    assert split_prelude(ir) == (None, ir)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_values_match_the_unrolled_trace(name, monkeypatch):
    f = mlp(layers(12))
    rolled = TRANSFORMS[name](f)(X)
    plain = unrolled(TRANSFORMS[name], f, monkeypatch)(X)
    np.testing.assert_allclose(rolled, plain, rtol=1e-12, atol=1e-12)


def test_derivatives_match_finite_differences():
    check_grads(mlp(layers(12)), (X,), order=2)


@pytest.mark.parametrize("name", ["jit", "jacrev", "jacfwd"])
def test_numba_matches_the_interpreter(name):
    check_backends(TRANSFORMS[name](mlp(layers(12))), (X,))


def test_vmap_matches_a_python_loop():
    check_vmap(mlp(layers(12)), 0, (np.random.default_rng(2).normal(size=(4, WIDTH)),))


@pytest.mark.parametrize("backend", ["numba", "interpret"])
@pytest.mark.parametrize("name", ["jit", "jacrev"])
def test_weights_changed_in_place_between_calls_give_new_values(name, backend):
    weights = layers(12)
    f = mlp(weights)
    transformed = nj.jit(TRANSFORMS[name](f), backend=backend)
    transformed(X)
    transformed(X)      # the fast path from here on
    weights[5][0][:] *= -2.0
    weights[11][1][0] = 3.0
    expected = nj.jit(TRANSFORMS[name](mlp([(w.copy(), b.copy()) for w, b in weights])),
                      backend="interpret")(X)
    np.testing.assert_allclose(transformed(X), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", ["numba", "interpret"])
def test_weights_rebound_between_calls_give_new_values(backend):
    weights = layers(12)

    def f(x):
        for w, b in weights:
            x = np.tanh(w @ x + b)
        return x
    jacobian = nj.jacrev(f)
    nj.jit(jacobian, backend=backend)(X)
    weights = layers(12, seed=3)            # the closure cell now holds another list
    got = nj.jit(jacobian, backend=backend)(X)
    expected = nj.jacrev(mlp(layers(12, seed=3)))(X)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_weights_passed_as_an_argument_are_stacked_and_differentiated(monkeypatch):
    def f(x, weights):
        for w, b in weights:
            x = np.tanh(w @ x + b)
        return np.sum(x)
    weights = layers(12)
    ir = nj.jit(f).lower(X, weights).stage("final")
    assert len(scans(ir)) == 1
    rolled = nj.grad(f, argnums=1)(X, weights)
    monkeypatch.setenv("NUMJAC_REROLL", "0")
    plain = nj.grad(lambda x, ws: f(x, ws), argnums=1)(X, weights)
    for (dw, db), (ew, eb) in zip(rolled, plain):
        np.testing.assert_allclose(dw, ew, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(db, eb, rtol=1e-12, atol=1e-13)


def test_the_sparsity_pattern_matches_the_unrolled_trace(monkeypatch):
    """The analysis gives no columns to the stacked weights (nor lists
    their entries) and finds the pattern it finds unrolled."""
    f = mlp(layers(30))
    pattern = nj.jacobian_sparsity(f)(X).toarray()
    plain = unrolled(nj.jacobian_sparsity, f, monkeypatch)(X).toarray()
    np.testing.assert_array_equal(pattern, plain)
    assert pattern.shape == (WIDTH, WIDTH)


def test_zero_dimensional_weights_are_stacked_too(monkeypatch):
    scales = [np.array(0.5 + 0.1 * k) for k in range(10)]

    def f(x):
        for s in scales:
            x = np.sin(x) * s + x
        return x
    [loop] = scans(nj.jit(f).lower(X).stage("final"))
    assert loop.params["length"] == 10
    check_backends(nj.jacrev(f), (X,))
    monkeypatch.setenv("NUMJAC_REROLL", "0")
    np.testing.assert_allclose(nj.jit(f)(X), nj.jit(lambda x: f(x))(X), rtol=1e-14)


@pytest.mark.parametrize("backend", ["numba", "interpret"])
def test_a_weight_in_its_own_closure_variable_rebound_gives_new_values(backend):
    """Each weight a closure variable of its own: the guards pass the array
    the variable holds now, without staging again, and the stack takes it."""
    w0, w1, w2, w3 = (w for w, _ in layers(4))

    def f(x):
        x = np.tanh(w0 @ x)
        x = np.tanh(w1 @ x)
        x = np.tanh(w2 @ x)
        return np.tanh(w3 @ x)

    def rebind(new):
        nonlocal w2
        w2 = new
    jacobian = nj.jit(nj.jacrev(f), backend=backend)
    [loop] = scans(nj.jit(f).lower(X).stage("final"))
    assert loop.params["length"] == 4
    jacobian(X)
    jacobian(X)
    rebind(np.eye(WIDTH) * 0.3)
    expected = nj.jacrev(mlp([(w, np.zeros(WIDTH)) for w in (w0, w1, w2, w3)]))(X)
    np.testing.assert_allclose(jacobian(X), expected, rtol=1e-12, atol=1e-12)
