"""In-place updates on Tracers, made pure: ``x[key] = v``, ``x += v``, ufunc
``out=``, ``np.add.at``, ``np.put`` and ``np.fill_diagonal``.

A write computes the array's new value, ``scatter`` of the written values
at the flat positions the key selects, and the tracer makes it the value of
the array it wrote into (``tracer.assign``), so that passes never see a
mutation.  The positions come from indexing an iota of the array's shape
with the same key (``getitem``), so every NumPy indexing rule (masks,
integer arrays, traced indices with their bounds checks) holds for writes
as it does for reads.

Views: ``x[basic key]`` is tracked by the tracer (``link_view``); the
results of other functions NumPy may return views from (``VIEW_FUNCTIONS``)
are untracked views, which refuse writes and go stale when their base is
written.
"""
from __future__ import annotations

import numpy as np

from ..compiler.primitives import elementwise as E
from ..compiler.primitives import structural as S
from ..compiler.primitives.indexing import check_index, scatter, scatter_add
from ..errors import UnsupportedOperationError, unsupported
from ..tracer import (Tracer, assign, check_writable, is_basic_index, link_view, to_atom,
                      user_location, wrap)
from . import table
from .indexing import getitem
from .table import implements


def setitem(x, key, value):
    """The new value (an atom) of ``x`` after ``x[key] = value``."""
    if _is_traced_mask(key, x) and np.ndim(value) == 0:
        # x[mask] = v with a traced mask: the shape does not depend on the mask.
        return E.select(to_atom(key), to_atom(value, x.dtype), to_atom(x))
    shape, size = x.shape, x.size
    positions = getitem(wrap(S.reshape(S.iota(np.int64, (size,), 0), shape)), key)
    values = _broadcast_value(to_atom(value, x.dtype), positions.shape)
    if _selects_all(key, shape):
        return S.reshape(values, shape)
    count = positions.size
    flat = scatter(S.reshape(to_atom(x), (size,)), S.reshape(to_atom(positions), (count,)),
                   S.reshape(values, (count,)), 0)
    return S.reshape(flat, shape)


def _is_traced_mask(key, x) -> bool:
    return isinstance(key, Tracer) and key.dtype == np.bool_ and key.shape == x.shape


def _selects_all(key, shape) -> bool:
    """Whether the basic index ``key`` selects every element in order."""
    if not is_basic_index(key):
        return False
    items = [k for k in (key if isinstance(key, tuple) else (key,)) if k is not None]
    if any(not isinstance(k, slice) and k is not Ellipsis for k in items):
        return False
    split = next((i for i, k in enumerate(items) if k is Ellipsis), len(items))
    before, after = items[:split], items[split + 1:]
    dims = list(zip(before, shape)) + list(zip(after, shape[len(shape) - len(after):]))
    return all(k.indices(n) == (0, n, 1) for k, n in dims)


def _broadcast_value(value, shape):
    """``value`` broadcast to ``shape`` as NumPy's assignment does (leading
    unit axes of the value are dropped)."""
    vshape = value.type.shape
    while len(vshape) > len(shape) and vshape[0] == 1:
        vshape = vshape[1:]
    try:
        if np.broadcast_shapes(vshape, shape) != tuple(shape):
            raise ValueError
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {value.type.shape} "
                         f"into shape {tuple(shape)}") from None
    return S.broadcast_to(S.reshape(value, vshape), shape)


def write_all(target, result, what: str):
    """``target[...] = result`` for an output argument (``out=``, ``x += v``)."""
    if not isinstance(target, Tracer):
        raise into_numpy_error(what)
    if np.broadcast_shapes(np.shape(result), target.shape) != target.shape:
        raise ValueError(f"non-broadcastable output operand with shape {target.shape} "
                         f"doesn't match the broadcast shape "
                         f"{np.broadcast_shapes(np.shape(result), target.shape)}")
    check_writable(target, what)
    assign(target, setitem(target, Ellipsis, result))


def into_numpy_error(what: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"{what} writes a traced value into a NumPy array (at {user_location()}), such as "
        "one the traced function closes over or gets from a NumPy call numjac does not "
        "trace; a NumPy array cannot hold traced values. Write into a traced copy "
        "instead: a = np.copy(a) (or np.zeros, np.empty_like, ... inside the function)")


# -- ufuncs: out= and ufunc.at --------------------------------------------------------

def dispatch_ufunc(ufunc, method, inputs, kwargs):
    """The table's ufunc dispatch, with ``out=`` written as an assignment."""
    if method == "at":
        return _ufunc_at(ufunc, *inputs)
    out = kwargs.pop("out", None)
    outs = out if isinstance(out, tuple) else (out,)
    if all(o is None for o in outs):
        return table.dispatch_ufunc(ufunc, method, inputs, kwargs)
    if len(outs) != 1:
        raise unsupported(f"numpy.{ufunc.__name__}(out=...) with several outputs",
                          "use the returned values")
    what = f"numpy.{ufunc.__name__}(..., out=...)"
    if not isinstance(outs[0], Tracer):
        raise into_numpy_error(what)
    result = table.dispatch_ufunc(ufunc, method, inputs, kwargs)
    if not np.can_cast(result.dtype, outs[0].dtype, "same_kind"):
        raise TypeError(f"Cannot cast ufunc '{ufunc.__name__}' output from "
                        f"{result.dtype!r} to {outs[0].dtype!r} with casting rule "
                        "'same_kind'")
    write_all(outs[0], result, what)
    return out


def _ufunc_at(ufunc, a, indices, b=None):
    """``np.add.at(a, indices, b)`` (and subtract): repeated indices add up."""
    what = f"numpy.{ufunc.__name__}.at"
    if ufunc not in (np.add, np.subtract):
        raise unsupported(what, "use np.add.at (or np.subtract.at)")
    if not isinstance(a, Tracer):
        raise into_numpy_error(what)
    check_writable(a, what)
    positions = getitem(wrap(S.reshape(S.iota(np.int64, (a.size,), 0), a.shape)), indices)
    values = _broadcast_value(to_atom(b, a.dtype), positions.shape)
    count = positions.size
    added = scatter_add(S.reshape(to_atom(positions), (count,)), S.reshape(values, (count,)),
                        0, a.size)
    assign(a, to_atom(ufunc(a, wrap(S.reshape(added, a.shape)))))


# -- np.put, np.fill_diagonal ------------------------------------------------------

@implements(np.put)
def put(a, ind, v, mode="raise"):
    """``a.flat[ind] = v``, ``v`` repeated as needed; ``mode`` as np.take's."""
    what = "numpy.put"
    if not isinstance(a, Tracer):
        raise into_numpy_error(what)
    check_writable(a, what)
    positions = _put_positions(ind, a.size, mode)
    count = positions.type.size
    values = _cycled(to_atom(v, a.dtype), count)
    flat = scatter(S.reshape(to_atom(a), (a.size,)), S.reshape(positions, (count,)), values, 0)
    assign(a, S.reshape(flat, a.shape))


def _put_positions(ind, n: int, mode: str):
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if isinstance(ind, Tracer):
        index = to_atom(ind)
        if mode == "raise":
            return check_index(index, n, 0)
        index = S.convert(index, np.int64)
        return E.rem(index, n) if mode == "wrap" else E.min(E.max(index, 0), n - 1)
    index = np.asarray(ind, dtype=np.int64)
    if mode == "wrap":
        index = np.mod(index, n)
    elif mode == "clip":
        index = np.clip(index, 0, n - 1)
    elif index.size and (index.min() < -n or index.max() >= n):
        bad = index[(index < -n) | (index >= n)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for axis 0 with size {n}")
    return to_atom(index)


def _cycled(values, count: int):
    """The first ``count`` elements of ``values`` flattened and repeated
    (np.put's and np.fill_diagonal's rule for too few values)."""
    n = values.type.size
    flat = S.reshape(values, (n,))
    if n == 0 and count:
        raise ValueError("cannot write from an empty array of values")
    if n >= count:
        return S.slice(flat, (0,), (count,))
    repeats = -(-count // n)
    tiled = S.reshape(S.broadcast_to(flat, (repeats, n)), (repeats * n,))
    return S.slice(tiled, (0,), (count,))


@implements(np.fill_diagonal)
def fill_diagonal(a, val, wrap=False):
    what = "numpy.fill_diagonal"
    if not isinstance(a, Tracer):
        raise into_numpy_error(what)
    check_writable(a, what)
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    # NumPy's rule: a.flat[:end:step] = val.
    step = a.shape[1] + 1 if a.ndim == 2 else 1 + int(np.cumprod(a.shape[:-1]).sum())
    end = a.size if a.ndim > 2 or wrap else a.shape[1] * a.shape[1]
    positions = np.arange(0, min(end, a.size), step)
    values = _cycled(to_atom(val, a.dtype), positions.size)
    flat = scatter(S.reshape(to_atom(a), (a.size,)), to_atom(positions), values, 0)
    assign(a, S.reshape(flat, a.shape))


# -- functions whose result NumPy may make a view --------------------------------------

VIEW_FUNCTIONS = {fn for fn in (
    getattr(np, name, None) for name in (
        "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
        "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "diagonal",
        "real", "imag", "split", "array_split", "hsplit", "vsplit", "dsplit", "flip",
        "fliplr", "flipud", "rot90", "matrix_transpose", "permute_dims", "unstack"))
    if fn is not None}
VIEW_FUNCTIONS.add(np.lib.stride_tricks.sliding_window_view)


def dispatch_function(func, args, kwargs):
    """The table's function dispatch; the results of view functions are
    linked to their argument as untracked views."""
    out = table.dispatch_function(func, args, kwargs)
    if func in VIEW_FUNCTIONS:
        made_by = table.numpy_name(func)
        bases = [a for a in args if isinstance(a, Tracer)] or \
            [a for a in kwargs.values() if isinstance(a, Tracer)]
        for result in (out if isinstance(out, (tuple, list)) else (out,)):
            if bases:
                link_view(result, bases[0], None, made_by)
    return out
