"""Threads: many threads making the first calls of one staged function (same
and different shapes, every transform), compiled functions called while
other threads trace, Numba kernels compiled from several threads, and
nj.random's shared generator.  ``racy`` makes the interpreter switch
threads every microsecond to shake out races; every result is compared
with NumPy or a closed form, and each signature must be traced once."""
import collections
import logging
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import numjac as nj

THREADS = 12


@pytest.fixture
def racy():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_in_threads(count, work):
    """[work(0), ..., work(count - 1)], each in its own thread, all started
    together; re-raises the first exception a thread raised."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as error:      # re-raised in the calling thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# -- the functions, with their values and derivatives in closed form ----------------

def counted(calls):
    """Fresh functions (so a fresh cache) that log the shape of each call."""
    def f(x):
        calls.append(x.shape)
        return np.sin(x) * x.sum() + 1.0

    def g(x):
        calls.append(x.shape)
        return np.sum(np.sin(x) * x)
    return f, g


def f_value(x):
    return np.sin(x) * x.sum() + 1.0


def f_jacobian(x):
    return np.diag(np.cos(x) * x.sum()) + np.sin(x)[:, None]


def g_gradient(x):
    return np.cos(x) * x + np.sin(x)


def g_hessian(x):
    return np.diag(2.0 * np.cos(x) - np.sin(x) * x)


# name -> (transform, which function, reference, input for thread i and size n)
TRANSFORMS = {
    "jit": (nj.jit, "f", f_value, lambda i, n: np.linspace(0.1, 1.0, n) + 0.01 * i),
    "jacrev": (nj.jacrev, "f", f_jacobian, lambda i, n: np.linspace(0.2, 1.0, n) + 0.01 * i),
    "jacfwd": (nj.jacfwd, "f", f_jacobian, lambda i, n: np.linspace(0.3, 1.0, n) - 0.01 * i),
    "grad": (nj.grad, "g", g_gradient, lambda i, n: np.linspace(-1.0, 1.0, n) + 0.02 * i),
    "hessian": (nj.hessian, "g", g_hessian, lambda i, n: np.linspace(-1.0, 0.5, n) + 0.02 * i),
    "vmap": (nj.vmap, "f", lambda x: np.stack([f_value(row) for row in x]),
             lambda i, n: np.arange(3.0 * n).reshape(3, n) / 7.0 + 0.01 * i),
}

SHAPES = {"same": lambda i: 3, "different": lambda i: 1 + i % 4}


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("name", TRANSFORMS)
def test_first_calls_from_many_threads_trace_each_signature_once(name, shapes, racy):
    transform, which, reference, make_input = TRANSFORMS[name]
    calls = []
    f, g = counted(calls)
    staged = transform(f if which == "f" else g)
    size = SHAPES[shapes]

    def work(i):
        x = make_input(i, size(i))
        return [(x, staged(x)) for _ in range(3)]     # the first call, then cached ones

    for x, out in (pair for pairs in run_in_threads(THREADS, work) for pair in pairs):
        assert type(out) is np.ndarray
        np.testing.assert_allclose(out, reference(x), rtol=1e-12, atol=1e-12)
    traced_shapes = {make_input(i, size(i)).shape[-1:] for i in range(THREADS)}
    assert sorted(calls) == sorted(traced_shapes)   # each signature traced once


@pytest.mark.parametrize("backend", ["interpret", "numba"])
def test_compiled_functions_called_while_other_threads_trace(backend, racy, monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", backend)
    calls = []
    f, _ = counted(calls)
    jitted, jacobian = nj.jit(f), nj.jacrev(f)
    x = np.linspace(0.0, 1.0, 5)
    jitted(x), jacobian(x)

    def call_compiled(i):
        for _ in range(100):
            value, jac = jitted(x), jacobian(x)
            assert type(value) is np.ndarray and type(jac) is np.ndarray
            np.testing.assert_allclose(value, f_value(x), rtol=1e-13)
            np.testing.assert_allclose(jac, f_jacobian(x), rtol=1e-13)

    def trace_new_ones(i):
        for n in range(1, 4):     # new functions; their kernels are shared across threads
            y = np.linspace(0.5, 1.0, n) + i
            h = nj.jacfwd(lambda z: np.cos(z) ** 2)
            np.testing.assert_allclose(h(y), np.diag(-np.sin(2.0 * y)), atol=1e-13)

    run_in_threads(8, lambda i: call_compiled(i) if i < 4 else trace_new_ones(i))
    assert calls == [(5,), (5,)]     # traced once by jit, once by jacrev


def test_closure_floats_under_threads(racy):
    """Closure cells are lent to the trace in progress: traces of one
    function for different shapes must not see each other's tracers."""
    def make(scale):
        return nj.jacfwd(lambda x: np.sin(x) * scale)

    jacobian = make(0.5)
    results = run_in_threads(THREADS, lambda i: jacobian(np.full(1 + i % 4, 0.1 * i)))
    for i, jac in enumerate(results):
        np.testing.assert_allclose(jac, np.diag(0.5 * np.cos(np.full(1 + i % 4, 0.1 * i))))


def test_a_function_run_while_another_thread_traces_it_raises_clearly():
    """A closure float holds a tracer while its function is traced; another
    thread running a function that reads it gets an error saying so, never
    a tracer or a wrong value (documented in the guide, 'Threads')."""
    scale = 3.0
    tracing, release = threading.Event(), threading.Event()

    def traced(x):
        tracing.set()
        release.wait(timeout=60)
        return x * scale

    def sibling(x):     # reads the same closure cell
        return x * scale

    thread_result = []
    thread = threading.Thread(target=lambda: thread_result.append(nj.jit(traced)(np.ones(2))))
    thread.start()
    tracing.wait(timeout=60)
    try:
        with pytest.raises(nj.ConcretizationError, match="another thread was tracing it"):
            sibling(np.ones(2))
    finally:
        release.set()
        thread.join()
    np.testing.assert_array_equal(thread_result[0], [3.0, 3.0])
    np.testing.assert_array_equal(sibling(np.ones(2)), [3.0, 3.0])


# -- Numba: one compile per kernel ---------------------------------------------------

FIRST_CALL = re.compile(r"kernel (\w+) .*: [\d.]+ ms, .*")


def kernels_compiled(caplog) -> collections.Counter:
    """How many times each kernel logged its first call (its compile)."""
    matches = (FIRST_CALL.fullmatch(r.getMessage()) for r in caplog.records)
    return collections.Counter(m.group(1) for m in matches if m)


@pytest.mark.parametrize("sizes", [(2,), (2, 3)])
def test_numba_kernels_compile_once_when_many_threads_call_first(sizes, racy, monkeypatch,
                                                                  caplog):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")
    calls = []
    offset = 10 + len(sizes)    # a literal (an int) no other test's kernel has

    def f(x):
        calls.append(x.shape)
        return np.exp(x) * (x.sum() - offset)
    jitted, jacobian = nj.jit(f), nj.jacrev(f)

    def work(i):
        x = np.linspace(0.0, 1.0, sizes[i % len(sizes)]) + 0.01 * i
        return x, jitted(x), jacobian(x)

    with caplog.at_level(logging.INFO, logger="numjac"):
        results = run_in_threads(8, work)
    for x, value, jac in results:
        np.testing.assert_allclose(value, np.exp(x) * (x.sum() - offset), rtol=1e-13)
        np.testing.assert_allclose(
            jac, np.diag(np.exp(x) * (x.sum() - offset)) + np.exp(x)[:, None], rtol=1e-13)
    compiled = kernels_compiled(caplog)
    assert len(compiled) == 2 * len(sizes) and set(compiled.values()) == {1}, compiled
    assert sorted(calls) == sorted((n,) for n in sizes for _ in range(2))   # jit, jacrev


# Kernels with literals of their own (no other test compiles them), each run
# in its own thread; a new process then loads them from the disk cache.
DISK_SCRIPT = """
import sys, threading, numpy as np, numjac as nj
kernels = [nj.jit(lambda x: np.exp(x) * 101), nj.jit(lambda x: np.exp(x) * 102),
           nj.jit(lambda x: np.exp(x) * 103), nj.jacfwd(lambda x: np.exp(x) * 104)]
x, results = np.linspace(0.0, 1.0, 3), {}
threads = [threading.Thread(target=lambda k=k: results.update({k: kernels[k](x)}))
           for k in range(len(kernels))]
for thread in threads: thread.start()
for thread in threads: thread.join()
for k in range(3):
    assert np.allclose(results[k], np.exp(x) * (101 + k)), k
assert np.allclose(results[3], np.diag(np.exp(x) * 104))
"""


def test_kernels_written_to_disk_from_threads_load_in_a_new_process(tmp_path, racy,
                                                                    monkeypatch, caplog):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    with caplog.at_level(logging.INFO, logger="numjac"):
        exec(DISK_SCRIPT, {})
    assert sum("disk cache miss" in r.getMessage() for r in caplog.records) == 4
    env = dict(os.environ, NUMJAC_LOG="info")
    log = subprocess.run([sys.executable, "-c", DISK_SCRIPT], env=env, capture_output=True,
                         text=True, check=True).stderr
    assert log.count("disk cache hit") == 4 and "disk cache miss" not in log, log


# -- nj.random: one generator, every draw its own -----------------------------------

def sorted_rows(arrays):
    return sorted(tuple(np.concatenate([np.ravel(a) for a in row])) for row in arrays)


def test_eager_draws_from_threads_are_the_single_thread_draws(racy):
    nj.random.seed(7)
    expected = [nj.random.uniform(size=2) for _ in range(THREADS * 5)]
    nj.random.seed(7)
    drawn = run_in_threads(THREADS, lambda i: [nj.random.uniform(size=2) for _ in range(5)])
    got = [draw for draws in drawn for draw in draws]
    assert sorted_rows([[d] for d in got]) == sorted_rows([[d] for d in expected])


def test_staged_draws_from_threads_are_the_eager_function_draws(racy):
    """Each call reserves its two draws together: the pairs the threads get
    are the pairs the eager function gives one call after another."""
    def f(x):
        return x + nj.random.uniform(size=3), x * nj.random.normal(size=3)

    x = np.full(3, 2.0)
    nj.random.seed(11)
    expected = [f(x) for _ in range(THREADS * 4)]
    staged = nj.jit(f)
    nj.random.seed(11)
    got = run_in_threads(THREADS, lambda i: [staged(x) for _ in range(4)])
    assert sorted_rows([pair for pairs in got for pair in pairs]) == sorted_rows(expected)
