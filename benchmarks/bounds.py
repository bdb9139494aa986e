"""``python -m benchmarks.bounds``: what the run-time index bounds checks
cost.  Each gather-heavy workload runs one generated kernel twice: as numjac
emits it, and emitted with the checks off (runtime/lowering/indexing.py's
BOUNDS_CHECKS, switched off here only), both compiled by Numba in memory and
called directly (no call overhead).  The last column is the full numjac call.
"""
from __future__ import annotations

import time

import numpy as np

import numjac as nj
from numjac.runtime import numba_backend
from numjac.runtime.codegen import generate
from numjac.runtime.lowering import indexing as index_lowering

from .timing import format_seconds, per_call_median

ROUNDS = 21   # alternating batches of the two kernels; the fastest of each counts


def _workloads(rng):
    """(name, f, args): indices drawn over -n..n-1 (half of them negative)."""
    table = rng.standard_normal((1000, 64))
    values = rng.standard_normal(100_000)
    rows = rng.integers(-1000, 1000, 10_000)
    elements = rng.integers(-100_000, 100_000, 1_000_000)
    cols = rng.integers(-64, 64, 1_000_000)
    return [
        ("rows x[i] (1e4 of 64)", lambda x, i: x[i] * 2.0, (table, rows)),
        ("elements x[i] (1e6)", lambda x, i: x[i] * 2.0, (values, elements)),
        ("pairs x[i, j] (1e6)", lambda x, i, j: x[i, j] * 2.0,
         (table, elements % 1000, cols)),
        ("grad sum(x[i]**2) (1e6)", nj.grad(lambda x, i: np.sum(x[i] ** 2)),
         (values, elements)),
        ("take_along_axis (1000x64)", lambda x, i: np.take_along_axis(x, i, axis=0) * 2.0,
         (table, np.resize(rows, (1000, 64)))),
    ]


def _kernel(ir, checks: bool):
    """The kernel for ``ir`` with the checks on or off, and its workspace."""
    index_lowering.BOUNDS_CHECKS = checks
    try:
        source = generate(ir)
    finally:
        index_lowering.BOUNDS_CHECKS = True
    kernel, spec = numba_backend.load_in_memory(source, f"bounds_{int(checks)}")
    return kernel, tuple(np.empty(shape, dtype) for shape, dtype in spec)


def _fastest_alternating(calls, number: int) -> list:
    """Seconds per call of each of ``calls``: the fastest of ROUNDS batches
    of ``number`` calls, the batches of the calls alternating (on a shared
    machine, the load then weighs on both alike)."""
    best = [float("inf")] * len(calls)
    for _ in range(ROUNDS):
        for k, call in enumerate(calls):
            start = time.perf_counter()
            for _ in range(number):
                call()
            best[k] = min(best[k], (time.perf_counter() - start) / number)
    return best


def measure(f, args) -> tuple:
    """(checked kernel, unchecked kernel, numjac call) seconds per call."""
    jitted = nj.jit(f)
    staged = jitted.staged_for(args, *nj.pytree.flatten((args, {})))
    expected = jitted(*args)
    calls = []
    for checks in (True, False):
        kernel, workspace = _kernel(staged.ir, checks)
        inputs = (*args, *staged.captures, *workspace)
        np.testing.assert_allclose(kernel(*inputs)[0], expected)
        calls.append(lambda kernel=kernel, inputs=inputs: kernel(*inputs))
    number = max(1, int(0.02 / per_call_median(calls[0], repeats=3)))
    return (*_fastest_alternating(calls, number), per_call_median(lambda: jitted(*args)))


def main():
    rng = np.random.default_rng(0)
    print("| workload | kernel, checked | kernel, unchecked | check cost | numjac call |")
    print("| --- | --- | --- | --- | --- |")
    for name, f, args in _workloads(rng):
        checked, unchecked, call = measure(f, args)
        cost = f"{100 * (checked / unchecked - 1):+.0f}%"
        print(f"| {name} | {format_seconds(checked)} | {format_seconds(unchecked)} | {cost} "
              f"| {format_seconds(call)} |")


if __name__ == "__main__":
    main()
