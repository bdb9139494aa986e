"""Helpers named for the algebra, shared by the primitive families.

``defjvp`` builds a jvp rule from one tangent function per argument,
``elementwise_batch_rule`` is the batching rule of every broadcasting
primitive, and ``unbroadcast`` undoes NumPy broadcasting for cotangents in
one place instead of in every rule.
"""
from __future__ import annotations

import numpy as np

from ..builder import bind
from ..ir import AType, Lit, Var
from ..rules import (Zero, batch_rules, jvp_rules, linear_primitives,
                     non_differentiable)


def as_atom(x, dtype):
    """Python and NumPy scalars become literals of ``dtype``; atoms pass."""
    if isinstance(x, (Var, Lit)):
        return x
    return Lit(x, dtype)


def common_dtype(args):
    for a in args:
        if isinstance(a, (Var, Lit)):
            return a.type.dtype
    return np.result_type(*args)


def make_op(prim):
    """The op that binds ``prim``, turning scalar arguments into literals."""
    def op(*args, **params):
        dtype = common_dtype(args)
        return bind(prim, *(as_atom(a, dtype) for a in args), **params)
    op.__name__ = prim.name
    op.__doc__ = f"Bind the `{prim.name}` primitive."
    return op


def zeros(atype: AType):
    """An atom holding zeros of ``atype`` (what a symbolic Zero becomes)."""
    from .structural import broadcast_to
    return broadcast_to(Lit(0, atype.dtype), atype.shape)


def instantiate(t):
    return zeros(t.type) if isinstance(t, Zero) else t


def add_tangents(a, b):
    from .elementwise import add
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    return add(a, b)


def unbroadcast(ct, atype: AType):
    """Sum ``ct`` over the axes NumPy broadcasting added to reach ``atype``."""
    from .reductions import reduce_sum
    from .structural import reshape
    shape = ct.type.shape
    lead = len(shape) - atype.ndim
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(atype.shape) if n == 1 and shape[lead + i] != 1)
    return reshape(reduce_sum(ct, axes), atype.shape)


def defjvp(prim, *tangent_fns):
    """Register the jvp of ``prim`` from one function per argument.

    Each ``fn(t, ans, *primals, **params)`` gives the tangent contribution of
    its argument, linear in ``t``; None marks an argument with no derivative.
    """
    def jvp_rule(primals, tangents, **params):
        from .structural import broadcast_to
        ans = bind(prim, *primals, **params)
        total = Zero(ans.type)
        for fn, t in zip(tangent_fns, tangents):
            if fn is None or isinstance(t, Zero):
                continue
            contribution = broadcast_to(fn(t, ans, *primals, **params), ans.type.shape)
            total = add_tangents(total, contribution)
        return ans, total
    jvp_rule.__name__ = f"{prim.name}_jvp"
    jvp_rules[prim] = jvp_rule


def defnondiff(prim):
    """Mark ``prim`` as having no derivative (its tangent is always zero)."""
    non_differentiable.add(prim)


def move_batch_axis_for_rank(x, batched: bool, rank: int):
    """Insert unit axes after the batch axis so ``x`` broadcasts at ``rank``."""
    from .structural import reshape
    if not batched or x.type.ndim - 1 == rank:
        return x
    shape = x.type.shape
    return reshape(x, (shape[0],) + (1,) * (rank - len(shape) + 1) + shape[1:])


def elementwise_batch_rule(prim):
    """Batching for broadcasting primitives: align ranks, then bind."""
    def batch_rule(args, batched, **params):
        rank = max(a.type.ndim - int(b) for a, b in zip(args, batched))
        aligned = [move_batch_axis_for_rank(a, b, rank) for a, b in zip(args, batched)]
        return bind(prim, *aligned, **params), True
    batch_rule.__name__ = f"{prim.name}_batch"
    batch_rules[prim] = batch_rule


def deflinear(prim):
    """jvp of a primitive linear in its single array operand: apply it to t."""
    def jvp_rule(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        (t,) = tangents
        if isinstance(t, Zero):
            return ans, Zero(ans.type)
        return ans, bind(prim, t, **params)
    jvp_rule.__name__ = f"{prim.name}_jvp"
    jvp_rules[prim] = jvp_rule
    linear_primitives.add(prim)
