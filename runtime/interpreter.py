"""The reference interpreter: evaluates any IR with NumPy.

It is the oracle the Numba backend is tested against and a backend of its
own for debugging (``NUMJAC_BACKEND=interpret``).
"""
from __future__ import annotations

import numpy as np

from ..compiler.ir import IR, Lit
from ..compiler.rules import impls

# Primitives whose implementation needs the interpreter itself (they carry
# sub-IRs): prim -> fn(evaluate, *arrays, **params).
higher_order_impls: dict = {}


def _read(env, atom):
    if isinstance(atom, Lit):
        return np.array(atom.value, dtype=atom.type.dtype)
    return env[atom]


def evaluate(ir: IR, *args) -> list:
    """The outputs of ``ir`` on NumPy ``args`` (one per input var)."""
    if len(args) != len(ir.inputs):
        raise TypeError(f"IR takes {len(ir.inputs)} inputs, got {len(args)}")
    env = {var: np.asarray(arg) for var, arg in zip(ir.inputs, args)}
    for eqn in ir.eqns:
        ins = [_read(env, a) for a in eqn.inputs]
        if eqn.prim in higher_order_impls:
            out = higher_order_impls[eqn.prim](evaluate, *ins, **eqn.params)
        else:
            out = impls[eqn.prim](*ins, **eqn.params)
        outs = out if eqn.prim.multiple_results else (out,)
        for var, value in zip(eqn.outs, outs):
            env[var] = np.asarray(value, dtype=var.type.dtype)
    return [_read(env, a) for a in ir.outputs]
