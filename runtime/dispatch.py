"""Backend choice: IR -> a callable kernel taking and returning NumPy arrays.

The default backend compiles with Numba (``runtime/cache.py``; big kernels
in a background process, ``runtime/background.py``);
``NUMJAC_BACKEND=interpret`` (or ``backend="interpret"`` where the API takes
it) selects the reference interpreter.
"""
from __future__ import annotations

import logging
import os
from functools import partial

from ..compiler.ir import IR
from ..compiler.passes.prelude import split_prelude
from . import background, cache
from .codegen import UnsupportedIR
from .interpreter import evaluate

log = logging.getLogger("numjac")

BACKENDS = ("numba", "interpret")


def backend_name(backend=None) -> str:
    name = backend or os.environ.get("NUMJAC_BACKEND") or "numba"
    if name not in BACKENDS:
        raise ValueError(f"the backend must be one of {BACKENDS}, got {name!r}")
    return name


def compile_ir(ir: IR, backend=None, label=None):
    """A kernel for ``ir``: call it with one array per IR input; it returns
    a sequence with one array per IR output.  A Numba kernel that still
    has to compile may come wrapped (runtime/background.py: its first call
    compiles, or the interpreter answers while it compiles elsewhere);
    ``background.settled`` gives the kernel itself once it is compiled.
    ``label`` names the function for the log."""
    if backend_name(backend) == "interpret":
        return partial(evaluate, ir)
    try:
        kernel = cache.numba_kernel(ir)
    except UnsupportedIR as reason:
        log.info("numjac: interpreting an IR the Numba backend cannot compile (%s)", reason)
        return partial(evaluate, ir)
    return background.prepared(ir, kernel, label)


def kernel_source(ir: IR) -> str:
    """The generated module for ``ir`` (what the Numba backend compiles)."""
    try:
        return cache.kernel_source(ir)[1]
    except UnsupportedIR as reason:
        return f"# no Numba kernel: {reason}; the interpreter runs this IR\n"


class Lowered:
    """The stages of a staged function for one signature: the IR after each
    pass, by name in pipeline order (``stages``), and the generated kernel
    source (``source``, generated when first read).

    ``stage(name)`` returns one stage (the source as text); printing shows
    them all, a stage identical to an earlier one as a reference to it.
    Every transform has "traced", "optimized" and "final"; the others
    belong to some transforms only."""

    STAGES = {
        "traced": "the function's IR as tracing recorded it",
        "transformed": "the IR right after the transform's passes (jvp, vjp, transpose, "
                       "linearize; for jacrev and jacfwd batched over the basis too)",
        "batched": "vmap's batched IR, batch axes first, before they move to the "
                   "in_dims and out_dims",
        "optimized": "the IR after clean-up (constant folding, common subexpressions, "
                     "dead code)",
        "final": "the IR the kernel is generated from (inputs it stacks along a new axis, "
                 "a Python loop's layers, are stacked in NumPy before each call)",
        "source": "the generated Numba kernel",
    }

    def __init__(self, stages: dict, final: IR, label: str = "the function"):
        order = list(self.STAGES)
        self.stages = dict(sorted(stages.items(), key=lambda item: order.index(item[0])))
        self.stages["final"] = final
        self.ir = final
        self.label = label

    @property
    def stage_names(self) -> tuple:
        return tuple(self.stages) + ("source",)

    def stage(self, name: str):
        """The IR of stage ``name``, or the kernel source for "source"."""
        if name == "source":
            return self.source
        if name not in self.stages:
            raise ValueError(f"{self.label} has no stage {name!r}; its stages are "
                             f"{', '.join(self.stage_names)}")
        return self.stages[name]

    @property
    def source(self) -> str:
        # The kernel compiled: the final IR less the stacks its prelude builds.
        return kernel_source(split_prelude(self.ir)[1])

    def __str__(self):
        first_named = {}     # printed IR -> the first stage that printed it
        parts = []
        for name, ir in self.stages.items():
            text = str(ir)
            if text in first_named:
                parts.append(f"# IR: {name}: same as {first_named[text]}")
            else:
                first_named[text] = name
                parts.append(f"# IR: {name}\n{text}")
        parts.append(f"# generated kernel\n{self.source}")
        return "\n\n".join(parts)
