"""Numba's runtime (NRT), made ready for cached machine code with its own
functions taken from numjac's disk cache.

Loading a cached kernel needs Numba's runtime initialized: its C functions'
symbols registered and its few LLVM functions (atomic reference counting,
``NRT_incref``/``NRT_decref``...) compiled, which Numba does in every
process (18 ms, most of it LLVM: a warm first call's largest part after
importing Numba and numjac).  Here that machine code is kept in a verified
disk cache entry beside the kernels', like a kernel's, and loaded as Numba
loads a cached kernel's.  Numba has no hook for it: its runtime compiles
them through ``nrtdynmod.compile_nrt_functions``, which is replaced for the
one call that initializes the runtime, under Numba's compiler lock.
"""
from __future__ import annotations

import functools
import pickle

from . import kernel_store

_SIGNATURE = "numba runtime functions"
_SOURCE = "numba.core.runtime.nrtdynmod.create_nrt_module"   # what the entry holds


def initialize(target_context, kernel_entry):
    """Numba's ``rtsys.initialize``, its LLVM functions from the disk cache
    folder of ``kernel_entry`` (a kernel_store.Entry) when they are there."""
    from numba.core import config
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.runtime import nrtdynmod, rtsys
    if config.DEBUG_NRT:          # debug builds of the functions: compiled as Numba does
        rtsys.initialize(target_context)
        return
    with global_compiler_lock:    # no other thread initializes or compiles meanwhile
        compile_functions = nrtdynmod.compile_nrt_functions
        nrtdynmod.compile_nrt_functions = functools.partial(_cached_functions,
                                                            _entry_beside(kernel_entry))
        try:
            rtsys.initialize(target_context)
        finally:
            nrtdynmod.compile_nrt_functions = compile_functions


def _entry_beside(kernel_entry) -> kernel_store.Entry:
    """The runtime's entry in the kernel's folder, named by the versions
    (Numba's among them) so that two versions sharing the folder keep apart."""
    versions = kernel_entry.expected["versions"]
    digest = kernel_store.sha256("\n".join(versions).encode())[:16]
    return kernel_store.Entry(kernel_entry.directory, f"{kernel_store.SUPPORT}nrt_{digest}",
                              versions, _SOURCE)


def _cached_functions(entry, target_context):
    """The code library of the runtime's LLVM functions: loaded from
    ``entry``, else compiled (as ``compile_nrt_functions`` does, keeping the
    object code) and saved there."""
    from numba.core.runtime.nrtdynmod import create_nrt_module
    codegen = target_context.codegen()
    target = repr(codegen.magic_tuple())
    payload = entry.load(_SIGNATURE, target)
    if payload is not None:
        try:
            return codegen.unserialize_library(pickle.loads(payload))
        except Exception as error:   # noqa: BLE001 - verified, yet not loadable: compile
            entry.warn_unloadable(error)
    module, library = create_nrt_module(target_context)
    library.enable_object_caching()
    library.add_ir_module(module)
    library.finalize()
    entry.save(_SIGNATURE, target, pickle.dumps(library.serialize_using_object_code()))
    return library
