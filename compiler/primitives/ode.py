"""The ODE solve whose right-hand side is a sub-IR: ``ode`` (the primitive of
``scipy.integrate.odeint`` inside a traced function).

``ode[body, num_states, rtol, atol, mxstep, hmax, h0] y0s... ts args...``
integrates ``dy/dt = body(ys..., t, args...)`` (``body`` returns one
derivative per state, of its state's type) from ``ts[0]``, and returns each
state at every time of ``ts`` (a 1-D float64, monotonic either way), stacked
along a new axis 0, as odeint does: row 0 is the initial value.  The
backends (runtime/ode_solver.py, runtime/lowering/ode.py) run an explicit
Dormand-Prince 5(4) method with error control: a step is kept when every
state element's error estimate is at most ``atol + rtol * |y|``; more than
``mxstep`` steps between two output times is an error (a stiff problem).
``hmax`` (0: none) caps the step, ``h0`` (0: chosen) is the first step.

Its transform rules (compiler/passes/ode_rules.py) run the passes on the
body: forward sensitivities for jvp, the adjoint method for the transpose.
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, register
from .loops import stacked_type

ode_p = Primitive("ode", multiple_results=True)

TIME = AType(np.float64, ())


def ode(states, ts, args, *, body, rtol, atol, mxstep, hmax=0.0, h0=0.0) -> list:
    """Bind ``ode``; returns each state's values at the times ``ts``."""
    return list(bind(ode_p, *states, ts, *args, body=body, num_states=len(states),
                     rtol=float(rtol), atol=float(atol), mxstep=int(mxstep),
                     hmax=float(hmax), h0=float(h0)))


def split_ode_operands(operands, num_states) -> tuple:
    """(states, ts, args) of an ode's operand list (or of its body's inputs)."""
    return (list(operands[:num_states]), operands[num_states],
            list(operands[num_states + 1:]))


def body_types(state_types, arg_types) -> list:
    """The input types of a right-hand side: the states, the time, the args."""
    return list(state_types) + [TIME] + list(arg_types)


def _ode_shape(*in_types, body, num_states, rtol, atol, mxstep, hmax, h0):
    if not 0 < num_states < len(in_types) or mxstep <= 0 or min(rtol, atol, hmax, h0) < 0:
        raise ValueError(f"bad ode params: {num_states} states of {len(in_types)} operands, "
                         f"rtol={rtol}, atol={atol}, mxstep={mxstep}, hmax={hmax}, h0={h0}")
    states, ts, args = split_ode_operands(in_types, num_states)
    if ts.ndim != 1 or ts.dtype != np.float64 or ts.shape[0] < 1:
        raise TypeError(f"ode times must be a non-empty float64[n], got {ts}")
    if any(s.dtype != np.float64 for s in states):
        raise TypeError(f"ode states must be float64, got {states}")
    expected = body_types(states, args)
    if body.in_types != expected or body.out_types != states:
        raise TypeError(f"ode body must map ({', '.join(map(str, expected))}) to the state "
                        f"types ({', '.join(map(str, states))}), got {body.in_types} to "
                        f"{body.out_types}")
    return [stacked_type(s, ts.shape[0]) for s in states]


register(ode_p, shape=_ode_shape)
