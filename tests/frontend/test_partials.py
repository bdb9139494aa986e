"""functools.partial wrappers: what they bind is read on every call, and a
partial made anew per call shares its function's traces (issue 15)."""
import functools

import numpy as np
import pytest

import numjac as nj
from numjac.staging import StagedFunction

SCALE = 2.0
WEIGHTS = np.ones(3)


def scaled(x, a):
    return x * a * SCALE


def weighted(x, b):
    return x * WEIGHTS * b


def affine(x, w, shift=0.0):
    return x * w + shift


@pytest.fixture
def traces(monkeypatch):
    """The signatures staged (traced), in order."""
    staged = []
    original = StagedFunction._stage_missing

    def counting(self, *args):
        staged.append(self)
        return original(self, *args)
    monkeypatch.setattr(StagedFunction, "_stage_missing", counting)
    return staged


def test_global_read_by_the_partials_function_is_guarded(monkeypatch):
    f = nj.jit(functools.partial(scaled, a=1.0))
    x = np.ones(3)
    np.testing.assert_array_equal(f(x), 2.0 * x)
    monkeypatch.setitem(globals(), "SCALE", 3.0)
    np.testing.assert_array_equal(f(x), 3.0 * x)


def test_global_array_rebound_behind_a_partial(monkeypatch):
    f = nj.jit(functools.partial(weighted, b=1.0))
    x = np.ones(3)
    np.testing.assert_array_equal(f(x), x)
    monkeypatch.setitem(globals(), "WEIGHTS", np.full(3, 7.0))
    np.testing.assert_array_equal(f(x), 7.0 * x)


def test_partial_made_per_call_traces_once(traces):
    x = np.linspace(0.0, 1.0, 3)
    counts = []
    for a in (1.0, 2.5, -1.0, 1.0):
        np.testing.assert_allclose(nj.grad(functools.partial(scaled_sum, a=a))(x),
                                   np.full(3, a * SCALE))
        counts.append(len(traces))
    assert counts[0] > 0 and counts[-1] == counts[0]


def scaled_sum(x, a):
    return np.sum(scaled(x, a))


def test_partial_bound_array_is_read_per_call(traces):
    x = np.arange(3.0)
    counts = []
    for w in (np.ones(3), np.arange(3.0), np.full(3, -2.0)):
        np.testing.assert_array_equal(nj.jit(functools.partial(affine, w=w))(x), x * w)
        counts.append(len(traces))
    assert counts[0] > 0 and counts[-1] == counts[0]


def test_partials_binding_different_names_are_traced_apart():
    x = np.arange(3.0)
    by_shift = nj.jit(functools.partial(affine, w=np.ones(3), shift=1.0))
    positional = nj.jit(functools.partial(affine, x, np.ones(3)))
    np.testing.assert_array_equal(by_shift(x), x + 1.0)
    np.testing.assert_array_equal(positional(5.0), x + 5.0)


def test_positional_float_bound_by_a_partial_changes_the_result():
    x = np.arange(3.0)
    for w in (1.0, 4.0):
        np.testing.assert_array_equal(nj.jit(functools.partial(affine, x, w))(), x * w)


def test_keyword_added_to_a_partial_after_the_first_call():
    bound = functools.partial(affine, w=np.ones(3))
    f = nj.jit(bound)
    x = np.arange(3.0)
    np.testing.assert_array_equal(f(x), x)
    bound.keywords["shift"] = 5.0
    np.testing.assert_array_equal(f(x), x + 5.0)


def test_jit_of_a_transform_of_a_partial_stages_once(traces):
    # The outer jit lifts the float keyword into an input; the inner grad,
    # traced meanwhile, sees it as a value of the outer trace.  Its guard on
    # that value belongs to the outer trace: it restaged every call before.
    bound = functools.partial(scaled_sum, a=2.0)
    g = nj.jit(nj.grad(bound))
    x = np.linspace(0.0, 1.0, 3)
    counts = []
    for a in (2.0, 2.0, 3.0, -1.0):
        bound.keywords["a"] = a
        np.testing.assert_allclose(g(x), np.full(3, a * SCALE))
        counts.append(len(traces))
    assert counts[0] > 0 and counts[-1] == counts[0]
    bound.keywords["a"] = np.full(3, 0.5)          # an array where a float was: restaged
    np.testing.assert_allclose(g(x), np.full(3, 0.5 * SCALE))
