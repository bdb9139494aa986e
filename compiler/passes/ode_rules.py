"""The transform rules of ``ode`` (compiler/primitives/ode.py).  They run the
passes on the right-hand side, so they live with the passes.

jvp (forward sensitivities): the primal solve, then one solve of the
system augmented with the tangent states, ``d(ydot)/dt = J_y f . ydot +
J_args f . argsdot``, whose body is the jvp of the right-hand side.  A
tangent of the times adds ``f(y(t_i), t_i) dt_i`` to output i, and moves the
start: a tangent ``-f(y0, t0) dt0`` of the initial state.

transpose (the adjoint method, Pontryagin; Chen et al. 2018): an ``ode``
linear in its undefined states and args (the sensitivity solves above:
their other states evolve on their own; a tangent state that starts at a
known zero is linear too, found as the states whose derivative depends on
linear inputs) is transposed by solving backwards
from the last output time, interval by interval, the adjoint
``dlambda/dt = -J^T lambda`` (J of the linear states' derivatives in the
linear states) and ``dmu/dt = -(d f/d args)^T lambda`` together with the
other states, restarted at each output time from their forward values;
at each output time lambda takes that output's cotangent.  The intervals
are a reverse ``scan`` whose body is one ``ode``, so the right-hand side's
code appears once whatever the number of output times.  A cotangent of a
non-linear state of such a solve is ignored: nothing reads those results.

Batching: batched states (or states the right-hand side makes batched)
carry the batch axis; the solver takes one step size for the whole batch
(its error test covers every element).  Batched times are refused.
"""
from __future__ import annotations

from ..builder import inline
from ..ir import IR
from ..primitives.base import add_tangents, instantiate, reshape, zeros
from ..primitives.elementwise import mul, neg
from ..primitives.loops import row_type, scan
from ..primitives.ode import TIME, body_types, ode, ode_p, split_ode_operands
from ..primitives.structural import concatenate, moveaxis, slice_axis
from ..rules import Zero, is_undefined, register
from .autodiff import jvp_eval
from .loop_support import (batched_body, batched_outputs, broadcast_to_batch, fill, fixpoint,
                           nonzero_tangents, picked, sub_ir, transpose_inline)


def _row(x, i):
    """Row ``i`` of ``x`` along axis 0, that axis dropped."""
    return reshape(slice_axis(x, 0, i, i + 1), x.type.shape[1:])


def _time_column(dt, ndim):
    """``dt`` (one entry per output time) shaped to scale rows of rank ``ndim``."""
    return reshape(dt, dt.type.shape + (1,) * ndim)


# -- jvp ---------------------------------------------------------------------------------------

def _ode_jvp(primals, tangents, *, body, num_states, **opts):
    states, ts, args = split_ode_operands(primals, num_states)
    t_states, t_ts, t_args = split_ode_operands(tangents, num_states)
    ys = ode(states, ts, args, body=body, **opts)
    moved = not isinstance(t_ts, Zero)
    if moved:
        f0 = inline(body, states + [_row(ts, 0)] + args)
        dt0 = _row(t_ts, 0)
        t_states = [add_tangents(t, neg(mul(f, dt0))) for t, f in zip(t_states, f0)]
    a_nz = [not isinstance(t, Zero) for t in t_args]
    touts = [Zero(y.type) for y in ys]
    if any(not isinstance(t, Zero) for t in t_states) or any(a_nz):
        solved = ode(states + [instantiate(t) for t in t_states], ts,
                     args + picked(t_args, a_nz), body=_sensitivity_body(body, num_states, a_nz),
                     **opts)
        touts = solved[num_states:]
    if moved:
        rates = _rates_at_outputs(body, ys, ts, args)
        touts = [add_tangents(t, mul(r, _time_column(t_ts, r.type.ndim - 1)))
                 for t, r in zip(touts, rates)]
    return ys, touts


def _sensitivity_body(body, num_states, a_nz):
    """(states, tangent states, t, args, flagged tangent args) -> (their
    derivatives): the right-hand side and its jvp."""
    states, _, args = split_ode_operands(body.in_types, num_states)
    types = body_types(states + states, args + picked(args, a_nz))

    def emit(ins):
        ys, dys = ins[:num_states], ins[num_states:2 * num_states]
        t, rest = ins[2 * num_states], ins[2 * num_states + 1:]
        a, da = rest[:len(args)], rest[len(args):]
        outs, touts = jvp_eval(body, ys + [t] + a,
                               dys + [Zero(t.type)] + fill(da, a_nz, a))
        return outs + [instantiate(dt) for dt in touts]
    return sub_ir(types, emit)


def _rates_at_outputs(body, ys, ts, args) -> list:
    """The right-hand side at every output time, stacked (a scan over them)."""
    def emit(ins):
        a, rows = ins[:len(args)], ins[len(args):]
        return inline(body, rows[:-1] + [rows[-1]] + a)
    step = sub_ir([a.type for a in args] + [row_type(v.type) for v in ys + [ts]], emit)
    _, rates = scan(args, [], ys + [ts], body=step, length=ts.type.shape[0])
    return rates


# -- transpose ---------------------------------------------------------------------------------

def _ode_transpose(cts, *operands, body, num_states, **opts):
    """The transpose of an ode linear in its undefined states and args."""
    states, ts, args = split_ode_operands(operands, num_states)
    if is_undefined(ts):
        raise NotImplementedError("an ode is not linear in its output times")
    a_lin = [is_undefined(a) for a in args]
    s_lin = fixpoint(lambda f: nonzero_tangents(body, f + [False] + a_lin),
                     [is_undefined(s) for s in states])
    nl_states = picked(states, [not lin for lin in s_lin])
    nl_args = picked(args, [not lin for lin in a_lin])
    ct_lin = [instantiate(ct) for ct, lin in zip(cts, s_lin) if lin]
    mu = [zeros(a.type) for a in picked(args, a_lin)]
    length = ts.type.shape[0] - 1
    lam = [_row(ct, length) for ct in ct_lin]
    if length:
        nl_ys = ode(nl_states, ts, nl_args, body=_nonlinear_body(body, s_lin, a_lin), **opts)
        xs = ([slice_axis(y, 0, 1, length + 1) for y in nl_ys]
              + [slice_axis(ts, 0, 1, length + 1), slice_axis(ts, 0, 0, length)]
              + [slice_axis(ct, 0, 0, length) for ct in ct_lin])
        interval = _adjoint_interval(body, s_lin, a_lin, opts, len(nl_args), len(nl_ys), xs)
        carries, _ = scan(nl_args, lam + mu, xs, body=interval, length=length, reverse=True)
        lam, mu = carries[:len(lam)], carries[len(lam):]
    lam_it, mu_it = iter(lam), iter(mu)
    state_cts = [next(lam_it) if lin else None for lin in s_lin]
    return ([ct if is_undefined(s) else None for s, ct in zip(states, state_cts)] + [None]
            + [next(mu_it) if lin else None for lin in a_lin])


def _split_inputs(ins, flags) -> tuple:
    """(the inputs not flagged, those flagged)."""
    return picked(ins, [not f for f in flags]), picked(ins, flags)


def _nonlinear_body(body, s_lin, a_lin):
    """The right-hand side of the non-linear states alone (they do not read
    the linear ones, which are given zeros)."""
    states, t, args = split_ode_operands(body.in_types, len(s_lin))
    nl_states, nl_args = _split_inputs(states, s_lin)[0], _split_inputs(args, a_lin)[0]

    def emit(ins):
        y, t_in, a = split_ode_operands(ins, len(nl_states))
        full = _merged(y, states, s_lin) + [t_in] + _merged(a, args, a_lin)
        return picked(inline(body, full), [not lin for lin in s_lin])
    return sub_ir(body_types(nl_states, nl_args), emit)


def _merged(given, types, linear) -> list:
    """One atom per entry of ``types``: the next of ``given`` where not
    ``linear``, else zeros."""
    it = iter(given)
    return [zeros(t) if lin else next(it) for t, lin in zip(types, linear)]


def _adjoint_body(body, s_lin, a_lin):
    """(non-linear states, lambda, mu, t, non-linear args) -> their
    derivatives: the non-linear states' right-hand side, ``-J^T lambda``
    and ``-(d f/d args)^T lambda``."""
    states, _, args = split_ode_operands(body.in_types, len(s_lin))
    nl_states, lin_states = _split_inputs(states, s_lin)
    nl_args, lin_args = _split_inputs(args, a_lin)
    linear_part = IR(body.inputs, body.eqns, picked(body.outputs, s_lin))
    linear = s_lin + [False] + a_lin
    nl_body = _nonlinear_body(body, s_lin, a_lin)

    def emit(ins):
        it = iter(ins)
        y, lam, _, (t,), a = ([next(it) for _ in group] for group in
                              (nl_states, lin_states, lin_args, [TIME], nl_args))
        rates = inline(nl_body, y + [t] + a)
        adjoint = transpose_inline(linear_part, linear, y + [t] + a, lam)
        return rates + [neg(instantiate(ct)) for ct in adjoint]
    return sub_ir(body_types(nl_states + lin_states + lin_args, nl_args), emit)


def _adjoint_interval(body, s_lin, a_lin, opts, num_args, num_nl, xs):
    """The body of the reverse scan over output intervals: (non-linear args;
    lambda, mu; the non-linear states at the interval's end, its end and
    start times, the cotangents at its start) -> (lambda, mu) at its start."""
    adjoint = _adjoint_body(body, s_lin, a_lin)
    num_lam = sum(s_lin)
    lam_types = adjoint.in_types[num_nl:num_nl + num_lam]
    mu_types = adjoint.in_types[num_nl + num_lam:len(adjoint.out_types)]
    types = (adjoint.in_types[len(adjoint.out_types) + 1:] + lam_types + mu_types
             + [row_type(x.type) for x in xs])

    def emit(ins):
        it = iter(ins)
        a, lam, mu, y_end, (t_end, t_start), ct_start = (
            [next(it) for _ in range(n)] for n in (num_args, num_lam, len(mu_types), num_nl,
                                                   2, num_lam))
        times = concatenate([reshape(t_end, (1,)), reshape(t_start, (1,))], 0)
        solved = ode(y_end + lam + mu, times, a, body=adjoint, **opts)
        at_start = [_row(v, 1) for v in solved[num_nl:]]
        return ([add_tangents(v, ct) for v, ct in zip(at_start[:num_lam], ct_start)]
                + at_start[num_lam:])
    return sub_ir(types, emit)


# -- batching ----------------------------------------------------------------------------------

def _ode_batch(operands, batched, *, body, num_states, **opts):
    s_b, ts_b, a_b = split_ode_operands(batched, num_states)
    if ts_b:
        raise NotImplementedError(
            "vmap over the output times of scipy.integrate.odeint is not supported: batch the "
            "initial values or args, or call odeint once per set of times")
    state_b = fixpoint(lambda f: batched_outputs(body, f + [False] + a_b), s_b)
    new_body, _ = batched_body(body, state_b + [False] + a_b, state_b)
    states, ts, args = split_ode_operands(operands, num_states)
    states = broadcast_to_batch(states, s_b, state_b)
    ys = ode(states, ts, args, body=new_body, **opts)
    return [moveaxis(y, 1, 0) if b else y for y, b in zip(ys, state_b)], state_b


register(ode_p, jvp=_ode_jvp, transpose=_ode_transpose, batch=_ode_batch)
