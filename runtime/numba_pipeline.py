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

A kernel calls its parts (codegen/functions.py) by symbol: Numba would link
each part's LLVM module into the kernel's and optimize and compile all of
it again, although the part is compiled already (the parts of an RK4
Lorenz-96 2-step hessian: 2.1 s of its 9.5 s first call).  Instead the
kernel's module only declares them, and LLVM's JIT resolves the names to
the parts' machine code, compiled before the kernel (typing the kernel
compiles the functions it calls).  The parts a kernel calls are noted on
its library (``parts``), so that the disk cache loads them before the
kernel's machine code (numba_backend.py).
"""
from __future__ import annotations

import functools
import weakref

# A part's code library -> (part name, argument types, symbol): filled by
# numba_backend as each part's overload is compiled or loaded.
PART_LIBRARIES = weakref.WeakKeyDictionary()


def _call_parts_by_symbol(library):
    """Make ``library`` note the parts it calls instead of linking them."""
    library.parts = []
    link = library.add_linking_library

    def add_linking_library(other):
        part = PART_LIBRARIES.get(other)
        if part is None:
            link(other)
        elif part not in library.parts:
            library.parts.append(part)
    library.add_linking_library = add_linking_library


@functools.cache
def kernel_compiler():
    """The ``pipeline_class`` for ``numba.njit`` of a generated function."""
    # Imported on the first compile, as numba_backend imports Numba.
    from numba.core.compiler import CompilerBase, DefaultPassBuilder
    from numba.core.compiler_machinery import (FunctionPass, LoweringPass, PassManager,
                                              register_pass)
    from numba.core.typed_passes import (AnnotateTypes, InlineOverloads, IRLegalization,
                                         NativeLowering, NopythonTypeInference,
                                         NoPythonBackend, PreLowerStripPhis)
    from numba.core.untyped_passes import (FixupArgs, InlineInlinables, IRProcessing,
                                           RewriteDynamicRaises, TranslateByteCode)

    @register_pass(mutates_CFG=False, analysis_only=False)
    class CallPartsBySymbol(LoweringPass):
        """Make the library the function lowers into (as NativeLowering
        would) and have it call parts by symbol."""
        _name = "numjac_call_parts_by_symbol"

        def __init__(self):
            LoweringPass.__init__(self)

        def run_pass(self, state):
            if state.library is None:
                state.library = state.targetctx.codegen().create_library(
                    state.func_id.func_qualname)
                state.library.enable_object_caching()
            _call_parts_by_symbol(state.library)
            return False

    passes = [(TranslateByteCode, "analyzing bytecode"), (FixupArgs, "fix up args"),
              (IRProcessing, "processing IR"),
              (RewriteDynamicRaises, "rewrite dynamic raises"),
              (InlineInlinables, "inline inlinable functions"),
              (NopythonTypeInference, "nopython frontend"),
              (PreLowerStripPhis, "remove phis nodes"),
              (InlineOverloads, "inline overloaded functions"),
              (IRLegalization, "ensure IR is legal prior to lowering"),
              (AnnotateTypes, "annotate types"),
              (CallPartsBySymbol, "call parts by symbol"),
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
