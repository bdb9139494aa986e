"""A shorter Numba compiler pipeline for generated kernels and their parts.

Numba's default pipeline runs passes for Python that numjac never
generates: ``with`` contexts, closures, ``make_function``, ``literally``,
``literal_unroll``, literal propagation, and the rewrite and branch-pruning
passes (each of which recomputes the liveness of every variable in every
block after it changes the control flow).  It also rebuilds SSA form, at a
cost of (names assigned more than once) x (statements): in generated code
those are the loop indices and the temporaries of ``if`` statements, whose
types agree, and Numba types a name assigned twice by unifying its types
(as it did before SSA, and still does for loop-lifting).  On a generated
kernel these passes cost about a third of the compile time (RK4 Lorenz-96
2 steps jacrev: 9.2-10.6 s of CPU with the default pipeline, 7.0 s with
this one; per-call times unchanged).

The passes kept are those every kernel needs: bytecode to IR, the inlining
of ``inline="always"`` helpers (kernel_support.splitmix and friends) and of
overloads, type inference, legalization and lowering.  If this pipeline
fails on a kernel with a Numba error, Numba runs its default pipeline next
(``CompilerBase`` tries each pipeline in turn), so a kernel never fails for
want of a pass left out here.  A kernel compiled with ``parallel=True``
gets the default pipeline, whose parfor passes make its ``prange`` loops
parallel.
"""
from __future__ import annotations

import functools


@functools.cache
def kernel_compiler():
    """The ``pipeline_class`` for ``numba.njit`` of a generated function."""
    # Imported on the first compile, as numba_backend imports Numba.
    from numba.core.compiler import CompilerBase, DefaultPassBuilder
    from numba.core.compiler_machinery import FunctionPass, PassManager, register_pass
    from numba.core.typed_passes import (AnnotateTypes, InlineOverloads, IRLegalization,
                                         NativeLowering, NopythonTypeInference,
                                         NoPythonBackend, PreLowerStripPhis)
    from numba.core.untyped_passes import (FixupArgs, InlineInlinables, IRProcessing,
                                           RewriteDynamicRaises, TranslateByteCode)

    passes = [(TranslateByteCode, "analyzing bytecode"), (FixupArgs, "fix up args"),
              (IRProcessing, "processing IR"),
              (RewriteDynamicRaises, "rewrite dynamic raises"),
              (InlineInlinables, "inline inlinable functions"),
              (NopythonTypeInference, "nopython frontend"),
              (PreLowerStripPhis, "remove phis nodes"),
              (InlineOverloads, "inline overloaded functions"),
              (IRLegalization, "ensure IR is legal prior to lowering"),
              (AnnotateTypes, "annotate types"),
              (NativeLowering, "native lowering"),
              (NoPythonBackend, "nopython mode backend")]

    @register_pass(mutates_CFG=False, analysis_only=False)
    class ForgetShortPipelineError(FunctionPass):
        """Numba keeps a failed pipeline's error and raises it after the
        next pipeline succeeds (it does so for object mode): forget it."""
        _name = "numjac_forget_short_pipeline_error"

        def __init__(self):
            FunctionPass.__init__(self)

        def run_pass(self, state):
            state.status.fail_reason = None
            return False

    class KernelCompiler(CompilerBase):
        def define_pipelines(self):
            default = DefaultPassBuilder.define_nopython_pipeline(self.state)
            if self.state.flags.auto_parallel.enabled:
                return [default]     # parallel=True needs the parfor passes
            short = PassManager("numjac_kernel")
            for cls, description in passes:
                short.add_pass(cls, description)
            short.finalize()
            default.passes.insert(0, (ForgetShortPipelineError, "forget the first error"))
            return [short, default]

    return KernelCompiler
