"""``x[key]`` on Tracers, with NumPy's basic and advanced indexing rules.

Basic indices (ints, slices, None, Ellipsis) become at most one ``slice``,
one ``rev`` (for negative steps) and one ``reshape``.  Advanced indices
(integer arrays, traced or not, and boolean masks of known value) become one
``take``: the indexed axes are merged into one axis and the index arrays
folded into flat indices into it.  As in NumPy, ints count as advanced
indices when any array index is present, and the broadcast index dimensions
go first unless the advanced indices are next to each other in the key.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from ..compiler.primitives import structural as S
from ..compiler.primitives.indexing import check_index, take
from ..errors import ConcretizationError, unsupported
from ..tracer import Tracer, to_atom, user_location, wrap


@dataclass
class _Item:
    """One entry of an indexing key: kind is 'slice', 'int', 'array',
    'mask', 'new' (None) or 'ellipsis'."""

    kind: str
    value: object = None

    @property
    def width(self) -> int:
        """How many axes of the indexed array this entry consumes."""
        if self.kind == "mask":
            return self.value.ndim
        return 0 if self.kind in ("new", "ellipsis") else 1


def getitem(x, key):
    """``x[key]`` with NumPy semantics; ``x`` is a Tracer."""
    atom = to_atom(x)
    items = _expand(_parse(key), atom.type.shape)
    if any(item.kind == "array" for item in items):
        return wrap(_advanced(atom, items))
    return wrap(_basic(atom, items))


# -- parsing ----------------------------------------------------------------

def _parse(key) -> list:
    return [_classify(k) for k in (key if isinstance(key, tuple) else (key,))]


def _classify(k) -> _Item:
    if k is None:
        return _Item("new")
    if k is Ellipsis:
        return _Item("ellipsis")
    if isinstance(k, slice):
        return _Item("slice", k)
    if isinstance(k, Tracer) and k.known is None:
        return _Item("array", _traced_index(k))
    if isinstance(k, Tracer):       # made inside the function, its value known
        k = k.known
    if isinstance(k, (bool, np.bool_)):
        raise unsupported("indexing with a scalar boolean x[True]", "use x[None] instead")
    try:
        return _Item("int", operator.index(k))
    except TypeError:
        pass
    array = np.asarray(k)
    if array.dtype == np.bool_:
        if array.ndim == 0:
            raise unsupported("indexing with a 0-d boolean array", "use x[None] instead")
        return _Item("mask", array)
    if array.size == 0 and array.dtype == np.float64:   # x[[]]: NumPy reads it as ints
        array = array.astype(np.intp)
    if array.dtype.kind not in "iu":
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis "
                         "(`None`) and integer or boolean arrays are valid indices")
    return _Item("array", array)


def _traced_index(k: Tracer) -> Tracer:
    if k.dtype == np.bool_:
        raise ConcretizationError(
            f"indexing with a traced boolean mask {k.type} (at {user_location()}): the "
            "result's shape depends on the mask's values, which are not known while "
            "tracing. Use np.where(mask, x, 0) to keep the shape fixed, or make the "
            "mask a NumPy array computed outside the traced function.")
    if k.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer (or boolean) type, "
                         f"got {k.type}")
    return k


def _expand(items, shape) -> list:
    """Items with the Ellipsis marked by how many axes it spans, trailing
    full slices added, and (when any array index is present) masks turned
    into integer arrays and ints into 0-d arrays."""
    ndim = len(shape)
    if sum(item.kind == "ellipsis" for item in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(item.width for item in items)
    if used > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, "
                         f"but {used} were indexed")
    items = items + [_Item("slice", slice(None))] * (0 if any(
        item.kind == "ellipsis" for item in items) else ndim - used)
    advanced = any(item.kind in ("array", "mask") for item in items)
    out, axis = [], 0
    for item in items:
        if item.kind == "ellipsis":
            out.append(item)
            out += [_Item("slice", slice(None))] * (ndim - used)
            axis += ndim - used
            continue
        if item.kind == "mask":
            out += [_Item("array", a) for a in _mask_indices(item.value, shape, axis)]
        elif item.kind == "int" and advanced:
            out.append(_Item("array", np.asarray(item.value, dtype=np.intp)))
        else:
            out.append(item)
        axis += item.width
    return out


def _mask_indices(mask, shape, axis):
    for i, (m, n) in enumerate(zip(mask.shape, shape[axis:])):
        if m != n:
            raise IndexError(f"boolean index did not match indexed array along axis "
                             f"{axis + i}; size of axis is {n} but size of corresponding "
                             f"boolean axis is {m}")
    return np.nonzero(mask)


# -- basic indexing -----------------------------------------------------------

def _window(s: slice, n: int):
    """(start, limit, positive step, reversed) selecting what ``s`` does."""
    start, stop, step = s.indices(n)
    count = len(range(start, stop, step))
    if count == 0:
        return 0, 0, 1, False
    last = start + (count - 1) * step
    if step > 0:
        return start, last + 1, step, False
    return last, start + 1, -step, True


def _checked_int(i: int, n: int, axis: int) -> int:
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
    return i + n if i < 0 else i


@dataclass(frozen=True)
class Window:
    """What a basic index selects: ``x[start:limit:step]`` on every axis
    (ints keep a unit axis), then reversed along ``flips``."""

    start: tuple
    limit: tuple
    step: tuple
    flips: tuple


def basic_window(key, shape):
    """The Window of ``x[key]`` for an ``x`` of ``shape``, or None if
    ``key`` holds an array index (or a mask)."""
    items = _expand(_parse(key), shape)
    if any(item.kind == "array" for item in items):
        return None
    return _window_of(items, shape)


def _slice_and_rev(atom, items):
    """Apply every slice and int of ``items`` (ints keep a unit axis)."""
    window = _window_of(items, atom.type.shape)
    return S.rev(S.slice(atom, window.start, window.limit, window.step), window.flips)


def _window_of(items, shape) -> Window:
    starts, limits, steps, flips = [], [], [], []
    axis = 0
    for item in items:
        if item.kind == "slice":
            start, limit, step, flip = _window(item.value, shape[axis])
        elif item.kind == "int":
            start = _checked_int(item.value, shape[axis], axis)
            limit, step, flip = start + 1, 1, False
        elif item.kind == "array":
            start, limit, step, flip = 0, shape[axis], 1, False
        else:
            continue
        if flip:
            flips.append(axis)
        starts.append(start)
        limits.append(limit)
        steps.append(step)
        axis += 1
    return Window(tuple(starts), tuple(limits), tuple(steps), tuple(flips))


def _basic(atom, items):
    sliced = _slice_and_rev(atom, items)
    shape, out_shape, axis = sliced.type.shape, [], 0
    for item in items:
        if item.kind == "new":
            out_shape.append(1)
        elif item.kind == "slice":
            out_shape.append(shape[axis])
        axis += item.kind in ("slice", "int")
    return S.reshape(sliced, out_shape)


# -- advanced indexing --------------------------------------------------------

def _advanced(atom, items):
    sliced = _slice_and_rev(atom, items)
    shape = sliced.type.shape
    axis_of, axis = [], 0          # the array axis each item indexes (or None)
    for item in items:
        axis_of.append(axis if item.kind in ("slice", "array") else None)
        axis += item.kind in ("slice", "array")
    adv = [i for i, item in enumerate(items) if item.kind == "array"]
    adv_axes = [axis_of[i] for i in adv]
    indices = [_index_operand(items[i].value, shape[a], a) for i, a in zip(adv, adv_axes)]
    index_shape = _broadcast_index_shapes(indices)
    adjacent = adv == list(range(adv[0], adv[-1] + 1))
    if len(adv) == 1:
        gathered = take(sliced, to_atom(indices[0]), adv_axes[0])
    else:
        gathered = _gather_merged(sliced, adv_axes, indices)
        if adjacent:
            # Merged gathers put the index dimensions first; NumPy puts them
            # where the (adjacent) advanced indices were.
            lead = adv_axes[0]
            perm = list(range(len(index_shape), len(index_shape) + lead))
            perm += list(range(len(index_shape)))
            perm += list(range(len(index_shape) + lead, gathered.type.ndim))
            gathered = S.transpose(gathered, perm)
    out_shape = [] if adjacent else list(index_shape)
    for i, item in enumerate(items):
        if item.kind == "new":
            out_shape.append(1)
        elif item.kind == "slice":
            out_shape.append(shape[axis_of[i]])
        elif adjacent and i == adv[0]:
            out_shape += index_shape
    return S.reshape(gathered, out_shape)


def _index_operand(index, n: int, axis: int):
    """An integer index array checked against ``n``: now when its value is
    known, else when the kernel runs."""
    if isinstance(index, Tracer):
        return wrap(check_index(to_atom(index), n, axis))
    index = np.asarray(index)
    bad = index[(index < -n) | (index >= n)]
    if bad.size:
        raise IndexError(f"index {bad.flat[0]} is out of bounds for axis {axis} with size {n}")
    return index.astype(np.int64)


def _broadcast_index_shapes(indices) -> tuple:
    shapes = [tuple(i.shape) for i in indices]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together "
                         f"with shapes {' '.join(map(str, shapes))}") from None


def _gather_merged(atom, axes, indices):
    """``take`` of the flat positions picked by ``indices`` (checked, one
    array per axis in ``axes``) from ``atom`` with those axes merged into
    its first axis."""
    shape = atom.type.shape
    rest = [a for a in range(len(shape)) if a not in axes]
    moved = S.transpose(atom, list(axes) + rest)
    merged = S.reshape(moved, (int(np.prod([shape[a] for a in axes])),)
                       + tuple(shape[a] for a in rest))
    flat = None
    for a, index in zip(axes, indices):
        wrapped = index + (index < 0) * shape[a]
        flat = wrapped if flat is None else flat * shape[a] + wrapped
    return take(merged, to_atom(flat), 0)
