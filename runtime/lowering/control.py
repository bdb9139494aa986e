"""The lowering of compiler/primitives/control.py: ``chunk_map`` becomes a
loop inside the kernel around its body's code."""
from __future__ import annotations

from ...compiler.primitives.control import chunk_map_p
from .expressions import parenthesize
from .kinds import Custom, lowers


def _chunk_map(cg, eqn, ins):
    params = eqn.params
    body, tail = params["body"], params.get("tail")
    chunk, size, sliced = params["chunk"], params["size"], params["sliced"]
    sums = params.get("sums") or (False,) * len(body.outputs)
    outs = [cg.alloc_var(var, 0 if summed else None) for var, summed in zip(eqn.outs, sums)]
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
                cg.assign(out.read(idx), element, "+=")
            else:
                rows = (f"{start} + {parenthesize(idx[0])}",) + idx[1:]
                cg.assign(out.read(rows), element)


lowers(chunk_map_p)(Custom(_chunk_map))
