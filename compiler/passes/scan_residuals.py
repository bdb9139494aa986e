"""Residuals of a scan's jvp: the primal values its tangent body needs,
computed once by the primal scan and stored per iteration (as extra ys),
instead of recomputed by the tangent scan from stored carries.

The tangent body ``jvp_eval`` makes recomputes the iteration's primal
values from the carry it entered with: for a layer ``tanh(W @ h + b)``,
the product ``W @ h`` again, to get ``1 - tanh(.)**2``.  Splitting it the
way ``partial_eval`` splits an IR, the equations that read a stored carry
and no tangent move into the primal scan (where they are the body's own
work, shared by common-subexpression elimination), and the values the
rest reads become the stored residuals: ``1 - tanh(.)**2`` in place of
``h``.  The tangent scan then does only tangent work, and reverse mode
transposes it into a body of products alone (what unrolled code does).

Only when it does not cost much memory: residuals of at most
``MAX_GROWTH`` times the elements of the carries they replace, and no
loop among the moved equations (a checkpointed scan's outer body runs its
block's inner scan: storing that scan's residuals would store every
iteration's, what checkpointing avoids).
"""
from __future__ import annotations

import math

from ..ir import IR, Var
from ..primitives.loops import scan_p, while_loop_p
from .simplify import dce

MAX_GROWTH = 2
_LOOPS = frozenset({scan_p, while_loop_p})


def split_residuals(tangent_body: IR, groups):
    """``(residual IR, tangent body)`` or None.  ``groups`` gives the sizes
    of the tangent body's input groups: consts, tangent consts, tangent
    carries, stored carries, xs, tangent xs.  The residual IR maps (consts,
    stored carries, xs) to the residuals; the tangent body returned takes
    the residuals where it took the stored carries."""
    consts, t_consts, t_carries, carries, xs, t_xs = _grouped(tangent_body.inputs, groups)
    tangent = set(t_consts + t_carries + t_xs)
    from_carry = set(carries)
    moved, kept = [], []
    for eqn in tangent_body.eqns:
        reads = [a for a in eqn.inputs if isinstance(a, Var)]
        if any(a in tangent for a in reads):
            tangent.update(eqn.outs)
            kept.append(eqn)
        elif any(a in from_carry for a in reads):
            from_carry.update(eqn.outs)
            moved.append(eqn)
        else:
            kept.append(eqn)
    residuals = _read_by(kept, tangent_body.outputs, from_carry)
    if (not moved or any(eqn.prim in _LOOPS for eqn in moved)
            or _elements(residuals) > MAX_GROWTH * _elements(carries)):
        return None
    primal = [e for e in tangent_body.eqns
              if not any(isinstance(a, Var) and a in tangent for a in e.inputs)]
    residual_ir = dce(IR(consts + carries + xs, primal, residuals))
    body = dce(IR(consts + t_consts + t_carries + residuals + xs + t_xs, kept,
                  list(tangent_body.outputs)))
    return residual_ir, body


def _grouped(values, sizes) -> list:
    it = iter(values)
    return [[next(it) for _ in range(size)] for size in sizes]


def _read_by(eqns, outputs, candidates) -> list:
    """The ``candidates`` that ``eqns`` or ``outputs`` read, in first-use order."""
    seen: dict = {}
    for atom in [a for eqn in eqns for a in eqn.inputs] + list(outputs):
        if isinstance(atom, Var) and atom in candidates:
            seen.setdefault(atom, None)
    return list(seen)


def _elements(variables) -> int:
    return sum(math.prod(v.type.shape) for v in variables)
