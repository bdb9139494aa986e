"""Refusing numpy.random inside traced functions.

numpy.random takes no traced argument, so a draw inside a traced function
would run once, while tracing, and its numbers would be frozen into the
compiled function (the same numbers on every call and in every vmap row).
Instead it raises ``NumpyRandomError``, pointing to ``nj.random``:

- numpy.random's module functions (``np.random.rand``, ``normal``,
  ``default_rng``, ...) are replaced while at least one thread traces; the
  replacements raise only in a thread that is tracing and otherwise call
  the original, so other threads draw as usual;
- ``np.random.RandomState(seed)`` made inside the traced function with a
  concrete seed draws NumPy's numbers, which are the same on every call:
  they are constants of the trace (without a seed it is refused);
- a ``Generator``, ``RandomState`` or ``BitGenerator`` (whose methods cannot
  be replaced: their types are immutable) is refused when the traced
  function reads one from its closure, its globals or its instance, or gets
  one as an argument.

Not seen: a Generator reached only through another function the traced
function calls, and a module function bound to a name before numjac
replaced it (``from numpy.random import rand``).
"""
from __future__ import annotations

import inspect
import types

import numpy as np

from .errors import NumpyRandomError
from .replacements import in_trace, replace_object_while_tracing, replaced_while_tracing, \
    suspended
from .tracer import Tracer

RANDOM_STATE_TYPES = (np.random.Generator, np.random.RandomState, np.random.BitGenerator)
_FUNCTIONS = {name: getattr(np.random, name) for name in np.random.__all__
              if callable(getattr(np.random, name))
              and not isinstance(getattr(np.random, name), type)}
_ADVICE = ("its numbers would be drawn once, while tracing, and frozen into the compiled "
           "function. Use nj.random (nj.random.normal, nj.random.uniform, seeded with "
           "nj.random.seed), which draws anew on every call and per vmap row")


def random_error(what: str) -> NumpyRandomError:
    return NumpyRandomError(f"{what} inside a traced function is not supported by "
                            f"numjac: {_ADVICE}")


def _refuse(name):
    @replaced_while_tracing(np.random, name)
    def refusing(original, *args, **kwargs):
        raise random_error(f"numpy.random.{name}")


for _name in _FUNCTIONS:
    _refuse(_name)


class _AlsoNumpys(type):
    """The metaclass of the RandomState put in np.random while tracing:
    isinstance and issubclass answer as for NumPy's own RandomState."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, _NUMPY_RANDOM_STATE)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _NUMPY_RANDOM_STATE)


_NUMPY_RANDOM_STATE = np.random.RandomState


class _SeededRandomState(_NUMPY_RANDOM_STATE, metaclass=_AlsoNumpys):
    """np.random.RandomState while a thread traces.  In the tracing thread,
    NumPy's compiled seeding and drawing code runs with the replacements
    suspended (it calls np.zeros and np.empty through the module, and must
    get NumPy's arrays); a seed is required, and arguments must be known."""

    def __init__(self, seed=None):
        if in_trace():
            if seed is None:
                raise random_error("numpy.random.RandomState() without a seed (seeded from "
                                   "the operating system, so a new stream on every call)")
            _refuse_traced(seed, "numpy.random.RandomState(seed)")
            with suspended():
                super().__init__(seed)
        else:
            super().__init__(seed)

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name.startswith("_") or not callable(attribute) or not in_trace():
            return attribute

        def drawing(*args, **kwargs):
            _refuse_traced((args, kwargs), f"numpy.random.RandomState.{name}")
            with suspended():
                return attribute(*args, **kwargs)
        return drawing


def _refuse_traced(value, what: str):
    if _holds_tracer(value):
        raise NumpyRandomError(
            f"{what} got a traced value: NumPy draws from concrete parameters only. Draw "
            "standard variates and transform them with the traced values instead (loc + "
            "scale * rs.standard_normal(shape)), or use nj.random")


def _holds_tracer(value) -> bool:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return any(_holds_tracer(v) for v in value)
    return isinstance(value, Tracer)


replace_object_while_tracing(np.random, "RandomState", _SeededRandomState)


def check_not_random_state(value, where: str):
    if isinstance(value, RANDOM_STATE_TYPES):
        raise random_error(f"{where}, a numpy.random.{type(value).__name__},")


def refuse_read_random_states(fn):
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
