"""Joining and splitting, repetition, flips and rolls, and padding,
composed from the structural primitives."""
from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..compiler.primitives import structural as S
from ..errors import unsupported
from ..tracer import to_atom, wrap
from .indexing import getitem
from .reshaping import (flattened, int_tuple, reject_out, shape_at_least_1d,
                        shape_at_least_2d, shape_at_least_3d, with_unit_axes)
from .table import implements


# -- joining and splitting ------------------------------------------------------

def _joined(atoms, axis, dtype=None, casting="same_kind"):
    """NumPy's concatenate of atoms (axis already an int or None)."""
    if not atoms:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        atoms, axis = [flattened(x) for x in atoms], 0
    result = np.result_type(*(x.type.dtype for x in atoms)) if dtype is None else np.dtype(dtype)
    first = atoms[0].type
    if first.ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, first.ndim)
    for k, x in enumerate(atoms):
        _check_joinable(first, x.type, axis, k)
        if not np.can_cast(x.type.dtype, result, casting):
            raise TypeError(f"Cannot cast array data from {x.type.dtype!r} to {result!r} "
                            f"according to the rule {casting!r}")
    return S.concatenate([S.convert(x, result) for x in atoms], axis)


def _check_joinable(first, other, axis, k):
    if other.ndim != first.ndim:
        raise ValueError("all the input array dimensions except for the concatenation axis "
                         f"must match exactly, but the array at index 0 has {first.ndim} "
                         f"dimension(s) and the array at index {k} has {other.ndim}")
    for d, (n, m) in enumerate(zip(first.shape, other.shape)):
        if d != axis and n != m:
            raise ValueError("all the input array dimensions except for the concatenation "
                             f"axis must match exactly, but along dimension {d}, the array "
                             f"at index 0 has size {n} and the array at index {k} has "
                             f"size {m}")


@implements(np.concatenate)
def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    reject_out("concatenate", out)
    axis = None if axis is None else operator.index(axis)
    return wrap(_joined([to_atom(a) for a in arrays], axis, dtype, casting))


@implements(np.stack)
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    reject_out("stack", out)
    atoms = [to_atom(a) for a in arrays]
    if len({x.type.shape for x in atoms}) > 1:
        raise ValueError("all input arrays must have the same shape")
    axis = operator.index(axis)
    expanded = [with_unit_axes(x, (axis,)) for x in atoms]
    return wrap(_joined(expanded, axis, dtype, casting))


@implements(np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    atoms = [S.reshape(x, shape_at_least_1d(x.type.shape)) for x in map(to_atom, tup)]
    axis = 0 if atoms and atoms[0].type.ndim == 1 else 1
    return wrap(_joined(atoms, axis, dtype, casting))


@implements(np.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    atoms = [S.reshape(x, shape_at_least_2d(x.type.shape)) for x in map(to_atom, tup)]
    return wrap(_joined(atoms, 0, dtype, casting))


@implements(np.dstack)
def dstack(tup):
    atoms = [S.reshape(x, shape_at_least_3d(x.type.shape)) for x in map(to_atom, tup)]
    return wrap(_joined(atoms, 2))


@implements(np.column_stack)
def column_stack(tup):
    def column(x):
        shape = x.type.shape
        return S.reshape(x, (x.type.size, 1)) if len(shape) < 2 else x
    return wrap(_joined([column(to_atom(a)) for a in tup], 1))


def _split(ary, indices_or_sections, axis, name):
    x = wrap(to_atom(ary))
    axis = normalize_axis_index(operator.index(axis), x.ndim)
    n = x.shape[axis]
    try:
        sections = operator.index(indices_or_sections)
    except TypeError:
        bounds = [0, *int_tuple(indices_or_sections), n]
    else:
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        if name == "split" and n % sections:
            raise ValueError("array split does not result in an equal division")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = [0, *np.cumsum(sizes).tolist()]
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(start, stop),)) for start, stop in zip(bounds, bounds[1:])]


@implements(np.split)
def split(ary, indices_or_sections, axis=0):
    return _split(ary, indices_or_sections, axis, "split")


@implements(np.array_split)
def array_split(ary, indices_or_sections, axis=0):
    return _split(ary, indices_or_sections, axis, "array_split")


# -- repetition ----------------------------------------------------------------

@implements(np.tile)
def tile(A, reps):
    x = to_atom(A)
    reps = int_tuple(reps)
    ndim = max(len(reps), x.type.ndim)
    shape = (1,) * (ndim - x.type.ndim) + x.type.shape
    reps = (1,) * (ndim - len(reps)) + reps
    if any(r < 0 for r in reps):
        raise ValueError("negative dimensions are not allowed")
    # (n0, n1, ...) -> (r0, n0, r1, n1, ...) -> (r0 * n0, r1 * n1, ...)
    interleaved = tuple(v for pair in zip(reps, shape) for v in pair)
    spread = S.broadcast_in_dim(S.reshape(x, shape), interleaved, range(1, 2 * ndim, 2))
    return wrap(S.reshape(spread, [r * n for r, n in zip(reps, shape)]))


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    x = to_atom(a)
    if axis is None:
        x, axis = flattened(x), 0
    else:
        axis = normalize_axis_index(operator.index(axis), x.type.ndim)
    shape = x.type.shape
    counts = np.asarray(repeats)
    if counts.size == 1:
        return wrap(_repeat_each(x, axis, operator.index(counts.reshape(()))))
    index = np.repeat(np.arange(shape[axis]), counts)
    return getitem(wrap(x), (slice(None),) * axis + (index,))


def _repeat_each(x, axis, count):
    """Every element along ``axis`` repeated ``count`` times."""
    if count < 0:
        raise ValueError("negative dimensions are not allowed")
    shape = x.type.shape
    spread = S.broadcast_in_dim(x, shape[:axis + 1] + (count,) + shape[axis + 1:],
                                tuple(range(axis + 1)) + tuple(range(axis + 2, len(shape) + 1)))
    return S.reshape(spread, shape[:axis] + (shape[axis] * count,) + shape[axis + 1:])


# -- flips and rolls -------------------------------------------------------------

def _flipped(a, axis, min_ndim):
    x = to_atom(a)
    ndim = x.type.ndim
    if ndim < min_ndim:
        raise ValueError(f"Input must be >= {min_ndim}-d.")
    axes = range(ndim) if axis is None else normalize_axis_tuple(int_tuple(axis), ndim)
    return wrap(S.rev(x, axes))


@implements(np.flip)
def flip(m, axis=None):
    return _flipped(m, axis, 0)


@implements(np.fliplr)
def fliplr(m):
    return _flipped(m, 1, 2)


@implements(np.flipud)
def flipud(m):
    return _flipped(m, 0, 1)


@implements(np.roll)
def roll(a, shift, axis=None):
    x = to_atom(a)
    if axis is None:
        return wrap(S.reshape(_rolled(flattened(x), {0: sum(int_tuple(shift))}), x.type.shape))
    shifts, axes = int_tuple(shift), int_tuple(axis)
    if len(shifts) != len(axes) and 1 not in (len(shifts), len(axes)):
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
    total = {}
    for s, ax in zip(shifts * (len(axes) if len(shifts) == 1 else 1),
                     axes * (len(shifts) if len(axes) == 1 else 1)):
        ax = normalize_axis_index(ax, x.type.ndim)
        total[ax] = total.get(ax, 0) + s
    return wrap(_rolled(x, total))


def _rolled(x, shifts):
    """``x`` rolled by ``shifts[axis]`` along each axis: two slices joined."""
    for axis, shift in shifts.items():
        n = x.type.shape[axis]
        if n == 0 or shift % n == 0:
            continue
        cut = n - shift % n
        x = S.concatenate([S.slice_axis(x, axis, cut, n), S.slice_axis(x, axis, 0, cut)], axis)
    return x


# -- padding -----------------------------------------------------------------------

def _pairs(value, ndim: int, name: str):
    """NumPy's per-axis (before, after) pairs from a scalar, a pair or pairs."""
    array = np.asarray(value)
    try:
        return np.broadcast_to(array, (ndim, 2)), array
    except ValueError:
        raise ValueError(f"Unable to create correctly shaped tuple from {value} for "
                         f"`{name}`") from None


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    if mode != "constant":
        raise unsupported(f"numpy.pad(mode={mode!r})", "only mode='constant' is supported")
    extra = set(kwargs) - {"constant_values"}
    if extra:
        raise ValueError(f"unsupported keyword arguments for mode 'constant': {extra}")
    x = to_atom(array)
    ndim = x.type.ndim
    widths, given = _pairs(pad_width, ndim, "pad_width")
    if given.dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    if (widths < 0).any():
        raise ValueError("index can't contain negative values")
    values, _ = _pairs(kwargs.get("constant_values", 0), ndim, "constant_values")
    low, high = widths[:, 0].tolist(), widths[:, 1].tolist()
    if len(set(values.ravel().tolist())) <= 1:
        return wrap(S.pad(x, low, high, values.flat[0] if values.size else 0))
    # Different values: pad one side at a time, in NumPy's axis order.
    for axis in range(ndim):
        for side, width in ((0, low[axis]), (1, high[axis])):
            before, after = [0] * ndim, [0] * ndim
            (before, after)[side][axis] = width
            x = S.pad(x, before, after, values[axis, side].item())
    return wrap(x)


