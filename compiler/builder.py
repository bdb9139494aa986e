"""The IR builder shared by the tracer and every pass.

A builder owns the inputs and equations of one IR under construction.  The
innermost active builder (``with builder:``) receives the equations that
``bind`` emits, so rules and NumPy handlers can be written as plain calls
(``mul(t, cos(x))``) without threading a builder through them.

The stack of active builders is per thread: a thread that traces never sees
another thread's builder, and a thread that does not trace sees none.
"""
from __future__ import annotations

import threading

from .atoms import AType, Lit, Var
from .ir import IR, Eqn
from .typecheck import maybe_typecheck


class _ThreadState(threading.local):
    def __init__(self):
        self.active = []    # the open builders of this thread, innermost last


_THREAD = _ThreadState()


class TracingThreads:
    """How many threads have an open builder.  Hot paths read ``count``
    (one attribute) before calling ``is_tracing()`` (a thread-local lookup,
    slower): when it is 0 no thread is tracing, this one included."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def add(self, delta: int):
        with self._lock:
            self.count += delta


TRACING = TracingThreads()


class Builder:
    def __init__(self):
        self.inputs: list = []
        self.eqns: list = []
        # Values captured from outside (closure arrays, outer tracers),
        # each bound to an extra input var: (var, value) in capture order.
        self.captures: list = []
        self._capture_index: dict = {}
        # Depth of `with nj.no_grad():` blocks open in the traced function.
        self.no_grad_depth = 0
        # Var -> the Python scalars (argument leaves, closure floats) it is
        # computed from alone; the tracer specializes on them on demand.
        self.sources: dict = {}

    def __enter__(self):
        active = _THREAD.active
        if not active:
            TRACING.add(1)
        active.append(self)
        return self

    def __exit__(self, *exc):
        active = _THREAD.active
        active.pop()
        if not active:
            TRACING.add(-1)

    def new_input(self, atype: AType) -> Var:
        var = Var(atype)
        self.inputs.append(var)
        return var

    def capture(self, value, atype: AType) -> Var:
        """An input var standing for ``value`` from outside this IR."""
        key = id(value)
        if key not in self._capture_index:
            var = Var(atype)
            self._capture_index[key] = var
            self.captures.append((var, value))
        return self._capture_index[key]

    def add_eqn(self, prim, inputs, params, out_types) -> tuple:
        outs = tuple(Var(t) for t in out_types)
        self.eqns.append(Eqn(prim, tuple(inputs), dict(params), outs))
        if self.sources:
            self._propagate_sources(inputs, outs)
        return outs

    def mark_source(self, var: Var, source):
        """``var`` stands for a scalar the tracer may ask to make concrete."""
        self.sources[var] = frozenset((source,))

    def _propagate_sources(self, inputs, outs):
        """A value computed only from such scalars (and literals) depends on
        them; one that also reads an array does not: making the scalars
        concrete would not make it concrete."""
        var_inputs = [a for a in inputs if isinstance(a, Var)]
        if var_inputs and all(a in self.sources for a in var_inputs):
            union = frozenset().union(*(self.sources[a] for a in var_inputs))
            self.sources.update((v, union) for v in outs)

    def build(self, outputs) -> IR:
        """The finished IR; captured values become trailing inputs."""
        inputs = self.inputs + [var for var, _ in self.captures]
        return maybe_typecheck(IR(list(inputs), list(self.eqns), list(outputs)))


def innermost():
    """This thread's innermost active builder, or None when it is not tracing."""
    active = _THREAD.active
    return active[-1] if active else None


def is_tracing() -> bool:
    """Whether this thread is tracing."""
    return bool(_THREAD.active)


def is_active(builder) -> bool:
    """Whether ``builder`` is open in this thread (its trace has not finished)."""
    return builder in _THREAD.active


def current() -> Builder:
    active = _THREAD.active
    if not active:
        raise RuntimeError("no active IR builder: ops can only run while tracing")
    return active[-1]


def bind(prim, *inputs, **params):
    """Emit ``prim[params] inputs`` into the active builder.

    Returns one Var, or a tuple of Vars for multiple-result primitives.
    """
    in_types = [a.type for a in inputs]
    out = prim.shape_rule(*in_types, **params)
    out_types = list(out) if prim.multiple_results else [out]
    outs = current().add_eqn(prim, inputs, params, out_types)
    return outs if prim.multiple_results else outs[0]


def literal(value, dtype) -> Lit:
    return Lit(value, dtype)


def inline(ir: IR, atoms) -> list:
    """Re-emit the equations of ``ir`` into the active builder, with its
    inputs bound to ``atoms``; returns the atoms of its outputs."""
    env = dict(zip(ir.inputs, atoms))

    def read(atom):
        return atom if isinstance(atom, Lit) else env[atom]

    for eqn in ir.eqns:
        outs = current().add_eqn(eqn.prim, [read(a) for a in eqn.inputs], eqn.params,
                                 [v.type for v in eqn.outs])
        env.update(zip(eqn.outs, outs))
    return [read(a) for a in ir.outputs]
