"""Numba compile time against kernel size, for runtime/background.py's estimate.

    python -m benchmarks.compile_calibration [--sizes 10,30,100,300]

Compiles kernels of several sizes (an elementwise chain under jit, a tanh
MLP under jit and jacrev, RK4 Lorenz-96 steps under jacrev) with the disk
cache off, each after a warm-up kernel, and prints one row per kernel:
equations, generated source lines, compile seconds, seconds per 1000
lines.  The constants in runtime/background.py come from these rows.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ["NUMJAC_DISABLE_DISK_CACHE"] = "1"
os.environ["NUMJAC_COMPILE"] = "blocking"

import numpy as np  # noqa: E402

import numjac as nj  # noqa: E402


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
    def rhs(x):
        return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0

    def f(x):
        h = 0.01
        for _ in range(steps):
            k1 = rhs(x)
            k2 = rhs(x + h / 2 * k1)
            k3 = rhs(x + h / 2 * k2)
            k4 = rhs(x + h * k3)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return x
    return nj.jacrev(f), [np.linspace(0.0, 1.0, 10)]


PROGRAMS = {
    "chain": chain,
    "mlp-jit": mlp,
    "mlp-jacrev": lambda n: mlp(n, nj.jacrev),
    "rk4-jacrev": rk4,
}


def measure(staged, args):
    lowered = staged.lower(*args)
    equations = len(lowered.ir.eqns)
    lines = lowered.source.count("\n")
    start = time.perf_counter()
    staged(*args)
    return equations, lines, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,8,32,64", help="loop counts per program")
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    options = parser.parse_args(argv)
    nj.jit(lambda x: x + 1.0)(np.ones(2))     # Numba's one-off start-up, not measured
    print(f"{'program':<12} {'n':>4} {'eqns':>6} {'lines':>6} {'seconds':>8} {'s/kline':>8}")
    for name in options.programs.split(","):
        for n in map(int, options.sizes.split(",")):
            staged, args = PROGRAMS[name](n)
            equations, lines, seconds = measure(staged, args)
            print(f"{name:<12} {n:>4} {equations:>6} {lines:>6} {seconds:>8.2f} "
                  f"{1e3 * seconds / lines:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
