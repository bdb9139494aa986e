"""Refusing numpy.random inside traced functions.

numpy.random takes no traced argument, so a draw inside a traced function
would run once, while tracing, and its numbers would be frozen into the
compiled function (the same numbers on every call and in every vmap row).
Instead it raises ``NumpyRandomError``, pointing to ``nj.random``:

- numpy.random's module functions (``np.random.rand``, ``normal``,
  ``default_rng``, ...) are replaced while at least one thread traces; the
  replacements raise only in a thread that is tracing and otherwise call
  the original, so other threads draw as usual;
- a ``Generator``, ``RandomState`` or ``BitGenerator`` (whose methods cannot
  be replaced: their types are immutable) is refused when the traced
  function reads one from its closure, its globals or its instance, or gets
  one as an argument.

Not seen: a Generator reached only through another function the traced
function calls, and a module function bound to a name before numjac
replaced it (``from numpy.random import rand``).
"""
from __future__ import annotations

import functools
import inspect
import threading
import types
from contextlib import contextmanager

import numpy as np

from .errors import NumpyRandomError

RANDOM_STATE_TYPES = (np.random.Generator, np.random.RandomState, np.random.BitGenerator)
_FUNCTIONS = {name: getattr(np.random, name) for name in np.random.__all__
              if callable(getattr(np.random, name))
              and not isinstance(getattr(np.random, name), type)}
_ADVICE = ("its numbers would be drawn once, while tracing, and frozen into the compiled "
           "function. Use nj.random (nj.random.normal, nj.random.uniform, seeded with "
           "nj.random.seed), which draws anew on every call and per vmap row")

_tracing = threading.local()      # .depth: traces in progress in this thread
_lock = threading.Lock()
_installed = [0]                  # traces in progress in all threads


def random_error(what: str) -> NumpyRandomError:
    return NumpyRandomError(f"{what} inside a traced function is not supported by "
                            f"numjac: {_ADVICE}")


@contextmanager
def numpy_random_refused(fn):
    """While tracing ``fn`` in this thread, numpy.random raises."""
    _check_read_random_states(fn)
    _tracing.depth = getattr(_tracing, "depth", 0) + 1
    with _lock:
        if not _installed[0]:
            for name, refusing in _REFUSING.items():
                setattr(np.random, name, refusing)
        _installed[0] += 1
    try:
        yield
    finally:
        _tracing.depth -= 1
        with _lock:
            _installed[0] -= 1
            if not _installed[0]:
                for name, original in _FUNCTIONS.items():
                    setattr(np.random, name, original)


def _refusing(name, original):
    @functools.wraps(original)
    def refusing(*args, **kwargs):
        if getattr(_tracing, "depth", 0):
            raise random_error(f"numpy.random.{name}")
        return original(*args, **kwargs)
    return refusing


_REFUSING = {name: _refusing(name, original) for name, original in _FUNCTIONS.items()}


def check_not_random_state(value, where: str):
    if isinstance(value, RANDOM_STATE_TYPES):
        raise random_error(f"{where}, a numpy.random.{type(value).__name__},")


def _check_read_random_states(fn):
    """Refuse a random state that ``fn`` reads from its closure, its globals
    or (a bound method) its instance's attributes."""
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
        try:
            value = cell.cell_contents
        except ValueError:     # an empty cell
            continue
        check_not_random_state(value, f"closure variable {name!r}")
    names = _names_read(code)
    scopes = [("global {!r}", getattr(fn, "__globals__", {}))]
    if isinstance(fn, types.MethodType):
        scopes.append(("self.{}", getattr(fn.__self__, "__dict__", {})))
    for label, scope in scopes:
        for name in sorted(names & scope.keys()):
            check_not_random_state(scope[name], label.format(name))


def _names_read(code) -> set:
    """Global and attribute names in ``code`` and the code nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_read(const)
    return names
