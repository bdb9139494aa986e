"""Reductions over static axes (no keepdims: the tracer reshapes) and scans."""
from __future__ import annotations

import numpy as np

from ..builder import bind
from ..ir import AType
from ..rules import Primitive, batch_rules, impls, shape_rules, transpose_rules
from .helpers import deflinear
from .structural import _shift, broadcast_in_dim


def _reduced_type(x, axes, dtype=None):
    if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ValueError(f"bad reduction axes {axes} for {x}")
    shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return AType(dtype or x.dtype, shape)


def kept_axes(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


def reduction_batch_rule(prim):
    """Batching for ``prim[axes]``: the same reduction one axis further on."""
    def batch_rule(args, batched, *, axes, **params):
        return bind(prim, args[0], axes=_shift(axes), **params), True
    batch_rule.__name__ = f"{prim.name}_batch"
    batch_rules[prim] = batch_rule


# ------------------------------------------------------------ reduce_sum ----

reduce_sum_p = Primitive("reduce_sum")
def reduce_sum(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return bind(reduce_sum_p, x, axes=axes)
def _reduce_sum_shape(x, *, axes):
    return _reduced_type(x, axes)
def _reduce_sum_impl(x, *, axes):
    return np.sum(x, axis=axes, dtype=x.dtype)
def _reduce_sum_transpose(ct, x, *, axes):
    shape = x.type.shape
    return [broadcast_in_dim(ct, shape, kept_axes(len(shape), axes))]
shape_rules[reduce_sum_p] = _reduce_sum_shape
impls[reduce_sum_p] = _reduce_sum_impl
deflinear(reduce_sum_p)
transpose_rules[reduce_sum_p] = _reduce_sum_transpose
reduction_batch_rule(reduce_sum_p)
