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

Here are the primitive and its shape rule; its jvp, transpose and batching
rules transform the bodies with the passes, so they live with the passes
(``compiler/passes/control_rules.py``).
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, register

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


def summed_outputs(body, sums) -> tuple:
    """The ``sums`` flags, one per output of ``body`` (none summed if empty)."""
    return tuple(sums) or (False,) * len(body.outputs)


def _chunk_map_shape(*in_types, body, chunk, size, sliced, tail=None, sums=()):
    sums = summed_outputs(body, sums)
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


register(chunk_map_p, shape=_chunk_map_shape)
