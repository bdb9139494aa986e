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

The check runs as one generated Python function on the fast path.
"""
from __future__ import annotations

import functools
import inspect
import sys
import types
import weakref
from contextlib import contextmanager

import numpy as np

from .compiler.ir import AType
from .tracer import Tracer

MISSING = object()      # an absent name or an empty closure cell

# Packages whose functions are library code: their state is not read (nor
# their module's floats turned into tracers while tracing).
_LIBRARY_PACKAGES = frozenset({"numpy", "numjac", "scipy", "numba"}) | frozenset(
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
    return module.partition(".")[0] not in _LIBRARY_PACKAGES


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
    if value.__name__.partition(".")[0] in _LIBRARY_PACKAGES:
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


# -- the check on each call ----------------------------------------------------------

_BY_VALUE = (bool, int, float, complex, str, bytes, type(None), np.generic)
# Trace (its builder) -> [(Guards, captures)] of the guarded staged entries
# inlined into it, whose state the trace then depends on too.
_INLINED = weakref.WeakKeyDictionary()


def note_inlined(builder, guards, captures):
    """A staged entry with ``guards`` was inlined into ``builder``'s trace
    with ``captures`` (what ``guards()`` returned)."""
    _INLINED.setdefault(builder, []).append((guards, captures))


class Guards:
    """A staged entry's check: ``check(root)`` (``root`` the traced
    function) returns the captured values to pass to the kernel now, or None
    when a guarded value changed (the entry is stale).  The fast path passes
    the root itself; the entry holds it weakly, as its cache is keyed by it.

    ``checked`` lists the (slot, value) pairs compared when no place feeds
    the kernel (None otherwise), so that an enclosing trace whose own guards
    compare them all can leave this check out; ``appending(extra)`` gives
    the same guards returning ``extra`` after the captures."""

    __slots__ = ("check", "root", "inlined", "checked")

    def __init__(self, check, root, inlined=None, checked=None):
        self.check = check
        weak = isinstance(root, (types.FunctionType, functools.partial))
        self.root = weakref.ref(root) if weak else lambda: root
        # What an enclosing trace that inlined the entry depends on (see
        # guard_captures); the entry itself when that is all of it.
        self.inlined = self if inlined is None else inlined
        self.checked = checked

    def __call__(self, root=None):
        """The check, of ``root`` (any root sharing the entry's cache) or of
        the one the entry was traced with."""
        return self.check(self.root() if root is None else root)

    def appending(self, extra: tuple) -> "Guards":
        """These guards, with ``extra`` returned after the captures: one
        generated check, not a second call wrapped around this one."""
        inlined = None if self.inlined is self else self.inlined.appending(extra)
        return Guards(_appended(self.check, extra), self.root(), inlined, self.checked)


def fixed_runner(check, kernel):
    """``run(args, caller)`` calling ``kernel`` with the fixed captures of the
    generated ``check`` and returning its one output, the check written in
    (one Python call fewer on the fast path); None where places feed the
    kernel.  A stale entry takes the caller's full call."""
    namespace = check.__globals__
    if namespace["_feeds"]:
        return None
    namespace = dict(namespace, _kernel=kernel)
    source = ("def run(args, caller):\n"
              "    _r = caller.root\n"
              "    try:\n"
              f"        current = {namespace['_conditions']}\n"
              "    except Exception:\n"
              "        current = False\n"
              "    if current:\n"
              "        return _kernel(*args, *_fixed)[0]\n"
              "    return caller.call_staged(args, {})\n")
    exec(compile(source, "<numjac guards>", "exec"), namespace)
    return namespace["run"]


def _appended(check, extra: tuple):
    """A copy of the generated ``check`` returning ``extra`` after its captures
    (its own state: the copies update apart)."""
    namespace = dict(check.__globals__)
    namespace["_fixed"] = namespace["_fixed"] + extra
    seen = namespace["_state"][0]
    state = namespace["_state"] = [seen[:-1] + (seen[-1] + extra,)]
    namespace["_update"] = _updater(namespace["_feeds"], state)
    return types.FunctionType(check.__code__, namespace, check.__name__)


def guard_captures(root, reads, lifted, builder):
    """The staged entry's ``Guards``, or None when the trace read nothing.

    ``lifted`` maps slots to the capture vars of their floats; ``builder``
    is the trace's, with its captures [(var, value)] in IR order.
    """
    captures = builder.captures
    inlined = _INLINED.pop(builder, ())
    if not reads and not inlined:
        return None
    position = {id(var): i for i, (var, _) in enumerate(captures)}
    position.update({id(value): i for i, (_, value) in enumerate(captures)
                     if type(value) is np.ndarray})
    feeds, checks, fed = [], [], set()
    for slot, value in reads:
        if slot in lifted:
            feeds.append(_Feed(slot, position[id(lifted[slot])], value, float_type(value)))
            continue
        index = position.get(id(value)) if type(value) is np.ndarray else None
        if index is not None and index not in fed:
            fed.add(index)
            feeds.append(_Feed(slot, index, value, AType(value.dtype, value.shape)))
        else:
            checks.append((slot, value))
    checks += [(InlinedSlot(guards, "<inlined>"), seen) for guards, seen in inlined
               if not _covered(guards, checks)]
    captures = tuple(value for _, value in captures)
    root = inspect.unwrap(root)
    # A place holding a value of an enclosing trace (a float keyword of a
    # partial that trace lifted into an input) holds it only during that
    # trace; the enclosing trace guards the place itself, so the check it
    # inlines leaves it out (else every later call would restage it).
    outer = [(slot, value) for slot, value in checks if not isinstance(value, Tracer)]

    check = _generated_check(root, checks, feeds, captures)
    inlined = None if len(outer) == len(checks) else Guards(
        _generated_check(root, outer, feeds, captures), root,
        checked=None if feeds else _places(outer))
    return Guards(check, root, inlined, None if feeds else _places(checks))


def _places(checks) -> frozenset:
    """What ``checks`` compare, by identity: (slot kind, holder, name, value).
    Identities suffice: the generated checks hold these objects (or the
    root, which outlives its entries)."""
    return frozenset((type(slot), id(slot.holder), slot.name, id(value))
                     for slot, value in checks)


def _covered(guards, checks) -> bool:
    """Whether the inlined ``guards`` compare only places that ``checks``
    compare with the same values (and feed nothing): the enclosing check
    then implies theirs (a hessian's trace inlines its gradient's, of the
    same function)."""
    return guards.checked is not None and guards.checked <= _places(checks)


class _Feed:
    """A place whose value is passed to the kernel as capture ``index``."""

    __slots__ = ("slot", "index", "value", "atype")

    def __init__(self, slot, index, value, atype):
        self.slot, self.index, self.value, self.atype = slot, index, value, atype

    def capture(self, value):
        """What to pass for ``value`` now in that place, or None when the
        trace does not fit it (another type, dtype or shape)."""
        if isinstance(self.value, np.ndarray):
            fits = (type(value) is np.ndarray and value.dtype == self.atype.dtype
                    and value.shape == self.atype.shape
                    and value.flags.c_contiguous == self.value.flags.c_contiguous)
            return value if fits else None
        if type(value) is not type(self.value):
            return None
        return np.array(value, dtype=self.atype.dtype)


def _generated_check(root, checks, feeds, captures):
    namespace = {"_state": [tuple(f.value for f in feeds) + (captures,)],
                 "_MISSING": MISSING, "_empty": _is_empty_cell, "_feeds": feeds}
    conditions = []
    for i, (slot, value) in enumerate(checks):
        holder = "_r" if slot.holder is root else f"h{i}"
        expected = "_r" if value is root else f"v{i}"
        namespace[holder], namespace[expected] = slot.holder, value
        conditions.append(_condition(slot, holder, expected, value, namespace))
    reads = []
    for k, feed in enumerate(feeds):
        holder = "_r" if feed.slot.holder is root else f"f{k}"
        namespace[holder] = feed.slot.holder
        reads.append(feed.slot.expression(holder))
    namespace.pop("_r", None)
    namespace["_update"] = _updater(feeds, namespace["_state"])
    # With nothing fed the captures never change: return them as they are.
    namespace["_fixed"] = captures
    same = " and ".join(f"{read} is s[{k}]" for k, read in enumerate(reads))
    fed = ("        s = _state[0]\n"
           f"        if {same}:\n"
           "            return s[-1]\n"
           f"        now = ({''.join(read + ', ' for read in reads)})\n") if feeds \
        else "        return _fixed\n"
    namespace["_conditions"] = " and ".join(conditions) or "True"
    source = ("def check(_r):\n"
              "    try:\n"
              f"        if not ({namespace['_conditions']}):\n"
              "            return None\n"
              f"{fed}"
              "    except Exception:\n"
              "        return None\n"
              "    return _update(now)\n")
    exec(compile(source, "<numjac guards>", "exec"), namespace)
    return namespace["check"]


def _condition(slot, holder, expected, value, namespace) -> str:
    """Python source that is true while ``slot`` still holds ``value``."""
    if value is MISSING:
        if isinstance(slot, CellSlot):
            return f"_empty({holder})"
        if isinstance(slot, AttrSlot):
            return f"not hasattr({holder}, {slot.name!r})"
        return f"{slot.name!r} not in {holder}"
    read = slot.expression(holder)
    if not _by_value(value):
        return f"{read} is {expected}"
    kind = f"t{len(namespace)}"
    namespace[kind] = type(value)
    # Equal values in new objects (a recomputed int) do not restage.
    return f"((_x := {read}) is {expected} or (type(_x) is {kind} and _x == {expected}))"


def _by_value(value) -> bool:
    """Compared by value: scalars, strings, and tuples of them (immutable)."""
    if isinstance(value, tuple):
        return all(_by_value(v) for v in value)
    return isinstance(value, _BY_VALUE)


def _is_empty_cell(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return True
    return False


def _updater(feeds, state):
    """The captures for the fed places' values ``now`` after one changed,
    kept as the new state."""
    def update(now):
        captures = list(state[0][-1])
        for feed, value in zip(feeds, now):
            captured = feed.capture(value)
            if captured is None:
                return None
            captures[feed.index] = captured
        state[0] = tuple(now) + (tuple(captures),)
        return state[0][-1]
    return update
