"""Library functions that numjac replaces while a thread traces.

Some calls cannot reach a tracer through NumPy's protocols: they take no
array argument (``np.zeros(3)``, ``np.random.normal()``) or convert their
arguments before any protocol runs (``scipy.linalg.solve_triangular``).
For those, a handler is registered with ``@replaced_while_tracing(module,
name)``.  While at least one thread traces, ``module.name`` is a dispatcher
that calls ``handler(original, *args, **kwargs)`` in a tracing thread and
the original function in every other thread; when the last trace ends, the
original is put back.

Not seen: a function bound to another name before the trace began
(``from scipy.linalg import solve_triangular`` at import time).

Not replaced: NumPy's scalar types (``np.int64(x)``).  A stand-in for a
class can compare equal to it but not be it: ``x.dtype.type is np.int64``
would turn false, and Numba types only a plain ``type`` as a NumPy scalar
type (tests/frontend/test_scalar_casts.py, docs/guide.md "Casts while
tracing").
"""
from __future__ import annotations

import functools
import threading
import types
from contextlib import contextmanager

_tracing = threading.local()      # .depth: traces in progress in this thread
_lock = threading.Lock()
_traces = [0]                     # traces in progress in all threads
# A callable (name) -> callable(result), told of each replaced call a tracing
# thread makes (docs/coverage.md's recording), or None.
_observer = [None]
# (module, name) -> (original, dispatcher)
_REPLACED: dict = {}
# id(original) -> (original, its _Dispatcher), for ``traceable``
_DISPATCHERS: dict = {}


def replaced_while_tracing(module, name: str):
    """Decorator: route ``module.name`` to the handler while this thread traces."""
    def register(handler):
        original = getattr(module, name)
        dispatcher = _Dispatcher(original, handler, replaced_name(module, name))
        _register(module, name, original, dispatcher)
        _DISPATCHERS[id(original)] = (original, dispatcher)
        return handler
    return register


def _register(module, name, original, replacement):
    # Under the lock: a module may register while other threads trace
    # (frontend/scipy_api does, at the start of a trace).
    with _lock:
        _REPLACED[(module, name)] = (original, replacement)
        if _traces[0]:
            setattr(module, name, replacement)


class _Dispatcher:
    """Calls ``handler(original, ...)`` in a tracing thread, ``original``
    elsewhere.  It hashes and compares equal to ``original``: Numba, which
    may import its NumPy implementations (keyed by the function objects it
    reads from numpy) while a thread traces, then files them under a key
    that still finds them when the original is back."""

    def __init__(self, original, handler, name):
        functools.update_wrapper(self, original)
        self.original, self.handler, self.replaced_name = original, handler, name

    def __call__(self, *args, **kwargs):
        if not in_trace():
            return self.original(*args, **kwargs)
        observer = _observer[0]
        if observer is None:
            return self.handler(self.original, *args, **kwargs)
        # The handler is called from here either way: handlers that look
        # at their caller's frame find it at the same depth.
        finish = observer(self.replaced_name)
        result = self.handler(self.original, *args, **kwargs)
        finish(result)
        return result

    def __get__(self, instance, owner=None):
        # A replaced method (np.vectorize.__call__) binds as a function would.
        return self if instance is None else types.MethodType(self, instance)

    def __eq__(self, other):
        return other is self or other == self.original

    def __hash__(self):
        return hash(self.original)


# Run at the start of every trace (and by a trace that meets a function
# with no handler): they register what numjac traces of libraries imported
# since, which numjac does not import itself (frontend/scipy_api).
_BEFORE_TRACE: list = []


def before_each_trace(hook):
    """Decorator: call ``hook()`` before each trace begins."""
    _BEFORE_TRACE.append(hook)
    return hook


def run_before_trace_hooks():
    for hook in _BEFORE_TRACE:
        hook()


def replace_object_while_tracing(module, name: str, replacement):
    """Put ``replacement`` at ``module.name`` while any thread traces: for an
    object used other than by a call (``np.r_[...]``), which must itself act
    as the original in threads that are not tracing (``in_trace()``)."""
    _register(module, name, getattr(module, name), replacement)


def in_trace() -> bool:
    """Whether the calling thread is tracing."""
    return getattr(_tracing, "depth", 0) > 0


@contextmanager
def replacements_installed():
    """Install the registered replacements for the duration of one trace."""
    run_before_trace_hooks()
    _tracing.depth = getattr(_tracing, "depth", 0) + 1
    with _lock:
        if not _traces[0]:
            _set_all(lambda original, dispatcher: dispatcher)
        _traces[0] += 1
    try:
        yield
    finally:
        _tracing.depth -= 1
        with _lock:
            _traces[0] -= 1
            if not _traces[0]:
                _set_all(lambda original, dispatcher: original)


@contextmanager
def suspended():
    """Run library code as if this thread did not trace (NumPy's compiled
    code, which calls np.zeros through the module, must get NumPy's arrays)."""
    depth, _tracing.depth = getattr(_tracing, "depth", 0), 0
    try:
        yield
    finally:
        _tracing.depth = depth


def traceable(fn):
    """``fn``, or the dispatcher replacing it if ``fn`` is a replaced original
    (``nj.grad(np.array)``, which was looked up before any trace began)."""
    original, dispatcher = _DISPATCHERS.get(id(fn), (None, None))
    return dispatcher if original is fn else fn


def _set_all(choose):
    for (module, name), (original, dispatcher) in _REPLACED.items():
        setattr(module, name, choose(original, dispatcher))


def replaced_name(module, name: str) -> str:
    """Where users find a replaced function: numpy.zeros, numpy.random.normal,
    numpy.vectorize (its __call__ is what is replaced)."""
    if isinstance(module, type):
        return f"{module.__module__}.{module.__qualname__}"
    return f"{module.__name__}.{name}"


def replaced_names() -> list:
    """The names of the replaced functions (objects such as np.r_ aside)."""
    return sorted(d.replaced_name for _, d in _REPLACED.values() if isinstance(d, _Dispatcher))


@contextmanager
def calls_observed(observer):
    """Within the block, each replaced call in a tracing thread runs between
    ``finish = observer(name)`` and ``finish(result)``."""
    _observer[0] = observer
    try:
        yield
    finally:
        _observer[0] = None
