"""np.linalg.norm's matrix norms by singular values (ord 2, -2 and 'nuc',
from linalg_decompositions.singular_values), the other norms passed on to
numpy_api/reductions.py's norm; matrix_norm, vector_norm and cond on top.
"""
from __future__ import annotations

import operator

import numpy as np

from ..tracer import to_atom, wrap
from . import reductions
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


def _singular_value_norm(x, ord, axes, keepdims):
    """2, -2 and 'nuc': from the singular values of the matrices over ``axes``."""
    moved = np.moveaxis(x, axes, (-2, -1))
    s = wrap(singular_values(to_atom(moved)))
    result = {2: np.max, -2: np.min, "nuc": np.sum}[ord](s, axis=-1)
    if keepdims:
        result = np.expand_dims(result, axes)
    return result


def _as_float(x):
    atom = to_atom(x)
    dtype = atom.type.dtype if atom.type.dtype.kind == "f" else np.dtype(np.float64)
    return wrap(to_atom(x, dtype))


def _matrix_axes(ndim, ord, axis):
    """The two axes of a matrix norm by singular values, None for the
    other norms."""
    if ord not in (2, -2, "nuc"):
        return None
    if axis is None:
        return (0, 1) if ndim == 2 else None
    axes = _normalized_axes(axis, ndim)
    return axes if len(axes) == 2 and axes[0] != axes[1] else None


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """The norms by singular values here; the others are reductions
    (numpy_api/reductions.py)."""
    x = _as_float(x)
    axes = _matrix_axes(x.ndim, ord, axis)
    if axes is None:
        return reductions.norm(x, ord, axis, keepdims)
    return _singular_value_norm(x, ord, axes, keepdims)


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    x = _as_float(x)
    return norm(x, ord, (x.ndim - 2, x.ndim - 1), keepdims)


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The norm over ``axis`` (all axes by default) merged into one."""
    x = _as_float(x)
    axes = tuple(range(x.ndim)) if axis is None else _normalized_axes(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    merged = np.reshape(moved, moved.shape[:x.ndim - len(axes)] + (-1,))
    result = norm(merged, ord, axis=-1)
    return np.expand_dims(result, axes) if keepdims else result


@implements(np.linalg.cond)
def cond(x, p=None):
    x = _as_float(x)
    if p is None or p in (2, -2):
        s = wrap(singular_values(to_atom(x)))
        largest, smallest = s[..., 0], s[..., -1]
        return smallest / largest if p == -2 else largest / smallest
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))
