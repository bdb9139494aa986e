"""``python -m benchmarks --only threads``: numjac on one thread and on two
(runtime/parallel.py), and JAX on one, measured alternately in one process.

Rows: per-example gradients of a logistic loss over 64 features
(benchmarks/workloads.py) at batches from 64 to 131,072, in microseconds
per example; the 2000 x 2000 Jacobian (jacfwd) of ``tanh(A @ x) * x +
sin(x)``.  Each configuration is measured once per round, the rounds one
after the other, so that a change in the machine's load reaches all of
them; the table gives the median over rounds and the best round, and the
load average before and after (the machine may be shared).
"""
from __future__ import annotations

import argparse
import os
import statistics

import numpy as np

from .timing import per_call_median
from .workloads import JaxPeer, Skip, logistic_loss

BATCHES = (64, 1024, 16384, 131072)
JACOBIAN_SIZE = 2000
ROUNDS = 5


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
    """{name: [seconds per call, one per round]}, the calls alternating."""
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, (threads, call) in calls.items():
            if threads:
                import numjac
                numjac.set_num_threads(threads)
            times[name].append(per_call_median(call))
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
            calls["JAX"] = (None, jax)
        rows.append((f"per-example grads, batch {batch:,}", measure(calls, rounds),
                     1e6 / batch, "us per example"))
    jacobian = nj.jacfwd(jacobian_function(np))
    x = np.random.default_rng(1).normal(size=JACOBIAN_SIZE)
    jacobian(x)
    calls = {"numjac 1 thread": (1, lambda: jacobian(x)),
             "numjac 2 threads": (2, lambda: jacobian(x))}
    rows.append((f"jacfwd {JACOBIAN_SIZE}x{JACOBIAN_SIZE}", measure(calls, rounds), 1e3,
                 "ms per call"))
    return rows, (load_before, os.getloadavg())


def summary(times):
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def markdown(rows, loads, rounds=ROUNDS) -> str:
    lines = ["| case | unit | numjac 1 thread | numjac 2 threads | speedup 2 vs 1 | JAX "
             "(1 thread) |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, times, scale, unit in rows:
        stats = summary(times)
        cells = []
        for config in ("numjac 1 thread", "numjac 2 threads", "JAX"):
            if config in stats:
                median, best = stats[config]
                cells.append(f"{median * scale:.3f} (best {best * scale:.3f})")
            else:
                cells.append("-")
        one, two = stats["numjac 1 thread"][0], stats["numjac 2 threads"][0]
        lines.append(f"| {name} | {unit} | {cells[0]} | {cells[1]} | {one / two:.2f}x "
                     f"| {cells[2]} |")
    before, after = loads
    lines += ["", f"Median of {rounds} rounds (each a median of 7 batches of calls), the "
              "configurations alternating; load average (1, 5, 15 min) "
              f"{before[0]:.2f}, {before[1]:.2f}, {before[2]:.2f} before and "
              f"{after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f} after, on "
              f"{os.cpu_count()} logical cores."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks --only threads")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    rows, loads = run(args.rounds)
    print(markdown(rows, loads, args.rounds))


if __name__ == "__main__":
    main()
