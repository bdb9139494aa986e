"""Kernels that run in other processes, and chunk loops run there chunk by
chunk (frontend/distributed.py sends them to Dask workers).

What travels is a ``RemoteKernel``: the generated module source of an IR
and its hash, two strings.  The process that runs it compiles it once
(through its own disk cache, as any kernel) and keeps it by that hash for
every later chunk.  ``evaluate_chunked`` evaluates an IR here, with the
interpreter, except its top-level ``chunk_map`` loops, whose chunks it hands
to a runner: the chunks are where the work of a chunked vmap or Jacobian is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compiler.ir import IR
from ..compiler.primitives.control import chunk_map_p
from . import cache
from .codegen import UnsupportedIR
from .interpreter import evaluate

_LOADED: dict = {}     # key -> kernel, in the process that runs them


@dataclass(frozen=True)
class RemoteKernel:
    """The kernel of one IR as its generated module source, named by hash."""

    key: str
    source: str

    def __call__(self, *arrays) -> tuple:
        kernel = _LOADED.get(self.key)
        if kernel is None:
            kernel = _LOADED[self.key] = cache.kernel_from_source(self.source)
        # A kernel takes arrays: a chunk's start, or a 0-d value the
        # interpreter computed, may be a NumPy scalar.
        return tuple(kernel(*[np.asarray(a) for a in arrays]))


def remote_kernel(ir: IR, what: str) -> RemoteKernel:
    """The RemoteKernel of ``ir``; ``what`` names it in the error when the
    Numba backend cannot compile it (an interpreted IR does not travel)."""
    try:
        key, source = cache.kernel_source(ir)
    except UnsupportedIR as reason:
        raise NotImplementedError(f"{what} cannot run on other processes: the Numba "
                                  f"backend cannot compile it ({reason})") from None
    return RemoteKernel(key, source)


@dataclass(frozen=True)
class Chunk:
    """One chunk of a ``chunk_map``: ``kernel(*args, *whole)``, ``whole``
    being the operands every chunk of the loop gets (sent once)."""

    kernel: RemoteKernel
    args: tuple             # (start, the sliced operands' rows)


def run_chunk(chunk: Chunk, whole) -> tuple:
    """What a worker computes for one chunk."""
    return chunk.kernel(*chunk.args, *whole)


def evaluate_chunked(ir: IR, args, run_chunks) -> list:
    """``ir``'s outputs, its top-level chunk_map loops run by
    ``run_chunks(chunks, whole) -> [each chunk's outputs]`` (``run_chunk``
    of each, in any process), the rest here by the interpreter."""
    def chunk_map(evaluate_, *operands, body, chunk, size, sliced, tail=None, sums=()):
        chunks = _chunks(operands, body, chunk, size, sliced, tail)
        whole = tuple(x for x, s in zip(operands, sliced) if not s)
        starts = [int(c.args[0]) for c in chunks]
        return _assembled(body, size, sums, starts, run_chunks(chunks, whole))
    return evaluate(ir, *args, overrides={chunk_map_p: chunk_map})


def has_chunks(ir: IR) -> bool:
    """Whether ``ir`` has a top-level chunk_map for evaluate_chunked to run."""
    return any(eqn.prim is chunk_map_p for eqn in ir.eqns)


def _chunks(operands, body, chunk, size, sliced, tail) -> list:
    kernel = remote_kernel(_pieces_first(body, sliced), "this chunk loop")
    tail_kernel = kernel if tail is None else remote_kernel(_pieces_first(tail, sliced),
                                                          "this chunk loop")
    return [Chunk(kernel if start + chunk <= size else tail_kernel,
                  (np.int64(start),) + tuple(x[start:start + chunk]
                                             for x, s in zip(operands, sliced) if s))
            for start in range(0, size, chunk)]


def _pieces_first(body: IR, sliced) -> IR:
    """``body`` with its inputs reordered to (start, sliced..., whole...), so
    that a chunk's call lists what changes per chunk first."""
    start, rest = body.inputs[0], body.inputs[1:]
    order = [v for v, s in zip(rest, sliced) if s] + [v for v, s in zip(rest, sliced) if not s]
    return IR([start] + order, body.eqns, body.outputs)


def _assembled(body, size, sums, starts, results) -> tuple:
    """The chunk_map's outputs from each chunk's: stacked, or summed."""
    sums = sums or (False,) * len(body.outputs)
    outs = [np.zeros(t.shape if summed else (size,) + t.shape[1:], t.dtype)
            for t, summed in zip(body.out_types, sums)]
    for start, values in zip(starts, results):
        for out, value, summed in zip(outs, values, sums):
            if summed:
                out += value
            else:
                out[start:start + len(value)] = value
    return tuple(outs)
