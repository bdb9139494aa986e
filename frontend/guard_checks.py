"""The check on each call of a staged entry (frontend/guards.py lists the
places a trace read and lifts its floats): ``guard_captures`` writes it as
one generated Python function that compares the guarded places with what
the trace saw and returns the captures to pass now, or None when the entry
is stale; ``guarded_runner`` is the fast path's runner of such an entry,
for the usual one (one output, fixed captures) ``fixed_runner``, the
conditions and the kernel call written as one function.
"""
from __future__ import annotations

import functools
import inspect
import logging
import types
import weakref

import numpy as np

from .compiler.ir import AType
from .guards import LIBRARY_PACKAGES, MISSING, AttrSlot, CellSlot, InlinedSlot, float_type
from .pytree import rebuilder
from .tracer import Tracer

logger = logging.getLogger("numjac")
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


def guarded_runner(check, kernel, workspace: tuple, out_tree, prelude=None):
    """A staged entry's fast-path runner ``run(args, caller)``: the guards'
    ``check`` (of the caller's root function, which the entry holds only
    weakly), then ``kernel`` on the arguments and the captures (through the
    ``prelude`` that stacks them, if any) and the ``workspace``; a stale
    entry takes the caller's full call."""
    single, rebuild = out_tree.kind == "leaf", rebuilder(out_tree)

    def run(args, caller):
        captures = check(caller.root)
        if captures is None:
            return caller.call_staged(args, {})
        arrays = (*args, *captures) if prelude is None else prelude((*args, *captures))
        outs = kernel(*arrays, *workspace)
        return outs[0] if single else rebuild(outs)

    def run_fed(args, caller):     # one output, no workspace, captures fed
        captures = check(caller.root)
        if captures is None:
            return caller.call_staged(args, {})
        return kernel(*args, *captures)[0]
    if single and not workspace and prelude is None:     # the common case
        return fixed_runner(check, kernel) or run_fed
    return run


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


def guard_captures(root, reads, lifted, builder, contents):
    """The staged entry's ``Guards``, or None when the trace read nothing.

    ``lifted`` maps slots to the capture vars of their floats; ``builder``
    is the trace's, with its captures [(var, value)] in IR order;
    ``contents`` is ``record_contents(reads)`` from before the trace.
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

    records = _unchanged_records(checks, contents)
    check = _generated_check(root, checks, feeds, captures, records)
    inlined = None if len(outer) == len(checks) else Guards(
        _generated_check(root, outer, feeds, captures, records), root,
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


def _generated_check(root, checks, feeds, captures, records):
    namespace = {"_state": [tuple(f.value for f in feeds) + (captures,)],
                 "_MISSING": MISSING, "_empty": _is_empty_cell, "_feeds": feeds}
    conditions = []
    for i, (slot, value) in enumerate(checks):
        holder = "_r" if slot.holder is root else f"h{i}"
        expected = "_r" if value is root else f"v{i}"
        namespace[holder], namespace[expected] = slot.holder, value
        conditions.append(_condition(slot, holder, expected, value, namespace,
                                     records.get(id(slot))))
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


def _condition(slot, holder, expected, value, namespace, record) -> str:
    """Python source that is true while ``slot`` still holds ``value`` (and
    that holds what ``record`` says, if there is one)."""
    if value is MISSING:
        if isinstance(slot, CellSlot):
            return f"_empty({holder})"
        if isinstance(slot, AttrSlot):
            return f"not hasattr({holder}, {slot.name!r})"
        return f"{slot.name!r} not in {holder}"
    read = slot.expression(holder)
    if not _by_value(value):
        if record is None:
            return f"{read} is {expected}"
        name = f"c{len(namespace)}"
        namespace[name], namespace["_holds"] = record, _holds
        return f"({read} is {expected} and _holds({expected}, {name}))"
    kind = f"t{len(namespace)}"
    namespace[kind] = type(value)
    # Equal values in new objects (a recomputed int) do not restage.
    return f"((_x := {read}) is {expected} or (type(_x) is {kind} and _x == {expected}))"


def _by_value(value) -> bool:
    """Compared by value: scalars, strings, and tuples of them (immutable)."""
    if isinstance(value, tuple):
        return all(_by_value(v) for v in value)
    return isinstance(value, _BY_VALUE)


# -- what a list, dict or object still holds --------------------------------------
# A container keeps its identity when an item is rebound (``weights[3] =
# w``, ``params["b"] = b``, ``model.w = w``, an append): its contents are
# compared too, recursively, items by identity and scalars by value, as the
# trace may have read any of them.  Not so for a container the trace itself
# changed (a list a function appends to as a log: its state, not an input),
# nor past _MAX_ITEMS items in all (with a warning): then only the
# container's identity is compared.
_MAX_ITEMS = 10_000
_IDENTITY, _VALUE, _HOLDING = range(3)


class _TooMany(Exception):
    pass


def record_contents(reads) -> dict:
    """id(slot) -> a record of what its value holds, for ``_holds``, for the
    places of ``reads`` holding a list, tuple, dict or plain object; taken
    before tracing."""
    records = {}
    for slot, value in reads:
        if _items(value) is None or _by_value(value):
            continue
        try:
            records[id(slot)] = _record(value, [_MAX_ITEMS], set())
        except _TooMany:
            logger.warning("numjac: %r holds over %d items: only its identity is checked "
                           "on each call, so an item rebound later is not seen (pass them "
                           "as arguments)", slot, _MAX_ITEMS)
    return records


def _unchanged_records(checks, contents) -> dict:
    """The records of ``contents`` whose places the trace did not change."""
    return {id(slot): contents[id(slot)] for slot, value in checks
            if id(slot) in contents and _holds(value, contents[id(slot)])}


def _items(value):
    """(keys, values) of a list, tuple, dict or plain object's attributes;
    None for anything else (arrays, scalars, functions, classes, modules and
    library objects, whose state numjac reads elsewhere or not at all)."""
    if isinstance(value, (list, tuple)):
        return len(value), tuple(value)
    if isinstance(value, dict):
        return tuple(value), tuple(value.values())
    if isinstance(value, types.SimpleNamespace) or _is_user_object(value):
        attributes = vars(value)
        return tuple(attributes), tuple(attributes.values())
    return None


def _is_user_object(value) -> bool:
    kind = type(value)
    return (hasattr(value, "__dict__") and not callable(value)
            and not isinstance(value, (type, types.ModuleType))
            and (kind.__module__ or "").partition(".")[0] not in LIBRARY_PACKAGES)


def _record(value, budget, seen):
    if _by_value(value):
        return (_VALUE, type(value), value)
    items = _items(value)
    if items is None or id(value) in seen:
        return (_IDENTITY, value)
    seen.add(id(value))
    keys, values = items
    budget[0] -= len(values)
    if budget[0] < 0:
        raise _TooMany
    return (_HOLDING, value, keys, tuple(_record(v, budget, seen) for v in values))


def _holds(value, record) -> bool:
    """Whether ``value`` is what ``record`` saw, holding what it held."""
    kind = record[0]
    if kind == _VALUE:
        return value is record[2] or (type(value) is record[1] and value == record[2])
    if value is not record[1]:
        return False
    if kind == _IDENTITY:
        return True
    keys, values = _items(value)
    return keys == record[2] and all(map(_holds, values, record[3]))


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
