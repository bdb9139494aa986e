"""The short Numba pipeline of generated kernels (runtime/numba_pipeline.py):
kernels and their parts compile with it and agree with the interpreter, and
a function it cannot compile falls back to Numba's default pipeline."""
import numba
import numpy as np

import numjac as nj
from numjac.runtime import cache, numba_backend


def pipelines(dispatcher) -> set:
    """The names of the pipelines that compiled ``dispatcher``'s overloads."""
    return {name for cres in dispatcher.overloads.values()
            for name in cres.metadata["pipeline_times"]}


def rk4_steps(x):
    """Two RK4 steps of Lorenz-96: a kernel long enough to be cut into parts,
    with folded rolls (branches) and loops whose indices repeat."""
    def rhs(x):
        return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0
    for _ in range(2):
        k1 = rhs(x)
        k2 = rhs(x + 0.005 * k1)
        k3 = rhs(x + 0.005 * k2)
        k4 = rhs(x + 0.01 * k3)
        x = x + 0.01 / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return x


def test_kernel_and_parts_compile_with_the_short_pipeline(monkeypatch):
    # Compiled here, not loaded from the disk cache (which keeps no metadata);
    # nor are the parts of kernels other tests loaded from it looked at.
    monkeypatch.setenv("NUMJAC_DISABLE_DISK_CACHE", "1")
    monkeypatch.setattr(numba_backend, "_PARTS", {})
    x = np.random.default_rng(0).normal(size=12)
    kernel = cache.numba_kernel(nj.jacrev(rk4_steps).lower(x).ir)
    expected = nj.jit(nj.jacrev(rk4_steps), backend="interpret")(x)
    np.testing.assert_allclose(kernel(x)[0], expected, rtol=1e-12, atol=1e-12)
    assert "numjac part module" in kernel.source
    assert pipelines(kernel.fast) == {"numjac_kernel"}
    parts = [m.part for m in numba_backend._PARTS.values() if m.part.overloads]
    assert parts and all(pipelines(p) == {"numjac_kernel"} for p in parts)


def with_closure(x):
    """A closure: typing it needs passes the short pipeline leaves out."""
    def twice(v):
        return v * 2.0
    return twice(x) + 3.0


def test_a_function_the_short_pipeline_cannot_type_falls_back():
    dispatcher = numba_backend._njit(with_closure, None)
    x = np.arange(3.0)
    np.testing.assert_array_equal(dispatcher(x), x * 2.0 + 3)
    assert pipelines(dispatcher) == {"nopython"}


def parallel_sum(x):
    total = 0.0
    for i in numba.prange(x.shape[0]):
        total += x[i]
    return total


def test_a_parallel_kernel_gets_the_default_pipeline_with_its_parfor_passes():
    dispatcher = numba_backend._njit(parallel_sum, None, parallel=True)
    x = np.arange(100.0)
    assert dispatcher(x) == x.sum()
    assert pipelines(dispatcher) == {"nopython"}
    assert any(cres.metadata["parfors"] for cres in dispatcher.overloads.values())
