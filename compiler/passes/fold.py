"""Constant folding and algebraic identities.

Transforms emit IR mechanically: a jvp multiplies by a broadcast 1.0, the
basis of a scalar output is a 1x1 identity, ``x ** 2`` differentiates into
``pow x (2.0 - 1.0)``.  This pass tracks values known to be one scalar
repeated (a literal, or a broadcast of one) and rewrites:

- elementwise operations, conversions and reshapes of known values into
  known values, and an ``iota`` along an axis of length 1 into zeros;
- a known operand that does not set the result's shape into a literal;
- ``x * 1``, ``x / 1``, ``x + 0``, ``x - 0``, ``x ** 1`` into ``x``;
  ``x ** 2`` into ``x * x``; ``x ** 0`` into ones; ``select`` on a known
  predicate into the chosen branch;
- ``select(scatter(false, i, true), scatter(_, i, u), x)`` (an element
  assignment ``y[i] = u`` in a re-rolled loop) into ``scatter(x, i, u)``,
  and ``x + scatter_add(i, u)`` at one index ``i`` (its transpose) into
  ``scatter(x, i, take(x, i) + u)``: one pass where there were three.

Rewrites keep every type, and never assume ``x * 0 == 0`` (inf and NaN).
"""
from __future__ import annotations

import numpy as np

from ..builder import Builder, bind
from ..ir import IR, Lit, Var
from ..primitives import elementwise as E
from ..primitives.indexing import scatter, scatter_add_p, scatter_p, take
from ..primitives.structural import (broadcast_in_dim_p, broadcast_to, convert_p,
                                     iota_p, reshape_p, transpose_p)
from ..rules import elementwise_primitives, impls
from .diagonal import diagonal_product

_SHAPE_ONLY = {broadcast_in_dim_p, reshape_p, transpose_p}


def fold(ir: IR) -> IR:
    builder = Builder()
    with builder:
        env = {v: builder.new_input(v.type) for v in ir.inputs}
        known: dict = {}   # new var -> the scalar Lit it repeats
        producers: dict = {}   # new var -> its equation in the new IR

        def read(atom):
            return atom if isinstance(atom, Lit) else env[atom]

        for eqn in ir.eqns:
            ins = [read(a) for a in eqn.inputs]
            emitted = len(builder.eqns)
            out = None if eqn.prim.multiple_results else (
                _rewrite(eqn, ins, known) or _rewrite_sign(eqn, ins, known, producers)
                or _masked_scatter(eqn, ins, known, producers)
                or _added_at_one_index(eqn, ins, producers)
                or diagonal_product(eqn, ins, producers))
            if out is None:
                outs = builder.add_eqn(eqn.prim, ins, eqn.params, [v.type for v in eqn.outs])
            else:
                outs = (out,)
            producers.update((v, new) for new in builder.eqns[emitted:] for v in new.outs)
            env.update(zip(eqn.outs, outs))
        return builder.build([read(a) for a in ir.outputs])


def _scalar(atom, known):
    """The literal ``atom`` repeats, or None."""
    if isinstance(atom, Lit):
        return atom
    return known.get(atom)


def _constant(value: Lit, out_type, known):
    """A value of ``out_type`` repeating the scalar ``value``."""
    lit = Lit(value.value, out_type.dtype)
    if out_type.shape == ():
        return lit
    atom = broadcast_to(lit, out_type.shape)
    known[atom] = lit
    return atom


def _rewrite(eqn, ins, known):
    """A replacement atom for ``eqn``'s single output, or None."""
    out_type = eqn.outs[0].type
    prim = eqn.prim
    scalars = [_scalar(a, known) for a in ins]
    if prim is iota_p and out_type.shape[eqn.params["dimension"]] == 1:
        return _constant(Lit(0, out_type.dtype), out_type, known)
    if ins and all(s is not None for s in scalars):
        if prim in elementwise_primitives or prim is convert_p:
            arrays = [np.array(s.value, dtype=s.type.dtype) for s in scalars]
            value = np.asarray(impls[prim](*arrays, **eqn.params)).item()
            return _constant(Lit(value, out_type.dtype), out_type, known)
        if prim in _SHAPE_ONLY:
            return _constant(scalars[0], out_type, known)
    if prim in elementwise_primitives:
        return _simplify_elementwise(prim, ins, scalars, out_type, known)
    return None


def _literal_operands(ins, scalars, out_type):
    """Known operands replaced by literals where the others set the shape;
    ``ins`` itself when that replaces nothing (then the sign rewrites run)."""
    if all(isinstance(a, Lit) or s is None for a, s in zip(ins, scalars)):
        return ins
    shapes = [a.type.shape for a, s in zip(ins, scalars) if s is None]
    if not shapes or np.broadcast_shapes(*shapes) != out_type.shape:
        return ins
    return [a if s is None else s for a, s in zip(ins, scalars)]


def _simplify_elementwise(prim, ins, scalars, out_type, known):
    args = _literal_operands(ins, scalars, out_type)
    values = [s.value if s is not None else None for s in scalars]
    identity = _identity_operand(prim, args, values)
    if identity is not None and identity.type == out_type:
        return identity
    if prim is E.pow_p and values[1] == 2:
        return E.mul(args[0], args[0])
    if prim is E.pow_p and values[1] == 0:
        return _constant(Lit(1, out_type.dtype), out_type, known)
    if prim is E.pow_p and values[1] == 0.5 and args[0].type.dtype == out_type.dtype:
        # NumPy computes a scalar power of one half as sqrt: sqrt(-0.0) is
        # -0.0 and sqrt(-inf) NaN, where C's pow gives 0.0 and inf.
        return E.sqrt(args[0])
    if prim is E.select_p and values[0] is not None:
        chosen = args[1] if values[0] else args[2]
        return chosen if chosen.type == out_type else None
    if args is not ins:
        return bind(prim, *args)
    return None


def _identity_operand(prim, args, values):
    """The operand ``prim`` passes through unchanged, if a literal makes it so."""
    if prim is E.mul_p:
        return args[0] if values[1] == 1 else args[1] if values[0] == 1 else None
    if prim is E.add_p:
        return args[0] if values[1] == 0 else args[1] if values[0] == 0 else None
    if prim is E.sub_p and values[1] == 0:
        return args[0]
    if prim in (E.div_p, E.pow_p) and values[1] == 1:
        return args[0]
    return None


def _negated(atom, producers):
    """``y`` if ``atom`` is ``neg y``, else None."""
    eqn = producers.get(atom)
    return eqn.inputs[0] if eqn is not None and eqn.prim is E.neg_p else None


def _rewrite_sign(eqn, ins, known, producers):
    """Exact sign and doubling rewrites: ``--x = x``, ``-(c*x) = (-c)*x``,
    ``x + -y = x - y``, ``-x + y = y - x``, ``x - -y = x + y``,
    ``x + x = 2*x``, ``(-1)*x = -x``; only where the type is unchanged."""
    prim, out_type = eqn.prim, eqn.outs[0].type
    if prim is E.neg_p:
        inner = producers.get(ins[0])
        if inner is not None and inner.prim is E.neg_p:
            return _same_type(inner.inputs[0], out_type)
        if inner is not None and inner.prim is E.mul_p:
            a, b = inner.inputs
            for lit, other in ((a, b), (b, a)):
                if isinstance(lit, Lit):
                    return E.mul(Lit(-lit.value, lit.type.dtype), other)
        return None
    if prim is E.add_p:
        x, y = ins
        if x is y and isinstance(x, Var):
            return E.mul(Lit(2, out_type.dtype), x)
        for keep, other in ((x, y), (y, x)):
            negated = _negated(other, producers)
            if negated is not None and _broadcasts_to(keep, negated, out_type):
                return E.sub(keep, negated)
        return None
    if prim is E.sub_p:
        negated = _negated(ins[1], producers)
        if negated is not None and _broadcasts_to(ins[0], negated, out_type):
            return E.add(ins[0], negated)
        return None
    if prim is E.mul_p:
        for lit, other in (tuple(ins), tuple(ins)[::-1]):
            if isinstance(lit, Lit) and lit.value == -1 and other.type == out_type:
                return E.neg(other)
    return None


def _same_type(atom, out_type):
    return atom if atom.type == out_type else None


def _broadcasts_to(a, b, out_type) -> bool:
    return np.broadcast_shapes(a.type.shape, b.type.shape) == out_type.shape


def _masked_scatter(eqn, ins, known, producers):
    """``scatter(x, i, u)`` for ``select(m, s, x)`` where the mask ``m`` is
    true exactly at ``i`` (a scatter of true into false) and ``s`` has ``u``
    written at the same ``i``: both keep the last of repeated writes, so
    the two agree everywhere; one scatter instead of three full passes."""
    if eqn.prim is not E.select_p:
        return None
    mask, written = (producers.get(a) for a in ins[:2])
    if (mask is None or written is None or mask.prim is not scatter_p
            or written.prim is not scatter_p or mask.inputs[1] is not written.inputs[1]
            or mask.params != written.params):
        return None
    base, true = (_scalar(a, known) for a in (mask.inputs[0], mask.inputs[2]))
    if base is None or true is None or base.value or not true.value:
        return None
    other = ins[2]
    return scatter(other, *written.inputs[1:], **written.params) \
        if other.type == eqn.outs[0].type else None


def _added_at_one_index(eqn, ins, producers):
    """``scatter(x, i, take(x, i) + u)`` for ``x + scatter_add(i, u)`` (or its
    mirror) where ``i`` holds one index, so that no write repeats."""
    if eqn.prim is not E.add_p:
        return None
    for x, added in (ins, ins[::-1]):
        source = producers.get(added)
        if (source is not None and source.prim is scatter_add_p
                and source.inputs[0].type.size == 1 and x.type == eqn.outs[0].type
                and isinstance(x, Var)):
            i, u = source.inputs
            axis = source.params["axis"]
            return scatter(x, i, E.add(take(x, i, axis), u), axis)
    return None
