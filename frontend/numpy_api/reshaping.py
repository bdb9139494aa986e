"""Reshaping, axis permutation and broadcasting, diagonals and triangles,
copies and gathers, composed from the structural primitives (and
``getitem`` where NumPy's own definition is an indexing expression).  The
argument helpers at the top serve joining.py too."""
from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..compiler.primitives import elementwise as E
from ..compiler.primitives import structural as S
from ..compiler.primitives.reductions import reduce_sum
from ..errors import unsupported
from ..tracer import Tracer, to_atom, wrap
from .indexing import getitem
from .table import implements


def int_tuple(value) -> tuple:
    """A static int or sequence of ints as a tuple of ints (a traced Python
    scalar is made concrete, which specializes the enclosing jit)."""
    if isinstance(value, (tuple, list)) or isinstance(value, np.ndarray) and value.ndim:
        return tuple(operator.index(v) for v in value)
    return (operator.index(value),)


def _c_order_only(name: str, order):
    if order != "C":
        raise unsupported(f"numpy.{name}(order={order!r})", "only order='C' is supported")


def flattened(atom):
    return S.reshape(atom, (atom.type.size,))


def reject_out(name, out):
    if out is not None:
        raise unsupported(f"numpy.{name}(out=...)",
                          "traced arrays are immutable; use the returned value")


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
    return wrap(flattened(to_atom(a)))


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
    return wrap(with_unit_axes(x, int_tuple(axis)))


def with_unit_axes(x, axes):
    """``x`` reshaped with axes of length 1 at ``axes`` (of the result)."""
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


def shape_at_least_1d(shape):
    return shape or (1,)


def shape_at_least_2d(shape):
    return ((1,) * (2 - len(shape)) + shape) if len(shape) < 2 else shape


def shape_at_least_3d(shape):
    return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)


atleast_1d = implements(np.atleast_1d)(_atleast("atleast_1d", shape_at_least_1d))
atleast_2d = implements(np.atleast_2d)(_atleast("atleast_2d", shape_at_least_2d))
atleast_3d = implements(np.atleast_3d)(_atleast("atleast_3d", shape_at_least_3d))



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
    reject_out("trace", out)
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
    reject_out("take", out)
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
