"""How many threads numjac's kernels use: the limit, and the BLAS products.

The limit (``NUMJAC_NUM_THREADS``, ``nj.set_num_threads``, a cap set in the
environment, else the cores) bounds both the BLAS products described here
and the parallel loops of runtime/parallel.py.

The kernels call SciPy's BLAS (kernel_support.gemm).  Its default is one
thread per core for every product big enough for OpenBLAS to split, which
on a machine busy with other work costs up to ten times the single-thread
time for the products a Jacobian makes (a worker thread the machine
schedules late holds up the product).  So each product chooses: one
thread below ``PARALLEL_MIN_WORK`` multiply-adds, else the threads the
machine has free for it (``threads_now``).  The choice is made in the
kernel's machine code, which asks the BLAS to change its thread count only
when the choice differs from the last one.

The threads free: a count chosen by the user (``NUMJAC_NUM_THREADS`` or
``nj.set_num_threads``) is used as given.  Otherwise numjac adapts to the
load: the cores this process may use minus the runnable threads of other
processes (the 1-minute load average less this process's own CPU use since
the last look), at least 1 and at most the default limit.  The load is
looked at once per ``LOAD_CHECK_SECONDS`` at most, when a parallel loop
is about to start or once in ``REFRESH_EVERY`` big products (measured on
a loaded 2-core machine: 6 us for a look, 0.3-0.4 us for the check that
it is not yet time, so under 0.03 us a big product, against the hundreds
of microseconds of the product).  A look between products, rather than
every second on a thread of its own, keeps an idle process idle.

The load average trails load that has just started by up to a minute.
In that time a parallel loop whose second thread waits for a core can
take 30 times its usual time (a loop of 0.4 ms took 15 ms on OpenMP's
threads with both cores busy), so runtime/parallel.py times its calls and
reports one far slower than the kernel's best (``saw_contention``): big
work then runs on one thread until the next look.

The BLAS is found with threadpoolctl (the library that knows where each
BLAS keeps its thread setting); a BLAS it cannot control (Apple's
Accelerate) keeps its own default, and products then run as it decides.
Other code that changes SciPy's BLAS threads in between (threadpoolctl
itself) is not seen until numjac's choice changes.
"""
from __future__ import annotations

import ctypes
import os
import time

import llvmlite.binding as llvm

# Multiply-adds from which a product may use more than one thread (a
# 128 x 128 x 128 product: about a millisecond on one core).
PARALLEL_MIN_WORK = 128 ** 3
LIMIT_SYMBOL = "numjac_blas_thread_limit"
CURRENT_SYMBOL = "numjac_blas_threads_now"
SETTER_SYMBOL = "numjac_blas_set_threads"
REFRESH_SYMBOL = "numjac_blas_refresh"
COUNTDOWN_SYMBOL = "numjac_blas_refresh_countdown"
LOAD_CHECK_SECONDS = 1.0
# Big products between two calls of ``refresh`` from the machine code.
REFRESH_EVERY = 16

# The threads a big product uses now (read by the machine code).
_limit = ctypes.c_int32(1)
# The BLAS's thread count after numjac's last change (0: not changed yet).
_current = ctypes.c_int32(0)
# Big products until the machine code next calls ``refresh``.
_countdown = ctypes.c_int32(0)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


# Set by whoever runs this process to cap its threads (Dask's nanny sets
# the first two to 1 in its workers): numjac keeps within them.
_BLAS_CAPS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")


def default_limit() -> int:
    """``NUMJAC_NUM_THREADS`` if set, else a cap set for this process
    (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``NUMBA_NUM_THREADS``),
    else the cores it may use."""
    value = os.environ.get("NUMJAC_NUM_THREADS", "").strip()
    if not value:
        caps = [os.environ[name].strip() for name in _BLAS_CAPS if name in os.environ]
        usable = [int(cap) for cap in caps if cap.isdigit() and int(cap) > 0]
        return min(usable) if usable else available_cores()
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(f"NUMJAC_NUM_THREADS must be a positive integer, got {value!r}")
    return limit


def controllable() -> bool:
    """Whether numjac can set the thread count of SciPy's BLAS."""
    return _setter is not None


class _Policy:
    """The limit and whether the user chose it, and the last look at the
    load (module doc)."""
    limit = 1
    chosen = False
    next_look = 0.0         # time.monotonic() from which to look again
    last_wall = 0.0
    last_cpu = 0.0


def set_limit(threads):
    """Use ``threads`` for big work from now on (None: back to the
    default, adapting to the load)."""
    if threads is None:
        _Policy.limit, _Policy.chosen = default_limit(), user_chose_threads()
    else:
        _Policy.limit, _Policy.chosen = threads, True
    _Policy.next_look = 0.0
    refresh()


def get_limit() -> int:
    return _Policy.limit


def user_chose_threads() -> bool:
    return bool(os.environ.get("NUMJAC_NUM_THREADS", "").strip())


def threads_now() -> int:
    """The threads big work started now may use (module doc)."""
    refresh()
    return _limit.value


def refresh():
    """Update the threads for big work if ``LOAD_CHECK_SECONDS`` passed."""
    _countdown.value = REFRESH_EVERY - 1
    wall = time.monotonic()
    if wall < _Policy.next_look:
        return
    _Policy.next_look = wall + LOAD_CHECK_SECONDS
    _limit.value = _Policy.limit if _Policy.chosen else free_threads(wall, _Policy.limit)


def saw_contention():
    """A parallel loop ran far slower than it can: one thread for big work
    until the next look at the load (module doc), unless the user chose."""
    if not _Policy.chosen:
        _limit.value = 1
        _Policy.next_look = time.monotonic() + LOAD_CHECK_SECONDS


def process_cpu_seconds() -> float:
    return time.process_time()


def free_threads(wall, limit) -> int:
    """The cores not taken by other processes' runnable threads, between 1
    and ``limit``."""
    cpu = process_cpu_seconds()
    span = wall - _Policy.last_wall
    own = max(0.0, cpu - _Policy.last_cpu) / span if 0 < span < 60 else 0.0
    _Policy.last_wall, _Policy.last_cpu = wall, cpu
    try:
        others = max(0.0, os.getloadavg()[0] - own)
    except OSError:         # no load average on this system: assume idle
        others = 0.0
    return max(1, min(limit, int(available_cores() - others + 0.5)))


def _scipy_blas_setter():
    """The C function that sets the thread count of SciPy's OpenBLAS (the
    one inside SciPy's wheel, else the only OpenBLAS loaded), or None."""
    import scipy
    import scipy.linalg.cython_blas  # noqa: F401  (loads the library to look at)
    from threadpoolctl import ThreadpoolController
    openblas = [c for c in ThreadpoolController().lib_controllers
                if c.internal_api == "openblas"]
    # Both scipy/ and the wheel's scipy.libs/ start with the package path.
    scipy_dir = os.path.dirname(scipy.__file__)
    own = [c for c in openblas if c.filepath.startswith(scipy_dir)]
    for controller in own or (openblas if len(openblas) == 1 else []):
        for name in ("scipy_openblas_set_num_threads", "openblas_set_num_threads",
                     "scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_"):
            setter = getattr(controller.dynlib, name, None)
            if setter is not None:
                return setter
    return None


def _register_symbols():
    """Make the limit, the last choice and the setter known to the machine
    code by name (so that cached kernels link in a later process)."""
    llvm.add_symbol(LIMIT_SYMBOL, ctypes.addressof(_limit))
    llvm.add_symbol(CURRENT_SYMBOL, ctypes.addressof(_current))
    llvm.add_symbol(COUNTDOWN_SYMBOL, ctypes.addressof(_countdown))
    setter = _NO_SETTER if _setter is None else _setter
    llvm.add_symbol(SETTER_SYMBOL, ctypes.cast(setter, ctypes.c_void_p).value)
    llvm.add_symbol(REFRESH_SYMBOL, ctypes.cast(_REFRESH, ctypes.c_void_p).value)
    set_limit(None)


# Called in place of a setter numjac could not find: the BLAS keeps its own.
_NO_SETTER = ctypes.CFUNCTYPE(None, ctypes.c_int)(lambda threads: None)
# Called by the machine code before a big product.
_REFRESH = ctypes.CFUNCTYPE(None)(refresh)
_setter = _scipy_blas_setter()
_register_symbols()
