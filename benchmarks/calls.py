"""``python -m benchmarks --only calls``: numjac called the way users call
it (issue 15), each row against its peers measured in the same run.

- scalar arguments: ``f(t, y)`` with a Python float, a NumPy float64 and a
  0-d array ``t``, and an array-only function, under ``nj.jit``, ``jax.jit``
  and plain NumPy;
- transforms made per call: SciPy's ``hessp=lambda x, p:
  nj.jvp(nj.grad(f), (x,), (p,))[1]`` and a ``functools.partial`` made per
  call, against the same transforms made once, and JAX's equivalents;
- loaded-machine BLAS: the MLP jacrev while busy processes (one per core,
  started here) load the machine, every library on its default threads
  (numjac: its thread policy), in a child process;
- first call in a fresh process: import to result, with an empty and a
  warm numjac disk cache, against JAX's first call.

Per-call times are the best of 15 batches of about 10 ms each (after a
warm-up).  The load average is printed at the start and the end (the
machine may be shared).  ``--markdown docs/benchmarks.md`` replaces this file's section
there (or appends it).
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from .timing import format_seconds, per_call_median
from .workloads import WORKLOADS, JaxPeer, mlp

FIRST_CALL_REPEATS = 5         # fresh processes per first-call case
SECTION = "## Calls as users make them"
END_MARK = "<!-- end of benchmarks/calls.py's section -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _jax():
    """jax (x64, CPU, as the main benchmark sets it up), or None if it is not installed."""
    try:
        return JaxPeer().jax
    except ImportError:
        return None


def _blocked(fn):
    """``fn`` waiting for JAX's asynchronous result."""
    def call(*args):
        return fn(*args).block_until_ready()
    return call


def _per_call(call, args):
    """Seconds per call: the best of 15 batches of about 10 ms (on a loaded
    machine the median of longer batches moves by 5x from run to run; the
    best batch is the one the other processes disturbed least)."""
    best = per_call_median(lambda: call(*args), repeats=1, budget=0.01)
    number = max(1, int(0.01 / best))
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(number):
            call(*args)
        best = min(best, (time.perf_counter() - start) / number)
    return best


# -- scalar arguments ---------------------------------------------------------------------

def _ode_rhs(xp):
    def f(t, y):
        return xp.sin(y) * t + y * y * xp.cos(t)
    return f


def _array_only(xp):
    def g(y):
        return xp.sin(y) * 0.5 + y * y * 0.9
    return g


def scalar_rows(nj, jax) -> list:
    """(case, {peer: seconds}): ``f(t, y)`` as SciPy's solvers call it."""
    y = np.linspace(0.1, 1.0, 16)
    cases = [("t: Python float", 0.5), ("t: np.float64", np.float64(0.5)),
             ("t: 0-d array", np.array(0.5))]
    peers = {"numjac": (nj.jit(_ode_rhs(np)), nj.jit(_array_only(np))),
             "NumPy": (_ode_rhs(np), _array_only(np))}
    if jax is not None:
        jnp = jax.numpy
        peers["JAX"] = (_blocked(jax.jit(_ode_rhs(jnp))), _blocked(jax.jit(_array_only(jnp))))
    rows = []
    for case, t in cases:
        np.testing.assert_allclose(peers["numjac"][0](t, y), _ode_rhs(np)(t, y), rtol=1e-12)
        rows.append((f"f(t, y), {case}", {name: _per_call(fns[0], (t, y))
                                          for name, fns in peers.items()}))
    rows.append(("g(y), array only", {name: _per_call(fns[1], (y,))
                                      for name, fns in peers.items()}))
    return rows


# -- transforms made per call ------------------------------------------------------------

def _rosenbrock(xp):
    def f(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return f


def _scaled_sines(xp):
    def f(x, a):
        return xp.sum(xp.sin(x) * a)
    return f


def _per_call_transforms(lib, xp):
    """The callables of one library (numjac or jax) on its arrays ``xp``:
    the per-call forms as SciPy's users write them, and the same made once."""
    rosen, sines = _rosenbrock(xp), _scaled_sines(xp)
    grad = lib.grad(rosen)

    def hessp_named(x, p):
        return lib.jvp(grad, (x,), (p,))[1]

    def hessp_lambda(x, p):
        return lib.jvp(lib.grad(rosen), (x,), (p,))[1]

    def partial_per_call(x, p):
        return lib.grad(functools.partial(sines, a=2.0))(x)

    def sines_twice(x):
        return sines(x, 2.0)

    def named_per_call(x, p):
        return lib.grad(sines_twice)(x)
    partial_once = lib.grad(functools.partial(sines, a=2.0))
    partial_jitted = lib.jit(partial_once)
    return {"hessp, grad made per call (lambda)": hessp_lambda,
            "hessp, grad made once (named)": hessp_named,
            "hessp, named and jitted once": lib.jit(hessp_named),
            "grad of a partial made per call": partial_per_call,
            "grad of a named function made per call": named_per_call,
            "grad of a partial made once": lambda x, p: partial_once(x),
            "grad of a partial made once, jitted": lambda x, p: partial_jitted(x)}


def per_call_rows(nj, jax) -> list:
    x, p = np.linspace(0.0, 1.0, 50), np.ones(50)
    peers = {"numjac": _per_call_transforms(nj, np)}
    if jax is not None:
        peers["JAX"] = {case: _blocked(fn)
                        for case, fn in _per_call_transforms(jax, jax.numpy).items()}
    rows = []
    for case in peers["numjac"]:
        if jax is not None:
            np.testing.assert_allclose(peers["numjac"][case](x, p), peers["JAX"][case](x, p),
                                       rtol=1e-10)
        rows.append((case, {name: _per_call(fns[case], (x, p)) for name, fns in peers.items()}))
    return rows


# -- loaded-machine BLAS (run in a child with default threads) ---------------------------------

def _both(call, args) -> tuple:
    """(best, median) seconds per call: under load the typical call, not
    only the least disturbed one, is what a user waits for."""
    return _per_call(call, args), per_call_median(lambda: call(*args))


def blas_child() -> dict:
    """(best, median) seconds per MLP jacrev call of each peer on its
    default threads."""
    import numjac as nj
    nj.set_compile_mode("blocking")
    workload = next(w for w in WORKLOADS if w.name == "MLP jacrev")   # the main benchmark's
    rng = np.random.default_rng(0)
    (x,), weights = workload.inputs(rng), workload.consts(rng)
    jac = nj.jacrev(mlp(np, weights))
    times = {"numjac": _both(jac, (x,))}
    limit = nj.get_num_threads()
    nj.set_num_threads(1)
    times["numjac, set_num_threads(1)"] = _both(jac, (x,))
    nj.set_num_threads(limit)
    jax = _jax()
    if jax is not None:
        jweights = [jax.device_put(w) for w in weights]
        jjac = _blocked(jax.jit(jax.jacrev(mlp(jax.numpy, jweights))))
        np.testing.assert_allclose(jjac(x), jac(x), rtol=1e-9, atol=1e-12)
        times["JAX"] = _both(jjac, (x,))
    try:
        import torch
        import torch.func
    except ImportError:
        return times
    tweights = [torch.from_numpy(w) for w in weights]
    tjac = torch.func.jacrev(mlp(torch, tweights))
    tx = torch.from_numpy(x)
    times["torch.func"] = _both(tjac, (tx,))
    return times


def _busy_processes(count: int) -> list:
    """``count`` processes spinning on a core each (the load; stopped by the caller)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def blas_rows() -> list:
    """The MLP jacrev with every core busy, each library on its default
    threads (a child process: the benchmarks set one thread for the rest)."""
    cores = os.cpu_count() or 1
    env = dict(os.environ, XLA_FLAGS="", NUMJAC_NUM_THREADS=str(cores))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(cores)
    quiet = _child(["--blas-child"], env)
    load = _busy_processes(cores)
    try:
        loaded = _child(["--blas-child"], env)
    finally:
        for process in load:
            process.kill()
            process.wait()
    rows = []
    for case, times in (("no load added", quiet), (f"{cores} busy processes added", loaded)):
        for k, statistic in enumerate(("best batch", "median of 7 batches of 50 ms")):
            rows.append((f"MLP jacrev, {case}, {statistic}",
                         {name: pair[k] for name, pair in times.items()}))
    return rows


# -- first call in a fresh process ---------------------------------------------------------

def _small(xp):
    def f(x):
        return xp.sin(x) * x[0] + xp.cumsum(x) ** 2
    return f


def first_call_child(peer: str) -> dict:
    """Seconds from the library's import to the result of its first jacrev
    call of a small function (numpy already imported), and the call alone."""
    def cpu():
        times = os.times()
        return times.user + times.system
    x = np.linspace(0.1, 1.0, 5)
    start, start_cpu = time.perf_counter(), cpu()
    if peer == "numjac":
        import numjac as nj
        nj.set_compile_mode("blocking")
        imported = time.perf_counter()
        nj.jacrev(_small(np))(x)
    else:
        jax = _jax()
        imported = time.perf_counter()
        jax.jit(jax.jacrev(_small(jax.numpy)))(x).block_until_ready()
    end = time.perf_counter()
    return {"total": end - start, "call": end - imported, "cpu": cpu() - start_cpu}


def first_call_rows(repeats=FIRST_CALL_REPEATS) -> list:
    """Medians over ``repeats`` fresh processes per case: (case, {measure: seconds})."""
    cases = [("numjac, empty disk cache", "numjac"), ("numjac, warm disk cache", "numjac"),
             ("JAX", "jax")]
    found = {case: [] for case, _ in cases}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMJAC_CACHE_DIR=cache)
            env.pop("NUMJAC_DISABLE_DISK_CACHE", None)
            env.pop("NUMJAC_BACKEND", None)
            for case, peer in cases:       # empty first, then warm: same cache
                try:
                    found[case].append(_child(["--first-call", peer], env))
                except RuntimeError as error:
                    if peer == "numjac":
                        raise
                    print(f"skipping JAX's first call: {error}")
    return [(case, {measure: statistics.median(run[measure] for run in runs)
                    for measure in ("total", "call", "cpu")})
            for case, runs in found.items() if runs]


def _child(arguments, env) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.calls", *arguments], env=env,
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- reporting -----------------------------------------------------------------------------

def _ratios(times: dict) -> str:
    base = times.get("numjac")
    return ", ".join(f"numjac/{name} {base / t:.2f}" for name, t in times.items()
                     if name != "numjac" and base and t)


def table(title: str, rows: list, note: str = "") -> list:
    """Markdown lines: one column per peer, then numjac's ratios to each."""
    peers = list(dict.fromkeys(name for _, times in rows for name in times))
    lines = [f"### {title}", ""] + ([note, ""] if note else [])
    lines += ["| case | " + " | ".join(peers) + " | ratios |",
              "| --- |" + " ---: |" * len(peers) + " --- |"]
    for case, times in rows:
        cells = [format_seconds(times[p]) if p in times else "-" for p in peers]
        lines.append(f"| {case} | " + " | ".join(cells) + f" | {_ratios(times)} |")
    return lines


def _within(rows: list, case: str, reference: str, peer: str = "numjac") -> float:
    times = dict(rows)
    return times[case][peer] / times[reference][peer]


def summary(scalars, per_call, first) -> list:
    """The issue's targets, as measured in this run."""
    float_ratio = _within(scalars, "f(t, y), t: Python float", "f(t, y), t: 0-d array")
    numpy_ratio = _within(scalars, "f(t, y), t: np.float64", "f(t, y), t: 0-d array")
    lambda_ratio = _within(per_call, "hessp, grad made per call (lambda)",
                           "hessp, grad made once (named)")
    partial_ratio = _within(per_call, "grad of a partial made per call",
                            "grad of a named function made per call")
    lines = ["### Against the targets of issue 15", "",
             f"- scalar arguments within 1.3x of the all-array call of the same f "
             f"(0-d array t): Python float "
             f"{float_ratio:.2f}x, np.float64 {numpy_ratio:.2f}x",
             f"- transforms made per call within 1.5x of the named-function version: "
             f"hessp lambda {lambda_ratio:.2f}x (against grad made once), partial "
             f"{partial_ratio:.2f}x (against grad of a named function made per call)"]
    first = dict(first)
    warm = first.get("numjac, warm disk cache")
    if warm:
        lines.append(f"- first call, warm disk cache, import to result (target 0.25 s): "
                     f"{warm['total']:.3f} s wall, {warm['cpu']:.3f} s CPU")
    if warm and "JAX" in first:
        empty, jax = first["numjac, empty disk cache"], first["JAX"]
        lines.append(f"- first call, empty disk cache, at most 3x JAX's: import to result "
                     f"{empty['total'] / jax['total']:.2f}x wall, "
                     f"{empty['cpu'] / jax['cpu']:.2f}x CPU; the call alone (library "
                     f"imported) {empty['call'] / jax['call']:.2f}x wall")
    return lines


def first_call_table(rows: list) -> list:
    lines = ["### First call in a fresh process", "",
             "jacrev of `sin(x) * x[0] + cumsum(x) ** 2` (5 elements); median of "
             f"{FIRST_CALL_REPEATS} fresh processes per case, NumPy imported beforehand; "
             "the CPU column is the process's user + system time over the same span.", "",
             "| case | import to result | call alone | CPU, import to result |",
             "| --- | ---: | ---: | ---: |"]
    for case, times in rows:
        lines.append(f"| {case} | {times['total']:.3f} s | {times['call']:.3f} s | "
                     f"{times['cpu']:.3f} s |")
    return lines


def markdown(sections: list, loads: tuple) -> str:
    start, end = loads
    lines = [SECTION, "",
             "From `python -m benchmarks --only calls` (benchmarks/calls.py): numjac as "
             "users call it, each row against its peers in the same run; per call, the "
             "best of 15 batches of about 10 ms. Load average "
             f"(1 min) {start:.2f} at the start, {end:.2f} at the end, on "
             f"{os.cpu_count()} cores (shared: single numbers move by 20% or more).", ""]
    for section in sections:
        lines += section + [""]
    return "\n".join(lines + [END_MARK]) + "\n"


def write_section(path: str, text: str):
    """Replace this file's section of ``path`` where it is (or append it)."""
    old = open(path).read() if os.path.exists(path) else ""
    if SECTION in old and END_MARK in old:
        before, rest = old.split(SECTION, 1)
        new = before + text.rstrip("\n") + rest.split(END_MARK, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(new)


def run(markdown_path=None):
    import numjac as nj
    nj.set_compile_mode("blocking")
    loads = [os.getloadavg()[0]]
    print(f"load average at the start: {loads[0]:.2f}")
    jax = _jax()
    scalars = scalar_rows(nj, jax)
    per_call = per_call_rows(nj, jax)
    loaded = blas_rows()
    first = first_call_rows()
    loads.append(os.getloadavg()[0])
    sections = [
        table("Scalar arguments", scalars, "`nj.jit(f)` called as SciPy's solvers call it; "
              "y has 16 elements; NumPy arrays in, as SciPy passes them."),
        table("Transforms made per call", per_call, "Rosenbrock (n=50) Hessian-vector "
              "products and gradients of `sum(sin(x) * a)` with `a` bound by a partial; "
              "the per-call forms run as written (JAX: eagerly, op by op), the ones "
              "made once are kept (and jitted where the row says so)."),
        table("Loaded-machine BLAS", loaded, "A child process, every library on its "
              f"default threads ({os.cpu_count()}: numjac's policy gives small products "
              "one thread, big ones its limit), then again with one busy process per "
              "core started by the benchmark."),
        first_call_table(first), summary(scalars, per_call, first)]
    text = markdown(sections, tuple(loads))
    print(text)
    print(f"load average at the end: {loads[1]:.2f}")
    if markdown_path:
        write_section(markdown_path, text)
        print(f"wrote the section {SECTION!r} of {markdown_path}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.calls", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", help="replace (or append) this section of the file")
    parser.add_argument("--first-call", help=argparse.SUPPRESS)
    parser.add_argument("--blas-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_call:
        print(json.dumps(first_call_child(args.first_call)))
    elif args.blas_child:
        print(json.dumps(blas_child()))
    else:
        run(args.markdown)


if __name__ == "__main__":
    main()
