"""Lowerings of compiler/primitives/random.py: each element of a draw is
computed from its counter (kernel_support.py)."""
from __future__ import annotations

from ...compiler.primitives.random import random_normal_p, random_uniform_p
from .expressions import operand_index, parenthesize
from .kinds import Custom, lowers


def random_draw(variate, combine):
    """A draw: each element from its counter, then scaled by ``combine``."""
    def emit(cg, eqn, ins):
        rng, offset, a, b = ins
        shape, strides = eqn.params["shape"], eqn.params["strides"]
        cg.support.update(("splitmix", variate))
        key = cg.fresh("key")
        cg.line(f"{key} = splitmix({rng.read(())}, np.uint64({eqn.params['draw']}))")
        out = cg.alloc_var(eqn.outs[0])
        with cg.loops(shape) as idx:
            position = " + ".join(f"{parenthesize(i)} * {s}" for i, s in zip(idx, strides))
            j = f"{offset.read(())} + np.uint64({position or 0})"
            z = f"{variate}({key}, {j})"
            a_at = a.read(operand_index(idx, shape, eqn.inputs[2].type.shape))
            b_at = b.read(operand_index(idx, shape, eqn.inputs[3].type.shape))
            cg.assign(out.read(idx), combine(a_at, b_at, z))
        return [out]
    emit.__name__ = f"random_{variate}"
    return emit


def _uniform(low, high, u):
    return f"{parenthesize(low)} + ({parenthesize(high)} - {parenthesize(low)}) * {u}"


def _normal(loc, scale, z):
    return f"{parenthesize(loc)} + {parenthesize(scale)} * {z}"


lowers(random_uniform_p)(Custom(random_draw("standard_uniform", _uniform)))
lowers(random_normal_p)(Custom(random_draw("standard_normal", _normal)))
