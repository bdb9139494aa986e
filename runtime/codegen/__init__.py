"""IR -> the Python source of one kernel of explicit scalar loops (for Numba).

Three stages, one module each: values.py (how an IR variable is read at an
index), planning.py (which loop nest computes each equation, what is
stored, inlined or recomputed) and emission.py (the Codegen class writing
the source; split.py breaks its long expressions into named temporaries).

The kernel takes one array per IR input (0-d inputs as 0-d arrays, any
layout), then one preallocated array per name in the module's WORKSPACE
(if any: big temporaries, reused from call to call), then one array per
name in its OUTPUT_BUFFERS (if any: big outputs, written into arrays the
caller reuses, runtime/output_buffers.py), and returns a tuple with one
new, input or output buffer array (or a view of one) per IR output.
"""
from __future__ import annotations

import numpy as np

from ...compiler.ir import IR
# The limits, for reading: each module reads its own (set them there).
from .emission import OUTPUT_BUFFER_BYTES, WORKSPACE_BYTES, WORKSPACE_MAX_BYTES, Codegen
from .planning import MAX_NESTING, RECOMPUTE_CHARS, RECOMPUTE_LIMIT
from .split import MAX_EXPRESSION_CHARS

__all__ = ["Codegen", "UnsupportedIR", "check_supported", "generate", "MAX_EXPRESSION_CHARS",
           "MAX_NESTING", "OUTPUT_BUFFER_BYTES", "RECOMPUTE_CHARS", "RECOMPUTE_LIMIT",
           "WORKSPACE_BYTES", "WORKSPACE_MAX_BYTES"]


class UnsupportedIR(Exception):
    """The IR uses something the Numba backend cannot compile (float16)."""


def _types(ir: IR):
    for var in ir.inputs:
        yield var.type
    for eqn in ir.eqns:
        for var in eqn.outs:
            yield var.type
        for param in eqn.params.values():
            if isinstance(param, IR):
                yield from _types(param)


def check_supported(ir: IR):
    """Raise UnsupportedIR for what Numba cannot compile."""
    if any(t.dtype == np.float16 for t in _types(ir)):
        raise UnsupportedIR("float16 values")


def generate(ir: IR, name="kernel") -> str:
    """The source of a function ``name`` computing ``ir`` (see module doc)."""
    check_supported(ir)
    return Codegen(ir, name).generate()
