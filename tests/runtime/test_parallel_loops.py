"""Parallel loops (runtime/parallel.py): big nests become prange loops, the
values are the same bit for bit on one thread, on two, and in a kernel
generated without parallel loops; calls from other threads run on one
thread; the thread limit follows the environment; the disk cache keeps
parallel kernels."""
import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import numjac as nj
from numjac.runtime import cache, parallel
from numjac.runtime.codegen import emission


@pytest.fixture(autouse=True)
def numba_backend(monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")
    limit = nj.get_num_threads()
    yield
    nj.set_num_threads(limit)


def logistic_loss(w, x, y):
    return np.log1p(np.exp(-y * (x @ w)))


def batch(n=8192):
    rng = np.random.default_rng(0)
    return (rng.normal(size=64) / 8, rng.normal(size=(n, 64)), np.sign(rng.normal(size=n)))


def elementwise(x):
    return np.sin(x) * np.cos(x[::-1]) + x ** 2


def wide_jacobian(x):
    return np.tanh(x) * x.sum() + np.sin(x)


CASES = [
    ("per-example grads", lambda: nj.vmap(nj.grad(logistic_loss), in_dims=(None, 0, 0)),
     batch),
    ("elementwise", lambda: nj.jit(elementwise),
     lambda: (np.random.default_rng(1).normal(size=(600, 600)),)),
    ("jacfwd", lambda: nj.jacfwd(wide_jacobian),
     lambda: (np.random.default_rng(2).normal(size=700),)),
    ("chunked vmap", lambda: nj.vmap(elementwise, chunk_size=100),
     lambda: (np.random.default_rng(3).normal(size=(1000, 400)),)),
]


def serial_kernel_result(make, args):
    """The result of a kernel generated with no parallel loop."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "_KERNELS", {})
        patch.setattr(emission, "PARALLEL_MIN_ELEMENTS", 1 << 62)
        transformed = make()
        assert "prange" not in transformed.lower(*args).source
        return transformed(*args)


@pytest.mark.parametrize("name, make, inputs", CASES, ids=[c[0] for c in CASES])
def test_same_values_on_any_thread_count(name, make, inputs):
    """Bit for bit: each element is computed by the same loop body."""
    args = inputs()
    transformed = make()
    assert "prange" in transformed.lower(*args).source
    nj.set_num_threads(1)
    one = transformed(*args)
    nj.set_num_threads(2)
    two = transformed(*args)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, serial_kernel_result(make, args))


def test_chunks_making_blas_products_run_in_parallel(monkeypatch):
    """A Jacobian's chunks that each make BLAS products run side by side,
    each product on one BLAS thread: the same values bit for bit on one
    thread and two, from a thread pool, as the serial kernel (up to
    rounding: its products may use several BLAS threads), the interpreter
    and the closed form."""
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 600, 600)) / np.sqrt(600)
    x = rng.normal(size=600)

    def f(x):
        return b @ np.tanh(a @ x)
    expected = (b * (1 - np.tanh(a @ x) ** 2)) @ a
    make = lambda: nj.jacfwd(f, chunk_size=100)    # noqa: E731
    jac = make()
    source = jac.lower(x).source
    assert "prange(6)" in source and "blas_one_thread()" in source
    assert "gemm_alone(" in source and "gemm(" not in source.split("prange(6)")[1]
    nj.set_num_threads(1)
    one = jac(x)
    nj.set_num_threads(2)
    two = jac(x)
    np.testing.assert_array_equal(one, two)
    with ThreadPoolExecutor(2) as pool:
        for got in pool.map(lambda _: jac(x), range(4)):
            np.testing.assert_array_equal(got, one)
    np.testing.assert_allclose(one, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(one, serial_kernel_result(make, (x,)), rtol=1e-12, atol=1e-14)
    monkeypatch.setenv("NUMJAC_BACKEND", "interpret")
    np.testing.assert_allclose(one, make()(x), rtol=1e-12, atol=1e-14)


def test_small_work_has_no_parallel_loop():
    w, x, y = batch(1024)
    grads = nj.vmap(nj.grad(logistic_loss), in_dims=(None, 0, 0))
    assert "prange" not in grads.lower(w, x, y).source


def test_calls_from_other_threads_run_on_one_thread():
    """A thread pool (or a Dask worker's threads) runs calls side by side:
    each kernel on one thread, the same values, no two launches at once
    (Numba's workqueue layer would abort the process); the main thread
    may use the limit."""
    nj.set_num_threads(2)
    grads = nj.vmap(nj.grad(logistic_loss), in_dims=(None, 0, 0))
    args = batch()
    expected = grads(*args)
    with ThreadPoolExecutor(4) as pool:
        threads = list(pool.map(lambda _: parallel.threads_for_call(), range(8)))
        results = list(pool.map(lambda _: grads(*args), range(8)))
    assert threads == [1] * 8
    for got in results:
        np.testing.assert_array_equal(got, expected)
    import numba
    assert parallel.threads_for_call() == min(2, numba.config.NUMBA_NUM_THREADS)


def _in_fresh_process(code, **env):
    environment = dict(os.environ, NUMJAC_BACKEND="numba", **env)
    environment.pop("NUMJAC_DISABLE_DISK_CACHE", None)
    for name in ("NUMJAC_NUM_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                 "OPENBLAS_NUM_THREADS"):
        if name not in env:
            environment.pop(name, None)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


LIMITS = """
    import numjac as nj
    from numjac.runtime import parallel
    print(nj.get_num_threads(), parallel.threads_for_call())
"""


@pytest.mark.parametrize("env, expected", [
    ({"NUMJAC_NUM_THREADS": "1"}, ["1", "1"]),
    ({"NUMBA_NUM_THREADS": "1"}, ["1", "1"]),
    ({"OMP_NUM_THREADS": "1"}, ["1", "1"]),     # as in a Dask worker
    ({"NUMJAC_NUM_THREADS": "2", "NUMBA_NUM_THREADS": "2"}, ["2", "2"]),
])
def test_thread_limit_from_the_environment(env, expected):
    assert _in_fresh_process(LIMITS, **env) == expected


CACHED = """
    import numpy as np, numjac as nj
    from numjac.runtime import cache
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8192, 64))
    f = nj.vmap(lambda r: np.exp(r) * r.sum())
    nj.set_num_threads(2)
    out = f(x)
    nj.set_num_threads(1)
    alone = f(x)
    (kernel,) = cache._KERNELS.values()
    print(sum(kernel.dispatcher.stats.cache_hits.values()),
          sum(kernel.fast.serial().stats.cache_hits.values()), "prange" in kernel.source,
          bool((out == alone).all()), float(out.sum()))
"""


def test_parallel_kernels_and_their_twins_are_kept_in_the_disk_cache(tmp_path):
    env = {"NUMJAC_CACHE_DIR": str(tmp_path), "NUMJAC_COMPILE": "blocking"}
    first = _in_fresh_process(CACHED, **env)
    second = _in_fresh_process(CACHED, **env)
    assert first[:4] == ["0", "0", "True", "True"]
    assert second[:4] == ["1", "1", "True", "True"]
    assert first[4] == second[4]


def test_one_thread_runs_the_kernel_made_without_parallel_loops(monkeypatch):
    """Numba's parallel loop on one thread is slower than the plain loop:
    a call on one thread runs the kernel's serial twin, same values."""
    monkeypatch.setattr(cache, "_KERNELS", {})
    args = batch()
    loss = lambda w, x, y: logistic_loss(w, x, y)     # noqa: E731 - a new entry
    grads = nj.vmap(nj.grad(loss), in_dims=(None, 0, 0))
    nj.set_num_threads(2)
    two = grads(*args)
    nj.set_num_threads(1)
    one = grads(*args)
    (kernel,) = cache._KERNELS.values()
    twin = kernel.fast.serial()
    assert twin is not kernel.dispatcher and twin.signatures     # compiled and called
    assert "prange(" not in parallel.serial_source(kernel.source).split("# numjac part")[0]
    np.testing.assert_array_equal(one, two)


FORKED = """
    import os
    import numpy as np, numjac as nj
    from numjac.runtime import parallel
    x = np.random.default_rng(0).normal(size=(8192, 64))
    f = nj.vmap(lambda r: np.exp(r) * r.sum())
    nj.set_num_threads(2)
    parent = f(x)
    assert "prange" in f.lower(x).source
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        same = bool((f(x) == parent).all())
        os.write(write, f"{parallel.threads_for_call()} {same}".encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), child, parallel.threads_for_call())
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork exists on POSIX systems only")
def test_a_forked_child_runs_parallel_kernels_serially():
    """GNU OpenMP, Numba's threads when TBB is missing, terminates a child
    forked from a process that used it: the child runs the serial twin."""
    env = {"NUMJAC_COMPILE": "blocking", "NUMJAC_NUM_THREADS": "2", "NUMBA_NUM_THREADS": "2"}
    assert _in_fresh_process(FORKED, **env) == ["0", "1", "True", "2"]


def test_a_parallel_call_far_slower_than_its_best_moves_big_work_to_one_thread(monkeypatch):
    """Load that has just started is not yet in the load average: a
    parallel call taking several times the kernel's best (its threads
    waited for cores) sends big work to one thread until the next look."""
    from numjac.runtime import blas_threads
    monkeypatch.delenv("NUMJAC_NUM_THREADS", raising=False)
    monkeypatch.setattr(blas_threads, "free_threads", lambda wall, limit: 2)
    monkeypatch.setattr(parallel, "threads_for_call", lambda: blas_threads.threads_now())
    nj.set_num_threads(None)
    delays = iter([0.002, 0.002, 0.003, 0.02])
    serial_calls = []
    run = parallel.runner(lambda: time.sleep(next(delays)),
                          lambda: (lambda: serial_calls.append(1)))
    for _ in range(3):      # within the usual spread: still two threads
        run()
        assert blas_threads.threads_now() == 2
    run()                   # ten times the best
    assert blas_threads.threads_now() == 1
    run()
    assert serial_calls == [1]


def test_a_thread_count_the_user_chose_is_kept_when_calls_are_slow(monkeypatch):
    from numjac.runtime import blas_threads
    nj.set_num_threads(2)
    delays = iter([0.002, 0.02])
    run = parallel.runner(lambda: time.sleep(next(delays)), lambda: None)
    run(), run()
    assert blas_threads.threads_now() == 2


SCALAR_READERS = {
    "Python float": (lambda: nj.jit(lambda x, s: np.sin(x) * s), 2.0),
    "0-d array": (lambda: nj.jit(lambda x, s: np.sin(x) * s), np.array(2.0)),
    "vmap": (lambda: nj.vmap(lambda r, s: np.sin(r) * s, in_dims=(0, None)), 2.0),
    "grad": (lambda: nj.grad(lambda x, s: np.sum(np.sin(x) * s)), 2.0),
}


@pytest.mark.parametrize("case", SCALAR_READERS)
def test_parallel_loops_read_scalar_arguments(case, monkeypatch):
    """A 0-d input read inside a parallel loop (Numba gives the loop's
    function a scalar there, so the kernel reads it once before)."""
    make, s = SCALAR_READERS[case]
    x = np.random.default_rng(0).normal(size=(1024, 640))
    nj.set_num_threads(2)
    assert "prange" in make().lower(x, s).source
    got = make()(x, s)
    monkeypatch.setenv("NUMJAC_BACKEND", "interpret")
    np.testing.assert_allclose(got, make()(x, s), rtol=1e-13, atol=1e-13)
