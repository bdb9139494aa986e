"""Primitives and the rule registries, one plain dict per transform.

Family modules in ``compiler/primitives/`` fill these: for each primitive its
shape rule, NumPy implementation, jvp rule, transpose rule (linear
primitives only) and batching rule.  Rule signatures:

- ``shape_rules[p](*in_types, **params) -> AType`` (a list for
  multiple-result primitives)
- ``impls[p](*arrays, **params) -> ndarray`` (a tuple for multiple results)
- ``jvp_rules[p](primals, tangents, **params) -> (primal_out, tangent_out)``;
  tangents may be ``Zero``; for multiple results both are lists
- ``transpose_rules[p](ct, *inputs, **params) -> list`` of cotangents, one per
  input (None where the input is not an ``UndefinedPrimal``)
- ``batch_rules[p](args, batched, **params) -> (out, out_batched)``; batched
  values carry the batch dimension at axis 0; rules that need more than
  their operands read ``batch_context()``

A stanza closes with one call that files its rules: ``register`` here, or
one of the helpers named for the algebra in ``primitives/base.py``
(``defjvp``, ``deflinear``, ``defbilinear``), which derive the jvp and pass
the other rules on to ``register``.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

from .atoms import AType


class Primitive:
    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results

    def __repr__(self) -> str:
        return self.name

    @property
    def shape_rule(self):
        return shape_rules[self]


shape_rules: dict = {}
impls: dict = {}
jvp_rules: dict = {}
transpose_rules: dict = {}
batch_rules: dict = {}

# Primitives whose outputs carry no derivative (integer- or bool-valued, or
# piecewise constant): their tangents and cotangents are always zero.
non_differentiable: set = set()

# Broadcasting elementwise primitives (constant folding evaluates them on
# scalars).
elementwise_primitives: set = set()

# Primitives that are linear in the inputs that carry tangents; the
# linearize pass may leave them on the tangent side of the IR.  They are
# the primitives with a transpose rule.
linear_primitives: set = set()


def register(prim, *, shape=None, impl=None, jvp=None, transpose=None, batch=None,
             differentiable=True):
    """File the rules given for ``prim``, one registry each (a second rule of
    one kind is an error).  A transpose rule makes ``prim`` linear;
    ``differentiable=False`` marks outputs that carry no derivative."""
    given = {"shape": (shape_rules, shape), "impl": (impls, impl), "jvp": (jvp_rules, jvp),
             "transpose": (transpose_rules, transpose), "batch": (batch_rules, batch)}
    for kind, (registry, rule) in given.items():
        if rule is None:
            continue
        if prim in registry:
            raise ValueError(f"{prim} already has a {kind} rule")
        registry[prim] = rule
    if transpose is not None:
        linear_primitives.add(prim)
    if not differentiable:
        non_differentiable.add(prim)


class Zero:
    """A symbolic zero tangent or cotangent of a known type."""

    __slots__ = ("type",)

    def __init__(self, atype: AType):
        self.type = atype

    def __repr__(self) -> str:
        return f"Zero({self.type})"


class UndefinedPrimal:
    """Marks the linear input of an equation during transposition."""

    __slots__ = ("type",)

    def __init__(self, atype: AType):
        self.type = atype

    def __repr__(self) -> str:
        return f"UndefinedPrimal({self.type})"


def is_undefined(x) -> bool:
    return isinstance(x, UndefinedPrimal)


# -- the batching context ------------------------------------------------------

@dataclass(frozen=True)
class BatchContext:
    """What the batching pass is building, for rules that need more than
    their operands (random draws, loops).

    randomness: 'error' | 'same' | 'different'
    size:  length of the batch axis being added
    total: length of the whole batch (larger than ``size`` in a chunk)
    start: i64[] atom, the chunk's first example (None: the batch starts at 0)
    squeeze: a batch of one kept without its axis (chunk_size=1 bodies)
    """

    randomness: str
    size: int
    total: int
    start: object = None
    squeeze: bool = False


class _ThreadContexts(threading.local):
    def __init__(self):
        self.stack = []     # this thread's open batching contexts, innermost last


_CONTEXTS = _ThreadContexts()


@contextmanager
def batching(context: BatchContext):
    """Publish ``context`` to the batching rules run inside the block (in
    this thread: each thread batches with its own contexts)."""
    _CONTEXTS.stack.append(context)
    try:
        yield context
    finally:
        _CONTEXTS.stack.pop()


def batch_context() -> BatchContext:
    stack = _CONTEXTS.stack
    if not stack:
        raise RuntimeError("batch_context() is only set while a batching pass runs")
    return stack[-1]
