"""The memory of big kernel outputs, reused from call to call.

A kernel returning an array of OUTPUT_BUFFER_BYTES (codegen/emission.py)
or more takes it as an argument instead of allocating it.  Fresh memory
that big is mapped from the system on each call (glibc maps blocks over
32 MB anew and unmaps them when freed), and the system clears every page
on its first write: at 131,072 per-example gradients of 64 features (a
64 MB output) that clearing cost more than the kernel's own work.

Each such output has a ``Buffers``: the arrays it last handed out, at most
KEPT_PER_OUTPUT of them.  A call writes into one that nothing but the
``Buffers`` refers to (no variable, no view, memoryview or ``np.asarray``
of it, no array Numba returned from it: each of those holds a reference
to it, and a weak reference counts too), else into a new array, which it
then keeps in place of the oldest.  Two arrays serve the usual loop
``for ...: g = f(x)``, where the previous ``g`` is still held during the
call.  Reference counts decide, so an array the user still holds is never
written, and two threads never get the same array (each holds a reference
to the one it took while it checks another).

The arrays kept stay allocated until ``release_buffers()`` (or the end of
the process): at most KEPT_PER_OUTPUT per big output of each kernel used,
and at most ``NUMJAC_OUTPUT_BUFFERS_MAX_BYTES`` (default 512 MiB; 0 keeps
none) in all, past which new arrays are not kept.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
import types
import weakref

import numpy as np

KEPT_PER_OUTPUT = 2
DEFAULT_MAX_BYTES = 1 << 29

_ALL = weakref.WeakSet()          # every Buffers (of the kernels alive)
_KEEPING = threading.Lock()       # held while a Buffers changes what it keeps


def _first_free(kept: tuple):
    """The first array of ``kept`` that nothing else refers to, or None."""
    for array in kept:
        if sys.getrefcount(array) <= _ONLY_KEPT and not weakref.getweakrefcount(array):
            return array
    return None


def _references_when_only_kept(kept: tuple) -> int:
    """What ``_first_free`` sees of an array only ``kept`` holds: its
    tuple, the loop variable, getrefcount's argument (measured, as the
    interpreter's own references differ between Python versions)."""
    for array in kept:
        return sys.getrefcount(array)


_ONLY_KEPT = _references_when_only_kept((np.empty(0),))


def max_bytes() -> int:
    """The most bytes all ``Buffers`` together keep."""
    text = os.environ.get("NUMJAC_OUTPUT_BUFFERS_MAX_BYTES", "")
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"NUMJAC_OUTPUT_BUFFERS_MAX_BYTES must be a number of bytes, "
                         f"not {text!r}") from None


class Buffers:
    """The arrays one kernel output is written to (module doc)."""

    __slots__ = ("shape", "dtype", "nbytes", "kept", "__weakref__")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.nbytes = int(np.prod(self.shape)) * self.dtype.itemsize
        self.kept = ()
        _ALL.add(self)

    def take(self) -> np.ndarray:
        """An array no one else holds: a kept one, else a new one."""
        array = _first_free(self.kept)
        return self._new() if array is None else array

    def _new(self) -> np.ndarray:
        array = np.empty(self.shape, self.dtype)
        with _KEEPING:
            kept = self.kept
            if len(kept) == KEPT_PER_OUTPUT:
                self.kept = kept[1:] + (array,)
            elif kept_bytes() + self.nbytes <= max_bytes():
                self.kept = kept + (array,)
        return array

    def kept_bytes(self) -> int:
        return len(self.kept) * self.nbytes

    def release(self) -> int:
        """Keep nothing; the bytes no longer kept."""
        with _KEEPING:
            released = self.kept_bytes()
            self.kept = ()
        return released


def buffers_for(spec) -> tuple:
    """One ``Buffers`` per (shape, dtype) of a kernel's OUTPUT_BUFFERS."""
    return tuple(Buffers(shape, dtype) for shape, dtype in spec)


def with_buffers(kernel, buffers: tuple):
    """``kernel`` called with an array of each of ``buffers`` after the
    arguments it is given; ``kernel`` itself when there are none.  A
    function's attributes (parallel.runner's) are the result's too."""
    if not buffers:
        return kernel
    if len(buffers) == 1:
        take = buffers[0].take

        def run(*arrays):
            return kernel(*arrays, take())
    else:
        def run(*arrays):
            return kernel(*arrays, *[b.take() for b in buffers])
    if isinstance(kernel, types.FunctionType):
        functools.update_wrapper(run, kernel)
    return run


def release_buffers() -> int:
    """Free the big output arrays numjac keeps for reuse.

    A kernel returning an array of 4 MB or more writes it into an array
    kept from an earlier call that nothing else refers to any more (at
    most two per output, at most ``NUMJAC_OUTPUT_BUFFERS_MAX_BYTES`` in
    all; docs/guide.md, "Big outputs").  This drops them all; arrays you
    hold stay yours, unchanged.  Later calls allocate and keep anew.

    Parameters
    ----------

    Returns
    -------
    int
        The bytes no longer kept (arrays you still hold included).

    Examples
    --------
    >>> nj.release_buffers() >= 0
    True
    """
    return sum(buffers.release() for buffers in list(_ALL))


def kept_bytes() -> int:
    """The bytes of the arrays kept for reuse now (those you hold too)."""
    return sum(buffers.kept_bytes() for buffers in list(_ALL))
