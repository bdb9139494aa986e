"""The checks of HIPS autograd's test suite, restated for plain NumPy under
numjac (our own code; see README.md in this folder).

``every_combination(fn, argnums)(*arg_lists, **kwarg_lists)`` checks the
derivatives of ``fn`` (orders 1 and 2, forward and reverse, against finite
differences: tests.helpers.check_grads) for every combination of the
listed arguments, differentiating with respect to the positions
``argnums``; a tuple or list there (np.concatenate's sequence) is
differentiated element by element.  The other arguments stay constants.
"""
from __future__ import annotations

import itertools

import numpy as np

from tests.helpers import check_grads

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.normal(size=shape)


def uniform(*shape):
    return RNG.uniform(size=shape)


def mapped(limits, x):
    """``x`` in [0, 1) mapped onto ``limits``."""
    low, high = limits
    return x * (high - low) + low


def _differentiable_leaves(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def check_at(fn, argnums, args, kwargs, order=2):
    """check_grads of ``fn`` at one combination of arguments."""
    args = list(args)
    spans, leaves = [], []
    for i in argnums:
        pieces = [np.asarray(p, dtype=np.float64) for p in _differentiable_leaves(args[i])]
        spans.append((i, len(leaves), len(pieces), isinstance(args[i], (tuple, list))))
        leaves += pieces

    def of_leaves(*values):
        call = list(args)
        for i, start, count, is_sequence in spans:
            part = values[start:start + count]
            call[i] = tuple(part) if is_sequence else part[0]
        return fn(*call, **kwargs)
    check_grads(of_leaves, leaves, order=order)


def every_combination(fn, argnums, order=2):
    def check(*arg_lists, **kwarg_lists):
        keys = list(kwarg_lists)
        for args in itertools.product(*arg_lists):
            for values in itertools.product(*(kwarg_lists[k] for k in keys)):
                check_at(fn, argnums, args, dict(zip(keys, values)), order)
    return check


# -- the families of checks autograd runs on many functions -------------------------------

def statistic(fn):
    """Reductions on a Python float, a 0-d array, vectors and matrices, with
    every axis and keepdims."""
    check = every_combination(fn, (0,))
    check([3.5, normal()])
    check([normal(3), normal(2, 3), normal(1, 3)], axis=[None, 0], keepdims=[True, False])
    check([normal(2, 3), normal(1, 3)], axis=[None, 0, 1], keepdims=[True, False])


def unary(fn, limits=(-2.0, 2.0)):
    """An elementwise function on a scalar, a vector and two matrices."""
    every_combination(fn, (0,))([mapped(limits, 0.4), mapped(limits, uniform(2)),
                                 mapped(limits, uniform(3, 2)), mapped(limits, uniform(1, 2))])


def binary(fn, limits_a=(-2.0, 2.0), limits_b=(-2.0, 2.0)):
    """A broadcasting binary function on every pairing of scalar, vector and
    matrices (the same points on both sides where the limits agree)."""
    base = [0.6, uniform(2), uniform(3, 2), uniform(1, 2)]
    every_combination(fn, (0, 1))([mapped(limits_a, x) for x in base],
                                  [mapped(limits_b, x) for x in base])


def binary_distinct(fn, limits_a=(-2.0, 2.0), limits_b=(-2.0, 2.0)):
    """As ``binary``, with different points on the two sides (for functions
    not differentiable where the arguments are equal, like mod)."""
    every_combination(fn, (0, 1))(
        [mapped(limits_a, 0.6), mapped(limits_a, uniform(2)), mapped(limits_a, uniform(3, 2)),
         mapped(limits_a, uniform(1, 2))],
        [mapped(limits_b, 0.7), mapped(limits_b, uniform(2)), mapped(limits_b, uniform(3, 2)),
         mapped(limits_b, uniform(1, 2))])
