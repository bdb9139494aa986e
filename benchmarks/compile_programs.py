"""The programs of the compile-time suite (benchmarks/compile_time.py), each
written once over an array module ``xp`` (numpy for numjac, jax.numpy for
JAX) as plain Python: layers, steps and indices are Python loops, so the
traced program grows with the size parameter.

A program is ``build(xp, size) -> (f, args)``; the arguments are NumPy
arrays made from a fixed seed, converted by the runner for JAX.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def mlp(xp, depth, width=64):
    """A tanh MLP of ``depth`` layers of ``width``, the weights closed over."""
    rng = np.random.default_rng(0)
    weights = [(xp.asarray(rng.normal(size=(width, width)) / np.sqrt(width)),
                xp.asarray(rng.normal(size=width) * 0.1)) for _ in range(depth)]

    def f(x):
        for w, b in weights:
            x = xp.tanh(w @ x + b)
        return x
    return f, (rng.normal(size=width),)


def lorenz96_rk4(xp, steps, n=40, dt=0.01):
    """``steps`` classical RK4 steps of Lorenz-96, a Python loop."""
    def rhs(x):
        return (xp.roll(x, -1) - xp.roll(x, 2)) * xp.roll(x, 1) - x + 8.0

    def f(x):
        for _ in range(steps):
            k1 = rhs(x)
            k2 = rhs(x + 0.5 * dt * k1)
            k3 = rhs(x + 0.5 * dt * k2)
            k4 = rhs(x + dt * k3)
            x = x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return x
    return f, (np.random.default_rng(1).normal(size=n),)


def kinetics_euler(xp, steps, dt=1e-3):
    """Explicit Euler on a small reaction network written component by
    component (scalars from indexing, ``xp.stack``), as ODE code often is."""
    def rhs(y):
        a, b, c, d = y[0], y[1], y[2], y[3]
        r1 = 0.04 * a
        r2 = 1e1 * b * c
        r3 = 3.0 * b * b
        r4 = 0.5 * xp.sin(d) * a
        return xp.stack([-r1 + r2 - r4, r1 - r2 - r3, r3 - 0.1 * c, r4 - 0.2 * d])

    def f(y):
        for _ in range(steps):
            y = y + dt * rhs(y)
        return y
    return f, (np.array([1.0, 0.2, 0.1, 0.3]),)


def newcomer_rhs(xp, n):
    """A Lorenz-96 right-hand side as a newcomer writes it: a Python loop
    over the components building scalars, then ``xp.stack``."""
    def f(x):
        out = []
        for i in range(n):
            left, mid, right = x[i - 1], x[i], x[(i + 1) % n]
            out.append((right - x[i - 2]) * left - mid + 8.0)
        return xp.stack(out)
    return f, (np.random.default_rng(2).normal(size=n),)


_CHAIN_OPS = (lambda xp, x: xp.sin(x), lambda xp, x: x * 1.001, lambda xp, x: x + 0.1,
              lambda xp, x: xp.tanh(x), lambda xp, x: x * x - 0.2, lambda xp, x: xp.cos(x))


def chain(xp, k):
    """``k`` elementwise operations in a chain on a vector of 16."""
    def f(x):
        for i in range(k):
            x = _CHAIN_OPS[i % len(_CHAIN_OPS)](xp, x)
        return xp.sum(x)
    return f, (np.random.default_rng(3).normal(size=16) * 0.5,)


@dataclass
class Family:
    name: str
    build: Callable            # (xp, size) -> (f, args)
    size_name: str
    sizes: tuple               # full run
    quick_sizes: tuple         # --quick
    transforms: tuple          # jit, grad, jacrev, jacfwd, hessian


FAMILIES = [
    Family("MLP (tanh, width 64)", mlp, "layers", (5, 25, 100), (5, 25),
           ("jit", "jacrev", "jacfwd")),
    Family("RK4 Lorenz-96 (n=40)", lorenz96_rk4, "steps", (1, 2, 4), (1, 2),
           ("jit", "jacrev", "hessian")),
    Family("explicit ODE integrator", kinetics_euler, "steps", (10, 100), (10,),
           ("jit", "jacrev")),
    Family("newcomer's right-hand side", newcomer_rhs, "N", (50, 500), (50,),
           ("jit", "jacfwd")),
    Family("elementwise chain", chain, "ops", (10, 100, 1000, 5000, 20000), (10, 100, 1000),
           ("jit", "grad")),
]


def family(name: str) -> Family:
    return next(f for f in FAMILIES if f.name == name)
