"""The reference interpreter's ``ode`` (compiler/primitives/ode.py): the
explicit Dormand-Prince 5(4) pair with error control, in NumPy, calling the
interpreter on the right-hand side.  runtime/lowering/ode.py emits the same
algorithm, step for step, into Numba kernels; the tableau and the step
control below are shared.

A step of size h from (t, y) evaluates the right-hand side at seven stages
(the seventh at the fifth-order solution itself); it is kept when every
element's error estimate is at most ``atol + rtol * max(|y|, |y_new|)``
(a max norm: a batch of systems, solved together, keeps each one's
accuracy), and the next h is the last one scaled by
``0.9 * err ** -0.2``, within [0.2, 10] (at most 1 after a rejection).
Steps stop exactly at each output time."""
from __future__ import annotations

import numpy as np

from ..compiler.primitives.ode import ode_p, split_ode_operands
from .interpreter import higher_order_impls

STAGES = 7
NODES = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_ROWS = ((),
         (1 / 5,),
         (3 / 40, 9 / 40),
         (44 / 45, -56 / 15, 32 / 9),
         (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
         (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
         (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84))
# The tableau as a 7x7 lower-triangular table, flattened row by row.
COUPLING = tuple(row[j] if j < len(row) else 0.0 for row in _ROWS for j in range(STAGES))
# Fifth- minus fourth-order weights: the error estimate's.
ERROR_WEIGHTS = (35 / 384 - 5179 / 57600, 0.0, 500 / 1113 - 7571 / 16695,
                 125 / 192 - 393 / 640, -2187 / 6784 + 92097 / 339200, 11 / 84 - 187 / 2100,
                 -1 / 40)
SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0
FIRST_STEP = 1e-6    # of the whole time span, when h0 is not given (grows 10x a step)
BUDGET_ERROR = ("scipy.integrate.odeint: more than mxstep steps between two output times; "
                "the problem may be stiff, which numjac's explicit Dormand-Prince solver "
                "cannot integrate (pass a larger mxstep, looser rtol/atol, or more output "
                "times)")


def first_step(ts, h0, hmax) -> float:
    h = h0 if h0 > 0 else FIRST_STEP * abs(ts[-1] - ts[0])
    return min(h, hmax) if hmax > 0 else h


def next_step(h, err, accepted, hmax) -> float:
    """The size of the next step after one of size ``h`` (> 0) with error ``err``."""
    if err > 0:
        factor = min(MAX_FACTOR, max(MIN_FACTOR, SAFETY * err ** -0.2))
    else:
        factor = MAX_FACTOR if err == 0 else MIN_FACTOR     # NaN: shrink
    h *= factor if accepted else min(factor, 1.0)
    return min(h, hmax) if hmax > 0 else h


def _error(step, rates, y, new, rtol, atol) -> float:
    """The largest scaled error estimate of one state (NaN if any is)."""
    estimate = step * sum(w * k for w, k in zip(ERROR_WEIGHTS, rates))
    return np.max(np.abs(estimate) / (atol + rtol * np.maximum(np.abs(y), np.abs(new))),
                  initial=0.0)


def _solve(evaluate, *operands, body, num_states, rtol, atol, mxstep, hmax, h0):
    states, ts, args = split_ode_operands(operands, num_states)
    ys = [np.empty(ts.shape + s.shape) for s in states]
    y = [np.array(s, dtype=np.float64) for s in states]
    for out, value in zip(ys, y):
        out[0] = value
    t, h = float(ts[0]), first_step(ts, h0, hmax)
    rates = [[None] * STAGES for _ in states]
    for i in range(1, len(ts)):
        t_end, steps = float(ts[i]), 0
        direction = 1.0 if t_end >= t else -1.0
        while (t_end - t) * direction > 0:
            if steps == mxstep:
                raise RuntimeError(BUDGET_ERROR)
            steps += 1
            last = h >= abs(t_end - t)
            step = t_end - t if last else h * direction
            for s in range(STAGES):
                stage = [yk + step * sum(COUPLING[s * STAGES + j] * kk[j] for j in range(s))
                         for yk, kk in zip(y, rates)] if s else y
                derivs = evaluate(body, *stage, np.float64(t + NODES[s] * step), *args)
                for kk, d in zip(rates, derivs):
                    kk[s] = d
            err = float(np.max([_error(step, kk, yk, new, rtol, atol)
                                for yk, kk, new in zip(y, rates, stage)]))
            accepted = err <= 1.0
            if accepted:
                t, y = (t_end if last else t + step), stage
            h = next_step(abs(step), err, accepted, hmax)
        for out, value in zip(ys, y):
            out[i] = value
    return tuple(ys)


higher_order_impls[ode_p] = _solve
