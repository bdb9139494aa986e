"""Compiled kernels, shared in memory by the hash of their IR, and kept on
disk across processes through Numba's cache of the generated module.

The key hashes the printed IR (which includes every dtype and shape) with
the code generator's, numjac's and Numba's versions, so a kernel is never
reused across changes of any of them.  ``NUMJAC_CACHE_DIR`` moves the disk
cache (default: the user's cache directory), ``NUMJAC_DISABLE_DISK_CACHE=1``
turns it off.  A cache entry that fails to load is deleted and rebuilt.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
from pathlib import Path

from ..compiler.printer import print_ir
from . import numba_backend
from .codegen import generate

log = logging.getLogger("numjac")

# Bump when the generated code changes meaning, to retire old disk entries.
CODEGEN_VERSION = "1"

_KERNELS: dict = {}   # key -> NumbaKernel


class NumbaKernel:
    """A compiled kernel: call it with one array per IR input.

    ``fast`` is the Numba dispatcher itself, for callers that handle a
    failure by calling the kernel again (which recovers from a bad cache
    entry)."""

    def __init__(self, key: str, source: str, directory):
        self.key, self.source, self.directory = key, source, directory
        self.fast = self._load()

    def _load(self):
        if self.directory is not None:
            try:
                return numba_backend.load_from_file(self.source, self.key, self.directory)
            except OSError as error:
                log.warning("numjac: disk cache unusable (%s); compiling in memory", error)
                self.directory = None
        return numba_backend.load_in_memory(self.source, self.key)

    def __call__(self, *arrays):
        try:
            return self.fast(*arrays)
        except Exception:
            if self.directory is None:
                raise
            # A corrupt or foreign cache entry: drop it and compile afresh.
            log.warning("numjac: kernel %s failed to load from the disk cache; rebuilding",
                        self.key)
            numba_backend.purge_numba_cache(self.directory, self.key)
            self.fast = self._load()
            self.directory = None
            return self.fast(*arrays)


def kernel_key(ir_text: str) -> str:
    text = "\n".join((ir_text, CODEGEN_VERSION) + _versions())
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def _versions() -> tuple:
    from importlib.metadata import PackageNotFoundError, version

    import numba
    import numpy
    try:
        own = version("numjac")
    except PackageNotFoundError:
        own = "unknown"
    return (own, numba.__version__, numpy.__version__, sys.version)


def cache_dir():
    """The disk cache directory, or None when the disk cache is off."""
    if os.environ.get("NUMJAC_DISABLE_DISK_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("NUMJAC_CACHE_DIR")
    return Path(chosen) if chosen else _user_cache_dir() / "numjac"


def _user_cache_dir() -> Path:
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
    if sys.platform == "darwin":
        return home / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")


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
    key, source = kernel_source(ir)
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = NumbaKernel(key, source, cache_dir())
    return kernel
