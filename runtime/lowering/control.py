"""The lowering of compiler/primitives/control.py: ``chunk_map`` becomes a
loop inside the kernel around its body's code: a parallel loop
(runtime/parallel.py) when its chunks write disjoint rows (no summed
outputs) and the chunks are big enough.  The chunks of a parallel loop
make their BLAS products on one thread each (``gemm_alone``, after one
``blas_one_thread`` before the loop): the loop's threads are the cores'
share, and BLAS threads on top would oversubscribe them."""
from __future__ import annotations

from ...compiler.primitives.control import chunk_map_p
from ...compiler.primitives.linalg import dot_general_p
from .expressions import parenthesize
from .kinds import Custom, lowers


def _chunk_map(cg, eqn, ins):
    params = eqn.params
    body, tail = params["body"], params.get("tail")
    chunk, size, sliced = params["chunk"], params["size"], params["sliced"]
    sums = params.get("sums") or (False,) * len(body.outputs)
    outs = [cg.alloc_var(var, 0 if summed else None) for var, summed in zip(eqn.outs, sums)]
    count = size // chunk
    work = 0 if any(sums) else count * sum(v.type.size for e in body.eqns for v in e.outs)
    if cg.parallel_loop((count,), None, work) and _makes_products(body):
        cg.support.add("blas_one_thread")   # chunks side by side, each product on one
        cg.line("blas_one_thread()")
    with cg.loops((count,), work=work) as (step,):
        start = cg.fresh("start")
        cg.line(f"{start} = {step} * {chunk}")
        _chunk(cg, body, start, ins, sliced, outs, sums)
    if tail is not None:
        start = cg.fresh("start")
        cg.line(f"{start} = {count * chunk}")
        _chunk(cg, tail, start, ins, sliced, outs, sums)
    return outs


def _makes_products(body) -> bool:
    """Whether the body holds a matrix product (perhaps a BLAS call)."""
    return any(eqn.prim is dot_general_p or any(map(_makes_products, eqn.sub_irs.values()))
               for eqn in body.eqns)


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
