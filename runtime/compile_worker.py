"""The background compile process: compiles kernels into the disk cache.

Started by compile_pool.py as ``python -c`` with the parent's ``sys.path``.
It reads requests from its stdin and writes one reply per request to its
stdout (each message a length-prefixed pickle; anything else printing to
stdout goes to stderr instead).  A request names a kernel (its module
source, key and disk cache folder) and its arguments' Numba types; the
process compiles that overload with the kernel's verified disk cache
(cache.NumbaKernel, numba_backend.load), so the parent's first call of
the kernel loads the machine code instead of compiling.

The process exits as soon as its stdin closes, mid-compile too: that is
the parent closing it at exit, or dying.
"""
from __future__ import annotations

import os
import pickle
import queue
import struct
import sys
import threading
import time
import traceback
from pathlib import Path

import numpy as np

_LENGTH = struct.Struct("<Q")


def write_message(stream, message):
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_message(stream):
    """The next message; EOFError when the other end has closed."""
    size = _LENGTH.unpack(_read_bytes(stream, _LENGTH.size))[0]
    return pickle.loads(_read_bytes(stream, size))


def _read_bytes(stream, size):
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError("the pipe closed")
        data += chunk
    return data


# -- what describes an argument's Numba type --------------------------------------

def argument_type(array) -> tuple:
    """(dtype, ndim, layout, readonly): what Numba's type of ``array``
    depends on (Numba types name no shapes), or None for an argument
    the worker cannot rebuild (not a plain aligned ndarray)."""
    if type(array) is not np.ndarray or not array.flags.aligned:
        return None
    flags = array.flags
    layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
    return (array.dtype.str, array.ndim, layout, not flags.writeable)


def stand_in(dtype: str, ndim: int, layout: str, readonly: bool) -> np.ndarray:
    """A small array of the same Numba type as the argument described."""
    shape = (2,) * ndim
    if layout == "A":
        array = np.zeros(shape[:-1] + (4,), dtype)[..., ::2]
    elif layout == "F":
        array = np.asfortranarray(np.zeros(shape, dtype))
    else:
        array = np.zeros(shape, dtype)
    array.flags.writeable = not readonly
    return array


# -- the process ------------------------------------------------------------------

def compile_request(request) -> tuple:
    """("done", seconds) once the overload is in the disk cache, or
    ("failed", the error as text)."""
    try:
        from . import cache
        if tuple(request["versions"]) != cache.versions():
            return ("failed", "the compile process runs other versions of numjac, Numba, "
                              "NumPy or Python than its parent")
        start = time.perf_counter()
        kernel = cache.NumbaKernel(request["key"], request["source"],
                                   Path(request["directory"]))
        compile_overload(kernel, request["arguments"])
        return ("done", time.perf_counter() - start)
    except Exception as error:   # noqa: BLE001 - reported to the parent, which recompiles
        return ("failed", "".join(traceback.format_exception_only(type(error), error)).strip())


def compile_overload(kernel, arguments):
    """Compile (or load from the disk cache) the overload of a
    cache.NumbaKernel for arguments of the types ``arguments`` describes
    (argument_type's tuples), as its first call with them would."""
    import numba
    types = [numba.typeof(stand_in(*described)) for described in arguments]
    types += [numba.typeof(array) for array in kernel.workspace]
    types += [numba.types.Array(numba.from_dtype(buffers.dtype), len(buffers.shape), "C")
              for buffers in kernel.buffers]
    kernel.dispatcher.compile(tuple(types))


def _read_requests(stream, requests):
    try:
        while True:
            requests.put(read_message(stream))
    except Exception:   # noqa: BLE001 - EOF or a broken pipe: the parent is gone
        pass
    os._exit(0)         # at once, even in the middle of a compile


def main():
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)       # Numba's or anyone's prints must not corrupt the replies
    requests = queue.Queue()
    threading.Thread(target=_read_requests, args=(sys.stdin.buffer, requests),
                     daemon=True, name="numjac-compile-requests").start()
    while True:
        write_message(replies, compile_request(requests.get()))
