"""Differences, integrals and products of sequences: diff, gradient,
trapezoid, interp, convolve, correlate, cross, kron, vander.

All are compositions of NumPy calls on Tracers (slices, gathers with
constant indices, sums), written in NumPy's own order of operations so that
values agree to the last bit where NumPy's formula is plain arithmetic.
"""
from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..errors import unsupported
from ..tracer import to_atom, wrap
from .table import implements


def _as_tracer(a):
    return wrap(to_atom(a))


def _along(axis, ndim, piece):
    """An index tuple selecting ``piece`` (a slice or int) on ``axis``."""
    return (slice(None),) * axis + (piece,)


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    x = _as_tracer(a)
    if x.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(operator.index(axis), x.ndim)
    pieces = [_widened(v, x, axis) for v in (prepend,) if v is not np._NoValue]
    pieces += [x] + [_widened(v, x, axis) for v in (append,) if v is not np._NoValue]
    x = np.concatenate(pieces, axis=axis) if len(pieces) > 1 else x
    # As NumPy: the difference of bools is whether they differ.
    difference = np.not_equal if x.dtype == np.bool_ else np.subtract
    for _ in range(operator.index(n)):
        x = difference(x[_along(axis, x.ndim, slice(1, None))],
                       x[_along(axis, x.ndim, slice(None, -1))])
    return x


def _widened(value, x, axis):
    """prepend/append: a scalar is broadcast to one slice along ``axis``."""
    value = _as_tracer(value)
    if value.ndim == 0:
        shape = x.shape[:axis] + (1,) + x.shape[axis + 1:]
        value = np.broadcast_to(value, shape)
    return value


# -- gradient ------------------------------------------------------------------------------

def _uniform_gradient(f, axis, dx, edge_order):
    def at(piece):
        return f[_along(axis, f.ndim, piece)]
    interior = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * dx)
    if edge_order == 1:
        first = (at(slice(1, 2)) - at(slice(0, 1))) / dx
        last = (at(slice(-1, None)) - at(slice(-2, -1))) / dx
    else:
        first = -1.5 / dx * at(slice(0, 1)) + 2.0 / dx * at(slice(1, 2)) \
            - 0.5 / dx * at(slice(2, 3))
        last = 0.5 / dx * at(slice(-3, -2)) - 2.0 / dx * at(slice(-2, -1)) \
            + 1.5 / dx * at(slice(-1, None))
    return np.concatenate((first, interior, last), axis=axis)


def _coordinate_gradient(f, axis, coordinates, edge_order):
    """Second-order differences on uneven points, as NumPy's gradient."""
    if edge_order != 1:
        raise unsupported("numpy.gradient(edge_order=2) with coordinate arrays",
                          "use edge_order=1, or a uniform spacing")
    h = np.diff(coordinates)
    shape = (1,) * axis + (-1,) + (1,) * (f.ndim - axis - 1)
    left, right = np.reshape(h[:-1], shape), np.reshape(h[1:], shape)

    def at(piece):
        return f[_along(axis, f.ndim, piece)]
    a = -right / (left * (left + right))
    b = (right - left) / (left * right)
    c = left / (right * (left + right))
    interior = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
    first = (at(slice(1, 2)) - at(slice(0, 1))) / np.reshape(h[:1], shape)
    last = (at(slice(-1, None)) - at(slice(-2, -1))) / np.reshape(h[-1:], shape)
    return np.concatenate((first, interior, last), axis=axis)


@implements(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    f = _as_tracer(f)
    if f.dtype == np.bool_:
        raise TypeError("numpy.gradient of a bool array: NumPy does not subtract booleans")
    # As NumPy: the result has f's dtype (float64 for integers), whatever
    # the spacing's dtype.
    result_dtype = f.dtype if np.issubdtype(f.dtype, np.inexact) else np.dtype(np.float64)
    f = f.astype(result_dtype)
    axes = tuple(range(f.ndim)) if axis is None else (
        tuple(axis) if isinstance(axis, (tuple, list)) else (axis,))
    axes = tuple(normalize_axis_index(operator.index(a), f.ndim) for a in axes)
    spacings = varargs if len(varargs) == len(axes) else (
        varargs * len(axes) if len(varargs) == 1 else (1.0,) * len(axes))
    if len(varargs) not in (0, 1, len(axes)):
        raise TypeError("invalid number of arguments")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    results = []
    for ax, spacing in zip(axes, spacings):
        if f.shape[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        if np.ndim(spacing) == 0:
            result = _uniform_gradient(f, ax, spacing, edge_order)
        else:
            result = _coordinate_gradient(f, ax, _as_tracer(spacing), edge_order)
        results.append(result.astype(result_dtype))
    return results[0] if len(results) == 1 else tuple(results)


# -- trapezoid, interp -----------------------------------------------------------------------

@implements(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = _as_tracer(y)
    axis = normalize_axis_index(operator.index(axis), y.ndim)
    if x is not None:
        x = _as_tracer(x)
        d = np.diff(x, axis=-1 if x.ndim == 1 else axis)
        if x.ndim == 1:
            d = np.reshape(d, (1,) * axis + (-1,) + (1,) * (y.ndim - axis - 1))
    else:
        d = dx
    heads, tails = y[_along(axis, y.ndim, slice(1, None))], y[_along(axis, y.ndim, slice(None, -1))]
    return np.sum(d * (heads + tails) / 2.0, axis=axis)


@implements(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise linear interpolation in float64, ``xp`` increasing (as NumPy
    assumes), with NumPy's choices where a slope is not finite."""
    if period is not None:
        raise unsupported("numpy.interp(period=...)", "reduce x modulo the period first")
    x, xp, fp = (_as_tracer(a).astype(np.float64) for a in (x, xp, fp))
    n = xp.shape[0]
    inside = np.broadcast_to(fp[0], x.shape) if n == 1 else _interpolated(x, xp, fp)
    below = fp[0] if left is None else left
    above = fp[-1] if right is None else right
    return np.where(x < xp[0], below, np.where(x > xp[-1], above, inside))


def _interpolated(x, xp, fp):
    """As NumPy's C loop: a node's own value at the node; else the line from
    the left node, or, where that is NaN (an infinite value), from the right
    one, or the common value of two equal infinite ends; NaN at NaN.  At a
    node the derivative in x is the slope of the segment to its right (of
    the last segment at the last node), as in JAX."""
    n = xp.shape[0]
    cell = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    x0, x1, f0, f1 = xp[cell], xp[cell + 1], fp[cell], fp[cell + 1]
    slope = (f1 - f0) / (x1 - x0)
    from_left = slope * (x - x0) + f0
    from_right = slope * (x - x1) + f1
    from_right = np.where(np.isnan(from_right) & (f0 == f1), f0, from_right)
    line = np.where(np.isnan(from_left), from_right, from_left)
    # At a node x - x0 is 0: the node's value, with the slope's derivative.
    finite_slope = np.where(np.isfinite(slope), slope, 0.0)
    at_nodes = np.where(x == xp[-1], finite_slope * (x - x1) + f1,
                        np.where(x == x0, finite_slope * (x - x0) + f0, line))
    return np.where(np.isnan(x), x, at_nodes)


# -- convolve, correlate ---------------------------------------------------------------------

def full_convolution(a, v):
    """out[k] = sum_j a[j] v[k - j], over every axis of ``a`` and ``v`` (one
    ndim): windows of zero-padded ``a`` (a gather with constant indices,
    axes (out_0, m_0, out_1, m_1, ...)) contracted with the reversed ``v``."""
    nd = a.ndim
    padded = np.pad(a, [(m - 1, m - 1) for m in v.shape])
    index = []
    for d, (n, m) in enumerate(zip(a.shape, v.shape)):
        shape = [1] * (2 * nd)
        shape[2 * d:2 * d + 2] = n + m - 1, m
        index.append((np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]).reshape(shape))
    flipped = v[(slice(None, None, -1),) * nd]
    window_axes = list(range(1, 2 * nd, 2))
    return np.tensordot(padded[tuple(index)], flipped, (window_axes, list(range(nd))))


def _mode_slice(full, n, m, mode):
    if mode == "full":
        return full
    if mode == "same":
        length, start = max(n, m), (min(n, m) - 1) // 2
    elif mode == "valid":
        length, start = max(n, m) - min(n, m) + 1, min(n, m) - 1
    else:
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    return full[start:start + length]


def _one_dimensional(name, a, v):
    a, v = _as_tracer(a), _as_tracer(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{name}: object too deep for desired array")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty")
    return a, v


@implements(np.convolve)
def convolve(a, v, mode="full"):
    a, v = _one_dimensional("convolve", a, v)
    return _mode_slice(full_convolution(a, v), a.shape[0], v.shape[0], mode)


@implements(np.correlate)
def correlate(a, v, mode="valid"):
    a, v = _one_dimensional("correlate", a, v)
    n, m = a.shape[0], v.shape[0]
    if m > n:
        # NumPy correlates the longer against the shorter, reversed.
        return _mode_slice(full_convolution(v, a[::-1]), m, n, mode)[::-1]
    return _mode_slice(full_convolution(a, v[::-1]), n, m, mode)


# -- cross, kron, vander ---------------------------------------------------------------------

@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = np.moveaxis(_as_tracer(a), axisa, -1)
    b = np.moveaxis(_as_tracer(b), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a0, a1, a2 = _components(a)
    b0, b1, b2 = _components(b)
    product = np.stack((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), axis=-1)
    return np.moveaxis(product, -1, axisc)


def _components(v):
    """x, y, z of vectors along the last axis; z is 0 for 2-vectors."""
    z = v[..., 2] if v.shape[-1] == 3 else np.zeros_like(v[..., 0])
    return v[..., 0], v[..., 1], z


@implements(np.kron)
def kron(a, b):
    a, b = _as_tracer(a), _as_tracer(b)
    ndim = max(a.ndim, b.ndim)
    a = np.reshape(a, (1,) * (ndim - a.ndim) + a.shape)
    b = np.reshape(b, (1,) * (ndim - b.ndim) + b.shape)
    # a[i0, i1, ...] b[j0, j1, ...] at (i0 * n0 + j0, i1 * n1 + j1, ...).
    spread_a = np.reshape(a, tuple(d for n in a.shape for d in (n, 1)))
    spread_b = np.reshape(b, tuple(d for n in b.shape for d in (1, n)))
    return np.reshape(spread_a * spread_b, tuple(p * q for p, q in zip(a.shape, b.shape)))


@implements(np.vander)
def vander(x, N=None, increasing=False):
    x = _as_tracer(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    # As NumPy: the powers in x's type promoted with the default int, so
    # bool and small ints give int64, float32 and float16 give float64.
    x = x.astype(np.promote_types(x.dtype, int))
    columns = x.shape[0] if N is None else operator.index(N)
    # As NumPy: running products of x, so powers agree to the last bit.
    ones = np.ones_like(x, shape=(x.shape[0], min(columns, 1)))
    repeated = np.broadcast_to(x[:, None], (x.shape[0], max(columns - 1, 0)))
    powers = np.concatenate((ones, np.cumprod(repeated, axis=1)), axis=1)
    return powers if increasing else powers[:, ::-1]
