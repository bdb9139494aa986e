"""Lowerings of the primitives that carry sub-IRs or draw random numbers:
``chunk_map`` becomes a loop inside the kernel around its body's code, and
the draws compute each element from its index (kernel_support.py)."""
from __future__ import annotations

from .lowering import Custom, lowers, operand_index, parenthesize, prim_named


def _chunk_map(cg, eqn, ins):
    params = eqn.params
    body, tail = params["body"], params.get("tail")
    chunk, size, sliced = params["chunk"], params["size"], params["sliced"]
    sums = params.get("sums") or (False,) * len(body.outputs)
    outs = []
    for var, summed in zip(eqn.outs, sums):
        outs.append(cg.alloc(var.type, cg.var_name(var), 0 if summed else None))
    start = cg.fresh("start")
    full = size - size % chunk
    cg.line(f"for {start} in range(0, {full}, {chunk}):")
    with cg.indented():
        _chunk(cg, body, start, ins, sliced, outs, sums)
    if tail is not None:
        cg.line(f"{start} = {full}")
        _chunk(cg, tail, start, ins, sliced, outs, sums)
    return outs


def _chunk(cg, body, start, ins, sliced, outs, sums):
    """The body's code for the chunk from ``start``; its results stored
    into (or added to) the rows of ``outs``."""
    env = {body.inputs[0]: cg.bound(cg.scalar(start))}
    for var, value, cut in zip(body.inputs[1:], ins, sliced):
        env[var] = cg.bound(value, start if cut else None)
    results = cg.emit_ir(body, env)
    for out, value, atom, summed in zip(outs, results, body.outputs, sums):
        with cg.loops(atom.type.shape) as idx:
            element = value.read(idx)
            if summed:
                cg.line(f"{out.read(idx)} += {element}")
            else:
                rows = (f"{start} + {parenthesize(idx[0])}",) + idx[1:]
                cg.line(f"{out.read(rows)} = {element}")


def random_draw(variate, combine):
    """A draw: each element from its counter, then scaled by ``combine``."""
    def emit(cg, eqn, ins):
        rng, offset, a, b = ins
        shape, strides = eqn.params["shape"], eqn.params["strides"]
        cg.support.update(("splitmix", variate))
        key = cg.fresh("key")
        cg.line(f"{key} = splitmix({rng.read(())}, np.uint64({eqn.params['draw']}))")
        out = cg.alloc(eqn.outs[0].type, cg.var_name(eqn.outs[0]))
        with cg.loops(shape) as idx:
            position = " + ".join(f"{parenthesize(i)} * {s}" for i, s in zip(idx, strides))
            j = f"{offset.read(())} + np.uint64({position or 0})"
            z = f"{variate}({key}, {j})"
            a_at = a.read(operand_index(idx, shape, eqn.inputs[2].type.shape))
            b_at = b.read(operand_index(idx, shape, eqn.inputs[3].type.shape))
            cg.line(f"{out.read(idx)} = {combine(a_at, b_at, z)}")
        return [out]
    emit.__name__ = f"random_{variate}"
    return emit


def _uniform(low, high, u):
    return f"{parenthesize(low)} + ({parenthesize(high)} - {parenthesize(low)}) * {u}"


def _normal(loc, scale, z):
    return f"{parenthesize(loc)} + {parenthesize(scale)} * {z}"


lowers(prim_named("chunk_map"))(Custom(_chunk_map))
lowers(prim_named("random_uniform"))(Custom(random_draw("standard_uniform", _uniform)))
lowers(prim_named("random_normal"))(Custom(random_draw("standard_normal", _normal)))
