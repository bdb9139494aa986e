"""The Python state a trace depends on besides its arguments, kept honest on
every later call (TorchDynamo's guards are the model).

Before tracing, ``reachable_state`` lists the places the function can read:
its code, defaults and closure cells, the module globals its code names, the
same for every Python function reachable from those (at any depth), and the
instance attributes a bound method's code names.  Each place is then either

* an *input*: floats (Python floats, NumPy floating scalars, 0-d float
  arrays) are put into their place as tracers while tracing, so they become
  IR inputs; arrays are captured by reference.  Each call reads the place again and passes what it
  holds now (a rebound array of another dtype or shape stages again); or
* a *guard*: anything else (ints, bools, strings, functions, code, objects,
  and a float whose value the trace needed, as in a Python ``if``) is
  compared with what the trace saw, and any change stages the function again.

The check runs as one generated Python function on the fast path
(frontend/guard_checks.py).
"""
from __future__ import annotations

import functools
import sys
import types
from contextlib import contextmanager

import numpy as np

from .compiler.ir import AType
from .tracer import Tracer

MISSING = object()      # an absent name or an empty closure cell

# Packages whose functions are library code: their state is not read (nor
# their module's floats turned into tracers while tracing).
LIBRARY_PACKAGES = frozenset({"numpy", "numjac", "scipy", "numba"}) | frozenset(
    sys.stdlib_module_names)


# -- places ------------------------------------------------------------------------

class Slot:
    """A place holding a Python value: ``get`` reads it, ``put`` rebinds it
    (while tracing), ``expression(h)`` reads it in generated code where the
    name ``h`` is bound to ``holder``."""

    __slots__ = ("holder", "name")
    liftable = True

    def __init__(self, holder, name):
        self.holder, self.name = holder, name

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


class CellSlot(Slot):
    def get(self):
        try:
            return self.holder.cell_contents
        except ValueError:
            return MISSING

    def put(self, value):
        self.holder.cell_contents = value

    def expression(self, h):
        return f"{h}.cell_contents"


class DictSlot(Slot):
    """A name in a namespace: module globals, an instance's or a class's dict."""

    def get(self):
        return self.holder.get(self.name, MISSING)

    def put(self, value):
        self.holder[self.name] = value

    def expression(self, h):
        return f"{h}[{self.name!r}]"


class ClassSlot(DictSlot):
    liftable = False        # a class's mappingproxy cannot be written


class AttrSlot(Slot):
    """An attribute read with getattr: a function's __code__, __defaults__,
    __kwdefaults__, or an instance's __slots__ member."""
    liftable = False

    def get(self):
        return getattr(self.holder, self.name, MISSING)

    def expression(self, h):
        return f"{h}.{self.name}"


class PartialArgSlot(Slot):
    """A positional argument that a functools.partial binds (read-only)."""
    liftable = False

    def get(self):
        return self.holder.args[self.name]

    def expression(self, h):
        return f"{h}.args[{self.name}]"


class PartialKeywordSlot(Slot):
    """A keyword argument that a functools.partial binds."""

    def get(self):
        return self.holder.keywords.get(self.name, MISSING)

    def put(self, value):
        self.holder.keywords[self.name] = value

    def expression(self, h):
        return f"{h}.keywords[{self.name!r}]"


class PartialNamesSlot(Slot):
    """The keyword names a functools.partial binds (its dict can gain one)."""
    liftable = False

    def get(self):
        return tuple(self.holder.keywords)

    def expression(self, h):
        return f"tuple({h}.keywords)"


class InlinedSlot(Slot):
    """A guarded staged entry inlined into this trace (``holder``: its
    Guards): it holds the captures the inlined IR was given while current."""
    liftable = False

    def get(self):
        return self.holder()

    def expression(self, h):
        return f"{h}()"


# -- what a function can read ------------------------------------------------------

def reachable_state(fn, arguments=()) -> list:
    """(slot, value now) for every place ``fn`` (a function, a bound method,
    a staged function or a wrapper of one) can read besides its arguments,
    and that the callables among ``arguments`` (static ones) can read."""
    reads, seen = [], set()
    for root in (fn, *arguments):
        if callable(root):
            _visit(root, reads, seen)
    return reads


def _visit(value, reads, seen):
    if isinstance(value, types.MethodType):
        _visit_method(value.__func__, value.__self__, reads, seen)
        return
    if isinstance(value, types.FunctionType) and _is_user_function(value):
        _visit_function(value, reads, seen)
    if isinstance(value, functools.partial):
        _visit_partial(value, reads, seen)
    # What a decorator (functools.wraps) or a numjac transform wraps; read
    # from the instance's own dict, as __getattr__ may make up anything.
    wrapped = getattr(value, "__dict__", {}).get("__wrapped__")
    if wrapped is not None and ("wrapped", id(value)) not in seen:
        seen.add(("wrapped", id(value)))
        _visit(wrapped, reads, seen)


def _is_user_function(fn) -> bool:
    module = fn.__globals__.get("__name__") or ""
    return module.partition(".")[0] not in LIBRARY_PACKAGES


def _visit_function(fn, reads, seen):
    if id(fn) in seen:
        return
    seen.add(id(fn))
    _add(reads, seen, AttrSlot(fn, "__code__"))
    # Defaults matter only where there were some: a call that worked without
    # them passed every parameter, and defaults set later do not change it.
    for attr in ("__defaults__", "__kwdefaults__"):
        if getattr(fn, attr) is not None:
            _add(reads, seen, AttrSlot(fn, attr))
    for cell in fn.__closure__ or ():
        _add(reads, seen, CellSlot(cell, "<cell>"))
    names = code_names(fn.__code__)
    for name in names:
        if name in fn.__globals__:
            _add(reads, seen, DictSlot(fn.__globals__, name))
            _visit_module_attributes(fn.__globals__[name], names, reads, seen)


def _visit_partial(partial, reads, seen):
    """What a functools.partial binds, and what its function reads.  The
    number of arguments and the keyword names are part of the cache key
    (``partial_structure``), so the slots below always exist."""
    _add(reads, seen, AttrSlot(partial, "func"))
    _add(reads, seen, PartialNamesSlot(partial, "<keywords>"))
    for i in range(len(partial.args)):
        _add(reads, seen, PartialArgSlot(partial, i))
    for name in partial.keywords:
        _add(reads, seen, PartialKeywordSlot(partial, name))


def partial_structure(partial) -> tuple:
    """What of a functools.partial selects its cache entries: the function
    and the shape of what it binds, not the bound values (guards or inputs)."""
    return ("partial", len(partial.args), tuple(partial.keywords))


def _visit_method(fn, instance, reads, seen):
    """A bound method: its function, and the attributes of ``instance`` that
    its code (or a method of its class that it calls) names."""
    if ("method", id(fn), id(instance)) in seen:
        return
    seen.add(("method", id(fn), id(instance)))
    _visit(fn, reads, seen)
    if not (isinstance(fn, types.FunctionType) and _is_user_function(fn)):
        return      # a library object's state is its own business
    own = getattr(instance, "__dict__", None)
    for name in code_names(fn.__code__):
        if own is not None and name in own:
            _add(reads, seen, DictSlot(own, name))
            continue
        for klass in type(instance).__mro__:
            if name in vars(klass):
                _visit_class_attribute(klass, name, instance, own, reads, seen)
                break


def _visit_class_attribute(klass, name, instance, own, reads, seen):
    attribute = vars(klass)[name]
    if isinstance(attribute, types.FunctionType):
        _visit_method(attribute, instance, reads, seen)
    elif isinstance(attribute, property) and attribute.fget is not None:
        _visit_method(attribute.fget, instance, reads, seen)
    elif isinstance(attribute, types.MemberDescriptorType):     # __slots__
        _add(reads, seen, AttrSlot(instance, name))
    elif not hasattr(attribute, "__get__"):      # a plain class-level value
        _add(reads, seen, ClassSlot(vars(klass), name))
        if own is not None:     # an instance attribute set later would shadow it
            _add(reads, seen, DictSlot(own, name))


def _visit_module_attributes(value, names, reads, seen):
    """``mod.NAME`` in the code, for a user module ``mod`` bound to a global."""
    if not isinstance(value, types.ModuleType):
        return
    if value.__name__.partition(".")[0] in LIBRARY_PACKAGES:
        return
    for name in names:
        if name in vars(value):
            _add(reads, seen, DictSlot(vars(value), name))


def _add(reads, seen, slot):
    key = (type(slot).__name__, id(slot.holder), slot.name)
    if key in seen:
        return
    seen.add(key)
    value = slot.get()
    reads.append((slot, value))
    _visit(value, reads, seen)


def code_names(code) -> list:
    """The global and attribute names ``code`` and the code nested in it use."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += code_names(const)
    return list(dict.fromkeys(names))


# -- floats as inputs while tracing ------------------------------------------------

def float_type(value):
    """The AType of a float that becomes an input (a Python float, a NumPy
    floating scalar or 0-d array), or None for other values."""
    if type(value) is float:
        return AType(np.dtype(np.float64), ())
    if (isinstance(value, np.floating) or type(value) is np.ndarray) and value.shape == () \
            and value.dtype.kind == "f" and value.dtype.itemsize <= 8:
        return AType(value.dtype, ())
    return None


@contextmanager
def lifted_floats(reads, builder, literal: set):
    """Put a tracer into every liftable place holding a float (except the
    slots in ``literal``, whose values the trace needs); yields
    {slot: capture var}.  The places get their values back afterwards."""
    lifted = {}
    for slot, value in reads:
        atype = float_type(value)
        if atype is None or not slot.liftable or slot in literal:
            continue
        # A 0-d array is passed by reference, as arrays are.
        captured = value if type(value) is np.ndarray else np.array(value, atype.dtype)
        var = builder.capture(captured, atype)
        builder.mark_source(var, slot)
        slot.put(Tracer(var, builder, weak=type(value) is float))
        lifted[slot] = var
    try:
        yield lifted
    finally:
        for slot, value in reads:
            if slot in lifted:
                slot.put(value)
