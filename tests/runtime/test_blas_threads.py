"""The BLAS products in numjac's kernels: one thread when small, up to the
limit when big (runtime/blas_threads.py), values unchanged."""
import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import numjac as nj
from numjac.runtime import blas_threads

pytestmark = pytest.mark.skipif(not blas_threads.controllable(),
                                reason="SciPy's BLAS here is one threadpoolctl cannot control")


def scipy_blas_threads() -> int:
    import scipy
    scipy_dir = os.path.dirname(scipy.__file__)
    return next(info["num_threads"] for info in threadpool_info()
                if info["filepath"].startswith(scipy_dir))


def tanh_product(a, b):
    return np.tanh(a @ b)


@pytest.fixture
def numba_backend(monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")
    limit = nj.get_num_threads()
    yield
    nj.set_num_threads(limit)


@pytest.mark.parametrize("limit, n, threads", [(2, 64, 1), (2, 160, 2), (1, 160, 1)])
def test_product_size_chooses_the_threads(numba_backend, limit, n, threads):
    """A 64^3 product runs on one thread whatever the limit; a 160^3 one on
    up to the limit."""
    nj.set_num_threads(limit)
    rng = np.random.default_rng(n)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    np.testing.assert_allclose(nj.jit(tanh_product)(a, b), np.tanh(a @ b), rtol=1e-12)
    assert scipy_blas_threads() == threads


def test_environment_variable_sets_the_limit():
    code = "import numjac as nj; print(nj.get_num_threads())"
    env = dict(os.environ, NUMJAC_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "1"


def test_bad_environment_variable_names_itself():
    code = "import numjac as nj; nj.get_num_threads()"
    env = dict(os.environ, NUMJAC_NUM_THREADS="many")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "NUMJAC_NUM_THREADS" in result.stderr


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        nj.set_num_threads(bad)


@pytest.fixture
def load_average(monkeypatch):
    """Set the load average blas_threads sees (a list: [1-minute load])."""
    load = [0.0]
    for name in ("NUMJAC_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "NUMBA_NUM_THREADS"):      # set by the benchmarks' package, once imported
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(blas_threads.os, "getloadavg", lambda: (load[0], 0.0, 0.0))
    monkeypatch.setattr(blas_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(blas_threads, "process_cpu_seconds", lambda: 0.0)   # none of ours
    yield load
    nj.set_num_threads(None)


def test_default_threads_follow_the_load(numba_backend, load_average):
    """Without a count chosen by the user, big products use the cores that
    other processes leave free; one when the machine is busy."""
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((160, 160)), rng.standard_normal((160, 160))
    layer = nj.jit(tanh_product)
    for load, threads in ((0.0, 2), (9.5, 1), (0.2, 2), (1.2, 1)):
        load_average[0] = load
        nj.set_num_threads(None)        # looks at the load now
        np.testing.assert_allclose(layer(a, b), np.tanh(a @ b), rtol=1e-12)
        assert blas_threads.threads_now() == threads
        assert scipy_blas_threads() == threads


def test_a_chosen_count_is_used_whatever_the_load(numba_backend, load_average):
    load_average[0] = 9.5
    nj.set_num_threads(2)
    assert blas_threads.threads_now() == 2


def test_own_threads_are_not_counted_as_load(load_average, monkeypatch):
    """The load average counts this process's busy threads too: a process
    that kept two cores busy on a quiet machine keeps its two threads."""
    clock = [100.0, 0.0]       # wall and CPU seconds
    monkeypatch.setattr(blas_threads.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(blas_threads, "process_cpu_seconds", lambda: clock[1])
    load_average[0] = 2.0
    nj.set_num_threads(None)
    clock[:] = [102.0, 4.0]    # two seconds on two cores
    assert blas_threads.threads_now() == 2
    clock[:] = [104.0, 4.0]    # idle: the load is others'
    assert blas_threads.threads_now() == 1


def test_the_load_is_read_at_most_once_a_second(load_average, monkeypatch):
    nj.set_num_threads(None)
    reads = []
    monkeypatch.setattr(blas_threads.os, "getloadavg", lambda: reads.append(1) or (9.0, 0, 0))
    for _ in range(1000):
        blas_threads.threads_now()
    assert len(reads) <= 1


def test_kernels_look_at_the_load_once_in_a_while(numba_backend, load_average, monkeypatch):
    """The machine code asks for a look once in REFRESH_EVERY big products
    (each look then reads the load only if a second has passed)."""
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((160, 160)), rng.standard_normal((160, 160))
    layer = nj.jit(tanh_product)
    layer(a, b)
    nj.set_num_threads(None)
    clock = [blas_threads.time.monotonic()]

    def later():
        clock[0] += 10.0        # every look finds a second has passed
        return clock[0]
    looks = []
    monkeypatch.setattr(blas_threads.time, "monotonic", later)
    monkeypatch.setattr(blas_threads.os, "getloadavg", lambda: looks.append(1) or (0.0, 0, 0))
    for _ in range(2 * blas_threads.REFRESH_EVERY):
        layer(a, b)
    assert len(looks) == 2


def test_environment_count_is_used_whatever_the_load():
    code = ("import os; os.getloadavg = lambda: (9.5, 9.5, 9.5)\n"
            "import numjac as nj; from numjac.runtime import blas_threads\n"
            "print(nj.get_num_threads(), blas_threads.threads_now())")
    env = dict(os.environ, NUMJAC_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["2", "2"]


def test_a_cap_in_the_environment_bounds_the_default():
    code = ("import os; os.getloadavg = lambda: (0.0, 0.0, 0.0)\n"
            "import numjac as nj; from numjac.runtime import blas_threads\n"
            "print(nj.get_num_threads(), blas_threads.threads_now())")
    env = {k: v for k, v in os.environ.items() if k != "NUMJAC_NUM_THREADS"}
    env["OMP_NUM_THREADS"] = "1"        # as in a Dask worker
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["1", "1"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", ["matrix @ vector", "vector @ matrix", "row @ matrix",
                                  "matrix @ column"])
def test_matrix_vector_products(numba_backend, case, dtype):
    """Products with one output dimension of 1 call gemv (kernel_blas.py):
    the values of NumPy's product, and the kernel is a BLAS one."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((300, 250)).astype(dtype)
    v = rng.standard_normal(300).astype(dtype)
    w = rng.standard_normal(250).astype(dtype)
    left, right = {"matrix @ vector": (a, w), "vector @ matrix": (v, a),
                   "row @ matrix": (v[None, :], a), "matrix @ column": (a, w[:, None])}[case]

    def product(x, y):
        return x @ y
    jitted = nj.jit(product)
    assert "gemm(" in jitted.lower(left, right).source
    got = jitted(left, right)
    tolerance = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(got, left @ right, rtol=tolerance, atol=tolerance)
    assert got.dtype == dtype
