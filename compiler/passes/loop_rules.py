"""The transform rules of ``scan`` (compiler/primitives/loops.py); those of
``while_loop`` and ``cond`` are in branch_rules.py.  They run the passes on
the bodies, so they live with the passes.

jvp: a primal scan that also stores the carry entering every iteration
(stacked as extra ys), then a tangent scan over those stored carries that
is linear in the tangents.  What the tangent body needs of the primal
values is stored per iteration by the primal scan (its residuals,
scan_residuals.py), or where that would take much more memory, the carry
entering the iteration, from which the tangent body recomputes them.  Reverse mode is that jvp, split by partial_eval,
with the tangent scan transposed: a scan running the other way whose
carries are the carries' cotangents and the accumulated cotangents of the
linear consts, and whose ys are the cotangents of the linear xs.

``checkpoint=k`` stores every k-th carry instead: the jvp is taken of the
same loop written as an outer scan over blocks of k iterations (whose body
is an inner scan) and a tail scan for the last ``length % k``; the tangent
outer scan's body recomputes its block's k carries from the stored one.
Memory: length/k + k carries instead of length; time: one more forward
pass.

Batching: batched xs move their batch axis behind the scanned axis; a
carry is batched when its initial value is, or when the body makes it so
(a fixpoint, as for nonzero tangents).
"""
from __future__ import annotations

from ..builder import inline
from ..ir import IR
from ..primitives.base import add_tangents, instantiate, reshape, zeros
from ..primitives.loops import row_type, scan, scan_p, split_scan_operands
from ..primitives.structural import concatenate, moveaxis, slice_axis
from ..rules import Zero, is_undefined, register
from .autodiff import jvp_eval
from .scan_residuals import split_residuals
from .loop_support import (batched_body, batched_outputs, broadcast_to_batch, fill, fixpoint,
                           nonzero_tangents, picked, sub_ir, transpose_inline, used_inputs)


def _nonzero_outputs(body, num_consts, num_carry, nonzero):
    """Tangent flags of the carries (the fixpoint) and of all body outputs."""
    consts, init, xs = split_scan_operands(nonzero, num_consts, num_carry)
    carries = fixpoint(lambda f: nonzero_tangents(body, consts + f + xs)[:num_carry], init)
    return carries, nonzero_tangents(body, consts + carries + xs)


# -- jvp ---------------------------------------------------------------------------------------

def _scan_jvp(primals, tangents, *, body, length, num_consts, num_carry, reverse,
              checkpoint=0):
    if checkpoint and length > checkpoint:
        blocked = sub_ir([a.type for a in primals], lambda ins: _blocked_scan(
            ins, body, length, num_consts, num_carry, reverse, checkpoint))
        return jvp_eval(blocked, primals, tangents)
    nonzero = [not isinstance(t, Zero) for t in tangents]
    carry_nz, out_nz = _nonzero_outputs(body, num_consts, num_carry, nonzero)
    consts, init, xs = split_scan_operands(primals, num_consts, num_carry)
    loop = dict(length=length, reverse=reverse)
    if not any(out_nz):
        carries, ys = scan(consts, init, xs, body=body, **loop)
        return carries + ys, [Zero(o.type) for o in carries + ys]
    tangent_body, needed = _tangent_body(body, num_consts, num_carry, nonzero, carry_nz, out_nz)
    tangent_body, primal_body = _primal_and_tangent(body, tangent_body, num_consts, num_carry,
                                                    nonzero, carry_nz, needed)
    carries, ys = scan(consts, init, xs, body=primal_body, **loop)
    n_stored = len(primal_body.outputs) - len(body.outputs)
    ys, stored = ys[:len(ys) - n_stored], ys[len(ys) - n_stored:]
    t_consts, t_init, t_xs = split_scan_operands(tangents, num_consts, num_carry)
    t_carries, t_ys = scan(
        consts + picked(t_consts, nonzero), picked(map(instantiate, t_init), carry_nz),
        stored + xs + picked(t_xs, nonzero[num_consts + num_carry:]),
        body=tangent_body, **loop)
    touts = fill(t_carries, carry_nz, carries) + fill(t_ys, out_nz[num_carry:], ys)
    return carries + ys, touts


def _primal_and_tangent(body, tangent_body, num_consts, num_carry, nonzero, carry_nz, needed):
    """(tangent body, primal body): the primal body is ``body`` storing, as
    extra ys, what the tangent body reads of each iteration: its residuals
    (scan_residuals.py) when worth storing, else the carries flagged in
    ``needed``, from which the tangent body recomputes them."""
    c_nz, _, x_nz = split_scan_operands(nonzero, num_consts, num_carry)
    groups = (num_consts, sum(c_nz), sum(carry_nz), sum(needed),
              len(body.inputs) - num_consts - num_carry, sum(x_nz))
    split = split_residuals(tangent_body, groups)
    if split is None:
        return tangent_body, _storing(body, lambda ins: picked(ins[num_consts:], needed))
    residual_ir, tangent_body = split

    def residuals(ins):
        consts, carries, xs = split_scan_operands(ins, num_consts, num_carry)
        return inline(residual_ir, consts + picked(carries, needed) + xs)
    return tangent_body, _storing(body, residuals)


def _storing(body, stored):
    """``body`` with ``stored(its inputs)`` appended to its ys."""
    def emit(ins):
        return inline(body, ins) + list(stored(ins))
    return sub_ir(body.in_types, emit)


def _tangent_body(body, num_consts, num_carry, nonzero, carry_nz, out_nz):
    """(consts, tangent consts; tangent carries; stored carries, xs, tangent
    xs) -> (tangent carries, tangent ys), for the flagged tangents only, and
    which stored carries it reads (the others are not stored)."""
    consts, carries, xs = split_scan_operands(body.inputs, num_consts, num_carry)
    c_nz, _, x_nz = split_scan_operands(nonzero, num_consts, num_carry)
    groups = [consts, picked(consts, c_nz), picked(carries, carry_nz), carries, xs,
              picked(xs, x_nz)]
    types = [v.type for group in groups for v in group]

    def emit(ins):
        it = iter(ins)
        p_consts, t_consts, t_carries, p_carries, p_xs, t_xs = (
            [next(it) for _ in group] for group in groups)
        tangents = (fill(t_consts, c_nz, consts) + fill(t_carries, carry_nz, carries)
                    + fill(t_xs, x_nz, xs))
        _, touts = jvp_eval(body, p_consts + p_carries + p_xs, tangents)
        return [instantiate(t) for t in picked(touts, carry_nz + out_nz[num_carry:])]
    ir = sub_ir(types, emit)
    start = sum(len(g) for g in groups[:3])
    used = used_inputs(ir)
    needed = used[start:start + num_carry]
    keep = [True] * start + needed + [True] * (len(used) - start - num_carry)
    return IR(picked(ir.inputs, keep), ir.eqns, ir.outputs), needed


def _blocked_scan(ins, body, length, num_consts, num_carry, reverse, k):
    """The scan written as an outer scan over ``length // k`` blocks of k
    iterations and a tail scan over the rest; returns its outputs."""
    consts, init, xs = split_scan_operands(ins, num_consts, num_carry)
    blocks, tail = divmod(length, k)
    main = (tail, length) if reverse else (0, blocks * k)
    rest = (0, tail) if reverse else (blocks * k, length)
    block_xs = [reshape(slice_axis(x, 0, *main), (blocks, k) + x.type.shape[1:]) for x in xs]

    def block(block_ins):
        b_consts, b_init, b_xs = split_scan_operands(block_ins, num_consts, num_carry)
        carries, ys = scan(b_consts, b_init, b_xs, body=body, length=k, reverse=reverse)
        return carries + ys
    outer = sub_ir([a.type for a in consts + init] + [row_type(x.type) for x in block_xs], block)
    carries, ys = scan(consts, init, block_xs, body=outer, length=blocks, reverse=reverse)
    ys = [reshape(y, (blocks * k,) + y.type.shape[2:]) for y in ys]
    if tail:
        tail_xs = [slice_axis(x, 0, *rest) for x in xs]
        carries, tail_ys = scan(consts, carries, tail_xs, body=body, length=tail,
                                reverse=reverse)
        ys = [concatenate([t, y] if reverse else [y, t], 0) for y, t in zip(ys, tail_ys)]
    return carries + ys


# -- transpose ---------------------------------------------------------------------------------

def _scan_transpose(cts, *args, body, length, num_consts, num_carry, reverse, checkpoint=0):
    """The transpose of a scan linear in its carries and in its undefined
    consts and xs (the tangent scans the jvp emits)."""
    consts, carries, xs = split_scan_operands(args, num_consts, num_carry)
    c_lin = [is_undefined(a) for a in consts]
    x_lin = [is_undefined(a) for a in xs]
    ct_carries, ct_ys = list(cts[:num_carry]), list(cts[num_carry:])
    nl_consts = picked(consts, [not lin for lin in c_lin])
    nl_xs = picked(xs, [not lin for lin in x_lin])
    accumulators = [zeros(a.type) for a in picked(consts, c_lin)]
    t_carries, t_ys = scan(
        nl_consts, ct_carries + accumulators, nl_xs + ct_ys,
        body=_transposed_body(body, num_consts, num_carry, c_lin, x_lin),
        length=length, reverse=not reverse)
    const_cts = iter(t_carries[num_carry:])
    x_cts = iter(t_ys)
    return ([next(const_cts) if lin else None for lin in c_lin]
            + [ct if is_undefined(a) else None for a, ct in zip(carries, t_carries)]
            + [next(x_cts) if lin else None for lin in x_lin])


def _transposed_body(body, num_consts, num_carry, c_lin, x_lin):
    """(nonlinear consts; carry cotangents, const cotangent sums; nonlinear
    xs, y cotangents) -> (cotangents of the carries entering the iteration,
    updated sums; cotangents of the linear xs)."""
    consts, carries, xs = split_scan_operands(body.in_types, num_consts, num_carry)
    linear = c_lin + [True] * num_carry + x_lin
    nl_consts = picked(consts, [not lin for lin in c_lin])
    nl_xs = picked(xs, [not lin for lin in x_lin])
    sums = picked(consts, c_lin)
    ys = body.out_types[num_carry:]
    types = nl_consts + carries + sums + nl_xs + ys

    def emit(ins):
        it = iter(ins)
        g_consts, g_carries, g_sums, g_xs, g_ys = (
            [next(it) for _ in group] for group in (nl_consts, carries, sums, nl_xs, ys))
        in_cts = transpose_inline(body, linear, g_consts + g_xs, g_carries + g_ys)
        const_cts, rest = in_cts[:len(sums)], in_cts[len(sums):]
        new_sums = [add_tangents(s, c) for s, c in zip(g_sums, const_cts)]
        return [instantiate(c) for c in rest[:num_carry] + new_sums + rest[num_carry:]]
    return sub_ir(types, emit)


# -- batching ----------------------------------------------------------------------------------

def _scan_batch(args, batched, *, body, num_consts, num_carry, **params):
    c_b, i_b, x_b = split_scan_operands(batched, num_consts, num_carry)
    carry_b = fixpoint(lambda f: batched_outputs(body, c_b + f + x_b)[:num_carry], i_b)
    forced = carry_b + [False] * (len(body.outputs) - num_carry)
    new_body, out_b = batched_body(body, c_b + carry_b + x_b, forced)
    consts, init, xs = split_scan_operands(args, num_consts, num_carry)
    init = broadcast_to_batch(init, i_b, carry_b)
    xs = [moveaxis(x, 0, 1) if b else x for x, b in zip(xs, x_b)]
    carries, ys = scan(consts, init, xs, body=new_body, **params)
    ys = [moveaxis(y, 1, 0) if b else y for y, b in zip(ys, out_b[num_carry:])]
    return carries + ys, out_b


register(scan_p, jvp=_scan_jvp, transpose=_scan_transpose, batch=_scan_batch)
