"""``python -m benchmarks --only threads``: numjac on one thread and on two
(runtime/parallel.py), and JAX on one, measured alternately in one process.

Rows: per-example gradients of a logistic loss over 64 features
(benchmarks/workloads.py) at batches from 64 to 131,072, in microseconds
per example; the 2000 x 2000 Jacobian (jacfwd) of ``tanh(A @ x) * x +
sin(x)``; the 1000 x 1000 Jacobian of ``B @ tanh(A @ x)`` in chunks of 100
columns (each chunk two BLAS products); and the machine's ceiling for
work that streams through memory: ``2 * x + 1`` over 8,388,608 elements
(64 MB read, 64 MB written), which no number of threads can run faster
than the memory allows.  Each configuration is measured
once per round, the rounds one after the other, so that a change in the
machine's load reaches all of them; the table gives the median over rounds and the best round, the
cores each configuration kept busy (process CPU time over wall time: on a
shared machine, whether a second thread got a core at all), and the load
average before and after (the machine may be shared).

Then the loaded-machine BLAS rows: the MLP jacrev of the main benchmark
with one busy process per core added, on two BLAS threads fixed (the
BLAS's own default), on numjac's default policy (runtime/blas_threads.py:
one thread when the machine is busy) and on one thread.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from .timing import per_call_median
from .workloads import WORKLOADS, JaxPeer, Skip, logistic_loss, mlp

BATCHES = (64, 1024, 16384, 131072)
JACOBIAN_SIZE = 2000
CHUNKED_SIZE, CHUNK = 1000, 100
STREAM_SIZE = 1 << 23
ROUNDS = 5
UNCHANGED = "unchanged"     # a peer's configuration: numjac's threads left as they are


def per_example_inputs(batch):
    rng = np.random.default_rng(0)
    return (rng.normal(size=64) / 8, rng.normal(size=(batch, 64)),
            np.sign(rng.normal(size=batch)))


def jacobian_function(xp, n=JACOBIAN_SIZE):
    matrix = np.random.default_rng(0).normal(size=(n, n)) / np.sqrt(n)
    if xp is not np:
        matrix = xp.asarray(matrix)

    def f(x):
        return xp.tanh(matrix @ x) * x + xp.sin(x)
    return f


def two_layers(n=CHUNKED_SIZE):
    """``B @ tanh(A @ x)``: its Jacobian in chunks makes two BLAS products a chunk."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, n, n)) / np.sqrt(n)

    def f(x):
        return b @ np.tanh(a @ x)
    return f


def numjac_calls(nj, batch):
    grads = nj.vmap(nj.grad(logistic_loss(np, ())), in_dims=(None, 0, 0))
    args = per_example_inputs(batch)
    expected = grads(*args)
    return (lambda: grads(*args)), expected


def jax_call(batch, expected):
    """JAX's jit(vmap(grad)) on the same inputs (None if JAX is missing)."""
    try:
        peer = JaxPeer()
    except (ImportError, Skip):
        return None
    jax = peer.jax
    f = logistic_loss(jax.numpy, ())
    grads = jax.jit(jax.vmap(jax.grad(f), in_axes=(None, 0, 0)))
    args = [jax.device_put(a) for a in per_example_inputs(batch)]
    np.testing.assert_allclose(np.asarray(grads(*args)), expected, rtol=1e-9, atol=1e-12)
    return lambda: grads(*args).block_until_ready()


def measure(calls, rounds):
    """{name: [(seconds per call, cores busy), one per round]}, the calls
    alternating; a configuration's threads go to ``nj.set_num_threads``."""
    import numjac
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, (threads, call) in calls.items():
            if threads != UNCHANGED:
                numjac.set_num_threads(threads)
            wall, cpu = time.perf_counter(), time.process_time()
            seconds = per_call_median(call)
            busy = (time.process_time() - cpu) / (time.perf_counter() - wall)
            times[name].append((seconds, busy))
    numjac.set_num_threads(None)
    return times


def run(rounds=ROUNDS):
    """[(row name, {config: (median, best)}, unit scale)], load averages."""
    import numjac as nj
    nj.set_compile_mode("blocking")
    load_before = os.getloadavg()
    rows = []
    for batch in BATCHES:
        call, expected = numjac_calls(nj, batch)
        calls = {"numjac 1 thread": (1, call), "numjac 2 threads": (2, call)}
        jax = jax_call(batch, expected)
        if jax is not None:
            calls["JAX"] = (UNCHANGED, jax)
        rows.append((f"per-example grads, batch {batch:,}", measure(calls, rounds),
                     1e6 / batch, "us per example"))
    jacobian = nj.jacfwd(jacobian_function(np))
    x = np.random.default_rng(1).normal(size=JACOBIAN_SIZE)
    jacobian(x)
    calls = {"numjac 1 thread": (1, lambda: jacobian(x)),
             "numjac 2 threads": (2, lambda: jacobian(x))}
    rows.append((f"jacfwd {JACOBIAN_SIZE}x{JACOBIAN_SIZE}", measure(calls, rounds), 1e3,
                 "ms per call"))
    chunked = nj.jacfwd(two_layers(), chunk_size=CHUNK)
    x = np.random.default_rng(2).normal(size=CHUNKED_SIZE)
    chunked(x)
    calls = {"numjac 1 thread": (1, lambda: chunked(x)),
             "numjac 2 threads": (2, lambda: chunked(x))}
    rows.append((f"jacfwd {CHUNKED_SIZE}x{CHUNKED_SIZE} of B tanh(A x), chunks of {CHUNK}",
                 measure(calls, rounds), 1e3, "ms per call"))
    stream = nj.jit(lambda v: 2.0 * v + 1.0)
    v = np.random.default_rng(3).normal(size=STREAM_SIZE)
    np.testing.assert_array_equal(stream(v), 2.0 * v + 1.0)
    calls = {"numjac 1 thread": (1, lambda: stream(v)), "numjac 2 threads": (2, lambda: stream(v))}
    rows.append((f"memory ceiling: 2 * x + 1 over {STREAM_SIZE:,} elements",
                 measure(calls, rounds), 1e3, "ms per call"))
    return rows, (load_before, os.getloadavg())


def loaded_blas(rounds):
    """(times as ``measure`` gives them, load averages before and after,
    threads the policy chose) of the MLP jacrev with a busy process per core."""
    import numjac as nj
    from numjac.runtime import blas_threads
    nj.set_compile_mode("blocking")
    workload = next(w for w in WORKLOADS if w.name == "MLP jacrev")
    rng = np.random.default_rng(0)
    (x,), weights = workload.inputs(rng), workload.consts(rng)
    jac = nj.jacrev(mlp(np, weights))
    jac(x)
    call = lambda: jac(x)   # noqa: E731
    # The package set these to 1 for the other benchmarks: the policy's
    # default is the machine's cores, within no cap.
    for name in ("NUMJAC_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.pop(name, None)
    cores = os.cpu_count() or 1
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cores)]
    try:
        time.sleep(10)      # the load average follows in a few seconds
        before = os.getloadavg()
        times = measure({"2 threads, fixed": (2, call), "numjac's default policy": (None, call),
                         "1 thread": (1, call)}, rounds)
        chose = blas_threads.threads_now()
        return times, (before, os.getloadavg()), chose
    finally:
        for process in busy:
            process.kill()
            process.wait()


def summary(times):
    return {name: (statistics.median(t for t, _ in runs), min(t for t, _ in runs),
                   statistics.median(b for _, b in runs)) for name, runs in times.items()}


def _cell(stats, scale):
    median, best, busy = stats
    return f"{median * scale:.3f} (best {best * scale:.3f}; {busy:.2f} cores)"


def _loads(loads) -> str:
    before, after = loads
    return (f"load average (1, 5, 15 min) {before[0]:.2f}, {before[1]:.2f}, {before[2]:.2f} "
            f"before and {after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f} after, on "
            f"{os.cpu_count()} logical cores")


def markdown(rows, loads, rounds=ROUNDS) -> str:
    lines = ["| case | unit | numjac 1 thread | numjac 2 threads | speedup 2 vs 1 | JAX "
             "(1 thread) |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, times, scale, unit in rows:
        stats = summary(times)
        cells = [_cell(stats[config], scale) if config in stats else "-"
                 for config in ("numjac 1 thread", "numjac 2 threads", "JAX")]
        one, two = stats["numjac 1 thread"][0], stats["numjac 2 threads"][0]
        lines.append(f"| {name} | {unit} | {cells[0]} | {cells[1]} | {one / two:.2f}x "
                     f"| {cells[2]} |")
    lines += ["", f"Median of {rounds} rounds (each a median of 7 batches of calls), the "
              "configurations alternating; cores: process CPU time over wall time while "
              f"measuring; {_loads(loads)}."]
    return "\n".join(lines) + "\n"


def loaded_markdown(loaded, rounds=ROUNDS) -> str:
    times, loads, chose = loaded
    stats = summary(times)
    lines = ["| MLP jacrev, a busy process per core added | " + " | ".join(stats) + " |",
             "| --- |" + " ---: |" * len(stats),
             "| us per call | " + " | ".join(_cell(s, 1e6) for s in stats.values()) + " |",
             "", f"Median of {rounds} rounds, the configurations alternating; the policy "
             f"chose {chose} thread(s); {_loads(loads)}."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks --only threads")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--only-loaded", action="store_true",
                        help="only the loaded-machine BLAS rows")
    args = parser.parse_args(argv)
    if not args.only_loaded:
        rows, loads = run(args.rounds)
        print(markdown(rows, loads, args.rounds))
    print(loaded_markdown(loaded_blas(args.rounds), args.rounds))


if __name__ == "__main__":
    main()
