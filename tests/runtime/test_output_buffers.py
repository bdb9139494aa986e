"""Big kernel outputs written into reused buffers (runtime/output_buffers.py):
a loop of calls reuses the memory of results the user dropped, and never
writes an array the user still holds (a variable, a view, a memoryview, an
np.asarray, a weak reference), nor one another thread holds; outputs inside
pytrees, vmap, jacfwd, jacrev, both backends, background compiles."""
import logging
import re
import threading
import weakref

import numpy as np
import pytest

import numjac as nj
from numjac.runtime import output_buffers
from numjac.runtime.codegen.emission import OUTPUT_BUFFER_BYTES
from .test_background import fresh_caches  # noqa: F401  (a fixture)

ROWS, COLUMNS = 1024, 640          # 5.2 MB of float64: over OUTPUT_BUFFER_BYTES
BACKENDS = ("numba", "interpret")


def scaled(x, s):
    return np.sin(x) * s


def inputs(k):
    rng = np.random.default_rng(k)
    return rng.normal(size=(ROWS, COLUMNS)), rng.normal(size=COLUMNS)


def assert_values(got, expected):
    """Equal to within the rounding of Numba's and NumPy's math functions
    (an array written by another call would differ by far more)."""
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def address(array) -> int:
    return array.__array_interface__["data"][0]


def test_only_big_outputs_are_buffer_arguments():
    f = nj.jit(scaled, backend="numba")
    x, s = inputs(0)
    assert x.nbytes >= OUTPUT_BUFFER_BYTES
    source = f.lower(x, s).source
    assert "OUTPUT_BUFFERS = (((1024, 640), 'float64'), )" in source
    assert "an output buffer argument" in source and "empty(" not in source
    assert "OUTPUT_BUFFERS" not in f.lower(x[:10], s).source   # 51 KB: allocated


@pytest.fixture(params=[1, 2])
def threads(request):
    """Parallel kernels run as they are or as their one-thread twins."""
    nj.set_num_threads(request.param)
    yield request.param
    nj.set_num_threads(None)


def test_a_loop_of_calls_writes_two_buffers_in_turn(threads):
    """``g = f(x)`` in a loop: the previous ``g`` is held during the call, so
    two arrays serve every call; each result is the function's value."""
    f = nj.jit(scaled, backend="numba")
    seen = set()
    for k in range(6):
        x, s = inputs(k)
        g = f(x, s)
        assert_values(g, scaled(x, s))
        seen.add(address(g))
    assert len(seen) == 2


HOLDERS = {
    "the array": lambda g: g,
    "a view": lambda g: g[10:20, ::3],
    "a reshape": lambda g: g.reshape(-1),
    "a transpose": lambda g: g.T,
    "a memoryview": memoryview,
    "np.asarray": np.asarray,
    "np.frombuffer": lambda g: np.frombuffer(g),
    "a list": lambda g: [g],
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("holder", HOLDERS)
def test_results_held_in_any_way_stay_unchanged(backend, holder):
    f = nj.jit(scaled, backend=backend)
    held = []
    for k in range(5):
        x, s = inputs(k)
        held.append((HOLDERS[holder](f(x, s)), scaled(x, s)))
    for kept, expected in held:
        assert_values(np.asarray(kept), np.asarray(HOLDERS[holder](expected)))


def test_a_weakly_referenced_result_is_not_written():
    f = nj.jit(scaled, backend="numba")
    x, s = inputs(0)
    f(x, s)                          # two kept arrays, both free now
    f(x, s)
    first = f(x, s)
    ref = weakref.ref(first)
    expected = first.copy()
    del first                        # alive only through numjac's buffers
    for k in range(1, 4):
        f(*inputs(k))
    assert ref() is not None
    assert_values(ref(), expected)


def test_an_argument_is_never_its_own_output_buffer():
    """``x = step(x)``: the input is the previous result, held by the call."""
    def step(x):
        return np.cos(x) * 0.5 + x
    f = nj.jit(step, backend="numba")
    x = inputs(0)[0]
    expected = x.copy()
    for _ in range(5):
        x = f(x)
        expected = step(expected)
        assert_values(x, expected)


def two_outputs(x, s):
    y = np.sin(x) * s
    return {"y": y, "pair": (y, np.exp(x[:, :8]) + y[:, :8]), "z": np.cos(x) + s}


@pytest.mark.parametrize("backend", BACKENDS)
def test_outputs_inside_pytrees(backend):
    f = nj.jit(two_outputs, backend=backend)
    results = []
    for k in range(4):
        x, s = inputs(k)
        results.append((f(x, s), two_outputs(x, s)))
        if backend == "numba":
            assert results[-1][0]["y"] is results[-1][0]["pair"][0]
    for got, expected in results:
        assert_values(got["y"], expected["y"])
        assert_values(got["pair"][1], expected["pair"][1])
        assert_values(got["z"], expected["z"])


def logistic(w, x, y):
    return np.log1p(np.exp(-y * (x @ w)))


def mixing(x):
    return np.tanh(np.cumsum(x)) * x[::-1]


def closing_over(matrix):
    """A function reading ``matrix`` from its closure (a captured input,
    passed by the guarded fast path)."""
    def f(x):
        return np.tanh(matrix @ x) * x
    return f


TRANSFORMS = {
    "vmap(grad)": (lambda: nj.vmap(nj.grad(logistic), in_dims=(None, 0, 0)),
                   lambda rng: (rng.normal(size=64) / 8, rng.normal(size=(16384, 64)),
                                np.sign(rng.normal(size=16384)))),
    "jacfwd": (lambda: nj.jacfwd(mixing), lambda rng: (rng.normal(size=800),)),
    "jacrev": (lambda: nj.jacrev(mixing), lambda rng: (rng.normal(size=800),)),
    "jacfwd of a closure": (lambda: nj.jacfwd(closing_over(np.eye(800) + 0.01)),
                            lambda rng: (rng.normal(size=800),)),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transforms_keep_every_result(name):
    """Results of earlier calls kept while later ones run: each still holds
    the interpreter's values for its own inputs."""
    make, make_args = TRANSFORMS[name]
    compiled = make()
    with_numba = nj.jit(lambda *a: compiled(*a), backend="numba")
    interpreted = nj.jit(lambda *a: compiled(*a), backend="interpret")
    rng = np.random.default_rng(0)
    first_args = make_args(rng)
    assert "an output buffer argument" in with_numba.lower(*first_args).source
    calls = [first_args] + [make_args(rng) for _ in range(3)]
    results = [with_numba(*args) for args in calls]
    for args, result in zip(calls, results):
        np.testing.assert_allclose(result, interpreted(*args), rtol=1e-12, atol=1e-13)


def test_two_threads_never_share_a_buffer():
    f = nj.jit(scaled, backend="numba")
    f(*inputs(0))
    failures, barrier = [], threading.Barrier(2)

    def work(offset):
        barrier.wait()
        held = []
        for k in range(offset, offset + 20, 2):
            x, s = inputs(k)
            held.append((f(x, s), scaled(x, s)))
            if len(held) > 2:
                held.pop(0)         # dropped: its array may serve the next call
            failures.extend(k for got, expected in held
                            if not np.allclose(got, expected, rtol=1e-13, atol=1e-15))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_release_buffers_and_the_cap(monkeypatch):
    f = nj.jit(scaled, backend="numba")
    x, s = inputs(0)
    held = f(x, s), f(x, s)          # two arrays: the first is held by the second call
    assert output_buffers.kept_bytes() >= 2 * x.nbytes
    assert nj.release_buffers() >= 2 * x.nbytes
    assert output_buffers.kept_bytes() == 0
    monkeypatch.setenv("NUMJAC_OUTPUT_BUFFERS_MAX_BYTES", "0")
    for k in range(3):
        x, s = inputs(k)
        assert_values(f(x, s), scaled(x, s))
    assert output_buffers.kept_bytes() == 0


def test_a_background_compile_types_the_buffers(fresh_caches, caplog):  # noqa: F811
    """The compile process compiles the signature with the buffer argument:
    the parent then loads its machine code."""
    f = nj.jit(lambda x: np.sin(x) * 2.0 + np.cos(x), backend="numba")
    x = inputs(0)[0]
    with nj.compile_mode("background"), caplog.at_level(logging.INFO, logger="numjac"):
        f(x)
        assert nj.wait_for_compiles(timeout=600)
        f(x)
        result = f(x)
    assert any(re.search(r"disk cache hit", r.getMessage()) for r in caplog.records)
    assert not any(re.search(r"failed", r.getMessage()) for r in caplog.records)
    assert_values(result, np.sin(x) * 2.0 + np.cos(x))


def test_a_bad_cap_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("NUMJAC_OUTPUT_BUFFERS_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match="NUMJAC_OUTPUT_BUFFERS_MAX_BYTES must be a number"):
        output_buffers.max_bytes()


def reshaped(x):
    return np.sin(x).reshape(ROWS, 20, COLUMNS // 20), np.sum(np.sin(x), axis=0)


def test_outputs_that_are_views_of_a_buffer():
    """The kernel returns a reshaped view of its buffer: a held view keeps
    the buffer, a dropped one frees it for the next call."""
    f = nj.jit(reshaped, backend="numba")
    x = inputs(0)[0]
    assert "= b.reshape((1024, 20, 32))" in f.lower(x).source
    held = [(f(x), reshaped(x)) for x in (inputs(k)[0] for k in range(4))]
    for got, expected in held:
        assert_values(got[0], expected[0])
        assert_values(got[1], expected[1])
    del held, got, expected
    seen = set()
    for k in range(6):
        x = inputs(k)[0]
        view, sums = f(x)
        assert_values(view, reshaped(x)[0])
        seen.add(address(view))
    assert len(seen) == 2


def test_vjp_residuals_held_by_numjac_are_not_written():
    """vjp keeps what the backward pass needs (kernel outputs) in vjp_fn:
    they are held, so later forward calls leave them alone."""
    def loss(x):
        return np.sum(np.sin(np.exp(x) * x))
    x0, x1 = inputs(0)[0] * 0.1, inputs(1)[0] * 0.1
    _, first = nj.vjp(loss, x0)
    _, second = nj.vjp(loss, x1)
    expected = np.cos(np.exp(x0) * x0) * np.exp(x0) * (1 + x0)
    assert_values(first(np.float64(1.0))[0], expected)
    assert_values(second(np.float64(1.0))[0],
                  np.cos(np.exp(x1) * x1) * np.exp(x1) * (1 + x1))


def test_the_transforms_own_fast_path(monkeypatch):
    """jacfwd called directly (its guarded fast path passes the captured
    matrix): every kept Jacobian is its closed form at its own point."""
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")
    matrix = np.eye(800) + 0.01
    jacobian = nj.jacfwd(closing_over(matrix))
    rng = np.random.default_rng(3)
    points = [rng.normal(size=800) for _ in range(4)]
    results = [jacobian(x) for x in points]
    for x, got in zip(points, results):
        t = np.tanh(matrix @ x)
        expected = x[:, None] * (1 - t * t)[:, None] * matrix + np.diag(t)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
