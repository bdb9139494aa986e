"""OP_SPECS rows for the loop primitives (nj.scan, nj.fori_loop,
nj.while_loop, nj.cond): each row's function runs a loop, so the table's
checks (gradients, vmap at every axis, Numba) cover scan, while_loop and
cond with batched, unbatched and closed-over operands.  While loops are
marked non-differentiable here: reverse mode refuses them (forward mode is
checked in tests/frontend/test_loops.py)."""
import numpy as np

import numjac as nj
from tests.op_specs import OpSpec


def scan_rnn(xs, h0):
    def step(h, x):
        h = np.tanh(0.5 * h[::-1] + x)
        return h, np.sum(h * x)
    h, ys = nj.scan(step, h0, xs)
    return h * ys.sum()


def scan_reverse_pytree(xs, w):
    def step(carry, x):
        a, b = carry
        return (a * np.cos(x) + b, b - 0.1 * a), {"a": a * w}
    (a, b), ys = nj.scan(step, (w, 0.5 * w), xs, reverse=True)
    return a + b + ys["a"].sum(axis=0)


def fori_polynomial(x, c):
    return nj.fori_loop(0, 4, lambda i, y: y * x + c[i], np.zeros_like(x))


def fori_checkpointed(x):
    return nj.fori_loop(0, 5, lambda i, y: np.sin(y) * x + x * i * 0.1, x, checkpoint=2)


def cond_on_sum(x, y):
    return nj.cond(np.sum(x) > 0, lambda a, b: np.sin(a) * b, lambda a, b: a - np.exp(b), x, y)


def while_halving(x):
    return nj.while_loop(lambda v: np.max(np.abs(v)) > 0.1, lambda v: v * 0.5, x)


SPECS = [
    OpSpec("loops-scan-rnn", scan_rnn, ((4, 3), (3,))),
    OpSpec("loops-scan-reverse-pytree", scan_reverse_pytree, ((4, 2), (2,))),
    OpSpec("loops-fori_loop", fori_polynomial, ((3,), (4,))),
    OpSpec("loops-fori_loop-checkpoint", fori_checkpointed, ((3,),)),
    OpSpec("loops-cond", cond_on_sum, ((3,), (3,))),
    OpSpec("loops-while_loop", while_halving, ((3,),), differentiable=False),
]
