"""Reductions over static axes (no keepdims: the tracer reshapes) and scans.
``reduce_sum``, which every rule needs, lives in the base family and is
re-exported here with its helpers.

Max and min spread the tangent evenly over tied positions.  Prod and cumprod
differentiate through leave-one-out products (``_leave_one_out``), never
dividing by the input, so zeros in the input need no special case and the
derivatives of the derivatives stay exact.
"""
from __future__ import annotations

import math

import numpy as np

from ..builder import bind
from ..rules import Primitive, Zero, register
from .base import reduce_sum, reduce_sum_p  # noqa: F401  (re-exported: a member of this family)
from .base import (bind_reduction, deflinear, expand_reduced, kept_axes, reduced_type,
                   reduction_batch_rule)
from .elementwise import div, eq, le, mul, select
from .structural import broadcast_in_dim, convert, eye, iota, moveaxis, reshape, transpose


def _nonempty_reduced_type(x, axes, dtype=None):
    """The reduced type for reductions with no identity (max, argmax, ...)."""
    out = reduced_type(x, axes, dtype)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"zero-size array to a reduction with no identity: axes {axes} of {x}")
    return out


def axis_batch_rule(prim):
    """Batching for ``prim[axis]`` (arg-reductions, scans): one axis further on."""
    def batch_rule(args, batched, *, axis, **params):
        return bind(prim, args[0], axis=axis + 1, **params), True
    batch_rule.__name__ = f"{prim.name}_batch"
    return batch_rule


def _leave_one_out(v):
    """``out[..., j, i] = v[..., i]``, with ones on the diagonal ``i == j``.

    Row ``j`` is the group ``v[..., :]`` with element ``j`` left out, so a
    product along the last axis is the product of the others: exact with
    zeros, unlike ``prod / v[j]``, and its own derivative is again such a
    product.  The price is O(n^2) work for a group of n (a backend that folds
    the broadcast and the select into indexing allocates nothing).  An O(n)
    form multiplies exclusive running products from both ends; it needs a
    shift (slice or pad), which the primitive set does not have yet.
    """
    *lead, n = v.type.shape
    spread = broadcast_in_dim(v, (*lead, n, n), tuple(range(len(lead))) + (len(lead) + 1,))
    return select(eye(np.bool_, n), 1, spread)


# ------------------------------------------------ reduce_max, reduce_min ----

def _extremum_shape(x, *, axes):
    return _nonempty_reduced_type(x, axes)


def _extremum_jvp(prim):
    """jvp of a max or min: the mean tangent over the positions attaining it.

    Tied positions share the tangent equally (as in JAX); for a tie of two
    this is also what a central difference measures.  A NaN result has no
    position equal to it and gets a NaN tangent.
    """
    def jvp_rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = bind(prim, x, axes=axes)
        if isinstance(t, Zero):
            return ans, Zero(ans.type)
        hits = convert(eq(x, expand_reduced(ans, x, axes)), t.type.dtype)
        return ans, div(reduce_sum(mul(t, hits), axes), reduce_sum(hits, axes))
    jvp_rule.__name__ = f"{prim.name}_jvp"
    return jvp_rule


reduce_max_p = Primitive("reduce_max")
def reduce_max(x, axes):
    """NumPy's max over ``axes``: NaN propagates; on bool it is ``any``."""
    return bind_reduction(reduce_max_p, x, axes)
def _reduce_max_impl(x, *, axes):
    return np.max(x, axis=axes)
register(reduce_max_p, shape=_extremum_shape, impl=_reduce_max_impl,
         jvp=_extremum_jvp(reduce_max_p), batch=reduction_batch_rule(reduce_max_p))

reduce_min_p = Primitive("reduce_min")
def reduce_min(x, axes):
    """NumPy's min over ``axes``: NaN propagates; on bool it is ``all``."""
    return bind_reduction(reduce_min_p, x, axes)
def _reduce_min_impl(x, *, axes):
    return np.min(x, axis=axes)
register(reduce_min_p, shape=_extremum_shape, impl=_reduce_min_impl,
         jvp=_extremum_jvp(reduce_min_p), batch=reduction_batch_rule(reduce_min_p))

# ----------------------------------------------------------- reduce_prod ----

def _products_of_others(x, axes):
    """For each element of ``x``, the product of the other elements of its
    reduction group (the reduced axes moved last and flattened)."""
    shape = x.type.shape
    kept = kept_axes(len(shape), axes)
    lead = tuple(shape[a] for a in kept)
    group = tuple(shape[a] for a in axes)
    rows = reshape(transpose(x, kept + axes), lead + (math.prod(group),))
    others = reduce_prod(_leave_one_out(rows), (len(lead) + 1,))
    return transpose(reshape(others, lead + group), np.argsort(kept + axes))


reduce_prod_p = Primitive("reduce_prod")
def reduce_prod(x, axes):
    return bind_reduction(reduce_prod_p, x, axes)
def _reduce_prod_shape(x, *, axes):
    return reduced_type(x, axes)
def _reduce_prod_impl(x, *, axes):
    return np.prod(x, axis=axes, dtype=x.dtype)
def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    ans = reduce_prod(x, axes)
    if isinstance(t, Zero):
        return ans, Zero(ans.type)
    return ans, reduce_sum(mul(t, _products_of_others(x, axes)), axes)
register(reduce_prod_p, shape=_reduce_prod_shape, impl=_reduce_prod_impl,
         jvp=_reduce_prod_jvp, batch=reduction_batch_rule(reduce_prod_p))

# ------------------------------------------------------- argmax, argmin ----

def _arg_reduction_shape(x, *, axis):
    return _nonempty_reduced_type(x, (axis,), np.int64)


argmax_p = Primitive("argmax")
def argmax(x, axis):
    """Index of the first maximum along ``axis`` (of the first NaN, if any)."""
    return bind(argmax_p, x, axis=int(axis))
def _argmax_impl(x, *, axis):
    return np.argmax(x, axis=axis)
register(argmax_p, shape=_arg_reduction_shape, impl=_argmax_impl,
         batch=axis_batch_rule(argmax_p), differentiable=False)

argmin_p = Primitive("argmin")
def argmin(x, axis):
    """Index of the first minimum along ``axis`` (of the first NaN, if any)."""
    return bind(argmin_p, x, axis=int(axis))
def _argmin_impl(x, *, axis):
    return np.argmin(x, axis=axis)
register(argmin_p, shape=_arg_reduction_shape, impl=_argmin_impl,
         batch=axis_batch_rule(argmin_p), differentiable=False)

# ---------------------------------------------------------------- cumsum ----

def _scan_shape(x, *, axis, **params):
    if not 0 <= axis < x.ndim:
        raise ValueError(f"bad scan axis {axis} for {x}")
    return x


cumsum_p = Primitive("cumsum")
def cumsum(x, axis, reverse=False):
    """Running sums along ``axis``; ``reverse`` runs from the end."""
    if x.type.shape[axis] <= 1:
        return x
    return bind(cumsum_p, x, axis=int(axis), reverse=bool(reverse))
def _cumsum_impl(x, *, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
    return np.cumsum(x, axis=axis, dtype=x.dtype)
def _cumsum_transpose(ct, x, *, axis, reverse):
    # out[k] sums x[j] for j <= k, so x[j] collects ct[k] for k >= j.
    return [cumsum(ct, axis, not reverse)]
deflinear(cumsum_p, _cumsum_transpose, shape=_scan_shape, impl=_cumsum_impl,
          batch=axis_batch_rule(cumsum_p))

# --------------------------------------------------------------- cumprod ----

def _cumprod_partials(v):
    """``out[..., j, k] = d cumprod(v)[..., k] / d v[..., j]``: the product of
    ``v[..., :k+1]`` without element j where ``j <= k``, else 0."""
    n = v.type.shape[-1]
    running = cumprod(_leave_one_out(v), v.type.ndim)
    upper = le(iota(np.int64, (n, n), 0), iota(np.int64, (n, n), 1))
    return select(upper, running, 0)


cumprod_p = Primitive("cumprod")
def cumprod(x, axis):
    """Running products along ``axis``."""
    if x.type.shape[axis] <= 1:
        return x
    return bind(cumprod_p, x, axis=int(axis))
def _cumprod_impl(x, *, axis):
    return np.cumprod(x, axis=axis, dtype=x.dtype)
def _cumprod_jvp(primals, tangents, *, axis):
    (x,), (t,) = primals, tangents
    ans = cumprod(x, axis)
    if isinstance(t, Zero):
        return ans, Zero(ans.type)
    last = x.type.ndim - 1
    partials = _cumprod_partials(moveaxis(x, axis, last))
    spread = broadcast_in_dim(moveaxis(t, axis, last), partials.type.shape, range(last + 1))
    return ans, moveaxis(reduce_sum(mul(spread, partials), (last,)), last, axis)
register(cumprod_p, shape=_scan_shape, impl=_cumprod_impl, jvp=_cumprod_jvp,
         batch=axis_batch_rule(cumprod_p))
