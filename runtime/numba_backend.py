"""Generated kernel source -> a Numba dispatcher and its workspace spec.

With the disk cache on, the source is written to a real file and imported
as a module registered in ``sys.modules`` before it runs: that is what lets
Numba's own cache (``cache=True``) store and reload the machine code of
generated functions.  Without it, the source is compiled in memory.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

MODULE_PREFIX = "numjac_kernel_"
_SOURCE_MTIME = 946684800   # 2000-01-01: see write_atomically


def module_source(kernel_source: str, ir_text: str, key: str) -> str:
    """The whole module: a docstring with the IR, then the generated code."""
    return (f'"""numjac kernel {key}, generated from this IR (do not edit):\n\n'
            f'{ir_text}\n"""\n{kernel_source}')


def jit(fn, cache: bool):
    # Imported on the first compile, not with numjac: importing Numba takes
    # a while, and the interpreter and the tracer never need it.
    import numba
    return numba.njit(cache=cache, error_model="numpy")(fn)


def load_in_memory(source: str, key: str):
    """(dispatcher, WORKSPACE) of the kernel module ``source``."""
    namespace = {"__name__": MODULE_PREFIX + key}
    exec(compile(source, f"<numjac kernel {key}>", "exec"), namespace)
    return jit(namespace["kernel"], cache=False), namespace.get("WORKSPACE", ())


def load_from_file(source: str, key: str, directory: Path):
    """Write ``source`` to ``directory`` (unless the same text is there),
    import it, and jit its kernel with Numba's disk cache."""
    name = MODULE_PREFIX + key
    path = directory / f"{name}.py"
    if not _holds(path, source):
        write_atomically(path, source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return jit(module.kernel, cache=True), getattr(module, "WORKSPACE", ())


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text() == text
    except (OSError, UnicodeDecodeError):
        return False


def write_atomically(path: Path, text: str):
    """Write via a temporary file and ``os.replace``, so that concurrent
    writers and readers only ever see a whole file.  The modification time
    is fixed: Numba stamps its cache with it, and two processes writing the
    same module must not invalidate each other's machine code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.utime(tmp, (_SOURCE_MTIME, _SOURCE_MTIME))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def purge_numba_cache(directory: Path, key: str):
    """Delete Numba's cached machine code for a kernel (after a failed load)."""
    for path in (directory / "__pycache__").glob(f"{MODULE_PREFIX}{key}*"):
        path.unlink(missing_ok=True)
