"""The workloads, each written once over an array module ``xp`` (numpy,
jax.numpy, torch, autograd.numpy), and the peers that run them.

A peer turns a workload's function into a callable on its own arrays with
its own transforms (JAX: jit of the transform, on CPU in float64; torch:
torch.func, eager; autograd: its differential operators; numjac: its
transforms, compiled; Numba: a kernel written by hand, the practical
limit).  A peer that lacks what a workload needs raises ``Skip``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


class Skip(Exception):
    """A peer cannot run a workload (the reason is the message)."""


# -- the functions --------------------------------------------------------------------

def affine(xp, consts):
    def f(x):
        return x * 2.0 + 1.0
    return f


def lorenz96(xp, consts):
    def f(x):
        return (xp.roll(x, -1) - xp.roll(x, 2)) * xp.roll(x, 1) - x + 8.0
    return f


def mlp(xp, consts):
    W1, b1, W2, b2 = consts

    def f(x):
        return W2 @ xp.tanh(W1 @ x + b1) + b2
    return f


def rosenbrock(xp, consts):
    def f(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return f


def logistic_loss(xp, consts):
    def f(w, x, y):
        return xp.log1p(xp.exp(-y * (x @ w)))
    return f


@dataclass
class Workload:
    name: str
    description: str
    function: Callable          # (xp, consts) -> f
    transform: str              # jit, jacfwd, jacrev, hessian, per_example_grad
    inputs: Callable            # rng -> tuple of arrays (the arguments)
    consts: Callable = None     # rng -> tuple of arrays closed over


def _mlp_weights(rng):
    return (rng.normal(size=(256, 256)) / 16, rng.normal(size=256),
            rng.normal(size=(64, 256)) / 16, rng.normal(size=64))


WORKLOADS = [
    Workload("call overhead", "jit(lambda x: x * 2.0 + 1.0) on 8 float64s", affine, "jit",
             lambda rng: (rng.normal(size=8),)),
    Workload("Lorenz-96 jacfwd", "Jacobian of Lorenz-96, n=40, forward mode", lorenz96,
             "jacfwd", lambda rng: (rng.normal(size=40),)),
    Workload("Lorenz-96 jacrev", "Jacobian of Lorenz-96, n=40, reverse mode", lorenz96,
             "jacrev", lambda rng: (rng.normal(size=40),)),
    Workload("MLP jacrev", "jacrev of a 256->256->64 tanh MLP (64x256 Jacobian)", mlp,
             "jacrev", lambda rng: (rng.normal(size=256),), _mlp_weights),
    Workload("Rosenbrock hessian", "Hessian of Rosenbrock, n=100", rosenbrock, "hessian",
             lambda rng: (rng.normal(size=100),)),
    Workload("per-example grads",
             "vmap(grad) of a logistic loss over 4096 rows of 64 features", logistic_loss,
             "per_example_grad",
             lambda rng: (rng.normal(size=64) / 8, rng.normal(size=(4096, 64)),
                          np.sign(rng.normal(size=4096)))),
]


# -- peers -----------------------------------------------------------------------------

class Peer:
    """Runs workloads on one library; ``prepare`` returns a zero-argument
    callable (one call of the transformed function) and a function giving
    its result as NumPy arrays."""

    name = ""
    xp = np

    def convert(self, array):
        return array

    def transformed(self, workload, f, consts):
        raise NotImplementedError

    def block(self, out):
        return out

    def to_numpy(self, out):
        return np.asarray(out)

    def prepare(self, workload, rng_seed=0):
        rng = np.random.default_rng(rng_seed)
        args = [self.convert(a) for a in workload.inputs(rng)]
        consts = [self.convert(c) for c in (workload.consts(rng) if workload.consts else ())]
        fn = self.transformed(workload, workload.function(self.xp, consts), consts)

        def call():
            return self.block(fn(*args))
        return call, self.to_numpy


class NumjacPeer(Peer):
    name = "numjac"

    def __init__(self):
        import numjac
        self.nj = numjac
        # Time kernels, never the interpreter answering while one compiles
        # in the background (docs/guide.md, "First calls and background
        # compilation").
        numjac.set_compile_mode("blocking")

    def transformed(self, workload, f, consts):
        nj = self.nj
        kind = workload.transform
        if kind == "per_example_grad":
            return nj.vmap(nj.grad(f), in_dims=(None, 0, 0))
        transform = getattr(nj, kind, None)
        if transform is None:
            raise Skip(f"numjac has no {kind} yet")
        return transform(f)


class JaxPeer(Peer):
    name = "JAX"

    def __init__(self):
        import os
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax
        jax.config.update("jax_enable_x64", True)
        self.jax = jax
        self.xp = jax.numpy

    def convert(self, array):
        return self.jax.device_put(array)

    def transformed(self, workload, f, consts):
        jax = self.jax
        kind = workload.transform
        if kind == "jit":
            return jax.jit(f)
        if kind == "per_example_grad":
            return jax.jit(jax.vmap(jax.grad(f), in_axes=(None, 0, 0)))
        return jax.jit(getattr(jax, kind)(f))

    def block(self, out):
        return out.block_until_ready()


class TorchPeer(Peer):
    name = "torch.func"

    def __init__(self):
        import torch
        import torch.func
        torch.set_num_threads(1)
        self.torch = torch
        self.xp = torch

    def convert(self, array):
        return self.torch.from_numpy(np.ascontiguousarray(array))

    def transformed(self, workload, f, consts):
        func = self.torch.func
        kind = workload.transform
        if kind == "jit":
            return f    # eager: torch.func has no jit
        if kind == "per_example_grad":
            return func.vmap(func.grad(f), in_dims=(None, 0, 0))
        return getattr(func, kind)(f)

    def to_numpy(self, out):
        return out.detach().numpy()


class AutogradPeer(Peer):
    name = "autograd"

    def __init__(self):
        import autograd
        import autograd.numpy
        self.autograd = autograd
        self.xp = autograd.numpy

    def transformed(self, workload, f, consts):
        autograd = self.autograd
        kind = workload.transform
        if kind == "jit":
            return f    # autograd runs NumPy eagerly
        if kind == "jacfwd":
            raise Skip("autograd has no forward-mode Jacobian")
        if kind == "per_example_grad":
            # The loss is written per example; on all rows at once it is
            # the vector of losses, whose Jacobian holds the per-row grads.
            return autograd.jacobian(f)
        return {"jacrev": autograd.jacobian, "hessian": autograd.hessian}[kind](f)


class NumbaPeer(Peer):
    name = "Numba (by hand)"

    def transformed(self, workload, f, consts):
        from . import handwritten
        return handwritten.kernel_for(workload, consts)


PEERS = [NumjacPeer, JaxPeer, TorchPeer, AutogradPeer, NumbaPeer]
