"""Loops and branches whose bodies are sub-IRs: ``scan``, ``while_loop``, ``cond``.

``scan[body, length, num_consts, num_carry, reverse] consts... init... xs...``
runs ``body(consts..., carries..., slices...) -> (new carries..., y slices...)``
``length`` times, slice ``i`` of each xs being its row ``i`` (axis 0; rows
from the last with ``reverse``).  Results: the final carries, then each y
stacked along a new axis 0 (row ``i`` from iteration ``i``).  The optional
param ``checkpoint=k`` (k > 0) only changes how the scan is differentiated:
its derivative stores every k-th carry instead of all of them, and
recomputes the others (see compiler/passes/loop_rules.py).

``while_loop[cond, body, num_consts] consts... init...`` repeats
``carries = body(consts..., carries...)`` while ``cond(consts...,
carries...)`` (a ``bool[]``) holds; results: the final carries.

``cond[false_branch, true_branch] pred operands...`` runs
``true_branch(operands...)`` if the ``bool[]`` ``pred`` holds, else
``false_branch(operands...)``; both branches take and return the same types.

``nj.fori_loop`` binds ``scan`` (static bounds; the index is a carry) or
``while_loop`` (traced bounds).  Here are the primitives and their shape
rules; their transform rules run the passes on the bodies, so they live
with the passes (compiler/passes/loop_rules.py).
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..ir import IR, Eqn
from ..rules import Primitive, register

PRED = AType(np.bool_, ())

scan_p = Primitive("scan", multiple_results=True)
while_loop_p = Primitive("while_loop", multiple_results=True)
cond_p = Primitive("cond", multiple_results=True)


def _sub_ir_error(prim, name, expected, got) -> TypeError:
    return TypeError(f"{prim} {name} must map {_types(expected[0])} to "
                     f"{_types(expected[1])}, got {_types(got[0])} to {_types(got[1])}")


def _types(types) -> str:
    return "(" + ", ".join(map(str, types)) + ")"


def _check_sub_ir(prim, name, ir, in_types, out_types=None):
    """``ir`` takes ``in_types`` (and returns ``out_types``, if given)."""
    expected_out = ir.out_types if out_types is None else list(out_types)
    if ir.in_types != list(in_types) or ir.out_types != expected_out:
        raise _sub_ir_error(prim, name, (in_types, expected_out), (ir.in_types, ir.out_types))


# -- scan ------------------------------------------------------------------------------------

def scan(consts, init, xs, *, body, length, reverse=False, checkpoint=0):
    """Bind ``scan``; returns (final carries, stacked ys) as lists of atoms."""
    params = dict(body=body, length=int(length), num_consts=len(consts),
                  num_carry=len(init), reverse=bool(reverse))
    if checkpoint:
        params["checkpoint"] = int(checkpoint)
    outs = bind(scan_p, *consts, *init, *xs, **params)
    return list(outs[:len(init)]), list(outs[len(init):])


def row_type(atype: AType) -> AType:
    """The type of one row (along axis 0) of ``atype``."""
    return atype.with_shape(atype.shape[1:])


def stacked_type(atype: AType, length: int) -> AType:
    return atype.with_shape((length,) + atype.shape)


def split_scan_operands(operands, num_consts, num_carry):
    """(consts, carries, xs) of a scan's operand list (or of its body's inputs)."""
    return (list(operands[:num_consts]), list(operands[num_consts:num_consts + num_carry]),
            list(operands[num_consts + num_carry:]))


def _scan_shape(*in_types, body, length, num_consts, num_carry, reverse, checkpoint=0):
    if length < 0 or checkpoint < 0 or not 0 <= num_consts + num_carry <= len(in_types):
        raise ValueError(f"bad scan params: length={length}, checkpoint={checkpoint}, "
                         f"{num_consts} consts and {num_carry} carries of "
                         f"{len(in_types)} operands")
    consts, carries, xs = split_scan_operands(in_types, num_consts, num_carry)
    if any(t.shape[:1] != (length,) for t in xs):
        raise TypeError(f"scan xs must have {length} rows along axis 0: {_types(xs)}")
    _check_sub_ir(scan_p, "body", body, consts + carries + [row_type(t) for t in xs])
    if body.out_types[:num_carry] != carries:
        raise TypeError(f"scan body must return the carry types {_types(carries)} first, "
                        f"got {_types(body.out_types)}")
    return carries + [stacked_type(t, length) for t in body.out_types[num_carry:]]


register(scan_p, shape=_scan_shape)


def without_unused_ys(eqn, live, clean):
    """``eqn`` (a scan) without the ys that nothing in ``live`` reads;
    ``clean(ir)`` drops the body's code that only they needed."""
    num_carry = eqn.params["num_carry"]
    kept = [True] * num_carry + [v in live for v in eqn.outs[num_carry:]]
    if all(kept):
        return eqn
    body = eqn.params["body"]
    outputs = [a for a, k in zip(body.outputs, kept) if k]
    params = dict(eqn.params, body=clean(IR(list(body.inputs), list(body.eqns), outputs)))
    return Eqn(eqn.prim, eqn.inputs, params, tuple(v for v, k in zip(eqn.outs, kept) if k))


# -- while_loop ------------------------------------------------------------------------------

def while_loop(consts, init, *, cond, body):
    """Bind ``while_loop``; returns the final carries."""
    return list(bind(while_loop_p, *consts, *init, cond=cond, body=body,
                     num_consts=len(consts)))


def _while_loop_shape(*in_types, cond, body, num_consts):
    if not 0 <= num_consts <= len(in_types):
        raise ValueError(f"bad while_loop params: {num_consts} consts of "
                         f"{len(in_types)} operands")
    carries = list(in_types[num_consts:])
    _check_sub_ir(while_loop_p, "cond", cond, in_types, [PRED])
    _check_sub_ir(while_loop_p, "body", body, in_types, carries)
    return carries


register(while_loop_p, shape=_while_loop_shape)


# -- cond ------------------------------------------------------------------------------------

def cond(pred, operands, *, true_branch, false_branch):
    """Bind ``cond``; returns the chosen branch's outputs."""
    return list(bind(cond_p, pred, *operands, true_branch=true_branch,
                     false_branch=false_branch))


def _cond_shape(pred, *in_types, true_branch, false_branch):
    if pred != PRED:
        raise TypeError(f"cond predicate must be {PRED}, got {pred}")
    _check_sub_ir(cond_p, "true_branch", true_branch, in_types)
    _check_sub_ir(cond_p, "false_branch", false_branch, in_types, true_branch.out_types)
    return true_branch.out_types


register(cond_p, shape=_cond_shape)
