"""Tracing a Python function into an IR, and the per-signature cache.

``StagedFunction`` is the base of ``jit`` and of every transform: a call
flattens its arguments, looks the signature up in a process-wide cache keyed
by the function's identity and options, stages (traces and transforms) on a
miss, and runs the kernel.  Called with Tracers (inside another trace) it
inlines its IR instead, which is how transforms compose.

Each staging logs (logger "numjac", INFO) what was staged, for which
signature, and how long tracing and the passes took.

Threads: cache reads are lock-free; a miss stages under one process-wide
reentrant lock, so each signature is traced once while the other threads
wait and then find it.  One lock rather than one per signature: tracing
holds the GIL anyway, and it lends a function's closure cells to tracers
(``guards.lifted_floats``: closure cells, globals, ``self`` attributes), which
two traces at once would fight over.
"""
from __future__ import annotations

import functools
import inspect
import logging
import os
import threading
import time
import types
import weakref
from dataclasses import dataclass, field

import numpy as np

from .compiler.builder import TRACING, Builder, is_tracing
from .compiler.builder import current as current_builder
from .compiler.builder import inline as inline_ir
from .compiler.ir import IR
from .compiler.passes.prelude import split_prelude
from .compiler.passes.reroll import reroll
from .compiler.passes.simplify import simplify
from . import random
from .inputs import check_scalar_leaf_count, prepared_call
from .numpy_random import refuse_read_random_states
from .replacements import replacements_installed, traceable
from .signatures import (FAST_SCALARS, converting_scalars, fast_signature, is_dynamic,
                         leaf_spec)
from .pytree import TreeDef, flatten, rebuilder, unflatten
from .runtime.background import is_compiling, settled
from .runtime.dispatch import Lowered, compile_ir
from .distributed import DISTRIBUTED, current_client, run_distributed
from .guards import Slot, lifted_floats, partial_structure, reachable_state
from .guard_checks import guard_captures, guarded_runner, note_inlined, record_contents
from .tracer import NeedsSpecialization, Tracer, to_atom, wrap
from .tracebacks import hide_internal_frames, public_entry

log = logging.getLogger("numjac")

@dataclass
class Staged:
    """The IR for one signature: inputs are the dynamic leaves, then the
    captured values (closure arrays, outer tracers)."""

    ir: IR
    out_tree: TreeDef
    captures: list
    dynamic: tuple                    # flat indices of leaves that are IR inputs
    kernel: object = None             # compiled lazily on first concrete call
    # The IR after each pass, by stage name (runtime.dispatch.Lowered.STAGES)
    stages: dict = field(default_factory=dict)
    passthrough: dict = field(default_factory=dict)   # output leaf -> non-array value
    backend: str = None               # None: NUMJAC_BACKEND, else Numba
    label: str = None                 # the staged function's, for the compile log
    # The check of the Python state the trace read (frontend/guards.py):
    # returns the captures to pass now, or None when stale.
    guards: object = None
    # Which capture stands for nj.random's state (filled in per call), if any.
    rng_slot: object = field(init=False, default=None)
    # The stacks of inputs built in NumPy before each kernel call
    # (compiler/passes/prelude.py), set with the kernel; None: no stacks.
    prelude: object = field(init=False, default=None)

    def __post_init__(self):
        self.rng_slot = random.state_slot(self.captures)

    def is_current(self, root=None) -> bool:
        """Whether the state the trace read is unchanged (read from ``root``,
        the staged function's root, where several share the entry)."""
        return self.guards is None or self.guards(root) is not None

    def live_captures(self, root=None) -> list:
        """The captured values, with the closure floats and arrays the
        function reads as they are now."""
        captures = None if self.guards is None else self.guards(root)
        return self.captures if captures is None else list(captures)

    def run(self, leaves, root=None):
        arrays = self.kernel_arguments(leaves, root)
        if self.kernel is None:
            self.prelude, kernel_ir = split_prelude(self.ir)
            self.kernel = compile_ir(kernel_ir, self.backend, self.label)
        if self.prelude is not None:
            arrays = self.prelude(arrays)
        outs = self.kernel(*arrays)
        # Once a kernel compiling in the background is ready, hold it itself
        # (and the fast path goes to it: fast_runner).
        self.kernel = settled(self.kernel)
        return outs

    def kernel_arguments(self, leaves, root=None) -> list:
        """One array per IR input: the traced leaves, then the captures."""
        captures = self.live_captures(root)
        if self.rng_slot is not None:
            captures = random.fill_state(captures, self.rng_slot, traced=False)
        return [as_array(leaves[i]) for i in self.dynamic] + captures

    def fast_runner(self):
        """``run(args, caller)`` for a tuple of plain arrays (one per IR input
        before the captures), without flattening; None where ``run`` is
        needed (random state, passed-through outputs, no kernel yet or one
        still compiling).  The
        staged function ``caller`` makes the full call when the guards find
        the entry stale."""
        if (self.rng_slot is not None or self.passthrough or self.kernel is None
                or is_compiling(self.kernel)):
            return None
        if self.guards is not None or self.prelude is not None:
            fixed = tuple(self.captures)
            check = (lambda root: fixed) if self.guards is None else self.guards.check
            return guarded_runner(check, getattr(self.kernel, "fast", self.kernel),
                                  getattr(self.kernel, "workspace", ()), self.out_tree,
                                  self.prelude)
        # The kernel's own dispatcher: compiled by the first call, which went
        # through the checked path; a kernel's error (a bad index) propagates.
        kernel = getattr(self.kernel, "fast", self.kernel)
        extra = tuple(self.captures) + getattr(self.kernel, "workspace", ())
        tree = self.out_tree
        single, rebuild = tree.kind == "leaf", rebuilder(tree)

        def run(args, caller):
            outs = kernel(*args, *extra)
            return outs[0] if single else rebuild(outs)

        def run_single(args, caller):   # the common case, kept short
            return kernel(*args)[0]
        return run_single if single and not extra else run

    def inline(self, leaves, root=None):
        captures = self.live_captures(root)
        if self.guards is not None:     # the enclosing trace depends on them too
            inlined = self.guards.inlined
            note_inlined(current_builder(), inlined, inlined(root))
        if self.rng_slot is not None:
            captures = random.fill_state(captures, self.rng_slot, traced=True)
        atoms = [to_atom(leaves[i]) for i in self.dynamic]
        atoms += [to_atom(c) for c in captures]
        return [wrap(a) for a in inline_ir(self.ir, atoms)]

    def outputs(self, outs):
        """The output pytree from the IR's outputs (and passed-through values)."""
        if self.passthrough:
            outs = iter(outs)
            outs = [self.passthrough[i] if i in self.passthrough else next(outs)
                    for i in range(self.out_tree.num_leaves)]
        return unflatten(self.out_tree, outs)


def as_array(leaf):
    if isinstance(leaf, np.ndarray):
        return leaf
    return np.asarray(leaf)


# -- tracing -----------------------------------------------------------------

def trace(fn, treedef, leaves, specs, passthrough=None) -> Staged:
    """Trace ``fn(*args, **kwargs)`` (the unflattened leaves) into a Staged.

    ``passthrough(out_leaves, out_tree)``, if given, returns the output
    leaves (index -> value) to return as they are instead of as IR outputs.
    """
    start = time.perf_counter()
    reads = reachable_state(fn, [leaf for leaf, spec in zip(leaves, specs)
                                 if not is_dynamic(spec)])
    contents = record_contents(reads)
    literal: set = set()        # slots holding floats whose value the trace needs
    refuse_read_random_states(fn)
    while True:
        builder = Builder()
        try:
            with builder, replacements_installed(), \
                    lifted_floats(reads, builder, literal) as lifted:
                traced_leaves = [_traced_leaf(builder, i, leaf, spec)
                                 for i, (leaf, spec) in enumerate(zip(leaves, specs))]
                args, kwargs = unflatten(treedef, traced_leaves)
                out = traceable(fn)(*args, **kwargs)
                out_leaves, out_tree = flatten(out)
                kept = passthrough(out_leaves, out_tree) if passthrough else {}
                out_atoms = [output_atom(o, i) for i, o in enumerate(out_leaves)
                             if i not in kept]
                ir = builder.build(out_atoms)
            break
        except NeedsSpecialization as need:
            if need.builder is not builder:     # an enclosing trace's scalar
                raise
            if not isinstance(need.source, Slot):
                raise SpecializeLeaf(need.source) from None
            literal.add(need.source)
    if _THREAD.tracing_seconds:
        _THREAD.tracing_seconds[-1] += time.perf_counter() - start
    dynamic = tuple(i for i, s in enumerate(specs) if is_dynamic(s))
    captures = [value for _, value in builder.captures]
    ir = rerolled(ir)
    optimized = simplify(ir)
    return Staged(optimized, out_tree, captures, dynamic, passthrough=kept,
                  stages={"traced": ir, "optimized": optimized},
                  guards=guard_captures(fn, reads, lifted, builder, contents))


def rerolled(ir: IR) -> IR:
    """``ir`` with the iterations of Python loops folded back into scans
    (compiler/passes/reroll.py), unless the environment sets NUMJAC_REROLL=0."""
    return ir if os.environ.get("NUMJAC_REROLL", "1") == "0" else reroll(ir)


class SpecializeLeaf(Exception):
    """A trace needs the value of its Python-scalar argument leaf
    ``leaf_index``: the staged function makes it static and stages again."""

    def __init__(self, leaf_index: int):
        super().__init__(leaf_index)
        self.leaf_index = leaf_index


def _traced_leaf(builder, index, leaf, spec):
    kind = spec[0]
    if kind == "value":
        return leaf
    var = builder.new_input(spec[1])
    if kind != "scalar":
        return Tracer(var, builder)
    builder.mark_source(var, index)
    return Tracer(var, builder, weak=True)


def output_atom(out, index):
    if isinstance(out, str) or not isinstance(out, (Tracer, np.ndarray, np.generic,
                                                    bool, int, float)):
        raise TypeError(f"output {index} of the traced function is a "
                        f"{type(out).__name__}; outputs must be arrays")
    return to_atom(out)


# -- the cache ----------------------------------------------------------------

class _ThreadStagings(threading.local):
    def __init__(self):
        # Seconds spent tracing by each of this thread's stagings in
        # progress (innermost last), so that its log line can tell tracing
        # from the passes; a nested staging's time counts as tracing of
        # the enclosing one.
        self.tracing_seconds = []


_THREAD = _ThreadStagings()
# Held while a signature is staged and filed (see the module docstring).
_STAGING_LOCK = threading.RLock()
# Held while a fast-path entry is filed; the fast path reads without it.
_FAST_LOCK = threading.Lock()
# Per user function (weakly held, so that the entries of a lambda written
# inside a loop go away with it): a dict with
#   (function key, treedef) -> flat indices of Python scalars found to need
#                              their value while tracing, and
#   (function key, treedef, specs) -> Staged.
_CACHES = weakref.WeakKeyDictionary()
# The same for functions that cannot be weakly referenced (ufuncs, bound
# methods, which are made anew at each attribute access).
_STRONG_CACHES: dict = {}


def cache_of(staged_function, root=None):
    """``(cache, key)``: the cache of staged signatures for everything built
    on the user function under ``staged_function`` (``root``, if known),
    and its key there."""
    root = inspect.unwrap(staged_function) if root is None else root
    key = _detached(staged_function.cache_key, root)
    # Partials made anew on each call share the entries of their function:
    # what they bind is read by the guards (or passed as inputs) per call.
    while isinstance(root, functools.partial):
        key = (partial_structure(root), key)
        root = inspect.unwrap(root.func)
    if isinstance(root, types.MethodType):
        return _STRONG_CACHES.setdefault(root, {}), key
    try:
        return _CACHES.setdefault(root, {}), key
    except TypeError:
        return _STRONG_CACHES.setdefault(root, {}), key


_ROOT = "<function>"
_NDARRAY = np.ndarray
_NO_CALL_YET = (None, None, None)


def _detached(value, root):
    """A cache key with the user function replaced by a marker and wrappers
    (transforms of it) by their own keys, so no entry keeps it alive."""
    if value is root:
        return _ROOT
    if isinstance(value, tuple):
        return tuple(_detached(v, root) for v in value)
    nested = getattr(value, "cache_key", None)
    if nested is not None:
        return (type(value).__name__, _detached(nested, root))
    return value


class StagedFunction:
    """A function that stages per call signature and caches the result."""

    def __init__(self, fn, options=()):
        if not callable(fn):
            raise TypeError(f"{type(self).__name__.lstrip('_')}: func must be callable, "
                            f"got {fn!r} ({type(fn).__name__})")
        self.fn = fn
        self.options = tuple(options)
        self.cache_key = (type(self).__name__, fn, self.options)
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", type(self).__name__)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.root = inspect.unwrap(self)    # what the guards of its entries read
        self._cache, self._own_key = cache_of(self, self.root)
        # Signature of plain-array positional arguments -> Staged.fast_runner,
        # shared by every equal staged function (a transform re-created in a
        # loop goes straight to the kernel too).
        self._fast = self._cache.setdefault(("fast", self._own_key), {})
        # The dtype, shape and fast runner of the last one-array call: the
        # same again (the usual case) is two identity tests and a tuple
        # compare, not a key hashed (a dtype's hash alone costs 40 ns).
        self._last = _NO_CALL_YET

    def __eq__(self, other):
        return type(other) is type(self) and other.cache_key == self.cache_key

    def __hash__(self):
        return hash(self.cache_key)

    def __repr__(self):
        return f"<numjac {type(self).__name__} of {self.__name__}>"

    @property
    def label(self) -> str:
        """``jacfwd(jacrev(f))``: the transforms and the function, for the log."""
        inner = self.fn.label if isinstance(self.fn, StagedFunction) else self.__name__
        return f"{type(self).__name__.lstrip('_').lower()}({inner})"

    # Subclasses: which leaves are static, and how to stage a signature.
    def static_leaves(self, args, treedef) -> frozenset:
        return frozenset()

    def stage(self, treedef, leaves, specs) -> Staged:
        return trace(self.fn, treedef, leaves, specs)

    def check_args(self, args, kwargs):
        """Validate arguments before any tracing (subclasses)."""

    # Subclasses that backend-select (jit) set this.
    backend = None

    def __call__(self, *args, **kwargs):
        try:    # free in CPython 3.11+ unless an error passes (tracebacks.py)
            if not kwargs and not (TRACING.count and is_tracing()) and not DISTRIBUTED.contexts:
                try:    # fast_signature(args), written out: it is the hot path
                    if len(args) == 1:
                        a = args[0]
                        c = a.__class__
                        last = self._last
                        if c is _NDARRAY and a.dtype is last[0] and a.shape == last[1]:
                            return last[2](args, self)
                        run = self._fast[c if c in FAST_SCALARS else (c, a.dtype, a.shape)]
                        if c is _NDARRAY:
                            self._last = (a.dtype, a.shape, run)
                    else:
                        run = self._fast[tuple([a.__class__ if a.__class__ in FAST_SCALARS
                                                else (a.__class__, a.dtype, a.shape)
                                                for a in args])]
                except (KeyError, AttributeError):
                    pass
                else:
                    return run(args, self)
            return self.call_staged(args, kwargs)
        except Exception as error:
            hide_internal_frames(error)
            raise

    def call_staged(self, args, kwargs):
        """A call past the fast path: look the signature up, stage on a miss."""
        self.check_args(args, kwargs)
        args, kwargs, leaves, treedef = prepared_call(args, kwargs)
        staged = self.staged_for(args, leaves, treedef)
        # Inside a trace inline even with concrete arguments, so that random
        # draws stay draws of the enclosing function, not baked constants.
        if is_tracing():
            outs = staged.inline(leaves, self.root)
        elif DISTRIBUTED.contexts and current_client() is not None:
            return staged.outputs(run_distributed(staged.ir, staged.kernel_arguments(
                leaves, self.root), self.label))
        else:
            outs = staged.run(leaves, self.root)
            self._remember_fast(args, kwargs, leaves, staged)
        return staged.outputs(outs)

    def _remember_fast(self, args, kwargs, leaves, staged):
        """After a kernel ran on positional plain arrays or scalars, each a
        traced leaf, let the next call with the same classes, dtypes and
        shapes go straight to it."""
        if (kwargs or len(leaves) != len(args) or staged.dynamic != tuple(range(len(args)))
                or any(type(a) is not np.ndarray and type(a) not in FAST_SCALARS
                       and not isinstance(a, np.generic) for a in args)):
            return
        run = staged.fast_runner()
        if run is None:
            return
        scalars = [i for i, a in enumerate(args) if type(a) is not np.ndarray]
        if scalars:
            dtypes = [staged.ir.inputs[i].type.dtype for i in scalars]
            run = converting_scalars(run, scalars, dtypes)
        # check_args passed for this signature, so the fast path skips it.
        with _FAST_LOCK:
            self._fast[fast_signature(args)] = run
        self._last = _NO_CALL_YET     # it may hold a runner this one replaces

    def staged_for(self, args, leaves, treedef) -> Staged:
        base = self.static_leaves(args, treedef)
        staged = self._lookup(base, leaves, treedef)[0]
        if staged is not None and staged.is_current(self.root):
            return staged
        with _STAGING_LOCK:     # another thread may have staged it meanwhile
            return self._stage_missing(base, leaves, treedef)

    def _lookup(self, base, leaves, treedef):
        """(the cached Staged or None, specs, cache key) for these leaves;
        ``base`` are the leaves static whatever the cache says."""
        cache, own_key = self._cache, self._own_key
        static = base | cache.get((own_key, treedef), frozenset())
        specs = tuple(leaf_spec(leaf, i in static, i) for i, leaf in enumerate(leaves))
        key = (own_key, treedef, specs)
        return cache.get(key), specs, key

    def _stage_missing(self, base, leaves, treedef) -> Staged:
        cache = self._cache
        while True:
            staged, specs, key = self._lookup(base, leaves, treedef)
            check_scalar_leaf_count(specs, treedef)
            if staged is not None and staged.is_current(self.root):
                return staged
            if staged is not None:
                log.info("%s: Python state its trace read changed; staging again", self.label)
            _THREAD.tracing_seconds.append(0.0)
            start = time.perf_counter()
            try:
                staged = self.stage(treedef, leaves, specs)
            except SpecializeLeaf as need:
                self._specialize(treedef, need.leaf_index, leaves)
                continue
            finally:
                tracing = _THREAD.tracing_seconds.pop()
            total = time.perf_counter() - start
            log.info("staged %s for %s in %.1f ms (tracing %.1f ms, passes %.1f ms)",
                     self.label, _format_specs(specs), 1e3 * total, 1e3 * tracing,
                     1e3 * (total - tracing))
            staged.backend, staged.label = self.backend, self.label
            if not any(isinstance(c, Tracer) for c in staged.captures):
                cache[key] = staged   # one capturing an enclosing trace is not reusable
            return staged

    def _specialize(self, treedef, index, leaves):
        cache, key = self._cache, (self._own_key, treedef)
        cache[key] = cache.get(key, frozenset()) | {index}
        log.info("%s: specializing on the value of Python scalar argument leaf %d "
                 "(= %r); the cache key now includes it", self.__name__, index, leaves[index])

    @public_entry
    def lower(self, *args, **kwargs):
        """The stages of this function for these arguments (see Lowered)."""
        args, kwargs, leaves, treedef = prepared_call(args, kwargs)
        staged = self.staged_for(args, leaves, treedef)
        return Lowered(staged.stages, staged.ir, self.label)


def _format_specs(specs) -> str:
    return "(" + ", ".join(str(s[1]) if is_dynamic(s) else repr(s[1]) for s in specs) + ")"

