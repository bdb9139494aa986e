"""The reference interpreter: evaluates any IR with NumPy.

It is the oracle the Numba backend is tested against and a backend of its
own for debugging (``NUMJAC_BACKEND=interpret``).
"""
from __future__ import annotations

import numpy as np

from ..compiler.ir import IR, Lit
from ..compiler.primitives.control import chunk_map_p
from ..compiler.primitives.loops import cond_p, scan_p, split_scan_operands, while_loop_p
from ..compiler.rules import impls

# Primitives whose implementation needs the interpreter itself (they carry
# sub-IRs): prim -> fn(evaluate, *arrays, **params).
higher_order_impls: dict = {}


def _read(env, atom):
    if isinstance(atom, Lit):
        return np.array(atom.value, dtype=atom.type.dtype)
    return env[atom]


def evaluate(ir: IR, *args, overrides=None) -> list:
    """The outputs of ``ir`` on NumPy ``args`` (one per input var).

    ``overrides`` maps primitives of ``ir``'s own equations (not those of its
    sub-IRs) to other implementations, called as higher-order ones are."""
    if len(args) != len(ir.inputs):
        raise TypeError(f"IR takes {len(ir.inputs)} inputs, got {len(args)}")
    env = {var: np.asarray(arg) for var, arg in zip(ir.inputs, args)}
    for eqn in ir.eqns:
        ins = [_read(env, a) for a in eqn.inputs]
        if overrides and eqn.prim in overrides:
            out = overrides[eqn.prim](evaluate, *ins, **eqn.params)
        elif eqn.prim in higher_order_impls:
            out = higher_order_impls[eqn.prim](evaluate, *ins, **eqn.params)
        else:
            out = impls[eqn.prim](*ins, **eqn.params)
        outs = out if eqn.prim.multiple_results else (out,)
        for var, value in zip(eqn.outs, outs):
            env[var] = np.asarray(value, dtype=var.type.dtype)
    return [_read(env, a) for a in ir.outputs]


def _chunk_map(evaluate, *operands, body, chunk, size, sliced, tail=None, sums=()):
    """Run the body chunk by chunk; stack (or sum) its outputs."""
    sums = sums or (False,) * len(body.outputs)
    outs = [np.zeros(t.shape if summed else (size,) + t.shape[1:], t.dtype)
            for t, summed in zip(body.out_types, sums)]
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        pieces = [x[start:stop] if s else x for x, s in zip(operands, sliced)]
        values = evaluate(body if stop - start == chunk else tail, np.int64(start), *pieces)
        for out, value, summed in zip(outs, values, sums):
            if summed:
                out += value
            else:
                out[start:stop] = value
    return tuple(outs)


higher_order_impls[chunk_map_p] = _chunk_map


def _scan(evaluate, *operands, body, length, num_consts, num_carry, reverse, checkpoint=0):
    """Run the body ``length`` times, threading the carries; stack the ys."""
    consts, carries, xs = split_scan_operands(operands, num_consts, num_carry)
    ys = [np.zeros((length,) + t.shape, t.dtype) for t in body.out_types[num_carry:]]
    for i in range(length - 1, -1, -1) if reverse else range(length):
        outs = evaluate(body, *consts, *carries, *(x[i] for x in xs))
        carries = outs[:num_carry]
        for y, value in zip(ys, outs[num_carry:]):
            y[i] = value
    return tuple(carries) + tuple(ys)


def _while_loop(evaluate, *operands, cond, body, num_consts):
    consts, carries = list(operands[:num_consts]), list(operands[num_consts:])
    while evaluate(cond, *consts, *carries)[0]:
        carries = evaluate(body, *consts, *carries)
    return tuple(carries)


def _cond(evaluate, pred, *operands, true_branch, false_branch):
    return tuple(evaluate(true_branch if pred else false_branch, *operands))


higher_order_impls[scan_p] = _scan
higher_order_impls[while_loop_p] = _while_loop
higher_order_impls[cond_p] = _cond
