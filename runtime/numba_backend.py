"""Generated kernel source -> a Numba dispatcher and the specs of the
arrays it takes after its inputs (workspace, output buffers).

The source runs as a module registered in ``sys.modules`` (Numba finds a
cached kernel's globals through its module name).  With the disk cache on,
the dispatcher gets a ``VerifiedCache`` in place of Numba's own file cache:
Numba asks it for machine code before compiling and hands it what it
compiled, and it keeps that in numjac's verified entries (kernel_store.py).
Numba itself never reads or writes a cache file for a kernel, so no
locator, ``NUMBA_CACHE_DIR`` or ``__pycache__`` is involved.
"""
from __future__ import annotations

import functools
import gc
import pickle
import sys
import threading
import types

import numpy as np

from . import numba_runtime
from .codegen.functions import PART_MARKER
from .kernel_store import PREFIX
from .numba_pipeline import PART_LIBRARIES, kernel_compiler
from .parallel import is_parallel


def module_source(kernel_source: str, ir_text: str, key: str) -> str:
    """The whole module: a docstring with the IR, then the generated code."""
    return (f'"""numjac kernel {key}, generated from this IR (do not edit):\n\n'
            f'{ir_text}\n"""\n{kernel_source}')


def load(source: str, key: str, entry=None, part_entry=None):
    """(dispatcher, WORKSPACE, OUTPUT_BUFFERS) of the kernel module
    ``source`` (the specs: (shape, dtype) pairs); with a
    kernel_store ``entry``, the dispatcher's machine code goes through it,
    and each part's through ``part_entry(name, part_source)``."""
    kernel_source, *parts = source.split("\n" + PART_MARKER)
    for part in parts:
        name, _, part_source = part.partition("\n")
        shared_part(name, part_source, part_entry)
    module = _module(PREFIX + key, kernel_source, key)
    dispatcher = _njit(module.kernel, entry, parallel=is_parallel(kernel_source))
    return (dispatcher, getattr(module, "WORKSPACE", ()),
            getattr(module, "OUTPUT_BUFFERS", ()))


def _module(name: str, source: str, key: str):
    """The module ``name`` running ``source``, registered in ``sys.modules``."""
    module = types.ModuleType(name)
    exec(compile(source, f"<numjac kernel {key}>", "exec"), module.__dict__)
    sys.modules[name] = module
    return module


def import_numba():
    """The numba module, imported here on a kernel's first compile or load
    (not with numjac: importing Numba takes a while, and the interpreter and
    the tracer never need it) with Python's cyclic garbage collector paused:
    its import makes 30,000 objects the collector tracks and almost no
    garbage (47 objects), yet the collector would run 76 times meanwhile.
    Those objects (Numba's modules, types, registries) live as long as the
    process: they go straight to the oldest generation, where the
    collector's next runs would have moved them after going over them two
    or three times (30 ms of CPU in all, docs/benchmarks.md).  Not when
    the user has frozen objects: that would unfreeze them."""
    if "numba" not in sys.modules:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            import numba  # noqa: F401
            if gc.get_freeze_count() == 0:
                gc.freeze()       # every tracked object to the permanent generation,
                gc.unfreeze()     # then all of them to the oldest: no traversal
        finally:
            if was_enabled:
                gc.enable()
    return sys.modules["numba"]


def _njit(function, entry, **options):
    numba = import_numba()
    dispatcher = numba.njit(error_model="numpy", no_cfunc_wrapper=True,
                            pipeline_class=kernel_compiler(), **options)(function)
    dispatcher.typeof_pyval = typeof_plain_arrays(dispatcher.typeof_pyval)
    if entry is not None:
        # Numba has no public hook for a cache of one's own; this attribute
        # is where ``cache=True`` puts its file cache.
        dispatcher._cache = verified_cache_class()(entry)
    return dispatcher


def typeof_plain_arrays(typeof_pyval):
    """The dispatcher's ``typeof_pyval`` (what its C code asks the type of an
    argument of a type it has not met yet), for an exact ndarray without
    Numba's test for a masked array, which imports numpy.ma (8 ms of a warm
    first call): an exact ndarray is not one.  Anything else: Numba's."""
    from numba.core.types import Array
    from numba.np.numpy_support import from_dtype, map_layout

    def typeof(value):
        if type(value) is not np.ndarray:
            return typeof_pyval(value)
        try:
            element = from_dtype(value.dtype)
        except Exception:        # noqa: BLE001 - a dtype Numba lacks: its own error
            return typeof_pyval(value)
        return Array(element, value.ndim, map_layout(value), readonly=not value.flags.writeable)
    return typeof


_PARTS: dict = {}      # part name -> its module, whose ``part`` is the dispatcher
_PARTS_LOCK = threading.Lock()


def shared_part(name: str, source: str, part_entry=None):
    """The module of the kernel part ``name`` (codegen/functions.py), made
    once per process: every kernel calling it shares one dispatcher, which
    Numba compiles once per signature and, with ``part_entry``, keeps in
    the disk cache under the part's own hash."""
    with _PARTS_LOCK:
        module = _PARTS.get(name)
        if module is None:
            module = _module(PREFIX + name, source, name)
            entry = None if part_entry is None else part_entry(name, source)
            # Parts are only called from kernels: no Python entry point,
            # whose argument unboxing would be most of a part's code.
            module.part = _njit(module.part, entry, no_cpython_wrapper=True,
                                parallel=is_parallel(source))
            _never_inlined(module.part, name)
            _PARTS[name] = module
    return module


def _never_inlined(dispatcher, name):
    """Mark each compiled overload of ``dispatcher`` noinline where callers
    link it: Numba links a callee's code into each caller's module, where
    LLVM would inline it at every call site and undo the split."""
    add_overload = dispatcher.add_overload

    def add_noinline_overload(cres):
        linked = cres.library._get_module_for_linking()
        for function in linked.functions:
            if not function.is_declaration and function.name == cres.fndesc.llvm_func_name:
                function.add_function_attribute("noinline")
        PART_LIBRARIES[cres.library] = (name, cres.signature.args, cres.fndesc.llvm_func_name)
        add_overload(cres)
    dispatcher.add_overload = add_noinline_overload


@functools.cache
def verified_cache_class():
    """The Numba cache class (Numba's ``_Cache`` interface) that loads and
    saves a dispatcher's machine code through a kernel_store ``Entry``."""
    from numba.core.caching import NullCache
    from numba.core.compiler import CompileResult
    from numba.core.serialize import dumps

    class VerifiedCache(NullCache):
        def __init__(self, entry):
            self.entry = entry

        @property
        def cache_path(self):
            return str(self.entry.directory)

        def load_overload(self, sig, target_context):
            _ready_to_link(target_context, self.entry)
            target = repr(target_context.codegen().magic_tuple())
            payload = self.entry.load(str(sig), target)
            if payload is None:
                return None
            # The payload is verified: a failure here is not a damaged file
            # but something Numba cannot rebuild; compiling is the way out.
            try:
                parts, reduced = pickle.loads(payload)
                if not all(_part_ready(*part) for part in parts):
                    return None
                return CompileResult._rebuild(target_context, *reduced)
            except Exception as error:   # noqa: BLE001 - any failure means: compile
                self.entry.warn_unloadable(error)
                return None

        def save_overload(self, sig, cres):
            if cres.library.has_dynamic_globals or any(not f.can_cache for f in cres.lifted):
                return   # machine code holding this process's addresses
            target = repr(cres.library.codegen.magic_tuple())
            parts = getattr(cres.library, "parts", [])
            self.entry.save(str(sig), target, dumps((parts, cres._reduce())))

    return VerifiedCache


def _part_ready(name: str, args: tuple, symbol: str) -> bool:
    """Is the part a cached kernel calls (by ``symbol``, numba_pipeline.py)
    compiled or loaded now, under that symbol?  Its machine code must be in
    LLVM's JIT before the kernel's, whose call LLVM could not resolve
    otherwise (a fatal error); a part compiled anew has another symbol (it
    numbers the functions of a process), and then the kernel compiles too."""
    module = _PARTS.get(name)
    if module is None:
        return False
    if args not in module.part.overloads:
        module.part.compile(args)
    return module.part.overloads[args].fndesc.llvm_func_name == symbol


def _ready_to_link(target_context, entry):
    """What rebuilding cached machine code needs of Numba: its runtime
    (numba_runtime.py: its functions from the folder of ``entry`` too).
    Numba's own caches refresh the whole target context here (hundreds of
    implementations registered, a third of a second), which only compiling
    needs, and compiling does it itself."""
    numba_runtime.initialize(target_context, entry)
