"""Backend choice: IR -> a callable kernel taking and returning NumPy arrays.

``NUMJAC_BACKEND=interpret`` selects the reference interpreter.
"""
from __future__ import annotations

import os
from functools import partial

from ..compiler.ir import IR
from .interpreter import evaluate

BACKENDS = ("interpret",)


def backend_name() -> str:
    name = os.environ.get("NUMJAC_BACKEND", "interpret")
    if name not in BACKENDS:
        raise ValueError(f"NUMJAC_BACKEND must be one of {BACKENDS}, got {name!r}")
    return name


def compile_ir(ir: IR):
    """A kernel for ``ir``: call it with one array per IR input."""
    backend_name()
    return partial(evaluate, ir)


class Lowered:
    """The stages of a staged function for one signature, each printable."""

    def __init__(self, staged):
        self.staged = staged
        self.ir = staged.ir
        self.stages = dict(staged.extra.get("stages", {}))
        self.stages.setdefault("final", staged.ir)

    def __str__(self):
        return "\n\n".join(f"# {name}\n{ir}" for name, ir in self.stages.items())
