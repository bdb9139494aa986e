"""``typecheck(ir)``: the validity of an IR, checked apart from how it was built.

It re-derives every equation's output types from the shape rules and checks
SSA: inputs are distinct, every variable is assigned once and defined before
it is used, literals are 0-d and outputs are defined.  IR-valued params (the
bodies of higher-order primitives) are checked the same way; they are
closed, seeing only their own inputs.  With ``NUMJAC_CHECK_IR=1`` (the test
suite sets it) ``Builder.build`` and ``simplify`` check every IR they return.
"""
from __future__ import annotations

import os

from .atoms import Lit, Var
from .ir import IR
from .printer import print_eqn
from .rules import shape_rules

CHECK_IR = os.environ.get("NUMJAC_CHECK_IR") == "1"


class IRTypeError(TypeError):
    """An IR that breaks the typing or SSA rules (a bug in numjac, not in user code)."""


def maybe_typecheck(ir: IR) -> IR:
    """``ir``, typechecked first when NUMJAC_CHECK_IR=1."""
    if CHECK_IR:
        typecheck(ir)
    return ir


def typecheck(ir: IR) -> None:
    """Raise IRTypeError, naming the offending equation, if ``ir`` is invalid."""
    _check_ir(ir, root=ir)


def _check_ir(ir: IR, root: IR):
    defined: set = set()
    for i, var in enumerate(ir.inputs):
        if not isinstance(var, Var) or var in defined:
            raise IRTypeError(f"input {i} is not a fresh Var in\n{root}")
        defined.add(var)
    for eqn in ir.eqns:
        _check_eqn(eqn, defined, root)
    for i, atom in enumerate(ir.outputs):
        problem = _use_problem(atom, defined)
        if problem:
            raise IRTypeError(f"output {i} {problem} in\n{root}")


def _check_eqn(eqn, defined: set, root: IR):
    def fail(problem):
        return IRTypeError(f"{problem}\n  in: {print_eqn(eqn, root)}")

    for k, atom in enumerate(eqn.inputs):
        problem = _use_problem(atom, defined)
        if problem:
            raise fail(f"operand {k} of {eqn.prim} {problem}")
    for body in eqn.sub_irs.values():   # checked first: the shape rule relies on it
        _check_ir(body, root)
    declared = [v.type for v in eqn.outs]
    derived = _derived_types(eqn, fail)
    if derived != declared:
        raise fail(f"{eqn.prim} gives {_types(derived)} but the equation declares "
                   f"{_types(declared)}")
    for var in eqn.outs:
        if var in defined:
            raise fail(f"a {var.type} variable is assigned twice")
        defined.add(var)


def _use_problem(atom, defined: set):
    """Why ``atom`` cannot be read here, or None."""
    if isinstance(atom, Lit):
        return None if atom.type.shape == () else f"is a literal of non-scalar type {atom.type}"
    if not isinstance(atom, Var):
        return f"is a {type(atom).__name__}, not a Var or Lit"
    return None if atom in defined else f"({atom.type}) is used before it is defined"


def _derived_types(eqn, fail) -> list:
    rule = shape_rules.get(eqn.prim)
    if rule is None:
        raise fail(f"{eqn.prim} has no shape rule")
    try:
        out = rule(*(a.type for a in eqn.inputs), **eqn.params)
    except (TypeError, ValueError, KeyError, IndexError) as err:
        raise fail(f"the shape rule of {eqn.prim} rejects its operands: {err}") from err
    return list(out) if eqn.prim.multiple_results else [out]


def _types(types) -> str:
    return ", ".join(map(str, types))
