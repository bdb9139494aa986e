"""Kernels whose big loops run on several threads.

The code generator writes the outermost loop of a top-level nest as
``prange`` (Numba's parallel range) when the nest has at least
codegen.emission.PARALLEL_MIN_ELEMENTS elements and every iteration writes its own
elements (an elementwise nest, the kept axes of a sum, a row loop: see
codegen/emission.py); such a kernel is compiled with ``parallel=True``,
which takes Numba longer, so small kernels never are.  The loops
themselves are the same: the values do not depend on the thread count.

Each call of a parallel kernel chooses its threads (``threads_for_call``):
the threads numjac may use now (runtime/blas_threads.py: ``NUMJAC_NUM_THREADS``,
``nj.set_num_threads``, else the cores other processes leave free, within a
cap in the environment such as Dask's ``OMP_NUM_THREADS=1`` or
``NUMBA_NUM_THREADS``), capped by Numba's thread pool; one thread when
called from any thread but the main one (a thread pool or a Dask worker already runs things side by side:
threads of numjac's own on top would oversubscribe the cores).  Numba's
thread count is per calling thread, so setting it per call leaves other
threads alone.  Calls of parallel kernels take turns (``_launching``),
as calls of the other kernels do by holding the GIL.  A call that takes
``CONTENDED`` times the kernel's best on several threads is taken as a
sign that other work has the cores (blas_threads.saw_contention).

Numba's threads are those of its default layer (TBB if installed, else
GNU OpenMP, else its "workqueue"), unless the user chose one
(``NUMBA_THREADING_LAYER``).  Starting a loop on OpenMP's threads took
1.6-2 us, on the workqueue's 66-74 us (a loop over 64 elements, one or two
threads, on a 2-core machine): the workqueue's cost outweighed the second
thread below about 30,000 per-example gradients.  GNU OpenMP cannot run in
a process forked from one that used it (the child is terminated), so a
forked child runs serially (``_forked``): a process forked by
multiprocessing is one of several workers side by side anyway.
"""
from __future__ import annotations

import os
import threading
import time

from .codegen.functions import PART_MARKER

_launching = threading.Lock()
_forked = False
# A parallel call this many times slower than the kernel's best, by at
# least CONTENDED_MIN_SECONDS, means its threads waited for cores.
CONTENDED = 3.0
CONTENDED_MIN_SECONDS = 1e-3


def _in_forked_child():
    global _forked
    _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_in_forked_child)


def threads_for_call() -> int:
    """The threads a parallel kernel called now from this thread may use."""
    if _forked or threading.current_thread() is not threading.main_thread():
        return 1
    import numba

    from . import blas_threads      # here: it loads SciPy's BLAS
    return max(1, min(blas_threads.threads_now(), numba.config.NUMBA_NUM_THREADS))


def runner(dispatcher, make_serial):
    """A callable running the parallel kernel ``dispatcher`` on the threads
    ``threads_for_call`` allows, one call at a time; on one thread, the
    kernel compiled without parallel loops (``make_serial()``, made on the
    first such call): on one thread Numba's parallel loop still pays its
    launch (70 us a call on the workqueue layer, whose one-thread loop took
    1.3 to 2.2 times as long as the plain loop on per-example gradients of
    2,048 to 16,384 rows), and the twin gives the same values bit for bit."""
    import numba
    set_threads = numba.set_num_threads
    made, making = [], threading.Lock()

    def serial():
        if not made:
            with making:        # once, whichever thread gets here first
                if not made:
                    made.append(make_serial())
        return made[0]

    best = [float("inf")]   # the fastest call on several threads so far

    def run(*arrays):
        threads = threads_for_call()
        if threads == 1:
            return serial()(*arrays)
        with _launching:
            set_threads(threads)
            start = time.perf_counter()
            result = dispatcher(*arrays)
            took = time.perf_counter() - start
        if took > CONTENDED * best[0] and took - best[0] > CONTENDED_MIN_SECONDS:
            from . import blas_threads
            blas_threads.saw_contention()
        best[0] = min(best[0], took)
        return result
    run.dispatcher, run.serial = dispatcher, serial
    return run


def serial_source(source: str) -> str:
    """Kernel module ``source`` with its own parallel loops made plain (its
    parts, shared with other kernels, as they are)."""
    kernel, marker, parts = source.partition("\n" + PART_MARKER)
    return kernel.replace("prange(", "range(") + marker + parts


def is_parallel(source: str) -> bool:
    """Whether generated kernel or part ``source`` has a parallel loop."""
    return "prange(" in source
