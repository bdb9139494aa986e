"""``python -m benchmarks.folded_layers --against COMMIT``: per-call CPU time
of MLPs whose layers numjac folds into one scan (benchmarks/
compile_programs.py's tanh MLP, weights closed over) and of the "MLP
jacrev" workload (two layers, not folded), this checkout against numjac as
of COMMIT, alternating child processes in one run.

Each child compiles (or loads from its version's disk cache) and then
times ``ROUNDS`` batches of ``CALLS`` calls by CPU time, reporting the
fastest batch per call.  The weights are stacked before every call of a
folded kernel (compiler/passes/prelude.py), so this is where that copy shows.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from .compile_baseline import baseline_package, environment_with, remove_baseline

ROUNDS, CALLS = 5, 100
CASES = [("MLP jacrev workload", None, "jacrev"), ("MLP-25", 25, "jit"),
         ("MLP-25", 25, "jacrev"), ("MLP-100", 100, "jit"), ("MLP-100", 100, "jacrev"),
         ("MLP-100", 100, "jacfwd")]


def _function(depth):
    """(f, args) of a case: the tanh MLP of ``depth`` layers, or the workload's."""
    if depth is not None:
        from .compile_programs import mlp
        return mlp(np, depth)
    from .workloads import WORKLOADS
    workload = next(w for w in WORKLOADS if w.name == "MLP jacrev")
    rng = np.random.default_rng(0)
    return workload.function(np, workload.consts(rng)), workload.inputs(rng)


def child() -> dict:
    import numjac as nj
    times = {}
    for name, depth, transform in CASES:
        f, args = _function(depth)
        wrapped = getattr(nj, transform)(f)
        wrapped(*args)
        best = float("inf")
        for _ in range(ROUNDS):
            start = time.process_time()
            for _ in range(CALLS):
                wrapped(*args)
            best = min(best, (time.process_time() - start) / CALLS)
        times[f"{name} {transform}"] = best
    return times


def _run(environment) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.folded_layers", "--child"],
                         env=dict(os.environ, **environment), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=False, help="a commit to compare with")
    parser.add_argument("--repeats", type=int, default=2, help="alternations of the two")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(child()))
        return
    baseline = baseline_package(options.against, os.getcwd()) if options.against else None
    versions = {"this checkout": {}}
    if baseline:
        versions[options.against] = environment_with(baseline)
    caches = {name: tempfile.mkdtemp(prefix="numjac-percall-") for name in versions}
    best: dict = {}
    try:
        for _ in range(options.repeats):
            for name, environment in versions.items():
                for case, seconds in _run(dict(environment, NUMJAC_CACHE_DIR=caches[name],
                                               NUMJAC_COMPILE="blocking")).items():
                    best.setdefault(case, {})[name] = min(
                        seconds, best.get(case, {}).get(name, float("inf")))
    finally:
        if baseline:
            remove_baseline(baseline)
    print("| case | " + " | ".join(versions) + " |")
    print("| --- |" + " ---: |" * len(versions))
    for case, per_version in best.items():
        print(f"| {case} | " + " | ".join(f"{1e6 * per_version[v]:.1f} us" for v in versions)
              + " |")


if __name__ == "__main__":
    main()
