"""numpy.random inside a traced function raises NumpyRandomError pointing to
nj.random, instead of freezing the numbers drawn while tracing; outside a
trace, and in threads that are not tracing, numpy.random is untouched."""
import threading

import numpy as np
import pytest

import numjac as nj

X = np.arange(3.0)
ORIGINAL_RAND = np.random.rand
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("draw", [
    lambda a: a + np.random.rand(3),
    lambda a: a * np.random.normal(size=3),
    lambda a: a + np.random.default_rng(1).normal(size=3),
    lambda a: a + np.random.uniform(0.0, 1.0, 3),
], ids=["rand", "normal", "default_rng", "uniform"])
@pytest.mark.parametrize("transform", [nj.jit, nj.vmap, nj.jacrev, nj.grad])
def test_numpy_random_module_functions_raise(draw, transform):
    f = (lambda a: np.sum(draw(a))) if transform is nj.grad else draw
    args = (np.ones((2, 3)),) if transform is nj.vmap else (X,)
    with pytest.raises(nj.NumpyRandomError, match=r"numpy\.random\.\w+ .*nj\.random") as info:
        transform(f)(*args)
    assert isinstance(info.value, nj.UnsupportedOperationError)
    assert np.random.rand is ORIGINAL_RAND      # put back after the trace


def _helper_drawing(a):
    return a + np.random.randn(3)


def test_a_draw_in_a_called_helper_is_seen():
    with pytest.raises(nj.NumpyRandomError, match="numpy.random.randn"):
        nj.jit(lambda a: _helper_drawing(a) * 2)(X)


def test_generators_read_by_the_traced_function_are_refused():
    local_rng = np.random.default_rng(2)
    with pytest.raises(nj.NumpyRandomError, match="closure variable 'local_rng'"):
        nj.jit(lambda a: a + local_rng.normal(size=3))(X)
    with pytest.raises(nj.NumpyRandomError, match="global 'RNG'"):
        nj.jit(lambda a: a + RNG.random(3))(X)
    with pytest.raises(nj.NumpyRandomError, match="argument 1, a numpy.random.RandomState"):
        nj.jit(lambda a, r: a + r.rand(3))(X, np.random.RandomState(0))

    class Model:
        def __init__(self):
            self.rng = np.random.default_rng(3)

        def noisy(self, a):
            return a + self.rng.normal(size=3)
    with pytest.raises(nj.NumpyRandomError, match="self.rng"):
        nj.jit(Model().noisy)(X)


def test_numpy_random_outside_traces_is_untouched():
    nj.jit(lambda a: a * 2)(X)
    assert np.random.rand is ORIGINAL_RAND
    np.random.seed(5)
    first = np.random.rand(2)
    np.random.seed(5)
    np.testing.assert_array_equal(np.random.rand(2), first)


def test_other_threads_draw_while_this_one_traces():
    drawn = []

    def other_thread():
        drawn.append(np.random.rand(4))    # numpy.random is replaced meanwhile

    def f(a):
        assert np.random.rand is not ORIGINAL_RAND
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        return a * 2
    np.testing.assert_array_equal(nj.jit(f)(X), X * 2)
    assert len(drawn) == 1 and drawn[0].shape == (4,) and np.all((0 <= drawn[0]) & (drawn[0] < 1))


def test_nj_random_is_the_way():
    f = nj.jit(lambda a: a + nj.random.normal(size=3))
    assert not np.array_equal(f(X), f(X))     # new numbers on every call


def _seeded_draws(a):
    state = np.random.RandomState(7)
    assert isinstance(state, np.random.RandomState)
    return a * state.randn(3) + state.uniform(size=3) + np.random.RandomState(8).rand()


@pytest.mark.parametrize("backend", ["interpret", "numba"])
def test_a_seeded_random_state_made_inside_draws_numpys_numbers(backend, monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", backend)
    np.testing.assert_array_equal(nj.jit(_seeded_draws)(X), _seeded_draws(X))
    np.testing.assert_array_equal(nj.jacfwd(_seeded_draws)(X),
                                  np.diag(np.random.RandomState(7).randn(3)))
    assert np.random.RandomState is ORIGINAL_RANDOM_STATE


ORIGINAL_RANDOM_STATE = np.random.RandomState


@pytest.mark.parametrize("draw, message", [
    (lambda a: a * np.random.RandomState().randn(3), r"RandomState\(\) without a seed"),
    (lambda a: np.random.RandomState(0).normal(a), r"RandomState\.normal got a traced value"),
    (lambda a: np.random.RandomState(a.astype(np.int64)).rand(3), r"RandomState\(seed\)"),
])
def test_a_random_state_without_seed_or_with_traced_arguments_raises(draw, message):
    with pytest.raises(nj.NumpyRandomError, match=message):
        nj.jit(draw)(X)
