"""NaN-ignoring reductions (nansum, nanprod, nanmax, nanmin, nanmean,
nanvar, nanstd) and covariance (cov, corrcoef), composed of NumPy calls on
Tracers: NaNs are replaced by the reduction's identity with np.where, so
derivatives flow to the other elements only.  An all-NaN slice gives NaN
for nanmax/nanmin/nanmean as in NumPy (without its RuntimeWarning).
"""
from __future__ import annotations

import numpy as np

from ..errors import unsupported
from ..tracer import to_atom, wrap
from .table import implements


def _as_tracer(a):
    return wrap(to_atom(a))


def _reject(name, **given):
    for arg, value in given.items():
        if value is not None:
            raise unsupported(f"numpy.{name}({arg}=...)")


def _is_float(x):
    return np.issubdtype(x.dtype, np.floating)


def _filled(x, fill):
    """``x`` with NaNs replaced by ``fill`` (integers have none)."""
    return np.where(np.isnan(x), fill, x) if _is_float(x) else x


@implements(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _reject("nansum", out=out, initial=initial, where=where)
    x = _as_tracer(a)
    return np.sum(_filled(x, 0), axis=axis, dtype=dtype, keepdims=keepdims)


@implements(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _reject("nanprod", out=out, initial=initial, where=where)
    x = _as_tracer(a)
    return np.prod(_filled(x, 1), axis=axis, dtype=dtype, keepdims=keepdims)


def _nan_extremum(reduce, fill):
    def handler(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _reject(f"nan{reduce.__name__}", out=out, initial=initial, where=where)
        x = _as_tracer(a)
        if not _is_float(x):
            return reduce(x, axis=axis, keepdims=keepdims)
        best = reduce(_filled(x, fill), axis=axis, keepdims=keepdims)
        all_nan = np.all(np.isnan(x), axis=axis, keepdims=keepdims)
        return np.where(all_nan, np.nan, best)
    handler.__name__ = f"nan{reduce.__name__}"
    return handler


implements(np.nanmax)(_nan_extremum(np.max, -np.inf))
implements(np.nanmin)(_nan_extremum(np.min, np.inf))


def _count(x, axis, keepdims):
    present = ~np.isnan(x) if _is_float(x) else np.ones_like(x, dtype=bool)
    return np.sum(present, axis=axis, keepdims=keepdims)


@implements(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    _reject("nanmean", out=out, where=where)
    x = _as_tracer(a)
    if not _is_float(x):
        return np.mean(x, axis=axis, dtype=dtype, keepdims=keepdims)
    total = np.sum(_filled(x, 0), axis=axis, dtype=dtype, keepdims=keepdims)
    # The count in the sum's dtype: float32 data gives a float32 mean.
    return total / _count(x, axis, keepdims).astype(total.dtype)


@implements(np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    _reject("nanvar", out=out, where=where, mean=mean, correction=correction)
    x = _as_tracer(a)
    if not _is_float(x):
        return np.var(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    deviation = _filled(x - nanmean(x, axis=axis, dtype=dtype, keepdims=True), 0)
    squares = np.sum(deviation * deviation, axis=axis, dtype=dtype, keepdims=keepdims)
    return squares / np.maximum(_count(x, axis, keepdims) - ddof, 0).astype(squares.dtype)


@implements(np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    _reject("nanstd", out=out, where=where, mean=mean, correction=correction)
    x = _as_tracer(a)
    if not _is_float(x):
        return np.std(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    return np.sqrt(nanvar(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


# -- cov, corrcoef -------------------------------------------------------------------------

@implements(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    _reject("cov", fweights=fweights, aweights=aweights)
    m = _as_tracer(m)
    y = None if y is None else _as_tracer(y)
    dtype = _covariance_dtype(m, y, dtype)
    x = np.atleast_2d(m).astype(dtype)
    if not rowvar and m.ndim != 1:
        x = x.T
    if y is not None:
        other = np.atleast_2d(y).astype(dtype)
        x = np.concatenate((x, other if rowvar or other.shape[0] == 1 else other.T), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    centred = x - np.mean(x, axis=1, keepdims=True)
    products = np.dot(centred, centred.T) / max(x.shape[1] - ddof, 0)
    return np.squeeze(products)


def _covariance_dtype(m, y, dtype):
    """NumPy computes in ``dtype``, by default at least float64 (float32 and
    float16 data give float64); an integer ``dtype`` cannot hold the mean."""
    if dtype is None:
        return np.result_type(m.dtype, np.float64, *(() if y is None else (y.dtype,)))
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.inexact):
        raise TypeError(f"numpy.cov(dtype={dtype}): the centred data cannot be cast "
                        "to a non-float dtype")
    return dtype


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return c / c
    scale = np.sqrt(np.diagonal(c))
    return np.clip(c / scale[:, None] / scale[None, :], -1, 1)
