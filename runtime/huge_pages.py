"""Big kernel arrays on transparent huge pages (Linux).

A kernel's arrays come from Numba's allocator (``malloc``), which maps
arrays of over 32 MB afresh on every call and unmaps them when freed: the
first write to each 4 kB page of a new mapping traps into the kernel,
which clears the page.  At 64 MB (per-example gradients of 131,072 rows of
64 features) those 16,384 faults cost three times the kernel's own work
(0.31 us per example against 0.11 with huge pages, benchmarks/threads.py,
docs/benchmarks.md).  NumPy asks Linux for huge pages on its own arrays of
4 MB and more (``madvise(MADV_HUGEPAGE)``, honoured when
/sys/kernel/mm/transparent_hugepage/enabled is ``madvise`` or ``always``):
``advise_huge_pages`` does the same for the kernels' arrays, before their
first write.  Elsewhere it does nothing.

``madvise`` is called by its symbol, which the JIT linker finds in the C
library already loaded, so the helpers that call it keep their place in
the disk cache (a ctypes function pointer would not be cacheable).
"""
from __future__ import annotations

import sys

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

# NumPy's threshold for the same advice (numpy/_core/src/multiarray/alloc.c).
HUGE_PAGE_MIN_BYTES = 1 << 22
HUGE_PAGE_BYTES = 1 << 21
MADV_HUGEPAGE = 14      # linux/mman.h


@intrinsic
def _madvise(typingctx, address, length, advice):
    """``madvise(address, length, advice)`` of the C library; its result."""
    sig = types.int32(types.intp, types.intp, types.int32)

    def codegen(context, builder, signature, args):
        size_t = ir.IntType(64)
        fnty = ir.FunctionType(ir.IntType(32), [cgutils.voidptr_t, size_t, ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "madvise")
        pointer = builder.inttoptr(args[0], cgutils.voidptr_t)
        return builder.call(fn, [pointer, args[1], args[2]])
    return sig, codegen


if sys.platform.startswith("linux"):
    @numba.njit(inline="always")
    def advise_huge_pages(array):
        """Huge pages for the whole 2 MB pages inside the new ``array``'s
        memory, if it is big enough: madvise's result (0: done; -1: refused,
        which costs nothing), or 1 if not asked."""
        nbytes = array.nbytes
        if nbytes < HUGE_PAGE_MIN_BYTES:
            return 1
        address = np.int64(array.ctypes.data)
        start = (address + (HUGE_PAGE_BYTES - 1)) & ~(HUGE_PAGE_BYTES - 1)
        end = (address + nbytes) & ~(HUGE_PAGE_BYTES - 1)
        if end <= start:
            return 1
        return _madvise(start, end - start, np.int32(MADV_HUGEPAGE))
else:
    @numba.njit(inline="always")
    def advise_huge_pages(array):
        """Nothing (1: not asked): the advice is Linux's."""
        return 1
