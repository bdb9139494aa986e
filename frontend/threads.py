"""``nj.set_num_threads`` and ``nj.get_num_threads``: the thread limit of
numjac's kernels: of the BLAS products they make (runtime/blas_threads.py
says when a product uses more than one thread) and of their parallel loops
(runtime/parallel.py: big batches and elementwise loops)."""
from __future__ import annotations

import operator


def set_num_threads(threads) -> None:
    """Set the threads numjac's compiled kernels use.

    Matrix products big enough to gain from threads (about 128 x 128 x 128
    multiply-adds and more) use this many BLAS threads; smaller ones
    always use one.  Loops over big batches and arrays (about 2**18
    elements and more) run on this many threads when the kernel is
    called from the main thread, on one from any other thread (a thread
    pool or a Dask worker runs things side by side already).  The default
    (``None``) is the ``NUMJAC_NUM_THREADS`` environment variable, used as
    given; else the cores this process may run on that other processes
    leave free (the load average, looked at once a second at most), at
    most ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or
    ``NUMBA_NUM_THREADS`` if set (Dask sets the first two to 1 in its
    workers); loops use at most ``NUMBA_NUM_THREADS``.  Where the BLAS
    cannot be controlled (Apple's Accelerate) products keep its own
    setting.

    Parameters
    ----------
    threads : int or None
        The threads one product or loop uses, at least 1; None goes back
        to the default.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        ``threads`` is not a positive integer.

    Examples
    --------
    >>> nj.set_num_threads(1)
    >>> nj.get_num_threads()
    1
    >>> nj.set_num_threads(None)
    """
    if threads is not None:
        threads = _positive(threads)
    from .runtime import blas_threads      # here: it loads SciPy's BLAS
    blas_threads.set_limit(threads)


def _positive(threads) -> int:
    try:
        threads = operator.index(threads)
    except TypeError:
        raise ValueError(f"set_num_threads: threads must be a positive integer, "
                         f"got {threads!r}") from None
    if threads < 1:
        raise ValueError(f"set_num_threads: threads must be a positive integer, got {threads}")
    return threads


def get_num_threads() -> int:
    """The thread limit of numjac's kernels (see ``set_num_threads``).

    Parameters
    ----------

    Returns
    -------
    int
        The most threads one product or loop in a kernel may use.

    Raises
    ------
    ValueError
        ``NUMJAC_NUM_THREADS`` is set but not a positive integer.

    Examples
    --------
    >>> nj.get_num_threads() >= 1
    True
    """
    from .runtime import blas_threads
    return blas_threads.get_limit()
