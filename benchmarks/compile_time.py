"""``python -m benchmarks.compile_time``: the first call of programs of
growing size (benchmarks/compile_programs.py), numjac against JAX, each in
a fresh process with empty caches.

    python -m benchmarks.compile_time                 # every program and size
    python -m benchmarks.compile_time --quick         # the small sizes only
    python -m benchmarks.compile_time --only MLP --markdown table.md
    python -m benchmarks.compile_time --only RK4 --against c3b70cd   # before and after

Each measurement is one child process that imports the library, builds the
program, and times its first call (trace, transforms, compilation and the
run) by wall clock; it reports that time and the process's peak resident
memory (imports included).  numjac runs with its disk cache and Numba's
cache in new empty folders and ``NUMJAC_COMPILE=blocking`` (the call waits
for the kernel); JAX runs ``jax.jit`` of the same transform on CPU in
float64.  With ``--against COMMIT`` numjac as of that commit is measured
too, in the same run just before this checkout's (benchmarks/
compile_baseline.py).  Per family the growth exponent is the slope of log(time) against
log(traced equations, re-rolling off: the program as written) between the
smallest and the largest size.  Each run starts with Numba's floor: the
first call of a one-line ``numba.njit`` function in a fresh process, what
any first call compiled by Numba costs at least.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from .compile_baseline import baseline_package, environment_with, remove_baseline
from .compile_programs import FAMILIES

TIMEOUT = 900          # default seconds a first call may take before it counts as failed
# The "peer" whose first call is a one-line ``numba.njit`` function: the
# least any first call compiled by Numba costs in a fresh process (Numba
# loads its typing and lowering registries on its first compile).
FLOOR = "numba floor"


# -- the child process ---------------------------------------------------------------

def child(peer: str, family_name: str, size: int, transform: str) -> dict:
    """Run one first call in this process; the measurements as a dict."""
    if peer == FLOOR:
        import numba
        one_line = numba.njit(lambda x: x + 1.0)
        args = np.ones(8)
        call = lambda: one_line(args)   # noqa: E731
        return _first_call(call)
    family = next(f for f in FAMILIES if f.name == family_name)
    if peer == "numjac":
        import numba  # noqa: F401  (imported up front, as jax is for JAX)
        import numjac as nj
        f, args = family.build(np, size)
        wrapped = getattr(nj, transform)(f)
        call = lambda: wrapped(*args)   # noqa: E731
    else:
        import jax
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        import jax.numpy as jnp
        f, args = family.build(jnp, size)
        wrapped = jax.jit(getattr(jax, transform)(f))
        args = [jnp.asarray(a) for a in args]
        call = lambda: wrapped(*args).block_until_ready()   # noqa: E731
    result = _first_call(call)
    if peer == "numjac":
        result["equations"] = _unrolled_equations(nj, f, args)
        lowered = wrapped.lower(*args)
        result["final_equations"] = len(lowered.ir.eqns)
    return result


def _first_call(call) -> dict:
    """Wall and CPU seconds of ``call()``, the process's peak memory and a
    checksum of the result."""
    start, cpu_start = time.perf_counter(), time.process_time()
    out = call()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_seconds": time.process_time() - cpu_start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "checksum": float(np.sum(np.asarray(out)))}


def _unrolled_equations(nj, f, args) -> int:
    """The size of the program as written: its traced equations with
    re-rolling off (a re-rolled loop is one equation, which would hide the
    size the growth exponents are taken against)."""
    setting = os.environ.get("NUMJAC_REROLL")
    os.environ["NUMJAC_REROLL"] = "0"
    try:
        return len(nj.make_ir(lambda *a: f(*a))(*args).eqns)    # a new function: traced anew
    finally:
        if setting is None:
            del os.environ["NUMJAC_REROLL"]
        else:
            os.environ["NUMJAC_REROLL"] = setting


def measure(peer, family_name, size, transform, timeout=TIMEOUT, baseline=None) -> dict:
    """One fresh child process with empty caches; {"error": ...} on failure.
    ``baseline``: a folder to import numjac from (compile_baseline.py)."""
    with tempfile.TemporaryDirectory() as numjac_cache, \
            tempfile.TemporaryDirectory() as numba_cache:
        env = dict(os.environ, NUMJAC_CACHE_DIR=numjac_cache, NUMBA_CACHE_DIR=numba_cache,
                   NUMJAC_COMPILE="blocking", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
        for name in ("NUMJAC_BACKEND", "NUMJAC_DISABLE_DISK_CACHE"):
            env.pop(name, None)
        if baseline is not None:
            env.update(environment_with(baseline))
        command = [sys.executable, "-m", "benchmarks.compile_time", "--child",
                   json.dumps([peer, family_name, size, transform])]
        try:
            out = subprocess.run(command, env=env, capture_output=True, text=True,
                                 timeout=timeout, cwd=_repository())
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout} s"}
    if out.returncode:
        lines = out.stderr.strip().splitlines() or ["no output"]
        return {"error": lines[-1][:120]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def numba_floor(repeats=3) -> dict:
    """The fastest of ``repeats`` first calls of a one-line Numba function,
    each in a fresh process (``FLOOR``)."""
    runs = [measure(FLOOR, "", 0, "") for _ in range(repeats)]
    good = [r for r in runs if "error" not in r]
    return min(good, key=lambda r: r["seconds"]) if good else runs[0]


def _repository() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- the run -------------------------------------------------------------------------

def run(quick=False, only=None, peers=("numjac", "jax"), each_row=None,
        timeout=TIMEOUT, against=None) -> list:
    """One row per (family, size, transform): the measurements of each peer
    (and of numjac as of commit ``against``, as "before");
    ``each_row(rows)`` is called after each row (to save partial results)."""
    baseline = None if against is None else baseline_package(against, _repository())
    try:
        return _run(quick, only, peers, each_row, timeout, baseline)
    finally:
        if baseline is not None:
            remove_baseline(baseline)


def _run(quick, only, peers, each_row, timeout, baseline) -> list:
    rows = []
    for family in FAMILIES:
        if only and only.lower() not in family.name.lower():
            continue
        for transform in family.transforms:
            for size in (family.quick_sizes if quick else family.sizes):
                row = {"family": family.name, "size_name": family.size_name, "size": size,
                       "transform": transform}
                if baseline is not None:
                    row["before"] = measure("numjac", family.name, size, transform, timeout,
                                            baseline)
                for peer in peers:
                    row[peer] = measure(peer, family.name, size, transform, timeout)
                rows.append(row)
                print(format_row(row), flush=True)
                if each_row is not None:
                    each_row(rows)
    return rows


def format_row(row) -> str:
    nj, jx = row["numjac"], row.get("jax", {})
    before = f"  before {_cell(row['before']):>18s}" if "before" in row else ""
    return (f"{row['family']:28s} {row['size_name']}={row['size']:<6d} {row['transform']:8s}"
            f" eqns {nj.get('equations', '-')!s:>6s}{before}  numjac {_cell(nj):>18s}"
            f"  JAX {_cell(jx):>18s}  ratio {_ratio(nj, jx)}")


def _cell(m) -> str:
    if not m:
        return "-"
    if "error" in m:
        return f"failed ({m['error'][:40]})"
    return f"{m['seconds']:.2f} s ({m['cpu_seconds']:.2f} s CPU), {m['peak_mb']:.0f} MB"


def _ratio(a, b, key="seconds") -> str:
    if a and b and key in a and key in b:
        return f"{a[key] / b[key]:.2f}"
    return "-"


def growth_exponents(rows, key="seconds") -> dict:
    """(family, transform) -> the log-log slope of numjac's ``key`` (wall
    or CPU seconds) against the traced equations, from the smallest to the
    largest size measured."""
    points = {}
    for row in rows:
        m = row["numjac"]
        if key in m:
            points.setdefault((row["family"], row["transform"]), []).append(
                (m["equations"], m[key]))
    slopes = {}
    for key, pts in points.items():
        pts.sort()
        (n0, t0), (n1, t1) = pts[0], pts[-1]
        if n1 > n0:
            slopes[key] = math.log(t1 / t0) / math.log(n1 / n0)
    return slopes


def markdown(rows, load_average, floor=None) -> str:
    before_header = " numjac before |" if any("before" in row for row in rows) else ""
    lines = ["## Compile time (first call, fresh process, empty caches)", "",
             "From `python -m benchmarks.compile_time`: each cell is one fresh process "
             "timing the first call (trace, transforms, compilation, run; imports "
             "excluded) and its peak resident memory (imports included); numjac with "
             "`NUMJAC_COMPILE=blocking` and empty numjac and Numba caches, JAX with "
             "`jax.jit` of the same transform. Equations: numjac's traced program. "
             f"Load average at the start of the run: {load_average:.2f} (2 cores, "
             "shared: single numbers move by 20% or more).", "",
             f"| program | size | transform | equations |{before_header} numjac | JAX | "
             "numjac / JAX (wall, CPU) |",
             "| --- | ---: | --- | ---: |" + " ---: |" * (3 + bool(before_header))]
    for row in rows:
        nj, jx = row["numjac"], row.get("jax", {})
        before = f" {_cell(row['before'])} |" if before_header else ""
        lines.append(f"| {row['family']} | {row['size_name']} {row['size']} | "
                     f"{row['transform']} | {nj.get('equations', '-')} |{before} {_cell(nj)} | "
                     f"{_cell(jx)} | {_ratio(nj, jx)}, {_ratio(nj, jx, 'cpu_seconds')} |")
    lines += ["", "Growth exponent of numjac's first call in the number of traced "
              "equations (log-log slope from the smallest to the largest size):", "",
              "| program | transform | exponent (wall) | exponent (CPU) |",
              "| --- | --- | ---: | ---: |"]
    cpu = growth_exponents(rows, "cpu_seconds")
    lines += [f"| {family} | {transform} | {slope:.2f} | {cpu[family, transform]:.2f} |"
              for (family, transform), slope in growth_exponents(rows).items()]
    if floor is not None:
        lines += ["", f"Numba's floor in this run: {floor_sentence(floor)}."]
    return "\n".join(lines) + "\n"


def floor_sentence(floor) -> str:
    return (f"the first call of a one-line `numba.njit` function in a fresh process (numba "
            f"imported before the clock starts), fastest of 3, took {_cell(floor)}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compile_time",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the small sizes only")
    parser.add_argument("--only", help="the program families whose name contains this")
    parser.add_argument("--no-jax", action="store_true", help="measure numjac only")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="also write the raw measurements to this file")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds a first call may take (default {TIMEOUT})")
    parser.add_argument("--against", metavar="COMMIT",
                        help="also measure numjac as of this commit, in the same run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return
    load_average = os.getloadavg()[0]
    peers = ("numjac",) if args.no_jax else ("numjac", "jax")
    floor = numba_floor()
    print(f"Numba's floor: {floor_sentence(floor)}", flush=True)

    def save(rows):
        if args.json:
            with open(args.json, "w") as f:
                json.dump(rows, f, indent=1)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(markdown(rows, load_average, floor))

    rows = run(args.quick, args.only, peers, each_row=save, timeout=args.timeout,
               against=args.against)
    for (family, transform), slope in growth_exponents(rows).items():
        print(f"growth exponent {family} {transform}: {slope:.2f}")
    if args.markdown:
        print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
