"""The transform rules of the loop primitives (``compiler/primitives/control.py``).

They run the passes on the loop bodies, so they live with the passes and
are registered when ``compiler.passes`` is imported: batching batches the
bodies (a nested vmap of a chunked vmap), the jvp is a second loop over the
bodies' jvps (linear in the tangents), and the transpose of a loop whose
body is linear in some operands is a loop over the transposed bodies.
"""
from __future__ import annotations

from dataclasses import replace

from ..builder import Builder
from ..ir import IR
from ..primitives.base import instantiate
from ..primitives.control import START, chunk_map, chunk_map_p, summed_outputs
from ..primitives.random import draws_random
from ..primitives.structural import moveaxis
from ..rules import Zero, batch_context, is_undefined, register
from .autodiff import jvp_eval, transpose_eval
from .batching import batch_into
from .simplify import simplify


def _loop(operands, params, new_body, **changes):
    """A chunk_map like ``params`` with each body replaced by ``new_body(sub)``."""
    tail = params.get("tail")
    return chunk_map(operands, body=new_body(params["body"]),
                     tail=new_body(tail) if tail is not None else None,
                     chunk=params["chunk"], size=params["size"],
                     **{"sliced": params["sliced"], "sums": params.get("sums", ()), **changes})


def _subir(in_types, emit):
    """A simplified IR with inputs of ``in_types``; ``emit(inputs)`` gives
    its outputs."""
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in in_types]
        return simplify(builder.build(emit(ins)))


# -- batching: a nested vmap of a chunked loop -----------------------------------

def _outer_type(atype, batched, sliced, n):
    """A body input's type once an outer batch of ``n`` is added: behind
    the chunk axis of sliced operands, in front otherwise."""
    if not batched:
        return atype
    if sliced:
        return atype.with_shape(atype.shape[:1] + (n,) + atype.shape[1:])
    return atype.with_shape((n,) + atype.shape)


def _batched_body(sub, batched, sliced, sums, thread):
    """``sub`` with the outer batch added; returns (IR, out_batched).

    The chunk axis stays at 0 for the loop; inside, sliced batched pieces
    put the outer batch axis first for the batching pass and back after.
    With ``thread`` the chunk start of an enclosing chunked batch comes in
    as a last input, for the random draws of the body.
    """
    context = batch_context()
    n = context.size
    types = [sub.inputs[0].type] + [_outer_type(v.type, b, s, n)
                                    for v, b, s in zip(sub.inputs[1:], batched, sliced)]
    out_batched = []

    def emit(ins):
        start, pieces = ins[0], ins[1:1 + len(batched)]
        pieces = [moveaxis(x, 1, 0) if b and s else x
                  for x, b, s in zip(pieces, batched, sliced)]
        inner = replace(context, start=ins[-1]) if thread else context
        outs, flags = batch_into(sub, [start] + pieces, [False] + list(batched), inner)
        out_batched.extend(flags)
        return [moveaxis(o, 0, 1) if b and not summed else o
                for o, b, summed in zip(outs, flags, sums)]
    ir = _subir(types + ([START] if thread else []), emit)
    return ir, out_batched


def _chunk_map_batch(args, batched, **params):
    context = batch_context()
    body, sliced = params["body"], params["sliced"]
    sums = summed_outputs(body, params.get("sums", ()))
    thread = (context.randomness == "different" and context.start is not None
              and draws_random(body))
    operands = [moveaxis(x, 0, 1) if b and s else x for x, b, s in zip(args, batched, sliced)]
    flags = []

    def new_body(sub):
        ir, out_batched = _batched_body(sub, batched, sliced, sums, thread)
        assert not flags or flags == out_batched, "chunk_map bodies disagree on batching"
        flags[:] = out_batched
        return ir
    if thread:
        operands.append(context.start)
        sliced = sliced + (False,)
    outs = _loop(operands, params, new_body, sliced=sliced)
    return [moveaxis(o, 1, 0) if b and not summed else o
            for o, b, summed in zip(outs, flags, sums)], flags

# -- jvp: a second loop over the bodies' jvps ------------------------------------

def _jvp_body(sub, nonzero):
    """(start, pieces..., tangent pieces of the nonzero ones...) -> tangents."""
    pieces = sub.inputs[1:]
    types = sub.in_types + [v.type for v, w in zip(pieces, nonzero) if w]

    def emit(ins):
        primals, it = ins[:len(sub.inputs)], iter(ins[len(sub.inputs):])
        tangents = [Zero(START)] + [next(it) if w else Zero(v.type)
                                    for v, w in zip(pieces, nonzero)]
        _, touts = jvp_eval(sub, primals, tangents)
        return [instantiate(t) for t in touts]
    return _subir(types, emit)


def _chunk_map_jvp(primals, tangents, **params):
    outs = chunk_map(primals, **params)
    nonzero = [not isinstance(t, Zero) for t in tangents]
    if not any(nonzero):
        return outs, [Zero(o.type) for o in outs]
    sliced = params["sliced"]
    operands = list(primals) + [t for t, w in zip(tangents, nonzero) if w]
    t_sliced = sliced + tuple(s for s, w in zip(sliced, nonzero) if w)
    touts = _loop(operands, params, lambda sub: _jvp_body(sub, nonzero), sliced=t_sliced)
    return outs, touts

# -- transpose: a loop over the transposed bodies --------------------------------

def _transposed_body(sub, linear):
    """(start, defined pieces..., output cotangent pieces...) -> cotangents
    of the linear operands (whole for unsliced ones: summed over chunks)."""
    pieces = sub.inputs[1:]
    nonlinear = [sub.inputs[0]] + [v for v, lin in zip(pieces, linear) if not lin]
    ordered = IR(nonlinear + [v for v, lin in zip(pieces, linear) if lin], sub.eqns, sub.outputs)

    def emit(ins):
        values, cts = ins[:len(nonlinear)], ins[len(nonlinear):]
        return [instantiate(c) for c in transpose_eval(ordered, values, cts)]
    return _subir([v.type for v in nonlinear] + sub.out_types, emit)


def _chunk_map_transpose(cts, *args, **params):
    linear = [is_undefined(a) for a in args]
    sliced = params["sliced"]
    sums = summed_outputs(params["body"], params.get("sums", ()))
    operands = [a for a, lin in zip(args, linear) if not lin] + [
        instantiate(ct) for ct in cts]
    t_sliced = tuple(s for s, lin in zip(sliced, linear) if not lin) + tuple(
        not summed for summed in sums)
    t_sums = tuple(not s for s, lin in zip(sliced, linear) if lin)
    in_cts = iter(_loop(operands, params, lambda sub: _transposed_body(sub, linear),
                        sliced=t_sliced, sums=t_sums))
    return [next(in_cts) if lin else None for lin in linear]


# The jvp rule's tangent loop is linear in its tangent operands, and the
# transpose rule's loop in its cotangent operands.
register(chunk_map_p, jvp=_chunk_map_jvp, transpose=_chunk_map_transpose,
         batch=_chunk_map_batch)
