"""In-place updates on Tracers, made pure: ``x[key] = v``, ``x += v``, ufunc
``out=``, ``np.add.at``, ``np.put`` and ``np.fill_diagonal``.

A write computes the array's new value and makes it the value of the
Tracer it wrote into (``assign``), so that passes never see a mutation.
A basic key's window is written elementwise (``_window_written``); other
keys ``scatter`` the values at the flat positions the key selects, found
by indexing an iota of the array's shape with the same key (``getitem``),
so every NumPy indexing rule (masks, integer arrays, traced indices with
their bounds checks) holds for writes as it does for reads.

Views: ``x[basic key]`` is tracked by the tracer (``link_view``); the
results of other functions NumPy may return views from (``VIEW_FUNCTIONS``)
are untracked views, which refuse writes and go stale when their base is
written.
"""
from __future__ import annotations

import operator
import weakref
from dataclasses import dataclass

import numpy as np

from ..compiler.primitives import elementwise as E
from ..compiler.primitives import structural as S
from ..compiler.primitives.indexing import check_index, scatter, scatter_add
from ..compiler.atoms import AType, Lit
from ..compiler.builder import innermost
from ..compiler.primitives.structural import slice_p
from ..compiler.rules import UndefinedPrimal, transpose_rules
from ..errors import UnsupportedOperationError, unsupported
from ..tracer import Tracer, dtype_for_promotion, to_atom, user_location, wrap
from . import table
from .known import all_known, concrete, known_tracer, with_known
from .indexing import basic_window, getitem
from .table import implements


# -- views and writes -----------------------------------------------------------------

@dataclass
class View:
    """How a Tracer made from another one (``base``) shares its elements, as
    a NumPy view does.  A tracked view (``key``: a basic index) is kept
    equal to ``base[key]`` after every write into either; an untracked one
    (``key`` None: the result of ``made_by``, such as numpy.reshape) goes
    stale when its base is written, and then refuses to be read."""

    base: Tracer
    key: object
    made_by: str
    stale: bool = False


def is_basic_index(key) -> bool:
    """Whether ``x[key]`` is basic indexing (ints, slices, None, Ellipsis),
    whose result NumPy makes a view of ``x``."""
    return all(_is_basic_item(k) for k in (key if isinstance(key, tuple) else (key,)))


def _is_basic_item(k) -> bool:
    if k is None or k is Ellipsis or isinstance(k, slice):
        return True
    if isinstance(k, (Tracer, bool, np.bool_, list)):
        return False
    try:
        operator.index(k)
    except TypeError:
        return False
    return True


def _has_ellipsis(key) -> bool:
    return any(k is Ellipsis for k in (key if isinstance(key, tuple) else (key,)))


def link_view(view, base, key, made_by: str):
    """Record that ``view`` (a new Tracer) shares elements with ``base``:
    as ``base[key]`` when ``key`` is given, else untracked."""
    if not isinstance(view, Tracer) or view is base:
        return
    view.view = View(base, key, made_by)
    view.writable = True
    if base.views is None:
        base.views = []
    base.views[:] = [ref for ref in base.views if ref() is not None]
    base.views.append(weakref.ref(view))


def check_writable(x, what: str):
    """Raise if numjac cannot write into ``x`` as NumPy would."""
    while x.view is not None:
        if x.view.key is None:
            raise UnsupportedOperationError(
                f"{what} writes into the result of {x.view.made_by}, which NumPy may make a "
                f"view of its argument (at {user_location()}); numjac follows writes through "
                "views made by basic indexing (v = x[1:]; v[0] = ...) only. Write into the "
                "array itself, or copy the result first (y = np.reshape(x, s).copy())")
        x = x.view.base
    if x.builder is not innermost():
        raise UnsupportedOperationError(
            f"{what} writes into a traced array {x.type} of an enclosing trace (at "
            f"{user_location()}); a function transformed inside another cannot change "
            "the outer function's arrays: return the new value instead, or copy it first "
            "(x = x.copy())")
    if not x.writable:
        raise UnsupportedOperationError(
            f"{what} writes into an argument {x.type} of the traced function (at "
            f"{user_location()}); numjac cannot change the caller's array. Copy it "
            "first: x = x.copy()")


def assign(x, atom, known=None):
    """Make ``atom`` (of ``x``'s type; its value ``known``, if known) the
    value of ``x``, through its base if ``x`` is a view, and bring the views
    of what changed up to date."""
    if x.view is not None:
        base, key = x.view.base, x.view.key
        value = with_known(Tracer(atom, x.builder), known)
        assign(base, new_value(base, key, value), written_known(base, key, value))
        return
    x.rebind(atom)
    x.known = known
    _update_views(x)


def written_known(x, key, value):
    """The value of ``x`` after ``x[key] = value`` if all three are known."""
    if not all_known(x, key, value):
        return None
    array = x.known.copy()
    array[concrete(key)] = concrete(value)
    return array


def _update_views(base):
    for ref in base.views or ():
        view = ref()
        if view is None:
            continue
        if view.view.key is None:
            _mark_stale(view)
        else:
            view.rebind(to_atom(getitem(base, view.view.key)))
            view.known = _known_item(base, view.view.key)
            _update_views(view)


def _mark_stale(view):
    view.view.stale = True
    for ref in view.views or ():
        if ref() is not None:
            _mark_stale(ref())


def stale_view_error(x) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"reading a traced array {x.type} made by {x.view.made_by}, after a write "
        f"into the array it was made from (at {user_location()}): NumPy may have made it "
        "a view, which would see the write, and numjac does not follow writes into views "
        "other than basic indexing (x[1:], x[0]). Make it again after the write, or copy "
        "it before (y = np.reshape(x, s).copy())")


def viewed(x, key, out):
    """``out = x[key]``, linked to ``x`` as NumPy's view when it is one."""
    if is_basic_index(key) and (out.ndim or _has_ellipsis(key)):
        link_view(out, x, key, "x[...]")
    out.known = _known_item(x, key)
    return out


def _known_item(x, key):
    if not all_known(x, key):
        return None
    return np.array(x.known[concrete(key)])


def setitem(x, key, value):
    check_writable(x, "x[...] = value")
    assign(x, new_value(x, key, value), written_known(x, key, value))


def new_value(x, key, value):
    """The new value (an atom) of ``x`` after ``x[key] = value``."""
    if _is_traced_mask(key, x) and np.ndim(value) == 0:
        # x[mask] = v with a traced mask: the shape does not depend on the mask.
        return E.select(to_atom(key), to_atom(value, x.dtype), to_atom(x))
    shape, size = x.shape, x.size
    window = basic_window(concrete(key), shape)
    if window is not None:
        values = _broadcast_value(to_atom(value, x.dtype), _basic_shape(shape, key))
        if _selects_all(key, shape):
            return S.reshape(values, shape)
        return _window_written(to_atom(x), window, values)
    positions = getitem(wrap(S.reshape(S.iota(np.int64, (size,), 0), shape)), key)
    values = _broadcast_value(to_atom(value, x.dtype), positions.shape)
    count = positions.size
    flat = scatter(S.reshape(to_atom(x), (size,)), S.reshape(to_atom(positions), (count,)),
                   S.reshape(values, (count,)), 0)
    return S.reshape(flat, shape)


def _basic_shape(shape, key) -> tuple:
    """The shape of ``x[key]`` for a basic ``key`` (read off a view of one
    element strided to ``shape``, without allocating it)."""
    return np.lib.stride_tricks.as_strided(np.zeros(1), shape, (0,) * len(shape))[
        concrete(key)].shape


def _window_written(x, window, values):
    """``x`` with ``values`` written into the basic-index ``window``: the
    values placed where the window is (the transpose of taking the window:
    pads, and zeros between strided elements) and selected there.  Unlike
    a scatter this is elementwise, so it fuses with what computes it."""
    sizes = tuple(-(-(b - a) // s) for a, b, s in zip(window.start, window.limit, window.step))
    params = dict(start=window.start, limit=window.limit, step=window.step)
    place = transpose_rules[slice_p]
    placed = place(S.rev(S.reshape(values, sizes), window.flips), UndefinedPrimal(x.type),
                   **params)[0]
    inside = place(S.broadcast_to(Lit(True, np.dtype(np.bool_)), sizes),
                   UndefinedPrimal(AType(np.dtype(np.bool_), x.type.shape)), **params)[0]
    return E.select(inside, placed, x)


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


def _check_target(target, what: str):
    """Raise unless ``target`` is a Tracer numjac can write into."""
    if not isinstance(target, Tracer):
        raise into_numpy_error(what)
    check_writable(target, what)


def write_all(target, result, what: str):
    """``target[...] = result`` for an output argument (``out=``, ``x += v``)."""
    _check_target(target, what)
    if np.broadcast_shapes(np.shape(result), target.shape) != target.shape:
        raise ValueError(f"non-broadcastable output operand with shape {target.shape} "
                         f"doesn't match the broadcast shape "
                         f"{np.broadcast_shapes(np.shape(result), target.shape)}")
    assign(target, new_value(target, Ellipsis, result), written_known(target, Ellipsis, result))


def into_numpy_error(what: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"{what} writes a traced value into a NumPy array (at {user_location()}), such as "
        "one the traced function closes over or gets from a NumPy call numjac does not "
        "trace; a NumPy array cannot hold traced values. Write into a traced copy "
        "instead: a = np.array(a) (or an array made by np.zeros, np.empty, ...)")


@implements(np.copyto)
def copyto(dst, src, casting="same_kind", where=True):
    what = "numpy.copyto"
    _check_target(dst, what)
    src_dtype = np.result_type(dtype_for_promotion(src))
    if not np.can_cast(src_dtype, dst.dtype, casting):
        raise TypeError(f"Cannot cast array data from {src_dtype!r} to {dst.dtype!r} "
                        f"according to the rule {casting!r}")
    if where is not True:
        src = np.where(where, src, dst)
    write_all(dst, src, what)


# -- ufuncs: out= and ufunc.at --------------------------------------------------------

def dispatch_ufunc(ufunc, method, inputs, kwargs):
    """The table's ufunc dispatch, with ``out=`` written as an assignment."""
    if method == "at":
        return ufunc_at(ufunc, *inputs)
    out = kwargs.pop("out", None)
    outs = out if isinstance(out, tuple) else (out,)
    if all(o is None for o in outs):
        if all_known(inputs, kwargs):
            return known_tracer(getattr(ufunc, method)(*concrete(inputs), **concrete(kwargs)))
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
    return outs[0]


# The ufuncs whose ``at`` method numjac traces.
UFUNC_AT = (np.add, np.subtract)


def ufunc_at(ufunc, a, indices, b=None):
    """``np.add.at(a, indices, b)`` (and subtract): repeated indices add up."""
    what = f"numpy.{ufunc.__name__}.at"
    if ufunc not in UFUNC_AT:
        raise unsupported(what, "use np.add.at (or np.subtract.at)")
    _check_target(a, what)
    positions = getitem(wrap(S.reshape(S.iota(np.int64, (a.size,), 0), a.shape)), indices)
    values = _broadcast_value(to_atom(b, a.dtype), positions.shape)
    count = positions.size
    added = scatter_add(S.reshape(to_atom(positions), (count,)), S.reshape(values, (count,)),
                        0, a.size)
    known = None
    if all_known(a, indices, b):
        known = a.known.copy()
        ufunc.at(known, concrete(indices), concrete(b))
    assign(a, to_atom(ufunc(a, wrap(S.reshape(added, a.shape)))), known)


# -- np.put, np.fill_diagonal ------------------------------------------------------

@implements(np.put)
def put(a, ind, v, mode="raise"):
    """``a.flat[ind] = v``, ``v`` repeated as needed; ``mode`` as np.take's."""
    what = "numpy.put"
    _check_target(a, what)
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
    _check_target(a, what)
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
    if all_known(args, kwargs):
        out = known_tracer(func(*concrete(args), **concrete(kwargs)))
    else:
        out = table.dispatch_function(func, args, kwargs)
    if func in VIEW_FUNCTIONS:
        made_by = table.numpy_name(func)
        bases = [a for a in args if isinstance(a, Tracer)] or \
            [a for a in kwargs.values() if isinstance(a, Tracer)]
        for result in (out if isinstance(out, (tuple, list)) else (out,)):
            if bases:
                link_view(result, bases[0], None, made_by)
    return out
