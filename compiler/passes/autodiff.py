"""Forward and reverse mode as IR-to-IR passes.

Reverse mode is linearize + transpose (JAX's design; the section "How
reverse mode works" of docs/transforms.md says why): the jvp pass emits, for
each equation, the primal computation and a tangent computation that is
linear in the tangents; ``partial_eval`` splits that IR into a primal IR
(primal outputs plus the residuals the tangent side reads) and a linear IR;
``transpose_eval`` runs the linear IR backwards with the transpose rules of
the few linear primitives.  So each nonlinear primitive needs only a jvp
rule, and every rule emits ordinary primitives, which is what makes
derivatives of any order work.
"""
from __future__ import annotations

from ..builder import Builder, current, inline
from ..ir import IR, Lit, Var
from ..primitives.base import add_tangents, instantiate, zeros
from ..rules import (UndefinedPrimal, Zero, jvp_rules, linear_primitives,
                     non_differentiable, transpose_rules)
from ..typecheck import maybe_typecheck
from .simplify import simplify


def _copy_eqn(eqn, inputs):
    outs = current().add_eqn(eqn.prim, inputs, eqn.params, [v.type for v in eqn.outs])
    return list(outs)


# ------------------------------------------------------------------- jvp ----

def jvp_eval(ir: IR, primals, tangents):
    """Emit the jvp of ``ir`` into the active builder.

    ``tangents`` holds atoms or ``Zero``; returns (primal outs, tangent outs),
    the latter possibly ``Zero``.
    """
    env = dict(zip(ir.inputs, primals))
    tenv = dict(zip(ir.inputs, tangents))

    def read(atom):
        return atom if isinstance(atom, Lit) else env[atom]

    def read_tangent(atom):
        return Zero(atom.type) if isinstance(atom, Lit) else tenv[atom]

    for eqn in ir.eqns:
        ins = [read(a) for a in eqn.inputs]
        tins = [read_tangent(a) for a in eqn.inputs]
        if eqn.prim in non_differentiable or all(isinstance(t, Zero) for t in tins):
            outs = _copy_eqn(eqn, ins)
            touts = [Zero(v.type) for v in eqn.outs]
        else:
            out, tout = jvp_rules[eqn.prim](ins, tins, **eqn.params)
            outs, touts = (out, tout) if eqn.prim.multiple_results else ([out], [tout])
        env.update(zip(eqn.outs, outs))
        tenv.update(zip(eqn.outs, touts))
    return [read(a) for a in ir.outputs], [read_tangent(a) for a in ir.outputs]


def jvp_ir(ir: IR, wrt, with_outputs=True) -> IR:
    """(primals..., tangents of the ``wrt`` inputs...) -> (outs..., tangent outs...).

    With ``with_outputs=False`` only the tangent outputs are returned.
    """
    builder = Builder()
    with builder:
        primals = [builder.new_input(v.type) for v in ir.inputs]
        tangents = [builder.new_input(v.type) if w else Zero(v.type)
                    for v, w in zip(ir.inputs, wrt)]
        outs, touts = jvp_eval(ir, primals, tangents)
        kept = outs if with_outputs else []
        return simplify(builder.build(kept + [instantiate(t) for t in touts]))


# ---------------------------------------------------------- partial eval ----

def partial_eval(ir: IR, is_linear_input):
    """Split ``ir`` into its primal part and its part linear in some inputs.

    Returns ``(primal_ir, linear_ir)``: primal_ir maps the non-linear inputs
    to (the outputs that do not depend on linear inputs, residuals);
    linear_ir maps (residuals, linear inputs) to the outputs that do.
    Every equation reading a linear value must be a linear primitive.
    """
    linear = {v for v, lin in zip(ir.inputs, is_linear_input) if lin}
    primal_eqns, linear_eqns = [], []
    for eqn in ir.eqns:
        if any(isinstance(a, Var) and a in linear for a in eqn.inputs):
            assert eqn.prim in linear_primitives, f"{eqn.prim} is not linear"
            linear_eqns.append(eqn)
            linear.update(eqn.outs)
        else:
            primal_eqns.append(eqn)
    linear_inputs = [v for v, lin in zip(ir.inputs, is_linear_input) if lin]
    residuals = _residuals(linear_eqns, linear)
    primal_outs = [a for a in ir.outputs if not (isinstance(a, Var) and a in linear)]
    primal_inputs = [v for v, lin in zip(ir.inputs, is_linear_input) if not lin]
    primal_ir = IR(primal_inputs, primal_eqns, primal_outs + residuals)
    linear_outs = [a for a in ir.outputs if isinstance(a, Var) and a in linear]
    linear_ir = IR(residuals + linear_inputs, linear_eqns, linear_outs)
    return simplify(primal_ir), maybe_typecheck(linear_ir)


def _residuals(linear_eqns, linear):
    """Non-linear vars that the linear equations read, in first-use order."""
    seen, residuals = set(), []
    for eqn in linear_eqns:
        for atom in eqn.inputs:
            if isinstance(atom, Var) and atom not in linear and atom not in seen:
                seen.add(atom)
                residuals.append(atom)
    return residuals


# ------------------------------------------------------------- transpose ----

def transpose_eval(ir: IR, nonlinear_values, cotangents):
    """Emit the transpose of linear ``ir`` into the active builder.

    ``ir``'s inputs are its non-linear inputs (bound to ``nonlinear_values``)
    followed by its linear inputs; ``cotangents`` (atoms or Zero) match its
    outputs.  Returns the cotangents of the linear inputs (atoms or Zero).
    """
    n_nonlinear = len(nonlinear_values)
    env = dict(zip(ir.inputs[:n_nonlinear], nonlinear_values))
    linear_inputs = ir.inputs[n_nonlinear:]
    cts: dict = {}

    def accumulate(var, ct):
        if isinstance(var, Var) and not isinstance(ct, Zero) and ct is not None:
            cts[var] = add_tangents(cts[var], ct) if var in cts else ct

    for out, ct in zip(ir.outputs, cotangents):
        accumulate(out, ct)
    linear = set(linear_inputs)
    for eqn in ir.eqns:
        if any(isinstance(a, Var) and a in linear for a in eqn.inputs):
            linear.update(eqn.outs)
        else:   # e.g. an iota mask inside a loop body: recompute it forwards
            env.update(zip(eqn.outs, _copy_eqn(eqn, [env.get(a, a) for a in eqn.inputs])))
    for eqn in reversed(ir.eqns):
        if not any(v in linear for v in eqn.outs):
            continue
        out_cts = [cts.pop(v, None) for v in eqn.outs]
        if all(ct is None for ct in out_cts):
            continue
        args = [UndefinedPrimal(a.type) if isinstance(a, Var) and a in linear
                else (a if isinstance(a, Lit) else env[a]) for a in eqn.inputs]
        ct = ([instantiate_ct(c, v) for c, v in zip(out_cts, eqn.outs)]
              if eqn.prim.multiple_results else out_cts[0])
        in_cts = transpose_rules[eqn.prim](ct, *args, **eqn.params)
        for atom, in_ct in zip(eqn.inputs, in_cts):
            if isinstance(atom, Var) and atom in linear:
                accumulate(atom, in_ct)
    return [cts.get(v, Zero(v.type)) for v in linear_inputs]


def instantiate_ct(ct, var):
    return zeros(var.type) if ct is None else ct


# ------------------------------------------------------------------- vjp ----

def vjp_ir(ir: IR, wrt, with_outputs=True) -> IR:
    """(primals..., cotangents of every output...) ->
    (outs..., cotangents of the ``wrt`` inputs...).

    With ``with_outputs=False`` only the cotangents are returned.
    """
    builder = Builder()
    with builder:
        primals = [builder.new_input(v.type) for v in ir.inputs]
        cts = [builder.new_input(a.type) for a in ir.outputs]
        outs, in_cts = vjp_eval(ir, primals, cts, wrt)
        kept = outs if with_outputs else []
        return simplify(builder.build(kept + [instantiate(c) for c in in_cts]))


def vjp_eval(ir: IR, primals, cotangents, wrt):
    """Emit forward and backward passes; returns (outs, cotangents of wrt)."""
    lin = linearize_ir(ir, wrt)
    n_out = len(ir.outputs)
    res = inline(lin.primal_ir, primals)
    outs, residuals = res[:n_out], res[n_out:]
    out_cts = [cotangents[i] for i in lin.linear_outputs]
    in_cts = transpose_eval(lin.linear_ir, residuals, out_cts)
    it = iter(in_cts)
    return outs, [next(it) for w in wrt if w]


class Linearized:
    """A function split into its primal part and its linear (tangent) part.

    primal_ir: primals -> (outs..., residuals...)
    linear_ir: (residuals..., tangents of wrt inputs...) -> tangents of the
        outputs listed in ``linear_outputs`` (the others have zero tangent)
    """

    def __init__(self, primal_ir, linear_ir, linear_outputs, n_outputs):
        self.primal_ir = primal_ir
        self.linear_ir = linear_ir
        self.linear_outputs = linear_outputs
        self.n_outputs = n_outputs


def linearize_ir(ir: IR, wrt) -> Linearized:
    builder = Builder()
    with builder:
        primals = [builder.new_input(v.type) for v in ir.inputs]
        tangent_inputs = [builder.new_input(v.type) for v, w in zip(ir.inputs, wrt) if w]
        it = iter(tangent_inputs)
        tangents = [next(it) if w else Zero(v.type) for v, w in zip(ir.inputs, wrt)]
        outs, touts = jvp_eval(ir, primals, tangents)
        linear = set(tangent_inputs) | _linear_vars(builder.eqns, tangent_inputs)
        linear_outputs = [i for i, t in enumerate(touts) if isinstance(t, Var) and t in linear]
        jvp = simplify(builder.build(outs + [touts[i] for i in linear_outputs]))
    is_linear = [False] * len(primals) + [True] * len(tangent_inputs)
    primal_ir, linear_ir = partial_eval(jvp, is_linear)
    return Linearized(primal_ir, linear_ir, linear_outputs, len(outs))


def _linear_vars(eqns, tangent_inputs) -> set:
    """Vars that depend on the tangent inputs.  A tangent output that does
    not (a literal or an instantiated zero) has zero cotangent flow."""
    linear = set(tangent_inputs)
    for eqn in eqns:
        if any(isinstance(a, Var) and a in linear for a in eqn.inputs):
            linear.update(eqn.outs)
    return linear
