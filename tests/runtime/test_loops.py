"""The Numba lowering of scan, while_loop and cond (runtime/lowering/loops.py)
agrees with the interpreter, and emits each body once whatever the trip
count (the loops themselves: tests/frontend/test_loops.py)."""
import re

import numpy as np
import pytest

import numjac as nj
from tests.frontend.test_loops import CASES, X3, XS, loop_in_cond, nested, rnn, while_fn
from tests.helpers import check_backends


@pytest.mark.parametrize("name", CASES)
def test_loops_on_numba_match_the_interpreter(name):
    fn, _, args = CASES[name]
    check_backends(fn, args)


BATCH = np.stack([X3, -X3, 0.2 * X3])

TRANSFORMED = {
    "jacrev": (nj.jacrev(rnn, argnums=(0, 1)), (XS, X3)),
    "jacfwd": (nj.jacfwd(rnn, argnums=1), (XS, X3)),
    "vmap": (nj.vmap(rnn, (None, 0)), (XS, BATCH)),
    "grad": (nj.grad(lambda xs, h: rnn(xs, h).sum(), argnums=1), (XS, X3)),
    "grad-checkpoint": (nj.grad(lambda xs, h: nj.scan(lambda c, x: (np.sin(c) * x, c), h, xs,
                                                      checkpoint=2)[1].sum(), argnums=1),
                        (XS, X3)),
    "nested": (nested, (X3,)),
    "loop-in-cond": (loop_in_cond, (X3,)),
    "jacfwd-while": (nj.jacfwd(while_fn), (X3,)),
    "vmap-while": (nj.vmap(while_fn), (BATCH,)),
    "vmap-cond": (nj.vmap(lambda x: nj.cond(x[0] > 0, np.sin, np.cos, x)), (BATCH,)),
}


@pytest.mark.parametrize("name", TRANSFORMED)
def test_transformed_and_nested_loops_on_numba_match_the_interpreter(name):
    fn, args = TRANSFORMED[name]
    check_backends(fn, args)


def test_the_body_is_emitted_once_whatever_the_trip_count():
    def source(n):
        def f(x):
            return nj.fori_loop(0, n, lambda i, y: np.sin(y) * x + i, x)
        return nj.jit(f).lower(X3).source
    short, long = source(10), source(1000)
    assert short.count("math.sin(") == long.count("math.sin(") == 1
    assert len(long.splitlines()) == len(short.splitlines())


M = np.random.default_rng(5).normal(size=(3, 3)) / 2


def swapping_carries(x):
    """Carries the body makes anew (their buffers swapped, not copied), one
    also a y, and two carries exchanged."""
    def body(carry, _):
        a, b, c, d = carry
        new = np.tanh(M @ a + b)
        return (new, c, b, np.sin(d) + new), new
    init = (x, 0.5 * x, -x, x * x)
    (a, b, c, d), ys = nj.scan(body, init, None, length=5)
    return a + 2 * b + 3 * c + 4 * d, ys


def test_carries_swapped_with_the_body_arrays_match_the_interpreter():
    x = np.linspace(-1.0, 1.0, 3)
    check_backends(swapping_carries, (x,))
    swaps = re.findall(r"^\s+(\w+), (\w+) = \2, \1$", nj.jit(swapping_carries).lower(x).source,
                       re.MULTILINE)
    assert len(swaps) == 2
    check_backends(nj.jacrev(lambda x: swapping_carries(x)[0]), (x,))
