"""Lowerings of compiler/primitives/structural.py: views and generated
values, read by index arithmetic where they are used (never computed on
their own), and the dtype conversion."""
from __future__ import annotations

import math

from ...compiler.primitives.structural import (
    broadcast_in_dim_p, concatenate_p, convert_p, iota_p, pad_p, reshape_p, rev_p, slice_p,
    stop_gradient_p, transpose_p)
from .expressions import (I64, along, cast_expr, flat_index, literal_expr, parenthesize, plus,
                          unravel)
from .kinds import Elementwise, Folded, lowers


def _broadcast_in_dim(ins, idx, eqn):
    (x,), shape, dims = ins, eqn.params["shape"], eqn.params["dims"]
    in_shape = eqn.inputs[0].type.shape
    return x.read(tuple("0" if in_shape[k] == 1 and shape[d] != 1 else idx[d]
                        for k, d in enumerate(dims)))


def _transpose(ins, idx, eqn):
    perm = eqn.params["perm"]
    operand = [None] * len(perm)
    for k, p in enumerate(perm):
        operand[p] = idx[k]
    return ins[0].read(tuple(operand))


def reshape_index(idx, in_shape, out_shape) -> tuple:
    """The operand index of a C-order reshape, block by block: axes split
    or merged with their neighbours cost a multiply-add or a div/mod; unit
    axes cost nothing."""
    operand = ["0"] * len(in_shape)
    if 0 in in_shape:
        return tuple(operand)
    ins = [k for k, n in enumerate(in_shape) if n != 1]
    outs = [k for k, n in enumerate(out_shape) if n != 1]
    a = b = 0
    while a < len(ins):
        block_in, block_out = [ins[a]], [outs[b]]
        a, b = a + 1, b + 1
        while math.prod(in_shape[k] for k in block_in) != math.prod(
                out_shape[k] for k in block_out):
            if math.prod(in_shape[k] for k in block_in) < math.prod(
                    out_shape[k] for k in block_out):
                block_in.append(ins[a])
                a += 1
            else:
                block_out.append(outs[b])
                b += 1
        flat = flat_index([idx[k] for k in block_out], [out_shape[k] for k in block_out])
        for k, i in zip(block_in, unravel(flat, [in_shape[k] for k in block_in])):
            operand[k] = i
    return tuple(operand)


def _reshape(ins, idx, eqn):
    return ins[0].read(reshape_index(idx, eqn.inputs[0].type.shape, eqn.params["shape"]))


def _iota(ins, idx, eqn):
    return cast_expr(idx[eqn.params["dimension"]], eqn.params["dtype"], I64)


def _slice(ins, idx, eqn):
    start, step = eqn.params["start"], eqn.params["step"]
    return ins[0].read(tuple(plus(i if s == 1 else f"{parenthesize(i)} * {s}", a)
                             for i, a, s in zip(idx, start, step)))


def _rev(ins, idx, eqn):
    axes, shape = eqn.params["axes"], eqn.outs[0].type.shape
    return ins[0].read(tuple(f"{shape[k] - 1} - {parenthesize(i)}" if k in axes else i
                             for k, i in enumerate(idx)))


def _concatenate(ins, idx, eqn):
    """Nested choices along the axis: the first operand whose range holds it."""
    axis = eqn.params["axis"]
    i = idx[axis]
    bounds, offset = [], 0
    for atom in eqn.inputs:
        bounds.append(offset)
        offset += atom.type.shape[axis]
    rotated = _read_of_one_value(ins, idx, axis, bounds)
    if rotated is not None:
        return rotated
    choices = [f"{parenthesize(value.read(along(idx, axis, plus(i, -low))))} if "
               f"{parenthesize(i)} < {high} else "
               for value, low, high in zip(ins[:-1], bounds[:-1], bounds[1:])]
    last = ins[-1].read(along(idx, axis, plus(i, -bounds[-1])))
    return "".join(choices) + parenthesize(last)


def _read_of_one_value(ins, idx, axis, bounds):
    """Slices of one value concatenated along ``axis`` (``np.roll`` traces
    to two) as one read of that value, at an index shifted by a sum of
    steps: ``x[i + 1 - 40 * (i >= 39)]``, not ``x[i + 1] if i < 39 else
    x[i - 39]``, whose value would be written (and, when computed where it
    is read, computed) once per operand, each a branch for Numba and LLVM
    to compile.  None unless every operand is a unit-step slice of the
    same value, cut the same way along the other axes."""
    slices = [value.slice_of() for value in ins]
    if any(s is None for s in slices) or len({base.key() for base, _ in slices}) != 1:
        return None
    starts = [params["start"] for _, params in slices]
    if (any(step != 1 for _, params in slices for step in params["step"])
            or len({along(start, axis, 0) for start in starts}) != 1):
        return None
    i = parenthesize(idx[axis])
    shifts = [start[axis] - low for start, low in zip(starts, bounds)]
    position = plus(idx[axis], shifts[0])
    for low, before, shift in zip(bounds[1:], shifts, shifts[1:]):
        if shift != before:
            step = shift - before
            position += f" {'+' if step > 0 else '-'} {abs(step)} * ({i} >= {low})"
    index = tuple(plus(j, a) for j, a in zip(idx, starts[0]))
    return slices[0][0].read(along(index, axis, position))


def _pad(ins, idx, eqn):
    low, high, value = eqn.params["low"], eqn.params["high"], eqn.params["value"]
    shape = eqn.inputs[0].type.shape
    # The index is within the result (every read is), so a bound with no
    # padding beyond it needs no test.
    inside = [test for i, a, b, n in zip(idx, low, high, shape)
              for test in ([f"{a} <= {parenthesize(i)}"] if a > 0 else [])
              + ([f"{parenthesize(i)} < {a + n}"] if b > 0 else [])]
    read = ins[0].read(tuple(plus(i, -a) for i, a in zip(idx, low)))
    fill = literal_expr(value, eqn.outs[0].type.dtype)
    return f"{parenthesize(read)} if {' and '.join(inside)} else {fill}"


def _identity(ins, idx, eqn):
    return ins[0].read(idx)


def _convert(eqn, x):
    return cast_expr(x, eqn.params["dtype"], eqn.inputs[0].type.dtype)


lowers(broadcast_in_dim_p)(Folded(_broadcast_in_dim))
lowers(slice_p)(Folded(_slice))
lowers(rev_p)(Folded(_rev))
lowers(concatenate_p)(Folded(_concatenate))
lowers(pad_p)(Folded(_pad))
lowers(stop_gradient_p)(Folded(_identity))
lowers(transpose_p)(Folded(_transpose))
lowers(reshape_p)(Folded(_reshape))
lowers(iota_p)(Folded(_iota))
lowers(convert_p)(Elementwise(_convert, cheap=True, typed=True))
