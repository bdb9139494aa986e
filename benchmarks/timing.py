"""Per-call medians that adapt the number of calls to the callable's speed."""
from __future__ import annotations

import statistics
import time


def per_call_median(call, *, repeats=7, budget=0.05) -> float:
    """Median seconds per call over ``repeats`` batches of about ``budget``
    seconds each (after one warm-up call)."""
    call()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= budget / 4 or number >= 1 << 20:
            break
        number *= 4
    number = max(1, int(number * budget / max(elapsed, 1e-9)))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
