"""``python -m benchmarks.first_call [--repeats N]``: where the first call of
a fresh process goes with a warm disk cache, piece by piece (issue 15).

jacrev of ``sin(x) * x[0] + cumsum(x) ** 2`` (5 elements), NumPy imported
beforehand: one process fills a new disk cache, then each of ``N`` fresh
processes takes the path of a first call in steps (importing numjac, then
Numba, initializing Numba's runtime, ...: the steps the call would take
in that order) and times each step in CPU time, which a loaded machine
inflates far less than wall time.  Printed: the median [min] per step, in
ms, and the load average before and after.  The same processes also time
the whole path in one go ("import to result", wall and CPU).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _small(x):
    import numpy as np
    return np.sin(x) * x[0] + np.cumsum(x) ** 2


def _timed_calls(owner, name: str, totals: dict, label: str):
    """Add the CPU time of every call of ``owner.name`` to ``totals[label]``."""
    original = getattr(owner, name)
    totals[label] = 0.0

    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.process_time() - start
    setattr(owner, name, timed)


def pieces_child() -> dict:
    """CPU seconds of each step of a warm first call, in this fresh process."""
    import numpy as np
    steps, clock = {}, time.process_time
    start = clock()
    import numjac as nj
    from numjac.runtime import cache, numba_backend
    steps["import numjac"] = clock() - start
    for label, step in [("import Numba", numba_backend.import_numba),
                        ("versions (the cache key)", cache.versions),
                        ("Numba's target context", _target_context),
                        ("Numba's runtime (NRT)", _initialize_runtime),
                        ("import kernel_support", _import_kernel_support)]:
        start = clock()
        step()
        steps[label] = clock() - start
    inside: dict = {}
    _timed_calls(cache, "generate", inside, "generate the kernel's source")
    _timed_calls(cache.NumbaKernel, "__init__", inside, "kernel module and dispatcher")
    _timed_calls(cache.NumbaKernel, "__call__", inside, "load the machine code, run")
    start = clock()
    nj.jacrev(_small)(np.linspace(0.1, 1.0, 5))
    call = clock() - start
    steps.update(inside)
    steps["trace, transforms, the rest"] = call - sum(inside.values())
    steps["all the steps"] = sum(steps.values())
    return steps


def _target_context():
    from numba.core.registry import cpu_target
    return cpu_target.target_context


def _initialize_runtime():
    from numjac.runtime import cache, kernel_store, numba_runtime
    entry = kernel_store.Entry(cache.cache_dir(), "any kernel", cache.versions(), "")
    numba_runtime.initialize(_target_context(), entry)


def _import_kernel_support():
    import numjac.runtime.kernel_support  # noqa: F401


def whole_child() -> dict:
    """Wall and CPU seconds from ``import numjac`` to the result."""
    import numpy as np
    start, start_cpu = time.perf_counter(), time.process_time()
    import numjac as nj
    nj.jacrev(_small)(np.linspace(0.1, 1.0, 5))
    return {"import to result, wall": time.perf_counter() - start,
            "import to result, CPU": time.process_time() - start_cpu}


def _child(mode: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.first_call", "--child", mode],
                         env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(repeats: int):
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    runs: dict = {}
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ, NUMJAC_CACHE_DIR=directory)
        for name in ("NUMJAC_DISABLE_DISK_CACHE", "NUMJAC_BACKEND"):
            env.pop(name, None)
        _child("whole", env)                      # fills the disk cache
        for _ in range(repeats):
            for mode in ("pieces", "whole"):
                for label, seconds in _child(mode, env).items():
                    runs.setdefault(label, []).append(1e3 * seconds)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"{'step (CPU unless said)':40s} {'median [min], ms':>18s}")
    for label, values in runs.items():
        print(f"{label:40s} {statistics.median(values):9.1f} [{min(values):5.1f}]")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_call",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=8, help="fresh processes per mode")
    parser.add_argument("--child", choices=("pieces", "whole"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        found = pieces_child() if args.child == "pieces" else whole_child()
        print(json.dumps(found))
    else:
        run(args.repeats)


if __name__ == "__main__":
    main()
