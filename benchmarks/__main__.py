"""``python -m benchmarks``: numjac against each installed peer on the same
inputs in one process: per-call medians and the ratio numjac / peer.

    python -m benchmarks                       # everything, printed
    python -m benchmarks --only jacrev         # workloads whose name matches
    python -m benchmarks --markdown docs/benchmarks.md
    python -m benchmarks.bounds                # what index bounds checks cost
    python -m benchmarks --only sparse         # sparse derivatives (benchmarks/sparse.py)
    python -m benchmarks --only calls          # calls as users make them (benchmarks/calls.py)
    python -m benchmarks --only threads        # 1 vs 2 threads (benchmarks/threads.py)
    python -m benchmarks --only batches        # batches 64..131,072 (benchmarks/batches.py;
                                               # --variants: hand-written variants)
    python -m benchmarks --only buffers        # reused big outputs against allocating
                                               # (benchmarks/output_buffers.py)

The cold-start rows run fresh processes: the first call of jacrev of the
MLP with an empty disk cache, again with the cache warm, and JAX's first
call (libraries imported beforehand in every case).
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date

import numpy as np

from .timing import format_seconds, per_call_median
from .workloads import PEERS, WORKLOADS, JaxPeer, NumjacPeer, Skip

COLD_WORKLOAD = "MLP jacrev"

COLD_REPEATS = 5              # fresh processes per first-call case

NOTES = """## How it is measured

- Every peer gets the same inputs (float64) and its results are checked
  against numjac's. numjac runs on its default Numba backend; JAX uses
  `jax.jit` of the transform on CPU with x64 enabled; torch.func runs eagerly
  (it has no jit of its own); autograd runs NumPy eagerly; "Numba (by hand)"
  is a kernel written for the one problem (benchmarks/handwritten.py).
- A median is over 7 batches of calls lasting about 50 ms each, after a
  warm-up call, so compile time is excluded (see the first-call table).
- First calls run in fresh processes (the median of 5 per case) with the
  libraries already imported (`numba` for numjac, `jax` for JAX); the
  "import included" rows time the same from before the library's
  import to the result, which is what a script's user waits for. numjac's
  helpers (runtime/kernel_support.py: array allocation, integer powers)
  are kept in numjac's disk cache beside the kernels, so the "empty disk
  cache" row compiles them too.
- With the disk cache warm the first call is importing Numba (about
  0.14 s, with the garbage collector paused) plus loading the kernel (a
  few ms: Numba's runtime only, its functions from the disk cache too, not
  its compiler's registries) and tracing (a few ms); scipy.linalg (SciPy's
  BLAS) is imported only for a kernel with a matrix product
  (`python -m benchmarks.first_call` times it step by step). With an empty cache add the compilation of the helpers and the
  kernel (the difference of the two rows): the generated code avoids what
  Numba is slow to compile (see runtime/codegen/emission.py). JAX starts XLA when it is imported.
- Every library runs on one thread (OpenBLAS, OpenMP, MKL, XLA's Eigen pool,
  torch's intra-op pool): numjac's kernels are single-threaded, and on a
  small machine shared with other work idle BLAS threads can cost 100x.
"""


def load_peers():
    peers = []
    for cls in PEERS:
        try:
            peers.append(cls())
        except ImportError as error:
            print(f"skipping {cls.name}: not installed ({error})")
    return peers


def run_workload(workload, peers):
    """[(peer name, seconds or None, note)], numjac first."""
    rows, reference = [], None
    for peer in peers:
        try:
            call, to_numpy = peer.prepare(workload)
            result = to_numpy(call())
        except Skip as reason:
            rows.append((peer.name, None, f"skipped: {reason}"))
            continue
        except Exception as error:    # a peer failing must not stop the others
            rows.append((peer.name, None, f"failed: {type(error).__name__}: {error}"))
            continue
        note = ""
        if reference is None:
            reference = result
        elif result.shape != reference.shape or not np.allclose(result, reference,
                                                                 rtol=1e-6, atol=1e-9):
            note = "result differs from numjac's"
        rows.append((peer.name, per_call_median(call), note))
    return rows


def first_call_seconds(peer_name: str, with_import: bool) -> float:
    """In this (fresh) process: the first call of the cold workload, after
    importing the library (``numba`` too, for numjac) or including that."""
    workload = next(w for w in WORKLOADS if w.name == COLD_WORKLOAD)
    start = time.perf_counter()
    if peer_name == "numjac":
        if not with_import:
            import numba  # noqa: F401  (imported up front, like jax for JAX)
        peer = NumjacPeer()
    else:
        peer = JaxPeer()
    call, _ = peer.prepare(workload)
    if not with_import:
        start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _child(peer_name, env, with_import=False):
    command = [sys.executable, "-m", "benchmarks", "--first-call", peer_name]
    out = subprocess.run(command + ["--with-import"] * with_import,
                         env=env, capture_output=True, text=True, timeout=600,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    return float(out.stdout.split()[-1])


def cold_start_rows(peers, repeats=COLD_REPEATS):
    """Median seconds over ``repeats`` fresh processes per case (first calls
    vary by tens of milliseconds from one process to the next)."""
    cases = [("numjac, empty disk cache", "numjac", False),   # each repeat's first child
             ("numjac, warm disk cache", "numjac", False),
             ("JAX", "jax", False),
             ("numjac, warm disk cache, import included", "numjac", True),
             ("JAX, import included", "jax", True)]
    has_jax = any(p.name == "JAX" for p in peers)
    times = {name: [] for name, _, _ in cases}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMJAC_CACHE_DIR=cache)
            env.pop("NUMJAC_DISABLE_DISK_CACHE", None)
            env.pop("NUMJAC_BACKEND", None)
            for name, peer, with_import in cases:
                if peer == "numjac" or has_jax:
                    times[name].append(_child(peer, env, with_import))
    return [(name, float(np.median(seconds)), "") for name, seconds in times.items() if seconds]


def print_rows(title, rows, ratio_to=None):
    print(f"\n{title}")
    base = rows[0][1] if ratio_to is None else ratio_to
    for name, seconds, note in rows:
        time_text = format_seconds(seconds) if seconds is not None else "-"
        ratio = f"{base / seconds:6.2f}" if seconds and base else "     -"
        print(f"  {name:28s} {time_text:>12s}   numjac/peer {ratio}   {note}")


def machine_description() -> list:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    from importlib.metadata import PackageNotFoundError, version
    versions = []
    for package in ("numpy", "numba", "scipy", "jax", "torch", "autograd"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return [f"- CPU: {cpu}, {os.cpu_count()} logical cores, {platform.system()}",
            f"- Python {platform.python_version()}; " + ", ".join(versions),
            f"- run on {date.today().isoformat()} with `python -m benchmarks`; load average "
            f"{os.getloadavg()[0]:.2f} at the start (the machine may be shared: ratios "
            "move by 10-20% from run to run)"]


def markdown(results, cold) -> str:
    lines = ["# Benchmarks", "", "Per-call medians from `python -m benchmarks` (all peers in one",
             "process, same inputs); the ratio is numjac's time over the peer's (below 1:",
             "numjac is faster).", "", "## Machine", ""] + machine_description()
    for (workload, rows) in results:
        lines += ["", f"## {workload.name}", "", workload.description, "",
                  "| peer | median per call | numjac / peer | note |",
                  "| --- | ---: | ---: | --- |"]
        base = rows[0][1]
        for name, seconds, note in rows:
            time_text = format_seconds(seconds) if seconds is not None else "-"
            ratio = f"{base / seconds:.2f}" if seconds and base else "-"
            lines.append(f"| {name} | {time_text} | {ratio} | {note} |")
    if cold:
        lines += ["", "## First call (jacrev of the MLP, fresh process)", "",
                  "| case | seconds |", "| --- | ---: |"]
        lines += [f"| {name} | {seconds:.3f} |" for name, seconds, _ in cold]
    return "\n".join(lines) + "\n\n" + NOTES


def compile_time_section() -> str:
    """The compile-time suite's table (benchmarks/compile_time.py), run now."""
    from . import compile_time
    load_average = os.getloadavg()[0]
    return compile_time.markdown(compile_time.run(), load_average)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run the workloads whose name contains this")
    parser.add_argument("--no-cold", action="store_true", help="skip the first-call rows")
    parser.add_argument("--variants", action="store_true",
                        help="with --only batches: also variants of the hand-written kernel")
    parser.add_argument("--markdown", help="also write the results to this file")
    parser.add_argument("--compile-time", action="store_true",
                        help="also run the compile-time suite (slow: benchmarks/compile_time.py)")
    parser.add_argument("--first-call", help=argparse.SUPPRESS)
    parser.add_argument("--with-import", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_call:
        print(first_call_seconds(args.first_call, args.with_import))
        return
    os.environ.pop("NUMJAC_BACKEND", None)   # numjac on its default backend, Numba
    if args.only and args.only.lower() == "sparse":
        from . import sparse       # its own peers and rows
        sparse.main()
        return
    if args.only and args.only.lower() == "calls":
        from . import calls        # its own peers, rows and section of the markdown file
        calls.run(args.markdown)
        return
    if args.only and args.only.lower() == "batches":
        from . import batches      # its own rows: numjac, JAX, Numba by hand; one thread
        batches.main(["--variants"] if args.variants else [])
        return
    if args.only and args.only.lower() == "threads":
        from . import threads      # its own rows: numjac on 1 and 2 threads, JAX
        threads.main([])
        return
    if args.only and args.only.lower() == "buffers":
        from . import output_buffers   # reused output buffers against allocating kernels
        output_buffers.main([])
        return
    peers = load_peers()
    results = []
    for workload in WORKLOADS:
        if args.only and args.only.lower() not in workload.name.lower():
            continue
        rows = run_workload(workload, peers)
        print_rows(f"{workload.name}: {workload.description}", rows)
        results.append((workload, rows))
    cold = []
    if not args.no_cold and (not args.only or args.only.lower() in COLD_WORKLOAD.lower()):
        cold = cold_start_rows(peers)
        print_rows("first call of jacrev of the MLP in a fresh process", cold)
    compile_table = ""
    if args.compile_time:
        compile_table = "\n" + compile_time_section()
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(results, cold) + compile_table)
        print(f"\nwrote {args.markdown}")


if __name__ == "__main__":
    main()
