"""Clean-up passes: dead-code elimination and common-subexpression
elimination.  Both return a new IR and never change its inputs or outputs."""
from __future__ import annotations

from ..ir import IR, Eqn, Lit, Var
from ..primitives import elementwise as E
from ..primitives.indexing import check_index_p
from ..primitives.loops import scan_p, without_unused_ys
from ..typecheck import maybe_typecheck
from .fold import fold

COMMUTATIVE = frozenset({E.add_p, E.mul_p, E.max_p, E.min_p, E.eq_p, E.ne_p,
                         E.and_p, E.or_p, E.xor_p})
# Kept even when nothing reads their outputs: they raise on bad input, as
# NumPy does for an index whose gather is unused.
CHECKS = frozenset({check_index_p})


def dce(ir: IR) -> IR:
    """Drop equations none of whose outputs are used (checks excepted), and
    the ys of a scan that nothing reads."""
    live = {a for a in ir.outputs if isinstance(a, Var)}
    kept = []
    for eqn in reversed(ir.eqns):
        if eqn.prim is scan_p:
            eqn = without_unused_ys(eqn, live, dce)
        if eqn.prim in CHECKS or any(v in live for v in eqn.outs):
            kept.append(eqn)
            live.update(a for a in eqn.inputs if isinstance(a, Var))
    return IR(list(ir.inputs), kept[::-1], list(ir.outputs))


def _atom_key(atom):
    return ("lit", atom) if isinstance(atom, Lit) else ("var", id(atom))


def _params_key(params):
    return tuple(sorted((k, id(v) if isinstance(v, IR) else v) for k, v in params.items()))


def cse(ir: IR) -> IR:
    """Reuse the result of an equation already computed with the same
    primitive, inputs and params."""
    renamed: dict = {}
    seen: dict = {}
    eqns = []

    def read(atom):
        return renamed.get(atom, atom) if isinstance(atom, Var) else atom

    for eqn in ir.eqns:
        inputs = tuple(read(a) for a in eqn.inputs)
        operand_keys = tuple(map(_atom_key, inputs))
        if eqn.prim in COMMUTATIVE:
            operand_keys = tuple(sorted(operand_keys, key=repr))
        key = (eqn.prim, operand_keys, _params_key(eqn.params))
        if key not in seen:
            seen[key] = eqn.outs
            eqns.append(Eqn(eqn.prim, inputs, eqn.params, eqn.outs))
        else:
            renamed.update(zip(eqn.outs, seen[key]))
    return IR(list(ir.inputs), eqns, [read(a) for a in ir.outputs])


def simplify(ir: IR) -> IR:
    return maybe_typecheck(dce(cse(fold(ir))))


def dependencies(ir: IR) -> list:
    """For each output, the set of input positions it depends on."""
    deps = {v: {i} for i, v in enumerate(ir.inputs)}
    for eqn in ir.eqns:
        used = set().union(*(deps.get(a, set()) for a in eqn.inputs if isinstance(a, Var)))
        for v in eqn.outs:
            deps[v] = used
    return [deps.get(a, set()) if isinstance(a, Var) else set() for a in ir.outputs]
