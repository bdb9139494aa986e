"""Numba compile time against kernel size, for runtime/background.py's estimate.

    python -m benchmarks.compile_calibration [--sizes 2,8,32,64] [--programs ...] [--fit]
    python -m benchmarks.compile_calibration --first-call [--rounds 2]

Compiles kernels of several sizes (an elementwise chain under jit, a tanh
MLP under jit and jacrev, RK4 Lorenz-96 steps under jacrev) with the disk
cache off, each after a warm-up kernel, and prints one row per kernel:
equations, generated source lines, compile seconds (CPU: the compile runs
in this process, and CPU time moves less than wall time on a shared
machine), seconds per 1000 lines, and runtime/background.py's estimate.
``--fit`` then fits that estimate's constants to the rows (least squares
on log seconds) and prints them: the constants in runtime/background.py
come from such a fit.

``--first-call`` times the calls of the 12-layer MLP's Jacobian in a new
process with an empty disk cache per compile mode (blocking, background,
alternated for each round): the first call, an interpreted one, the one
that switches to the kernel, and the kernel's per-call time.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import numjac as nj
from numjac.runtime import background
from numjac.runtime.background import KernelSize
from .compile_programs import lorenz96_rk4


def chain(n):
    def f(x):
        for i in range(n):
            x = np.sin(x) * 1.01 + 0.5 if i % 2 else np.tanh(x) - 0.25 * x
        return x
    return nj.jit(f), [np.linspace(0.1, 1.0, 8)]


def mlp(layers, transform=nj.jit):
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(16, 16)) / 4 for _ in range(layers)]

    def f(x):
        for w in weights:
            x = np.tanh(w @ x)
        return x
    return transform(f), [rng.normal(size=16)]


def rk4(steps):
    f, args = lorenz96_rk4(np, steps, n=10)
    return nj.jacrev(f), list(args)


PROGRAMS = {
    "chain": chain,
    "mlp-jit": mlp,
    "mlp-jacrev": lambda n: mlp(n, nj.jacrev),
    "rk4-jacrev": rk4,
}


def measure(staged, args):
    """(KernelSize, compile CPU seconds) of ``staged``'s kernel."""
    lowered = staged.lower(*args)
    size = KernelSize.of(lowered.ir, lowered.source)
    start = time.process_time()
    staged(*args)
    return size, time.process_time() - start


def _estimate(constants, size: KernelSize) -> float:
    per_character, per_loop, per_branch, exponent, fixed = constants
    return fixed + sum((per_character * code.characters + per_loop * code.loops
                        + per_branch * code.branches) ** exponent for code in size.functions)


def fit(rows) -> tuple:
    """The estimate's constants (per character, per loop, per branch,
    growth exponent, fixed seconds) that fit ``rows`` of (KernelSize,
    seconds) best on a log scale."""
    from scipy.optimize import least_squares
    sizes, seconds = zip(*rows)
    start = np.array([background.SECONDS_PER_CHARACTER, background.SECONDS_PER_LOOP,
                      background.SECONDS_PER_BRANCH, background.GROWTH_EXPONENT,
                      background.FIXED_SECONDS])

    def residuals(log_constants):
        constants = np.exp(log_constants)
        return [np.log(_estimate(constants, size)) - np.log(s)
                for size, s in zip(sizes, seconds)]
    found = least_squares(residuals, np.log(start), bounds=(np.log(start) - 8, np.log(start) + 4))
    return tuple(np.exp(found.x))


FIRST_CALL = """
import time, timeit
import numpy as np
import numjac as nj
from benchmarks.compile_calibration import mlp
f, args = mlp(12, nj.jacrev)
start = time.perf_counter(); first = f(*args); first_s = time.perf_counter() - start
start = time.perf_counter(); f(*args); second_s = time.perf_counter() - start
nj.wait_for_compiles()
start = time.perf_counter(); f(*args); switch_s = time.perf_counter() - start
per_call = min(timeit.repeat(lambda: f(*args), number=100, repeat=5)) / 100
print(f"first call {first_s:.2f} s, next {1e3 * second_s:.1f} ms, switch "
      f"{1e3 * switch_s:.1f} ms, then {1e6 * per_call:.0f} us per call, "
      f"max difference {np.max(np.abs(first - f(*args))):.1e}")
"""


def first_calls(rounds: int):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _ in range(rounds):
        for mode in ("blocking", "background"):
            with tempfile.TemporaryDirectory() as folder:
                env = dict(os.environ, NUMJAC_CACHE_DIR=folder, NUMJAC_COMPILE=mode,
                           NUMJAC_BACKEND="numba", PYTHONPATH=root)
                env.pop("NUMJAC_DISABLE_DISK_CACHE", None)
                result = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env,
                                        capture_output=True, text=True, check=True)
                print(f"{mode:<10} {result.stdout.strip()}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,8,32,64", help="loop counts per program")
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    parser.add_argument("--first-call", action="store_true",
                        help="time first calls in both compile modes instead")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fit", action="store_true",
                        help="fit runtime/background.py's estimate to the rows")
    options = parser.parse_args(argv)
    if options.first_call:
        return first_calls(options.rounds)
    os.environ["NUMJAC_DISABLE_DISK_CACHE"] = "1"     # compile every kernel
    nj.set_compile_mode("blocking")                   # and time it
    nj.jit(lambda x: x + 1.0)(np.ones(2))     # Numba's one-off start-up, not measured
    print(f"{'program':<12} {'n':>4} {'eqns':>6} {'lines':>6} {'seconds':>8} {'s/kline':>8} "
          f"{'estimate':>8}")
    rows = []
    for name in options.programs.split(","):
        for n in map(int, options.sizes.split(",")):
            staged, args = PROGRAMS[name](n)
            size, seconds = measure(staged, args)
            rows.append((size, seconds))
            print(f"{name:<12} {n:>4} {size.equations:>6} {size.lines:>6} {seconds:>8.2f} "
                  f"{1e3 * seconds / size.lines:>8.2f} "
                  f"{background.estimated_compile_seconds(size):>8.2f}", flush=True)
    if options.fit:
        names = ("SECONDS_PER_CHARACTER", "SECONDS_PER_LOOP", "SECONDS_PER_BRANCH",
                 "GROWTH_EXPONENT", "FIXED_SECONDS")
        constants = fit(rows)
        for name, value in zip(names, constants):
            print(f"{name} = {value:.3g}")
        for (size, seconds) in rows:
            print(f"{size}: measured {seconds:.2f} s, fitted {_estimate(constants, size):.2f} s")


if __name__ == "__main__":
    main()
