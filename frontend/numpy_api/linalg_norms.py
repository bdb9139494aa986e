"""np.linalg.norm for every ``ord`` (vector norms along one axis, matrix
norms over two), matrix_norm, vector_norm and cond, written with the
traced NumPy calls they are made of; the 2-norms and the nuclear norm of
matrices from the singular values (linalg_decompositions.singular_values).
"""
from __future__ import annotations

import operator

import numpy as np

from ..tracer import to_atom, wrap
from .linalg_decompositions import singular_values
from .linalg_solvers import inv
from .table import implements


def _normalized_axes(axis, ndim):
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    axes = tuple(operator.index(a) for a in axes)
    for a in axes:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
    return tuple(a % ndim for a in axes)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError("Invalid norm order for vectors.")
    if ord == np.inf:
        return np.max(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return np.sum((x != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return np.sum(np.abs(x), axis=axis, keepdims=keepdims)
    power = np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims)
    return power ** (1.0 / ord)


def _singular_value_norm(x, ord, axes, keepdims):
    """2, -2 and 'nuc': from the singular values of the matrices over ``axes``."""
    moved = np.moveaxis(x, axes, (-2, -1))
    s = wrap(singular_values(to_atom(moved)))
    result = {2: np.max, -2: np.min, "nuc": np.sum}[ord](s, axis=-1)
    if keepdims:
        result = np.expand_dims(result, axes)
    return result


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(x, ord, axes, keepdims)
    if ord in (None, "fro", "f"):
        return np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))
    sums = {1: (row, col, np.max), -1: (row, col, np.min),
            np.inf: (col, row, np.max), -np.inf: (col, row, np.min)}
    if ord not in sums:
        raise ValueError("Invalid norm order for matrices.")
    summed, reduced, extremum = sums[ord]
    result = extremum(np.sum(np.abs(x), axis=summed, keepdims=True), axis=reduced,
                      keepdims=True)
    return result if keepdims else np.squeeze(result, axis=axes)


def _as_float(x):
    atom = to_atom(x)
    dtype = atom.type.dtype if atom.type.dtype.kind == "f" else np.dtype(np.float64)
    return wrap(to_atom(x, dtype))


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    x = _as_float(x)
    if axis is None:
        if ord is None:
            result = np.sqrt(np.sum(x * x))
            return np.reshape(result, (1,) * x.ndim) if keepdims else result
        if x.ndim not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(x.ndim))
    axes = _normalized_axes(axis, x.ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    x = _as_float(x)
    return _matrix_norm(x, ord, (x.ndim - 2, x.ndim - 1), keepdims)


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    x = _as_float(x)
    if axis is None:
        flat = np.reshape(x, (-1,))
        result = _vector_norm(flat, ord, 0, False)
        return np.reshape(result, (1,) * x.ndim) if keepdims else result
    axes = _normalized_axes(axis, x.ndim)
    return _vector_norm(x, ord, axes if len(axes) > 1 else axes[0], keepdims)


@implements(np.linalg.cond)
def cond(x, p=None):
    x = _as_float(x)
    if p is None or p in (2, -2):
        s = wrap(singular_values(to_atom(x)))
        largest, smallest = s[..., 0], s[..., -1]
        return smallest / largest if p == -2 else largest / smallest
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))
