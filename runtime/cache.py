"""Compiled kernels, shared in memory by the hash of their IR, and kept on
disk across processes in verified entries (kernel_store.py).

The key hashes the printed IR (which includes every dtype and shape) with
the code generator's, numjac's and Numba's versions, so a kernel is never
reused across changes of any of them.  ``NUMJAC_CACHE_DIR`` moves the disk
cache (default: the user's cache directory), ``NUMJAC_DISABLE_DISK_CACHE=1``
turns it off, ``NUMJAC_CACHE_MAX_BYTES`` caps its size (least recently used
entries go first; kernel_store.py).  An entry is checked against its key,
the versions and a checksum before Numba loads it; a bad one is rebuilt, an
unusable folder turns the disk cache off for the process.  A kernel that
fails to run never touches the disk cache.  ``disk_cache_info``,
``clear_disk_cache`` and ``prune_disk_cache`` are what ``numjac cache``
shows and does.  Each kernel's first call (Numba
compiles lazily) logs how long it took and whether its machine code came
from the disk cache.

Threads: concurrent first uses of one kernel build it once (one lock per
key while it is made, then lock-free reads) and compile it once (the first
call holds the kernel's lock; Numba's own compiler lock serializes the
compilations of different kernels; kernel_store.py writes entries
atomically).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..compiler.printer import print_ir
from . import kernel_store, numba_backend, output_buffers, parallel
from .codegen import generate

log = logging.getLogger("numjac")

# Bump when the generated code changes meaning, to retire old disk entries.
CODEGEN_VERSION = "1"

_KERNELS: dict = {}   # key -> NumbaKernel
_KEY_LOCKS: dict = {}  # key -> the lock held while its kernel is made
_KEY_LOCKS_LOCK = threading.Lock()


class NumbaKernel:
    """A compiled kernel: call it with one array per IR input.

    ``fast`` is the Numba dispatcher itself (for a kernel with parallel
    loops, parallel.runner of it; for one with big outputs, called with
    an array of each of its ``buffers`` added: output_buffers.py), for
    callers that pass the ``workspace`` arrays after the inputs
    themselves.  The workspace holds the kernel's big temporaries,
    allocated once: the kernel holds the GIL while it runs, so calls
    never share it."""

    def __init__(self, key: str, source: str, directory, signature: str = ""):
        self.key, self.source, self.directory = key, source, directory
        self.signature = signature
        start = time.perf_counter()
        entry = part_entry = None
        if directory is not None:
            entry = kernel_store.Entry(directory, key, versions(), source)
            part_entry = functools.partial(_part_entry, directory)
        self.dispatcher, spec, outputs = numba_backend.load(source, key, entry, part_entry)
        self.fast = self.dispatcher
        if parallel.is_parallel(source):
            self.fast = parallel.runner(self.dispatcher, functools.partial(
                _serial_twin, key, source, directory, part_entry))
        self.buffers = output_buffers.buffers_for(outputs)
        self.fast = output_buffers.with_buffers(self.fast, self.buffers)
        self.workspace = tuple(np.empty(shape, dtype) for shape, dtype in spec)
        self.load_seconds = time.perf_counter() - start
        self.called = False
        self._first_call = threading.Lock()

    def __call__(self, *arrays):
        if self.called:
            return self.fast(*arrays, *self.workspace)
        with self._first_call:   # Numba compiles then: once, the other threads wait
            if self.called:
                return self.fast(*arrays, *self.workspace)
            start = time.perf_counter()
            outs = self.fast(*arrays, *self.workspace)
            self.called = True
        self._log_compiled(self.load_seconds + time.perf_counter() - start)
        return outs

    def _log_compiled(self, seconds: float):
        hits = sum(self.dispatcher.stats.cache_hits.values())
        if self.directory is None:
            how = "compiled by Numba in memory (disk cache off)"
        elif hits:
            how = f"disk cache hit (machine code loaded from {self.directory})"
        elif not kernel_store.usable(self.directory):
            how = f"compiled by Numba in memory ({self.directory} is unusable)"
        else:
            how = f"disk cache miss (compiled by Numba, saved to {self.directory})"
        log.info("kernel %s %s: %.1f ms, %s", self.key, self.signature, 1e3 * seconds, how)


def _serial_twin(key: str, source: str, directory, part_entry):
    """The dispatcher of parallel kernel ``source`` compiled without its
    parallel loops (parallel.runner calls it on one thread), kept in the
    disk cache beside it."""
    key, source = key + "_serial", parallel.serial_source(source)
    entry = None if directory is None else kernel_store.Entry(directory, key, versions(), source)
    log.info("kernel %s: compiling its one-thread twin", key)
    return numba_backend.load(source, key, entry, part_entry)[0]


def _part_entry(directory, name: str, source: str):
    """The disk cache entry of a kernel part, found by its source's hash."""
    key = kernel_store.PART + kernel_key(source)
    return kernel_store.Entry(directory, key, versions(), source)


def kernel_key(ir_text: str) -> str:
    text = "\n".join((ir_text, CODEGEN_VERSION) + versions())
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# The modules whose code ends up inside a kernel's machine code without
# appearing in its source (inlined intrinsics such as gemm, the helpers
# Numba links in), or that compile it and write what is cached (the
# pipeline, the parts a kernel calls by symbol): a change to any of them
# retires every cached kernel.
_LINKED_SOURCES = ("kernel_support.py", "kernel_blas.py", "blas_threads.py",
                   "special_support.py", "huge_pages.py", "numba_backend.py",
                   "numba_pipeline.py")


@functools.cache
def versions() -> tuple:
    """What a cached kernel was built with: numjac, Numba, NumPy, Python,
    and the code it links in (``_LINKED_SOURCES``; numjac's version alone
    does not change with the code in a development checkout)."""
    # Here, not at the top: importing Numba takes a while (see numba_backend),
    # and so does importlib.metadata (which Numba imports anyway).
    numba = numba_backend.import_numba()
    from importlib.metadata import PackageNotFoundError, version
    try:
        own = version("numjac")
    except PackageNotFoundError:
        own = "unknown"
    here = Path(__file__).parent
    linked = "".join((here / name).read_text() for name in _LINKED_SOURCES)
    return (own, numba.__version__, np.__version__, sys.version,
            hashlib.sha256(linked.encode()).hexdigest()[:16])


def cache_dir():
    """The disk cache directory, or None when the disk cache is off (or
    this process found the folder unusable)."""
    if disk_cache_disabled():
        return None
    directory = configured_cache_dir()
    return directory if kernel_store.usable(directory) else None


def disk_cache_disabled() -> bool:
    return os.environ.get("NUMJAC_DISABLE_DISK_CACHE", "") not in ("", "0")


def configured_cache_dir() -> Path:
    """The disk cache directory, whether or not the disk cache is on."""
    chosen = os.environ.get("NUMJAC_CACHE_DIR")
    return Path(chosen) if chosen else _user_cache_dir() / "numjac"


def _user_cache_dir() -> Path:
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
    if sys.platform == "darwin":
        return home / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")


@dataclass
class DiskCacheInfo:
    directory: Path
    entries: int          # kernels held (each has one file per compiled signature)
    size: int             # bytes of numjac's files there
    disabled: bool
    problem: str = ""     # why the folder cannot hold the cache, if it cannot
    max_bytes: int = kernel_store.DEFAULT_MAX_BYTES     # the size cap


def disk_cache_info() -> DiskCacheInfo:
    directory = configured_cache_dir()
    files = kernel_store.entry_files(directory)
    return DiskCacheInfo(directory, len(kernel_store.entry_keys(directory)),
                         sum(map(_size, files)), disk_cache_disabled(),
                         _folder_problem(directory), kernel_store.max_bytes())


def _folder_problem(directory: Path) -> str:
    if directory.exists() and not directory.is_dir():
        return "it is not a folder"
    if directory.is_dir() and not os.access(directory, os.W_OK | os.X_OK):
        return "it is not writable"
    return ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:   # renamed or deleted by another process meanwhile
        return 0


def clear_disk_cache() -> int:
    """Delete every kernel from the disk cache (other files in the
    directory are left alone); returns how many kernels there were.
    Kernels already loaded in this process keep working, and processes
    compiling meanwhile recreate what they need."""
    entries = disk_cache_info().entries
    for path in kernel_store.entry_files(configured_cache_dir()):
        path.unlink(missing_ok=True)
    return entries


def prune_disk_cache(max_bytes: int = None) -> list:
    """Evict the least recently used entries until the disk cache holds at
    most ``max_bytes`` (default: the cap, NUMJAC_CACHE_MAX_BYTES); returns
    the (path, size) of each file removed.  Safe while other processes use
    the cache: what they were about to load is a miss for them."""
    limit = kernel_store.max_bytes() if max_bytes is None else max_bytes
    return kernel_store.evict(configured_cache_dir(), limit)


def kernel_source(ir) -> tuple:
    """(key, module source) of the kernel for ``ir``."""
    text = print_ir(ir)
    key = kernel_key(text)
    cached = _KERNELS.get(key)
    if cached is not None:
        return key, cached.source
    return key, numba_backend.module_source(generate(ir), text, key)


def numba_kernel(ir) -> NumbaKernel:
    """The compiled kernel for ``ir``, shared by every IR that prints the same."""
    text = print_ir(ir)
    key = kernel_key(text)
    kernel = _KERNELS.get(key)
    if kernel is None:
        with _key_lock(key):
            kernel = _KERNELS.get(key)      # made by another thread meanwhile?
            if kernel is None:
                kernel = _KERNELS[key] = _new_kernel(ir, text, key)
                return kernel
    log.info("kernel %s %s: memory cache hit", kernel.key, signature(ir))
    return kernel


def kernel_from_source(source: str) -> NumbaKernel:
    """The kernel of a generated module made elsewhere (runtime/remote.py),
    through this process's disk cache."""
    return NumbaKernel(kernel_key(source), source, cache_dir())


def _new_kernel(ir, text: str, key: str) -> NumbaKernel:
    source = numba_backend.module_source(generate(ir), text, key)
    # On disk the kernel is named by its source, not its IR, so that a
    # change in code generation can never meet stale machine code.
    return NumbaKernel(kernel_key(source), source, cache_dir(), signature(ir))


def _key_lock(key: str) -> threading.Lock:
    with _KEY_LOCKS_LOCK:
        return _KEY_LOCKS.setdefault(key, threading.Lock())


def signature(ir) -> str:
    """``(f64[3], f64[]) -> (f64[3,3])``: an IR's input and output types."""
    return (f"({', '.join(map(str, ir.in_types))}) -> "
            f"({', '.join(map(str, ir.out_types))})")
