"""A list, dict or object a traced function reads keeps its identity when
an item is rebound: what it holds is guarded too, so the next call traces
again rather than returning a value computed from the old item.

Each case changes a container after a first call and checks the next call
against NumPy, on both backends and under jacrev (derivatives of the new
state against finite differences).
"""
import logging
import types

import numpy as np
import pytest

import numjac as nj

X = np.array([0.3, -1.2, 2.0])
BACKENDS = ("numba", "interpret")


def check(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def finite_differences(f, x, eps=1e-6):
    return np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)],
                    axis=-1)


class Config:
    def __init__(self, w):
        self.w = w


def _state():
    """Fresh containers: the cases below rebind their items."""
    return {"list": [np.ones(3), np.full(3, 2.0)], "dict": {"w": np.ones(3), "k": 2},
            "object": Config(np.ones(3)), "namespace": types.SimpleNamespace(w=np.ones(3)),
            "nested": ([np.ones(3)], 2.0), "floats": [1.0, 2.0]}


# name -> (f(y, state), change(state))
CASES = {
    "list item rebound": (lambda y, s: np.sin(y) * s["list"][0] + s["list"][1],
                          lambda s: s["list"].__setitem__(0, np.full(3, 3.0))),
    "list item removed": (lambda y, s: sum(np.sin(y) * w for w in s["list"]),
                          lambda s: s["list"].pop()),
    "list item appended": (lambda y, s: sum(np.sin(y) * w for w in s["list"]),
                           lambda s: s["list"].append(np.full(3, -1.0))),
    "dict item rebound": (lambda y, s: np.sin(y) * s["dict"]["w"],
                          lambda s: s["dict"].__setitem__("w", np.full(3, 4.0))),
    "dict int steering a loop": (lambda y, s: _powers(y, s["dict"]["k"]),
                                 lambda s: s["dict"].__setitem__("k", 3)),
    "object attribute rebound": (lambda y, s: np.sin(y) * s["object"].w,
                                 lambda s: setattr(s["object"], "w", np.full(3, 5.0))),
    "namespace attribute rebound": (lambda y, s: np.sin(y) * s["namespace"].w,
                                    lambda s: setattr(s["namespace"], "w", np.full(3, 6.0))),
    "list inside a tuple": (lambda y, s: np.sin(y) * s["nested"][0][0] * s["nested"][1],
                            lambda s: s["nested"][0].__setitem__(0, np.full(3, 7.0))),
    "float item": (lambda y, s: np.sin(y) * s["floats"][0] + s["floats"][1],
                   lambda s: s["floats"].__setitem__(0, 8.0)),
}


def _powers(y, k):
    for _ in range(k):
        y = y * np.sin(y)
    return y


def _closure_over(state, body):
    def f(y):
        return body(y, state)
    return f


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES)
def test_a_changed_item_is_seen_by_the_next_call(case, backend):
    body, change = CASES[case]
    state = _state()
    f = _closure_over(state, body)
    jitted = nj.jit(f, backend=backend)
    check(jitted(X), body(X, _state()))
    change(state)
    check(jitted(X), body(X, state))


@pytest.mark.parametrize("case", CASES)
def test_jacrev_of_a_changed_item(case):
    body, change = CASES[case]
    state = _state()
    f = _closure_over(state, body)
    jac = nj.jacrev(f)
    jac(X)
    change(state)
    check(jac(X), finite_differences(lambda y: body(y, state), X))


WEIGHTS = [np.eye(3) * (k + 1) * 0.1 for k in range(6)]


def network(y):
    for w in WEIGHTS:       # a global list: the layers fold into one loop
        y = np.tanh(w @ y)
    return y


def test_a_folded_network_sees_a_rebound_layer():
    jitted = nj.jit(network)
    jitted(X)
    saved = WEIGHTS[2]
    try:
        WEIGHTS[2] = np.full((3, 3), 0.2)
        want = X
        for w in WEIGHTS:
            want = np.tanh(w @ want)
        check(jitted(X), want)
    finally:
        WEIGHTS[2] = saved


def test_an_unchanged_container_does_not_trace_again():
    traces, state = [], _state()

    def f(y):
        traces.append(1)            # the function's own log: not guarded by contents
        return np.sin(y) * state["list"][0]

    jitted = nj.jit(f)
    for _ in range(3):
        check(jitted(X), np.sin(X))
    assert len(traces) == 1


def test_a_huge_container_is_guarded_by_identity_with_a_warning(caplog):
    table = [0.5] * 20_000

    def f(y):
        return y * table[0]

    with caplog.at_level(logging.WARNING, logger="numjac"):
        check(nj.jit(f)(X), X * 0.5)
    assert any("over 10000 items" in r.getMessage() for r in caplog.records)
