"""The SSA intermediate representation: equations and IRs.

An IR has typed input binders, a list of equations ``outs = prim[params] ins``
and a list of outputs.  Every variable is assigned exactly once.  Shapes are
static; literals are Python scalars with a 0-d type.  Higher-order primitives
keep their bodies as ``IR`` values inside their params (``Eqn.sub_irs``).
The atoms and their types come from ``compiler.atoms`` and are re-exported
here, the names every layer above uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .atoms import (DTYPE_BY_NAME, SUPPORTED_DTYPES, AType, Atom, Lit, Var,  # noqa: F401
                    dtype_name, is_float)
from .printer import print_ir


@dataclass(eq=False)
class Eqn:
    prim: Any            # a compiler.rules.Primitive
    inputs: tuple        # of Atom
    params: dict         # str -> hashable value (tuples, ints, dtypes, IRs)
    outs: tuple          # of Var

    @property
    def sub_irs(self) -> dict:
        """The IR-valued params (the bodies of a higher-order primitive)."""
        return {k: v for k, v in self.params.items() if isinstance(v, IR)}


@dataclass(eq=False)
class IR:
    inputs: list         # of Var
    eqns: list           # of Eqn
    outputs: list        # of Atom

    @property
    def in_types(self) -> list:
        return [v.type for v in self.inputs]

    @property
    def out_types(self) -> list:
        return [a.type for a in self.outputs]

    def __str__(self) -> str:
        return print_ir(self)

    def __repr__(self) -> str:
        return str(self)

    def __hash__(self):
        return id(self)
