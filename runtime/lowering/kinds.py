"""The four kinds of lowering and the table they are registered in.

- ``Elementwise(expr)``: the scalar expression of one element; fused into
  loop nests by the code generator.
- ``Folded(read)``: an element read from the inputs by index arithmetic
  (views, iota, gathers); never computed on its own.
- ``Reduction(identity, combine, acc_dtype)``: an accumulator loop.
- ``Custom(emit)``: writes its own loops (contractions, scans, scatters).

Each family module registers its lowerings with ``lowers``, keyed by the
primitive objects of the matching compiler/primitives module, so that a
missing primitive fails at import.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...compiler.rules import Primitive
from .expressions import F64, I64, literal_expr

LOWERINGS: dict = {}   # Primitive -> Elementwise | Folded | Reduction | Custom


class Readable:
    """What a lowering reads an input through (codegen/values.py's Values,
    a scan's rows): ``read(idx)`` is the element at ``idx`` as an expression."""

    def read(self, idx) -> str:
        raise NotImplementedError

    def slice_of(self):
        """(the sliced Readable, the slice's params) if this is a slice, else
        None: concatenated slices of one value read it once (structural.py)."""
        return None

    def key(self):
        """Equal for Readables of the same IR value: a value computed or
        viewed where it is read may have one Readable per reader."""
        return id(self)


@dataclass(frozen=True)
class Elementwise:
    expr: Callable            # (eqn, *arg_exprs) -> str
    keeps: frozenset = frozenset({F64, I64})   # input dtypes Numba keeps exactly
    cheap: bool = False       # recomputed where read when its inputs are free
    typed: bool = False       # expr already has the output dtype
    first_value: int = 0      # inputs before this one are not values (select's predicate)
    support: Callable = None  # eqn -> the kernel_support helpers its expression calls


@dataclass(frozen=True)
class Folded:
    read: Callable            # (input Values, index, eqn) -> str


@dataclass(frozen=True)
class Reduction:
    identity: Callable        # dtype -> the identity as a Python value
    combine: Callable         # (acc, x, dtype) -> str
    acc_dtype: Callable       # operand dtype -> accumulator dtype
    any_order: Callable = None  # (acc, x) -> str: combine whose order may change,
                                # for float accumulators (kernel_support.reassociable_add)

    def init(self, dtype) -> str:
        return literal_expr(self.identity(dtype), dtype)


@dataclass(frozen=True)
class Custom:
    emit: Callable            # (codegen, eqn, input Values) -> output Values


def lowers(*prims):
    """Register a lowering for ``prims`` (Primitive objects, once each)."""
    def register(lowering):
        for prim in prims:
            if not isinstance(prim, Primitive):
                raise TypeError(f"lowerings are keyed by Primitive objects, got {prim!r}")
            if prim in LOWERINGS:
                raise ValueError(f"{prim.name} already has a lowering")
            LOWERINGS[prim] = lowering
        return lowering
    return register
