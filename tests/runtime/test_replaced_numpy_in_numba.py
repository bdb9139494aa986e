"""While a thread traces, np.zeros & co and numpy.random are numjac's
replacements (frontend/replacements.py).  Numba compiling meanwhile, in
another thread, still compiles calls of them as NumPy's, and so does every
later compile (Numba may load its NumPy implementations in that window)."""
import threading
from contextlib import contextmanager

import numba
import numpy as np
import pytest

from numjac.replacements import replacements_installed

# name -> a maker of a new function (each compile starts afresh)
CALLS = {
    "zeros": lambda: lambda n: np.zeros(n).sum(),
    "ones": lambda: lambda n: np.ones(n).sum(),
    "empty": lambda: lambda n: np.empty(n).size,
    "full": lambda: lambda n: np.full(n, 2.0).sum(),
    "asarray": lambda: lambda n: np.asarray(np.ones(n)).sum(),
    "array": lambda: lambda n: np.array([1.0, 2.0]).sum() + n,
    "zeros_like": lambda: lambda n: np.zeros_like(np.ones(n)).sum(),
    "copy": lambda: lambda n: np.copy(np.ones(n)).sum(),
    "random": lambda: lambda n: 0.0 * np.random.normal(0.0, 1.0) + n,
}


@contextmanager
def another_thread_tracing():
    started, finish = threading.Event(), threading.Event()

    def trace():
        with replacements_installed():
            started.set()
            finish.wait()
    tracer = threading.Thread(target=trace)
    tracer.start()
    started.wait()
    try:
        yield
    finally:
        finish.set()
        tracer.join()


@pytest.mark.parametrize("name", CALLS)
def test_numba_compiles_replaced_numpy_calls_during_and_after_a_trace(name):
    expected = CALLS[name]()(3)
    with another_thread_tracing():
        assert numba.njit(CALLS[name]())(3) == expected
    assert numba.njit(CALLS[name]())(3) == expected
