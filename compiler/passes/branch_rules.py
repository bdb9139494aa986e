"""The transform rules of ``while_loop`` and ``cond``
(compiler/primitives/loops.py); those of ``scan`` are in loop_rules.py.

while_loop: the jvp is the primal loop and a second loop carrying the
primal and tangent carries together (its body is the body's jvp).  Its
trip count is only known when it runs, so there is no transpose: reverse
mode raises ``ReverseModeError`` (a fori_loop with Python int bounds is a
scan and has one).  Batching: when the predicate is batched every carry is
batched, the loop runs while any row's predicate holds, and a row whose
predicate fails keeps its carries (a select per carry).

cond: the jvp is the primal cond and a tangent cond over the branches'
jvps (linear in the tangents); its transpose is a cond over the branches'
transposes.  A batched predicate runs both branches batched and selects
each row's result; an unbatched one stays a cond of batched branches.
"""
from __future__ import annotations

from ..builder import inline
from ..primitives.base import broadcast_in_dim, instantiate
from ..primitives.elementwise import select
from ..primitives.loops import cond, cond_p, while_loop, while_loop_p
from ..primitives.reductions import reduce_max
from ..rules import Zero, batch_context, is_undefined, register
from .autodiff import jvp_eval
from .batching import batch_into
from .loop_support import (batched_body, batched_outputs, broadcast_to_batch, fill, fixpoint,
                           nonzero_tangents, picked, sub_ir, transpose_inline)


class ReverseModeError(NotImplementedError):
    """A loop reverse mode cannot differentiate (no fixed trip count)."""


# -- while_loop ----------------------------------------------------------------------------------

def _while_jvp(primals, tangents, *, cond, body, num_consts):
    outs = while_loop(primals[:num_consts], primals[num_consts:], cond=cond, body=body)
    nonzero = [not isinstance(t, Zero) for t in tangents]
    c_nz = nonzero[:num_consts]
    carry_nz = fixpoint(lambda f: nonzero_tangents(body, c_nz + f), nonzero[num_consts:])
    if not any(carry_nz):
        return outs, [Zero(o.type) for o in outs]
    consts, init = primals[:num_consts], primals[num_consts:]
    t_consts, t_init = tangents[:num_consts], tangents[num_consts:]
    joint = while_loop(consts + picked(t_consts, c_nz),
                       init + picked(map(instantiate, t_init), carry_nz),
                       cond=_joint(cond, num_consts, c_nz, carry_nz, with_tangents=False),
                       body=_joint(body, num_consts, c_nz, carry_nz, with_tangents=True))
    return outs, fill(joint[len(init):], carry_nz, outs)


def _joint(sub, num_consts, c_nz, carry_nz, with_tangents):
    """``sub`` (cond or body) on (consts, tangent consts, carries, tangent
    carries); the body also returns the new tangent carries."""
    consts, carries = sub.inputs[:num_consts], sub.inputs[num_consts:]
    groups = [consts, picked(consts, c_nz), carries, picked(carries, carry_nz)]

    def emit(ins):
        it = iter(ins)
        p_consts, t_consts, p_carries, t_carries = ([next(it) for _ in g] for g in groups)
        if not with_tangents:
            return inline(sub, p_consts + p_carries)
        tangents = fill(t_consts, c_nz, consts) + fill(t_carries, carry_nz, carries)
        outs, touts = jvp_eval(sub, p_consts + p_carries, tangents)
        return outs + [instantiate(t) for t in picked(touts, carry_nz)]
    return sub_ir([v.type for g in groups for v in g], emit)


def _while_transpose(cts, *args, **params):
    raise ReverseModeError(
        "reverse mode (grad, vjp, jacrev, hessian) cannot differentiate nj.while_loop, or "
        "nj.fori_loop with traced bounds: the number of iterations is only known when "
        "the loop runs, so the values to go back through cannot be stored. Use "
        "nj.fori_loop with Python int bounds or nj.scan (a fixed trip count), or forward "
        "mode (jvp, jacfwd)")


def _while_batch(args, batched, *, cond, body, num_consts):
    c_b = list(batched[:num_consts])
    carry_b = fixpoint(lambda f: batched_outputs(body, c_b + f), batched[num_consts:])
    pred_batched = batched_outputs(cond, c_b + carry_b)[0]
    if pred_batched:
        carry_b = [True] * len(carry_b)
    new_body, _ = batched_body(body, c_b + carry_b, carry_b)
    new_cond, _ = batched_body(cond, c_b + carry_b, [False])
    if pred_batched:
        new_cond, new_body = _any_row(new_cond), _masked(new_body, new_cond, num_consts)
    consts, init = args[:num_consts], args[num_consts:]
    init = broadcast_to_batch(init, batched[num_consts:], carry_b)
    return while_loop(consts, init, cond=new_cond, body=new_body), carry_b


def _any_row(batched_cond):
    """Whether the predicate holds for any row."""
    return sub_ir(batched_cond.in_types,
                  lambda ins: [reduce_max(inline(batched_cond, ins)[0], (0,))])


def _masked(batched_body_ir, batched_cond, num_consts):
    """The body updating only the rows whose predicate holds."""
    def emit(ins):
        (pred,) = inline(batched_cond, ins)
        carries = ins[num_consts:]
        return [select(broadcast_in_dim(pred, c.type.shape, (0,)), new, c)
                for new, c in zip(inline(batched_body_ir, ins), carries)]
    return sub_ir(batched_body_ir.in_types, emit)


_while_transpose.refuses = True   # docs/coverage.md says "refused", not "yes"
register(while_loop_p, jvp=_while_jvp, transpose=_while_transpose, batch=_while_batch)


# -- cond ----------------------------------------------------------------------------------------

def _cond_jvp(primals, tangents, *, true_branch, false_branch):
    pred, operands = primals[0], primals[1:]
    outs = cond(pred, operands, true_branch=true_branch, false_branch=false_branch)
    nonzero = [not isinstance(t, Zero) for t in tangents[1:]]
    out_nz = [a or b for a, b in zip(nonzero_tangents(true_branch, nonzero),
                                     nonzero_tangents(false_branch, nonzero))]
    if not any(out_nz):
        return outs, [Zero(o.type) for o in outs]
    touts = cond(pred, list(operands) + picked(tangents[1:], nonzero),
                 true_branch=_tangent_branch(true_branch, nonzero, out_nz),
                 false_branch=_tangent_branch(false_branch, nonzero, out_nz))
    return outs, fill(touts, out_nz, outs)


def _tangent_branch(branch, nonzero, out_nz):
    """(operands, flagged tangents) -> the flagged output tangents."""
    n = len(branch.inputs)

    def emit(ins):
        tangents = fill(ins[n:], nonzero, branch.inputs)
        _, touts = jvp_eval(branch, ins[:n], tangents)
        return [instantiate(t) for t in picked(touts, out_nz)]
    return sub_ir(branch.in_types + [v.type for v in picked(branch.inputs, nonzero)], emit)


def _cond_transpose(cts, pred, *operands, true_branch, false_branch):
    linear = [is_undefined(a) for a in operands]
    nonlinear = picked(operands, [not lin for lin in linear])
    in_cts = cond(pred, nonlinear + list(cts),
                  true_branch=_transposed_branch(true_branch, linear),
                  false_branch=_transposed_branch(false_branch, linear))
    it = iter(in_cts)
    return [None] + [next(it) if lin else None for lin in linear]


def _transposed_branch(branch, linear):
    """(nonlinear operands, output cotangents) -> the linear operands' cotangents."""
    n = len(linear) - sum(linear)

    def emit(ins):
        return [instantiate(c) for c in transpose_inline(branch, linear, ins[:n], ins[n:])]
    return sub_ir([v.type for v in picked(branch.inputs, [not lin for lin in linear])]
                  + branch.out_types, emit)


def _cond_batch(args, batched, *, true_branch, false_branch):
    pred, operands, flags = args[0], args[1:], list(batched[1:])
    if batched[0]:
        context = batch_context()
        outs = []
        for branch in (true_branch, false_branch):
            got, out_b = batch_into(branch, operands, flags, context)
            outs.append(broadcast_to_batch(got, out_b, [True] * len(got)))
        return [select(broadcast_in_dim(pred, t.type.shape, (0,)), t, f)
                for t, f in zip(*outs)], True
    out_b = [a or b for a, b in zip(batched_outputs(true_branch, flags),
                                    batched_outputs(false_branch, flags))]
    new_true, _ = batched_body(true_branch, flags, out_b)
    new_false, _ = batched_body(false_branch, flags, out_b)
    return cond(pred, operands, true_branch=new_true, false_branch=new_false), out_b


register(cond_p, jvp=_cond_jvp, transpose=_cond_transpose, batch=_cond_batch)
