"""Loops carrying a sub-IR: ``chunk_map``, the chunked batch loop.

``chunk_map[body, chunk=k, size=n, sliced, tail, sums] operands`` runs
``body(start, *pieces)`` for start = 0, k, 2k, ... < n, where ``pieces``
are the operands marked in ``sliced`` cut to rows ``start:start+k`` along
axis 0 and the other operands whole.  ``tail`` is the body for the last,
shorter chunk when k does not divide n (static shapes: each body has fixed
types).  Each output is the body's outputs stacked along axis 0 (type
``(n,) + body type[1:]``), or, where ``sums`` says so, their sum over the
chunks (what transposing an unsliced operand needs).  Only one chunk's
intermediates are alive at a time, which is what bounds peak memory for
chunked vmap and Jacobians.

Its rules transform the bodies with the passes (imported when a rule runs,
since the passes build on the primitives): batching batches the bodies (a
nested vmap of a chunked vmap), the jvp is a second loop over the bodies'
jvps (linear in the tangents), and the transpose of a loop whose body is
linear in some operands is a loop over the transposed bodies.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..builder import Builder, bind
from ..ir import IR, AType
from ..rules import (Primitive, Zero, batch_rules, is_undefined, jvp_rules,
                     linear_primitives, shape_rules, transpose_rules)
from .helpers import instantiate
from .random import batch_context, draws_random
from .structural import moveaxis

START = AType(np.int64, ())

chunk_map_p = Primitive("chunk_map", multiple_results=True)


def chunk_map(operands, *, body, chunk, size, sliced, tail=None, sums=()):
    """Bind ``chunk_map``; returns the list of output atoms."""
    params = dict(body=body, chunk=int(chunk), size=int(size), sliced=tuple(sliced))
    if tail is not None:
        params["tail"] = tail
    if any(sums):
        params["sums"] = tuple(sums)
    return list(bind(chunk_map_p, *operands, **params))


def _piece_type(atype, sliced, rows):
    return atype.with_shape((rows,) + atype.shape[1:]) if sliced else atype


def _check_body(body, in_types, sliced, sums, rows, name):
    expected = [START] + [_piece_type(t, s, rows) for t, s in zip(in_types, sliced)]
    if body is None or body.in_types != expected:
        got = None if body is None else body.in_types
        raise TypeError(f"chunk_map {name} must take {expected}, got {got}")
    for t, summed in zip(body.out_types, sums):
        if not summed and t.shape[:1] != (rows,):
            raise TypeError(f"chunk_map {name} output {t} lacks the chunk axis of {rows}")


def _sums(body, sums):
    return tuple(sums) or (False,) * len(body.outputs)


def _chunk_map_shape(*in_types, body, chunk, size, sliced, tail=None, sums=()):
    sums = _sums(body, sums)
    if not 0 < chunk < size or len(sliced) != len(in_types) or len(sums) != len(body.outputs):
        raise ValueError(f"bad chunk_map params: chunk={chunk}, size={size}, "
                         f"{len(sliced)} sliced flags for {len(in_types)} operands")
    if any(s and t.shape[:1] != (size,) for t, s in zip(in_types, sliced)):
        raise TypeError(f"sliced chunk_map operands must have {size} rows: {in_types}")
    _check_body(body, in_types, sliced, sums, chunk, "body")
    if size % chunk:
        _check_body(tail, in_types, sliced, sums, size % chunk, "tail")
        if tail.out_types != [_piece_type(t, not s, size % chunk)
                              for t, s in zip(body.out_types, sums)]:
            raise TypeError("chunk_map tail outputs do not match the body's")
    elif tail is not None:
        raise ValueError(f"chunk_map has a tail but {chunk} divides {size}")
    return [t if summed else t.with_shape((size,) + t.shape[1:])
            for t, summed in zip(body.out_types, sums)]


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
    from ..passes.simplify import simplify
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
    from ..passes.batching import batch_into
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
    sums = _sums(body, params.get("sums", ()))
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
    from ..passes.autodiff import jvp_eval
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
    from ..passes.autodiff import transpose_eval
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
    sums = _sums(params["body"], params.get("sums", ()))
    operands = [a for a, lin in zip(args, linear) if not lin] + [
        instantiate(ct) for ct in cts]
    t_sliced = tuple(s for s, lin in zip(sliced, linear) if not lin) + tuple(
        not summed for summed in sums)
    t_sums = tuple(not s for s, lin in zip(sliced, linear) if lin)
    in_cts = iter(_loop(operands, params, lambda sub: _transposed_body(sub, linear),
                        sliced=t_sliced, sums=t_sums))
    return [next(in_cts) if lin else None for lin in linear]


shape_rules[chunk_map_p] = _chunk_map_shape
batch_rules[chunk_map_p] = _chunk_map_batch
jvp_rules[chunk_map_p] = _chunk_map_jvp
transpose_rules[chunk_map_p] = _chunk_map_transpose
# The jvp rule's tangent loop is linear in its tangent operands, and the
# transpose rule's loop in its cotangent operands.
linear_primitives.add(chunk_map_p)
