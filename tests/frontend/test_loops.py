"""nj.scan, nj.fori_loop, nj.while_loop and nj.cond: each against the Python
loop it stands for, derivatives against finite differences (orders 1 and
2, forward and reverse), vmap against a loop over examples, compositions,
and the errors for bad input (the Numba backend: tests/runtime/test_loops.py)."""
import numpy as np
import pytest

import numjac as nj
from numjac import ConcretizationError
from tests.helpers import check_grads, check_vmap

RNG = np.random.default_rng(0)
W = RNG.normal(size=(3, 3)) / 2
XS = RNG.normal(size=(5, 3))
X3 = RNG.normal(size=3)


# -- the functions, each with its Python loop ----------------------------------------------

def rnn(xs, h0):
    def step(h, x):
        h = np.tanh(W @ h + x)
        return h, np.sum(h * h)
    h, ys = nj.scan(step, h0, xs)
    return h + ys.sum()


def rnn_loop(xs, h0):
    h, ys = h0, []
    for x in xs:
        h = np.tanh(W @ h + x)
        ys.append(np.sum(h * h))
    return h + np.sum(np.stack(ys))


def reversed_scan(xs):
    carry, ys = nj.scan(lambda c, x: (np.sin(c) + x, c * x), np.ones(3), xs, reverse=True)
    return carry, ys


def reversed_loop(xs):
    c, ys = np.ones(3), [None] * len(xs)
    for i in reversed(range(len(xs))):
        c, ys[i] = np.sin(c) + xs[i], c * xs[i]
    return c, np.stack(ys)


def pytree_scan(x):
    def step(state, _):
        return {"pos": state["pos"] + 0.1 * state["vel"], "vel": state["vel"] - 0.1 * np.sin(
            state["pos"]), "n": state["n"] + 1}, (state["pos"][0], state["vel"])
    state, (firsts, vels) = nj.scan(step, {"pos": x, "vel": x * 0.5, "n": 0}, length=4)
    return state["pos"] * state["vel"] + firsts.sum() + vels.sum(axis=0) + state["n"]


def pytree_loop(x):
    pos, vel, n, total = x, x * 0.5, 0, 0.0
    vels = np.zeros(3)
    for _ in range(4):
        total, vels = total + pos[0], vels + vel
        pos, vel, n = pos + 0.1 * vel, vel - 0.1 * np.sin(pos), n + 1
    return pos * vel + total + vels + n


def fori(x):
    return nj.fori_loop(1, 5, lambda i, y: np.sin(y) * x + i, x)


def fori_loop_python(x):
    y = x
    for i in range(1, 5):
        y = np.sin(y) * x + i
    return y


def while_fn(x):
    def body(state):
        i, y = state
        return i + 1, y * 0.5 + np.sin(y) * x
    return nj.while_loop(lambda s: s[0] < 3 + (x[0] > 0), body, (0, x))[1]


def while_python(x):
    i, y = 0, x
    while i < 3 + (x[0] > 0):
        i, y = i + 1, y * 0.5 + np.sin(y) * x
    return y


def cond_fn(x):
    return nj.cond(np.sum(x) > 0, lambda v: np.sin(v) * v, lambda v: np.cos(v) + v, x)


def cond_python(x):
    return np.sin(x) * x if np.sum(x) > 0 else np.cos(x) + x


CASES = {
    "scan": (rnn, rnn_loop, (XS, X3)),
    "scan-reverse": (reversed_scan, reversed_loop, (XS,)),
    "scan-pytree": (pytree_scan, pytree_loop, (X3,)),
    "fori_loop": (fori, fori_loop_python, (X3,)),
    "while_loop": (while_fn, while_python, (X3,)),
    "while_loop-other-count": (while_fn, while_python, (-X3,)),
    "cond-true": (cond_fn, cond_python, (np.abs(X3),)),
    "cond-false": (cond_fn, cond_python, (-np.abs(X3),)),
}


@pytest.mark.parametrize("name", CASES)
def test_loop_agrees_with_the_python_loop(name):
    fn, python, args = CASES[name]
    got, expected = nj.jit(fn)(*args), python(*args)
    for g, e in zip(np.atleast_1d(got) if not isinstance(got, tuple) else got,
                    np.atleast_1d(expected) if not isinstance(expected, tuple) else expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_loops_run_eagerly_outside_a_trace():
    np.testing.assert_allclose(rnn(XS, X3), rnn_loop(XS, X3), rtol=1e-12)
    np.testing.assert_allclose(while_fn(X3), while_python(X3), rtol=1e-12)
    np.testing.assert_allclose(cond_fn(X3), cond_python(X3), rtol=1e-12)


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("while")])
def test_derivatives_match_finite_differences(name):
    fn, _, args = CASES[name]
    check_grads(fn, args, order=2)


@pytest.mark.parametrize("x", [X3, -X3])
def test_while_loop_derivatives_in_forward_mode(x):
    check_grads(while_fn, (x,), order=2, modes=("fwd",))


def test_while_loop_in_reverse_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="cannot differentiate nj.while_loop"):
        nj.grad(lambda x: while_fn(x).sum())(X3)


def test_fori_loop_with_traced_bounds_is_a_while_loop():
    def f(x, n):
        return nj.fori_loop(0, n, lambda i, y: y * x, np.ones_like(x))
    np.testing.assert_allclose(nj.jit(f)(X3, 3), X3 ** 3)
    ir = nj.make_ir(f)(X3, 3)
    assert "while_loop" in [e.prim.name for e in ir.eqns]
    np.testing.assert_allclose(nj.jacfwd(f)(X3, 3), np.diag(3 * X3 ** 2), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="fori_loop with traced bounds"):
        nj.grad(lambda x, n: f(x, n).sum())(X3, 3)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("checkpoint", [2, 3, True])
def test_checkpointed_scan_has_the_same_gradient(checkpoint, reverse):
    def loss(xs, h0, **kw):
        h, ys = nj.scan(lambda h, x: (np.tanh(W @ h + x), h.sum()), h0, xs, reverse=reverse,
                        **kw)
        return np.sum(h * h) + np.sum(ys * ys)
    stored = nj.grad(loss, argnums=(0, 1))(XS, X3)
    checkpointed = nj.grad(lambda xs, h0: loss(xs, h0, checkpoint=checkpoint),
                           argnums=(0, 1))(XS, X3)
    for a, b in zip(stored, checkpointed):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    check_grads(lambda xs, h0: loss(xs, h0, checkpoint=checkpoint), (XS, X3), order=1)


def test_checkpointed_scan_stores_every_kth_carry():
    def loss(xs):
        return nj.scan(lambda h, x: (np.sin(h) * x, None), np.ones(3), xs,
                       checkpoint=2)[0].sum()
    ir = nj.make_ir(nj.grad(loss))(np.ones((6, 3)))
    stored = [v.type.shape for e in ir.eqns if e.prim.name == "scan" for v in e.outs]
    assert (3, 3) in stored and (6, 3) not in stored


# -- vmap ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["scan", "scan-pytree", "fori_loop", "cond-true"])
def test_vmap_matches_a_loop_over_examples(name):
    fn, _, args = CASES[name]
    batch = tuple(np.stack([a, 0.5 * a - 0.1, -a]) for a in args)
    check_vmap(fn, 0, batch)


def test_vmap_of_scan_with_unbatched_xs():
    check_vmap(rnn, (None, 0), (XS, np.stack([X3, -X3])))


def test_vmap_while_loop_with_a_batched_predicate_stops_each_row():
    xs = np.stack([X3, -X3, 0.3 * X3])
    check_vmap(while_fn, 0, (xs,))
    check_vmap(lambda x: nj.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x), 0,
               (np.array([0.5, 3.0, 20.0]),))


def test_vmap_cond_with_a_batched_predicate_selects_per_row():
    xs = np.stack([np.abs(X3), -np.abs(X3), X3])
    check_vmap(cond_fn, 0, (xs,))


# -- composition ------------------------------------------------------------------------------

def test_jacrev_of_scan_inside_vmap():
    batch = np.stack([X3, -X3])
    got = nj.vmap(nj.jacrev(rnn, argnums=1), (None, 0))(XS, batch)
    expected = np.stack([nj.jacfwd(rnn_loop, argnums=1)(XS, h) for h in batch])
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_hessian_through_fori_loop():
    def f(x):
        return np.sum(fori(x) ** 2)
    np.testing.assert_allclose(nj.hessian(f)(X3),
                               nj.hessian(lambda x: np.sum(fori_loop_python(x) ** 2))(X3),
                               rtol=1e-10)


def nested(x):
    def outer(i, y):
        inner, _ = nj.scan(lambda c, _: (np.sin(c) * y + i, None), y, length=3)
        return inner * 0.5
    return nj.fori_loop(0, 3, outer, x)


def nested_python(x):
    y = x
    for i in range(3):
        c = y
        for _ in range(3):
            c = np.sin(c) * y + i
        y = c * 0.5
    return y


def loop_in_cond(x):
    return nj.cond(x[0] > 0, lambda v: nj.fori_loop(0, 3, lambda i, y: np.sin(y) * v, v),
                   lambda v: v * 2.0, x)


def loop_in_cond_python(x):
    if x[0] <= 0:
        return x * 2.0
    y = x
    for _ in range(3):
        y = np.sin(y) * x
    return y


@pytest.mark.parametrize("fn, python", [(nested, nested_python),
                                        (loop_in_cond, loop_in_cond_python)])
def test_nested_loops_and_loops_in_branches(fn, python):
    for x in (X3, -X3):
        np.testing.assert_allclose(nj.jit(fn)(x), python(x), rtol=1e-12)
    check_grads(fn, (X3,), order=2)


# -- errors --------------------------------------------------------------------------------

def test_bad_input_gets_a_clear_error():
    def jit_call(fn):
        return nj.jit(fn)(X3)
    with pytest.raises(TypeError, match="f must be callable"):
        nj.scan(3, 0.0, XS)
    with pytest.raises(TypeError, match=r"type of carry\['n'\]: it is i64\[\] on the way in "
                                        r"and f64\[\]"):
        jit_call(lambda x: nj.scan(lambda c, _: ({"n": c["n"] + 0.5}, None), {"n": 0},
                                   length=2))
    with pytest.raises(TypeError, match="same structure"):
        jit_call(lambda x: nj.fori_loop(0, 2, lambda i, v: (v, v), x))
    with pytest.raises(TypeError, match="pair"):
        jit_call(lambda x: nj.scan(lambda c, y: c, x, XS))
    with pytest.raises(ValueError, match="length must be >= 0"):
        jit_call(lambda x: nj.scan(lambda c, y: (c, y), x, length=-1))
    with pytest.raises(ValueError, match="disagree"):
        jit_call(lambda x: nj.scan(lambda c, y: (c, y), x, XS, length=4))
    with pytest.raises(ValueError, match="give xs or length"):
        jit_call(lambda x: nj.scan(lambda c, y: (c, y), x))
    with pytest.raises(TypeError, match="must be an integer"):
        nj.fori_loop(0.0, 3, lambda i, v: v, X3)
    with pytest.raises(TypeError, match=r"init_val\[1\]"):
        jit_call(lambda x: nj.while_loop(lambda v: v[0] < 3, lambda v: (v[0] + 1, v[1][:2]),
                                         (0, x)))
    with pytest.raises(TypeError, match="scalar"):
        jit_call(lambda x: nj.while_loop(lambda v: v > 0, lambda v: v - 1, x))
    with pytest.raises(TypeError, match="false_fun changes the type of result"):
        jit_call(lambda x: nj.cond(x[0] > 0, lambda v: v, lambda v: v.astype(np.float32), x))
    with pytest.raises(nj.UnsupportedOperationError, match="nj.random inside"):
        nj.jit(lambda x: nj.scan(lambda c, _: (c + nj.random.normal(), None), x[0],
                                 length=2))(X3)


def test_concrete_cond_predicate_calls_the_branch():
    assert nj.cond(True, lambda: "yes", lambda: "no") == "yes"
    ir = nj.make_ir(lambda x: nj.cond(x.shape[0] == 3, np.sin, np.cos, x))(X3)
    assert [e.prim.name for e in ir.eqns] == ["sin"]


def test_outside_a_trace_loops_are_python_loops():
    c = np.array([1.0, 2.0, 3.0])

    def poly(x):
        return nj.fori_loop(0, 3, lambda i, y: y * x + c[i], np.zeros_like(x))
    np.testing.assert_allclose(poly(X3), X3 * X3 + 2 * X3 + 3, rtol=1e-12)
    assert nj.fori_loop(0, 3, lambda i, y: y * i, np.float32(1.5)).dtype == np.float32
    carry, ys = nj.scan(lambda c, x: (c, x), 0.0, np.zeros((0, 2)))
    assert float(carry) == 0.0 and ys.shape == (0, 2)
    with pytest.raises(TypeError, match=r"type of init_val: it is f64\[3\] on the way in"):
        nj.fori_loop(0, 2, lambda i, v: v[:2], X3)
    with pytest.raises(ConcretizationError, match="as xs of nj.scan"):
        nj.jit(poly)(X3)


def test_the_fori_index_promotes_as_a_python_int():
    x = np.ones(2, np.float32)
    assert nj.jit(lambda x: nj.fori_loop(0, 3, lambda i, y: y * i + y, x))(x).dtype == np.float32
