"""Small elementwise functions that NumPy writes in Python: round and
around with decimals, nan_to_num, sinc, and real, real_if_close, imag,
angle of real arrays (numjac has no complex numbers)."""
from __future__ import annotations

import numpy as np

from ..errors import unsupported
from ..tracer import to_atom, wrap
from .table import implements


def _as_tracer(a):
    return wrap(to_atom(a))


@implements(np.round, np.around)
def round_(a, decimals=0, out=None):
    if out is not None:
        raise unsupported("numpy.round(out=...)", "use the returned value")
    x = _as_tracer(a)
    if x.dtype == np.bool_:
        return _round_bools(x, decimals)
    if not np.issubdtype(x.dtype, np.floating):
        if decimals >= 0:
            return x
        scale = 10 ** -decimals
        return (np.rint(x / scale) * scale).astype(x.dtype)
    # NumPy's steps: scale by a power of ten, round half to even, scale back.
    if decimals == 0:
        return np.rint(x)
    if decimals > 0:
        scale = x.dtype.type(10.0 ** decimals)
        return np.rint(x * scale) / scale
    scale = x.dtype.type(10.0 ** -decimals)
    return np.rint(x / scale) * scale


def _round_bools(x, decimals):
    """As NumPy: rint of bools (float16); scaling them back into bools fails."""
    if decimals != 0:
        raise TypeError(f"numpy.round of a bool array with decimals={decimals}: NumPy "
                        "cannot cast the scaled values back to bool")
    return np.rint(x)


@implements(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    x = _as_tracer(x)
    if not np.issubdtype(x.dtype, np.floating):
        return x
    info = np.finfo(x.dtype)
    largest = info.max if posinf is None else posinf
    smallest = info.min if neginf is None else neginf
    finite = np.where(x == np.inf, largest, np.where(x == -np.inf, smallest, x))
    return np.where(np.isnan(x), nan, finite).astype(x.dtype)


@implements(np.sinc)
def sinc(x):
    x = _as_tracer(x)
    # NumPy's definition, with its stand-in for 0 so that sin(y) / y is 1 there.
    y = np.pi * np.where(x == 0, 1.0e-20, x)
    return np.sin(y) / y


@implements(np.real)
def real(val):
    return _as_tracer(val)


@implements(np.real_if_close)
def real_if_close(a, tol=100):
    return _as_tracer(a)


@implements(np.imag)
def imag(val):
    return np.zeros_like(_as_tracer(val))


@implements(np.angle)
def angle(z, deg=False):
    z = _as_tracer(z)
    phase = np.arctan2(np.zeros_like(z, dtype=np.result_type(z.dtype, float)), z)
    return phase * (180 / np.pi) if deg else phase
