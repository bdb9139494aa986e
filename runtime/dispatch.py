"""Backend choice: IR -> a callable kernel taking and returning NumPy arrays.

The default backend compiles with Numba (``runtime/cache.py``);
``NUMJAC_BACKEND=interpret`` (or ``backend="interpret"`` where the API takes
it) selects the reference interpreter.
"""
from __future__ import annotations

import logging
import os
from functools import partial

from ..compiler.ir import IR
from . import cache
from .codegen import UnsupportedIR
from .interpreter import evaluate

log = logging.getLogger("numjac")

BACKENDS = ("numba", "interpret")


def backend_name(backend=None) -> str:
    name = backend or os.environ.get("NUMJAC_BACKEND") or "numba"
    if name not in BACKENDS:
        raise ValueError(f"the backend must be one of {BACKENDS}, got {name!r}")
    return name


def compile_ir(ir: IR, backend=None):
    """A kernel for ``ir``: call it with one array per IR input; it returns
    a sequence with one array per IR output."""
    if backend_name(backend) == "interpret":
        return partial(evaluate, ir)
    try:
        return cache.numba_kernel(ir)
    except UnsupportedIR as reason:
        log.info("numjac: interpreting an IR the Numba backend cannot compile (%s)", reason)
        return partial(evaluate, ir)


def kernel_source(ir: IR) -> str:
    """The generated module for ``ir`` (what the Numba backend compiles)."""
    try:
        return cache.kernel_source(ir)[1]
    except UnsupportedIR as reason:
        return f"# no Numba kernel: {reason}; the interpreter runs this IR\n"


class Lowered:
    """The stages of a staged function for one signature, each printable:
    the traced IR, the IR after each pass, and the generated kernel source."""

    def __init__(self, staged):
        self.staged = staged
        self.ir = staged.ir
        self.stages = dict(staged.extra.get("stages", {}))
        self.stages.setdefault("final", staged.ir)

    @property
    def source(self) -> str:
        return kernel_source(self.ir)

    def __str__(self):
        parts = [f"# IR: {name}\n{ir}" for name, ir in self.stages.items()]
        parts.append(f"# generated kernel\n{self.source}")
        return "\n\n".join(parts)
