"""The base family: the four primitives every rule is written with (``add``,
``broadcast_in_dim``, ``reshape``, ``reduce_sum``) and the helpers named for
the algebra, built on them.  Every other family sits above this module; the
elementwise, structural and reductions families re-export these primitives
and ops as their own.

- ``elementwise(name, impl)``: a broadcasting primitive, its op, shape rule,
  NumPy impl and batching rule (``defelementwise`` for one with its own
  shape rule).
- ``defjvp(prim, *tangent_fns)``: the jvp from one tangent function per
  argument; ``deflinear(prim, transpose)``: a primitive linear in its one
  operand (its jvp applies it to the tangent); ``defbilinear(prim,
  transpose)``: linear in each operand with the other fixed.  Each takes
  the stanza's other rules as keywords and closes it with one ``register``.
- ``unbroadcast`` undoes NumPy broadcasting for cotangents in one place
  instead of in every rule; ``zeros``, ``instantiate`` and ``add_tangents``
  handle symbolic ``Zero`` tangents.
- ``elementwise_batch_rule``, ``reduction_batch_rule`` and ``batched_axes``
  move axis numbers behind the batch axis.
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType, Lit, Var
from ..builder import bind
from ..rules import Primitive, Zero, elementwise_primitives, is_undefined, register


# -- ops: scalars become literals ------------------------------------------------

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


# -- tangents and cotangents -----------------------------------------------------

def zeros(atype: AType):
    """An atom holding zeros of ``atype`` (what a symbolic Zero becomes)."""
    return broadcast_to(Lit(0, atype.dtype), atype.shape)


def instantiate(t):
    return zeros(t.type) if isinstance(t, Zero) else t


def add_tangents(a, b):
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    return add(a, b)


def unbroadcast(ct, atype: AType):
    """Sum ``ct`` over the axes NumPy broadcasting added to reach ``atype``."""
    shape = ct.type.shape
    lead = len(shape) - atype.ndim
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(atype.shape) if n == 1 and shape[lead + i] != 1)
    return reshape(reduce_sum(ct, axes), atype.shape)


# -- derivative rules from the algebra -----------------------------------------

def defjvp(prim, *tangent_fns, **rules):
    """Register the jvp of ``prim`` from one function per argument, and
    ``rules`` (shape=, transpose=, ... as ``register`` takes them).

    Each ``fn(t, ans, *primals, **params)`` gives the tangent contribution of
    its argument, linear in ``t``; None marks an argument with no derivative.
    """
    def jvp_rule(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        total = Zero(ans.type)
        for fn, t in zip(tangent_fns, tangents):
            if fn is None or isinstance(t, Zero):
                continue
            contribution = broadcast_to(fn(t, ans, *primals, **params), ans.type.shape)
            total = add_tangents(total, contribution)
        return ans, total
    jvp_rule.__name__ = f"{prim.name}_jvp"
    register(prim, jvp=jvp_rule, **rules)


def deflinear(prim, transpose, **rules):
    """Register ``prim``, linear in its single array operand: its jvp applies
    it to the tangent; ``transpose`` and ``rules`` as ``register`` takes them."""
    def jvp_rule(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        (t,) = tangents
        if isinstance(t, Zero):
            return ans, Zero(ans.type)
        return ans, bind(prim, t, **params)
    jvp_rule.__name__ = f"{prim.name}_jvp"
    register(prim, jvp=jvp_rule, transpose=transpose, **rules)


def defbilinear(prim, transpose, **rules):
    """Register ``prim``, linear in each of its two operands with the other
    fixed: the tangent of ``prim(x, y)`` is ``prim(tx, y) + prim(x, ty)``."""
    def lhs_tangent(t, ans, x, y, **params):
        return bind(prim, t, y, **params)

    def rhs_tangent(t, ans, x, y, **params):
        return bind(prim, x, t, **params)
    defjvp(prim, lhs_tangent, rhs_tangent, transpose=transpose, **rules)


# -- batching ------------------------------------------------------------------

def batched_axes(axes) -> tuple:
    """Axis numbers as seen with a batch axis in front."""
    return tuple(a + 1 for a in axes)


def move_batch_axis_for_rank(x, batched: bool, rank: int):
    """Insert unit axes after the batch axis so ``x`` broadcasts at ``rank``."""
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
    return batch_rule


def reduction_batch_rule(prim):
    """Batching for ``prim[axes]``: the same reduction one axis further on."""
    def batch_rule(args, batched, *, axes, **params):
        return bind(prim, args[0], axes=batched_axes(axes), **params), True
    batch_rule.__name__ = f"{prim.name}_batch"
    return batch_rule


# -- elementwise primitives ----------------------------------------------------

def broadcast_type(*types, dtype=None):
    """The type NumPy broadcasting gives operands of one dtype."""
    dtypes = {t.dtype for t in types}
    if len(dtypes) != 1:
        raise TypeError(f"operands must share one dtype, got {sorted(map(str, dtypes))}")
    shape = np.broadcast_shapes(*(t.shape for t in types))
    return AType(dtype or types[0].dtype, shape)


def _same_dtype_rule(*types):
    return broadcast_type(*types)


def _bool_rule(*types):
    return broadcast_type(*types, dtype=np.bool_)


def defelementwise(prim, shape, impl, **rules):
    """Register a broadcasting primitive: batching aligns the operands'
    ranks, and constant folding may evaluate it on scalars."""
    elementwise_primitives.add(prim)
    register(prim, shape=shape, impl=impl, batch=elementwise_batch_rule(prim), **rules)


def elementwise(name, impl, predicate=False, differentiable=True):
    """A broadcasting primitive computed by the NumPy function ``impl``, and
    its op; a predicate gives bools and has no derivative."""
    prim = Primitive(name)
    defelementwise(prim, _bool_rule if predicate else _same_dtype_rule, impl,
                   differentiable=differentiable and not predicate)
    return prim, make_op(prim)

# ------------------------------------------------------------------- add ----

add_p, add = elementwise("add", np.add)
def _add_tangent(t, ans, x, y):
    return t
def _add_transpose(ct, x, y):
    return [unbroadcast(ct, v.type) if is_undefined(v) else None for v in (x, y)]
defjvp(add_p, _add_tangent, _add_tangent, transpose=_add_transpose)

# ------------------------------------------------------ broadcast_in_dim ----

broadcast_in_dim_p = Primitive("broadcast_in_dim")
def broadcast_in_dim(x, shape, dims):
    shape, dims = tuple(shape), tuple(dims)
    if x.type.shape == shape and dims == tuple(range(len(shape))):
        return x
    return bind(broadcast_in_dim_p, x, shape=shape, dims=dims)
def broadcast_to(x, shape):
    """NumPy's broadcast_to: operand axes align with the trailing axes."""
    shape = tuple(shape)
    lead = len(shape) - x.type.ndim
    return broadcast_in_dim(x, shape, range(lead, len(shape)))
def _broadcast_in_dim_shape(x, *, shape, dims):
    if len(dims) != x.ndim or any(x.shape[i] not in (1, shape[d]) for i, d in enumerate(dims)):
        raise ValueError(f"cannot broadcast {x} to {shape} along dims {dims}")
    return AType(x.dtype, shape)
def _broadcast_in_dim_impl(x, *, shape, dims):
    expanded = [1] * len(shape)
    for i, d in enumerate(dims):
        expanded[d] = x.shape[i]
    return np.broadcast_to(np.reshape(x, expanded), shape)
def _broadcast_in_dim_transpose(ct, x, *, shape, dims):
    new_axes = tuple(d for d in range(len(shape)) if d not in dims)
    stretched = tuple(d for i, d in enumerate(dims) if x.type.shape[i] == 1 and shape[d] != 1)
    summed = reduce_sum(ct, tuple(sorted(new_axes + stretched)))
    return [reshape(summed, x.type.shape)]
def _broadcast_in_dim_batch(args, batched, *, shape, dims):
    (x,) = args
    return broadcast_in_dim(x, (x.type.shape[0],) + shape, (0,) + batched_axes(dims)), True
deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose, shape=_broadcast_in_dim_shape,
          impl=_broadcast_in_dim_impl, batch=_broadcast_in_dim_batch)

# --------------------------------------------------------------- reshape ----

reshape_p = Primitive("reshape")
def reshape(x, shape):
    shape = tuple(int(d) for d in shape)
    if x.type.shape == shape:
        return x
    return bind(reshape_p, x, shape=shape)
def _reshape_shape(x, *, shape):
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"cannot reshape {x} to {shape}")
    return AType(x.dtype, shape)
def _reshape_impl(x, *, shape):
    return np.reshape(x, shape)
def _reshape_transpose(ct, x, *, shape):
    return [reshape(ct, x.type.shape)]
def _reshape_batch(args, batched, *, shape):
    (x,) = args
    return reshape(x, (x.type.shape[0],) + shape), True
deflinear(reshape_p, _reshape_transpose, shape=_reshape_shape, impl=_reshape_impl,
          batch=_reshape_batch)

# ------------------------------------------------------------ reduce_sum ----

def reduced_type(x, axes, dtype=None):
    """The type of ``x`` reduced over ``axes`` (no keepdims)."""
    if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ValueError(f"bad reduction axes {axes} for {x}")
    shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return AType(dtype or x.dtype, shape)


def kept_axes(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


def bind_reduction(prim, x, axes):
    """``prim[axes] x`` with sorted axes; no axes is no reduction."""
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return bind(prim, x, axes=axes)


def expand_reduced(y, x, axes):
    """``y``, a reduction of ``x`` over ``axes``, broadcast back to x's shape."""
    return broadcast_in_dim(y, x.type.shape, kept_axes(x.type.ndim, axes))


reduce_sum_p = Primitive("reduce_sum")
def reduce_sum(x, axes):
    return bind_reduction(reduce_sum_p, x, axes)
def _reduce_sum_shape(x, *, axes):
    return reduced_type(x, axes)
def _reduce_sum_impl(x, *, axes):
    return np.sum(x, axis=axes, dtype=x.dtype)
def _reduce_sum_transpose(ct, x, *, axes):
    return [expand_reduced(ct, x, axes)]
deflinear(reduce_sum_p, _reduce_sum_transpose, shape=_reduce_sum_shape,
          impl=_reduce_sum_impl, batch=reduction_batch_rule(reduce_sum_p))
