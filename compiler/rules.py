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
  values carry the batch dimension at axis 0
"""
from __future__ import annotations

from .ir import AType


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
# linearize pass may leave them on the tangent side of the IR.
linear_primitives: set = set()


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
