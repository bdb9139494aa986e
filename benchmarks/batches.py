"""``python -m benchmarks --only batches``: per-example gradients of the
logistic loss over 64 features (benchmarks/workloads.py) at batches from 64
to 131,072 on one thread: numjac's ``vmap(grad)``, JAX's
``jit(vmap(grad))`` (one thread: benchmarks/__init__.py) and the
hand-written Numba kernel (benchmarks/handwritten.py, the practical limit
of a kernel that allocates its output), in microseconds per example.

Each call is timed two ways: wall time, and the process's CPU time (user
and system, every thread), which on a machine shared with other work
leaves out the time the process waited for a core; a page fault's cost is
system time, so it is counted.  The three run alternately, once per round;
the table gives the median over rounds and the load average before and
after.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from .threads import jax_call, per_example_inputs
from .timing import load_averages, per_call_median
from .workloads import logistic_loss

BATCHES = (64, 1024, 16384, 131072)
ROUNDS = 5


def calls_for(nj, batch, variants=False):
    """{peer: zero-argument call} on the same inputs, results checked (and
    the hand-written kernel's variants: batch_variants.py)."""
    from .handwritten import logistic_grads
    grads = nj.vmap(nj.grad(logistic_loss(np, ())), in_dims=(None, 0, 0))
    args = per_example_inputs(batch)
    expected = grads(*args)
    np.testing.assert_allclose(logistic_grads(*args), expected, rtol=1e-12, atol=1e-14)
    calls = {"numjac": lambda: grads(*args),
             "Numba (by hand)": lambda: logistic_grads(*args)}
    jax = jax_call(batch, expected)
    if jax is not None:
        calls["JAX"] = jax
    if variants:
        from . import batch_variants
        calls.update(batch_variants.calls(args, expected))
    return calls


def run(rounds=ROUNDS, variants=False):
    """[(batch, {peer: ([wall s], [cpu s])})], load averages."""
    import numjac as nj
    nj.set_compile_mode("blocking")
    nj.set_num_threads(1)
    load_before = os.getloadavg()
    rows = []
    for batch in BATCHES:
        calls = calls_for(nj, batch, variants)
        times = {name: ([], []) for name in calls}
        for _ in range(rounds):
            for name, call in calls.items():
                times[name][0].append(per_call_median(call))
                times[name][1].append(per_call_median(call, clock=time.process_time))
        rows.append((batch, times))
    return rows, (load_before, os.getloadavg())


def markdown(rows, loads, rounds=ROUNDS) -> str:
    peers = ("numjac", "JAX", "Numba (by hand)") + tuple(
        name for name in rows[0][1] if name.startswith("Numba, "))
    lines = ["| batch | " + " | ".join(f"{p} wall | {p} CPU" for p in peers)
             + " | numjac/JAX (CPU) |", "| ---: |" + " ---: |" * (2 * len(peers) + 1)]
    for batch, times in rows:
        medians = {name: tuple(statistics.median(t) * 1e6 / batch for t in pair)
                   for name, pair in times.items()}
        cells = [f"{medians[p][0]:.3f} | {medians[p][1]:.3f}" if p in medians else "- | -"
                 for p in peers]
        ratio = (f"{medians['numjac'][1] / medians['JAX'][1]:.2f}" if "JAX" in medians
                 else "-")
        lines.append(f"| {batch:,} | " + " | ".join(cells) + f" | {ratio} |")
    lines += ["", f"Microseconds per example, one thread; median of {rounds} rounds (each "
              "a median of 7 batches of calls), the peers alternating; "
              + load_averages(*loads)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks --only batches")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--variants", action="store_true",
                        help="also the hand-written kernel's variants (batch_variants.py)")
    args = parser.parse_args(argv)
    print(markdown(*run(args.rounds, args.variants), args.rounds))


if __name__ == "__main__":
    main()
