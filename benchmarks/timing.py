"""Per-call medians that adapt the number of calls to the callable's speed."""
from __future__ import annotations

import os
import statistics
import time


def per_call_median(call, *, repeats=7, budget=0.05, clock=time.perf_counter) -> float:
    """Median seconds per call over ``repeats`` batches of about ``budget``
    seconds each (after one warm-up call), as ``clock`` counts them (wall
    time; ``time.process_time``: the process's CPU time)."""
    call()
    number = 1
    while True:
        start = clock()
        for _ in range(number):
            call()
        elapsed = clock() - start
        if elapsed >= budget / 4 or number >= 1 << 20:
            break
        number *= 4
    number = max(1, int(number * budget / max(elapsed, 1e-9)))
    samples = []
    for _ in range(repeats):
        start = clock()
        for _ in range(number):
            call()
        samples.append((clock() - start) / number)
    return statistics.median(samples)


def load_averages(before, after) -> str:
    """The sentence giving the load averages before and after a run."""
    def triple(load):
        return ", ".join(f"{x:.2f}" for x in load)
    return (f"load average (1, 5, 15 min) {triple(before)} before and {triple(after)} "
            f"after, on {os.cpu_count()} logical cores.")


def format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
