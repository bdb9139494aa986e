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
as calls of the other kernels do by holding the GIL.

Unless the user chose one (``NUMBA_THREADING_LAYER``, or Numba's parallel
code ran already), Numba's threads are its "workqueue" layer: GNU
OpenMP's, Numba's default, keeps waiting threads spinning, and on a machine
busy with other work a 2-thread loop of half a millisecond measured 36 ms
(both threads must be scheduled at once to pass its barriers); the
workqueue's threads sleep.  The workqueue aborts the process when two
threads launch parallel work at once, which the turns above prevent for
numjac's kernels (a program that also runs parallel Numba functions of its
own from several threads should choose ``NUMBA_THREADING_LAYER=omp``).
"""
from __future__ import annotations

import os
import threading

from .codegen.functions import PART_MARKER

_launching = threading.Lock()


def threads_for_call() -> int:
    """The threads a parallel kernel called now from this thread may use."""
    if threading.current_thread() is not threading.main_thread():
        return 1
    import numba

    from . import blas_threads      # here: it loads SciPy's BLAS
    return max(1, min(blas_threads.threads_now(), numba.config.NUMBA_NUM_THREADS))


def runner(dispatcher, make_serial):
    """A callable running the parallel kernel ``dispatcher`` on the threads
    ``threads_for_call`` allows, one call at a time; on one thread, the
    kernel compiled without parallel loops (``make_serial()``, made on the
    first such call): Numba's parallel loop run on one thread took 1.3 to
    2.2 times as long as the plain loop (per-example gradients of 2,048 to
    16,384 rows, docs/benchmarks.md), and gives the same values bit for bit."""
    import numba
    _choose_threading_layer(numba)
    set_threads = numba.set_num_threads
    made, making = [], threading.Lock()

    def serial():
        if not made:
            with making:        # once, whichever thread gets here first
                if not made:
                    made.append(make_serial())
        return made[0]

    def run(*arrays):
        threads = threads_for_call()
        if threads == 1:
            return serial()(*arrays)
        with _launching:
            set_threads(threads)
            return dispatcher(*arrays)
    run.dispatcher, run.serial = dispatcher, serial
    return run


def serial_source(source: str) -> str:
    """Kernel module ``source`` with its own parallel loops made plain (its
    parts, shared with other kernels, as they are)."""
    kernel, marker, parts = source.partition("\n" + PART_MARKER)
    return kernel.replace("prange(", "range(") + marker + parts


def _choose_threading_layer(numba):
    """The workqueue layer (module doc), unless chosen already."""
    from numba.np.ufunc import parallel as numba_parallel
    launched = numba_parallel._is_initialized
    if (not launched and "NUMBA_THREADING_LAYER" not in os.environ
            and numba.config.THREADING_LAYER == "default"):
        numba.config.THREADING_LAYER = "workqueue"


def is_parallel(source: str) -> bool:
    """Whether generated kernel or part ``source`` has a parallel loop."""
    return "prange(" in source
