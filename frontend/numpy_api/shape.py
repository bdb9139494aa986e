"""Shape manipulation, joining and splitting, flips and rolls, padding,
diagonals and triangles, composed from the structural primitives (and
``getitem`` where NumPy's own definition is an indexing expression)."""
from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..compiler.primitives import elementwise as E
from ..compiler.primitives import structural as S
from ..compiler.primitives.reductions import reduce_sum
from ..errors import unsupported
from ..tracer import Tracer, to_atom, wrap
from . import implements
from .indexing import getitem


def int_tuple(value) -> tuple:
    """A static int or sequence of ints as a tuple of ints (a traced Python
    scalar is made concrete, which specializes the enclosing jit)."""
    if isinstance(value, (tuple, list)) or isinstance(value, np.ndarray) and value.ndim:
        return tuple(operator.index(v) for v in value)
    return (operator.index(value),)


def _c_order_only(name: str, order):
    if order != "C":
        raise unsupported(f"numpy.{name}(order={order!r})", "only order='C' is supported")


def _flat(atom):
    return S.reshape(atom, (atom.type.size,))


# -- reshaping and axis permutation -----------------------------------------------

def _resolved_shape(shape, size: int) -> tuple:
    """``shape`` with a -1 entry replaced by what makes it hold ``size``."""
    shape = int_tuple(shape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension")
    if unknown and known and size % known == 0:
        shape = shape[:unknown[0]] + (size // known,) + shape[unknown[0] + 1:]
    if any(n < 0 for n in shape) or int(np.prod(shape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


@implements(np.reshape)
def reshape(a, /, shape, order="C", *, copy=None):
    _c_order_only("reshape", order)
    x = to_atom(a)
    return wrap(S.reshape(x, _resolved_shape(shape, x.type.size)))


@implements(np.ravel)
def ravel(a, order="C"):
    _c_order_only("ravel", order)
    return wrap(_flat(to_atom(a)))


@implements(np.transpose)
def transpose(a, axes=None):
    x = to_atom(a)
    ndim = x.type.ndim
    if axes is None:
        return wrap(S.transpose(x, range(ndim)[::-1]))
    axes = int_tuple(axes)
    if len(axes) != ndim:
        raise ValueError("axes don't match array")
    return wrap(S.transpose(x, normalize_axis_tuple(axes, ndim)))


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    x = to_atom(a)
    ndim = x.type.ndim
    perm = list(range(ndim))
    i, j = (normalize_axis_index(operator.index(ax), ndim) for ax in (axis1, axis2))
    perm[i], perm[j] = j, i
    return wrap(S.transpose(x, perm))


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    x = to_atom(a)
    ndim = x.type.ndim
    source = normalize_axis_tuple(int_tuple(source), ndim, "source")
    destination = normalize_axis_tuple(int_tuple(destination), ndim, "destination")
    if len(source) != len(destination):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return wrap(S.transpose(x, order))


@implements(np.squeeze)
def squeeze(a, axis=None):
    x = to_atom(a)
    shape = x.type.shape
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = normalize_axis_tuple(int_tuple(axis), len(shape))
    if any(shape[i] != 1 for i in axes):
        raise ValueError("cannot select an axis to squeeze out which has size not equal "
                         "to one")
    return wrap(S.reshape(x, [n for i, n in enumerate(shape) if i not in axes]))


@implements(np.expand_dims)
def expand_dims(a, axis):
    x = to_atom(a)
    return wrap(_expanded(x, int_tuple(axis)))


def _expanded(x, axes):
    ndim = x.type.ndim + len(axes)
    axes = normalize_axis_tuple(axes, ndim)
    sizes = iter(x.type.shape)
    return S.reshape(x, [1 if i in axes else next(sizes) for i in range(ndim)])


@implements(np.broadcast_to)
def broadcast_to(array, shape, subok=False):
    x = to_atom(array)
    shape = int_tuple(shape)
    if np.broadcast_shapes(x.type.shape, shape) != shape:
        raise ValueError(f"cannot broadcast an array of shape {x.type.shape} to shape "
                         f"{shape}")
    return wrap(S.broadcast_to(x, shape))


@implements(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    atoms = [to_atom(a) for a in args]
    shape = np.broadcast_shapes(*(x.type.shape for x in atoms))
    return tuple(wrap(S.broadcast_to(x, shape)) for x in atoms)


def _atleast(name, new_shape):
    """atleast_Nd: ``new_shape(shape)`` is the shape for low-rank inputs."""
    def handler(*arys):
        outs = [wrap(S.reshape(x, new_shape(x.type.shape))) for x in map(to_atom, arys)]
        return outs[0] if len(outs) == 1 else tuple(outs)
    handler.__name__ = name
    return handler


def _at_least_1d(shape):
    return shape or (1,)


def _at_least_2d(shape):
    return ((1,) * (2 - len(shape)) + shape) if len(shape) < 2 else shape


def _at_least_3d(shape):
    return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)


atleast_1d = implements(np.atleast_1d)(_atleast("atleast_1d", _at_least_1d))
atleast_2d = implements(np.atleast_2d)(_atleast("atleast_2d", _at_least_2d))
atleast_3d = implements(np.atleast_3d)(_atleast("atleast_3d", _at_least_3d))


# -- joining and splitting ------------------------------------------------------

def _joined(atoms, axis, dtype=None, casting="same_kind"):
    """NumPy's concatenate of atoms (axis already an int or None)."""
    if not atoms:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        atoms, axis = [_flat(x) for x in atoms], 0
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


def _no_out(name, out):
    if out is not None:
        raise unsupported(f"numpy.{name}(out=...)",
                          "traced arrays are immutable; use the returned value")


@implements(np.concatenate)
def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _no_out("concatenate", out)
    axis = None if axis is None else operator.index(axis)
    return wrap(_joined([to_atom(a) for a in arrays], axis, dtype, casting))


@implements(np.stack)
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _no_out("stack", out)
    atoms = [to_atom(a) for a in arrays]
    if len({x.type.shape for x in atoms}) > 1:
        raise ValueError("all input arrays must have the same shape")
    axis = operator.index(axis)
    expanded = [_expanded(x, (axis,)) for x in atoms]
    return wrap(_joined(expanded, axis, dtype, casting))


@implements(np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    atoms = [S.reshape(x, _at_least_1d(x.type.shape)) for x in map(to_atom, tup)]
    axis = 0 if atoms and atoms[0].type.ndim == 1 else 1
    return wrap(_joined(atoms, axis, dtype, casting))


@implements(np.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    atoms = [S.reshape(x, _at_least_2d(x.type.shape)) for x in map(to_atom, tup)]
    return wrap(_joined(atoms, 0, dtype, casting))


@implements(np.dstack)
def dstack(tup):
    atoms = [S.reshape(x, _at_least_3d(x.type.shape)) for x in map(to_atom, tup)]
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
        x, axis = _flat(x), 0
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
        return wrap(S.reshape(_rolled(_flat(x), {0: sum(int_tuple(shift))}), x.type.shape))
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


# -- diagonals and triangles -----------------------------------------------------

def _diagonal(x, offset: int, axis1: int, axis2: int):
    ndim = x.type.ndim
    if ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    axis1, axis2 = (normalize_axis_index(a, ndim) for a in (axis1, axis2))
    if axis1 == axis2:
        raise ValueError("axis1 and axis2 cannot be the same")
    rest = [a for a in range(ndim) if a not in (axis1, axis2)]
    moved = S.transpose(x, rest + [axis1, axis2])
    *lead, rows, cols = moved.type.shape
    row0, col0 = max(0, -offset), max(0, offset)
    length = max(0, min(rows - row0, cols - col0))
    if not length:
        row0 = col0 = 0
    square = S.slice(moved, [0] * len(lead) + [row0, col0],
                     lead + [row0 + length, col0 + length])
    # In the flattened square the diagonal is every (length + 1)-th element.
    flat = S.reshape(square, tuple(lead) + (length * length,))
    return S.slice_axis(flat, len(lead), 0, length * length, length + 1)


@implements(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    x = to_atom(a)
    return wrap(_diagonal(x, *map(operator.index, (offset, axis1, axis2))))


@implements(np.diag)
def diag(v, k=0):
    x = to_atom(v)
    k = operator.index(k)
    if x.type.ndim == 2:
        return wrap(_diagonal(x, k, 0, 1))
    if x.type.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    size = x.type.shape[0] + abs(k)
    padded = S.pad(x, (0,), (abs(k),))
    # Row i holds v[i] (k >= 0) or column j holds v[j] (k < 0); the mask
    # keeps the k-th diagonal.
    spread = S.broadcast_in_dim(padded, (size, size), (0,) if k >= 0 else (1,))
    return wrap(E.select(S.eye(np.bool_, size, size, k), spread, 0))


@implements(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no_out("trace", out)
    x = to_atom(a)
    result = np.trace(np.zeros((1, 1), x.type.dtype), dtype=dtype).dtype
    diagonals = _diagonal(x, *map(operator.index, (offset, axis1, axis2)))
    return wrap(reduce_sum(S.convert(diagonals, result), (diagonals.type.ndim - 1,)))


def _triangle(m, k, lower: bool):
    x = to_atom(m)
    shape = x.type.shape
    if not shape:
        raise ValueError("tril/triu need an array of at least one dimension")
    mask_shape = shape[-2:] if len(shape) > 1 else shape * 2
    rows = S.iota(np.int64, mask_shape, 0)
    cols = S.iota(np.int64, mask_shape, 1)
    k = operator.index(k)
    diagonal = E.add(rows, k) if k else rows
    keep = E.ge(diagonal, cols) if lower else E.le(diagonal, cols)
    return wrap(E.select(keep, x, 0))


@implements(np.tril)
def tril(m, k=0):
    return _triangle(m, k, lower=True)


@implements(np.triu)
def triu(m, k=0):
    return _triangle(m, k, lower=False)


# -- copies and gathers -------------------------------------------------------------

@implements(np.copy)
def copy(a, order="K", subok=False):
    return wrap(to_atom(a))


@implements(np.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    _no_out("take", out)
    x = wrap(to_atom(a))
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis_index(operator.index(axis), x.ndim)
    index = _moded_index(indices, x.shape[axis], mode)
    return getitem(x, (slice(None),) * axis + (index,))


def _moded_index(indices, n: int, mode: str):
    """np.take's indices after its ``mode`` ('raise' is getitem's rule)."""
    if mode == "raise":
        return indices
    if mode not in ("wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if not isinstance(indices, Tracer):
        indices = np.asarray(indices)
        return np.mod(indices, n) if mode == "wrap" else np.clip(indices, 0, n - 1)
    index = to_atom(indices)
    if mode == "wrap":
        return wrap(E.rem(index, n))
    return wrap(E.min(E.max(index, 0), n - 1))


@implements(np.take_along_axis)
def take_along_axis(arr, indices, axis=-1):
    x = wrap(to_atom(arr))
    if axis is None:
        x, axis = ravel(x), 0
    ndim = x.ndim
    if np.ndim(indices) != ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = normalize_axis_index(operator.index(axis), ndim)
    # NumPy's definition: an open grid of aranges on the other axes.
    grid = [np.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1))
            for d, n in enumerate(x.shape)]
    grid[axis] = indices
    return getitem(x, tuple(grid))
