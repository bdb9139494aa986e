"""``python -m benchmarks --only buffers``: big outputs written into reused
buffers (runtime/output_buffers.py) against the same kernel allocating its
output on every call, alternating in one process, on one thread
(``python -m benchmarks.output_buffers --threads 2``: on two).

Rows: per-example gradients of the logistic loss over 64 features
(benchmarks/batches.py) at 1,024, 16,384 and 131,072 rows (0.5, 8 and 64
MB of output), in microseconds per example, and the 2000 x 2000 jacfwd of
benchmarks/threads.py (32 MB), in milliseconds per call.  Columns:

- "allocating": the kernel generated with no output buffer argument (its
  output from Numba's allocator on each call: what numjac did before);
- "buffers": the kernel numjac generates now;
- "dropped": each result dropped before the next call (one buffer then
  serves every call); "held": each result held until the next call
  returns, as ``g = f(x)`` in a loop holds it (two buffers in turn);
- "numjac call, held": the public transformed function called that way
  (the kernel above plus numjac's call path).

Both kernels are called directly (cache.NumbaKernel), so the only
difference is the output's memory (none at 1,024 rows: an output under
OUTPUT_BUFFER_BYTES is allocated by both).  Each column is timed in wall time and
in the process's CPU time (user and system: a page fault's clearing is
system time), and its minor page faults per call are counted (the first
touches of memory the system must map and clear); the table gives the
median over rounds, with the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from unittest import mock

import numpy as np

from .threads import JACOBIAN_SIZE, jacobian_function, per_example_inputs
from .timing import load_averages, per_call_median
from .workloads import logistic_loss

BATCHES = (1024, 16384, 131072)
ROUNDS = 5
COLUMNS = ("allocating, dropped", "allocating, held", "buffers, dropped", "buffers, held",
           "numjac call, held")


def kernels(staged, args):
    """(allocating kernel, buffer kernel, kernel arguments: ``args`` and
    the captured arrays) of the transformed function ``staged``, called
    once at ``args``."""
    from numjac.compiler.printer import print_ir
    from numjac.runtime import cache, numba_backend
    from numjac.runtime.codegen import emission, generate
    from numjac.staging import Staged

    shapes = [np.shape(a) for a in args]
    entry = next(s for s in staged._cache.values() if isinstance(s, Staged) and s.kernel
                 and [t.shape for t in s.ir.in_types[:len(args)]] == shapes)
    assert entry.prelude is None
    arguments = entry.kernel_arguments(list(args))
    text = print_ir(entry.ir)

    def kernel():
        source = numba_backend.module_source(generate(entry.ir), text, "benchmark")
        return cache.NumbaKernel(cache.kernel_key(source), source, None)
    with mock.patch.object(emission, "OUTPUT_BUFFER_BYTES", float("inf")):
        allocating = kernel()
    assert not allocating.buffers
    return allocating, kernel(), arguments


def held(call):
    """``call`` whose result is kept until the next call returns."""
    last = [None]

    def run():
        last[0] = call()
    return run


def cases(nj):
    """[(row name, scale to the unit, {column: zero-argument call})]."""
    grads = nj.vmap(nj.grad(logistic_loss(np, ())), in_dims=(None, 0, 0))
    rows = [(f"per-example grads, batch {batch:,}", 1e6 / batch, grads,
             per_example_inputs(batch)) for batch in BATCHES]
    x = np.random.default_rng(1).normal(size=JACOBIAN_SIZE)
    rows.append((f"jacfwd {JACOBIAN_SIZE}x{JACOBIAN_SIZE} (ms)", 1e3,
                 nj.jacfwd(jacobian_function(np)), (x,)))
    made = []
    for name, scale, staged, args in rows:
        expected = staged(*args)
        allocating, buffered, arrays = kernels(staged, args)
        for kernel in (allocating, buffered):
            np.testing.assert_array_equal(kernel(*arrays)[0], expected)
        made.append((name, scale, {
            COLUMNS[0]: lambda k=allocating, a=arrays: k(*a),
            COLUMNS[1]: held(lambda k=allocating, a=arrays: k(*a)),
            COLUMNS[2]: lambda k=buffered, a=arrays: k(*a),
            COLUMNS[3]: held(lambda k=buffered, a=arrays: k(*a)),
            COLUMNS[4]: held(lambda s=staged, a=args: s(*a)),
        }))
    return made


def page_faults_per_call(call, calls=10) -> float:
    """The process's minor page faults (first touches of new pages) per call."""
    call()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        call()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def run(rounds=ROUNDS, threads=1):
    """[(row name, {column: ([wall], [cpu]) in the row's unit}, {column: page
    faults per call})], load averages."""
    import numjac as nj
    nj.set_compile_mode("blocking")
    nj.set_num_threads(threads)
    load_before = os.getloadavg()
    rows = []
    for name, scale, calls in cases(nj):
        times = {column: ([], []) for column in calls}
        for _ in range(rounds):
            for column, call in calls.items():
                times[column][0].append(per_call_median(call) * scale)
                times[column][1].append(per_call_median(call, clock=time.process_time)
                                        * scale)
        faults = {column: page_faults_per_call(call) for column, call in calls.items()}
        rows.append((name, times, faults))
    nj.set_num_threads(None)
    return rows, (load_before, os.getloadavg())


def markdown(rows, loads, rounds=ROUNDS, threads=1) -> str:
    lines = ["| case | " + " | ".join(f"{c} wall | {c} CPU | {c} faults" for c in COLUMNS)
             + " |", "| --- |" + " ---: |" * (3 * len(COLUMNS))]
    for name, times, faults in rows:
        cells = [f"{statistics.median(times[c][0]):.3f} | {statistics.median(times[c][1]):.3f}"
                 f" | {faults[c]:,.0f}" for c in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Microseconds per example (the jacfwd: milliseconds per call), "
              f"{threads} thread(s); median of {rounds} rounds (each a median of 7 batches of calls), "
              "the columns alternating; faults: minor page faults per call; "
              + load_averages(*loads)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks --only buffers")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--threads", type=int, default=1,
                        help="nj.set_num_threads for the run (parallel kernels)")
    args = parser.parse_args(argv)
    print(markdown(*run(args.rounds, args.threads), args.rounds, args.threads))


if __name__ == "__main__":
    main()
