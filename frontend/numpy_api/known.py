"""Known values: arrays made inside a traced function by np.zeros & co keep
their value (``Tracer.known``) while every write into them and every
operation on them uses known values only.  NumPy computes such operations
on the values (the results are known too), so that a mask or an index
built with np.zeros inside the function stays a NumPy-like constant:
``x[mask]``, ``if m.any():`` and ``int(i)`` work as they do outside a trace.
"""
from __future__ import annotations

import numpy as np

from ..compiler.builder import innermost
from ..tracer import Tracer


def _tracers(values):
    for v in values:
        if isinstance(v, Tracer):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tracers(v)


def all_known(*values) -> bool:
    """Whether ``values`` (and the lists in them) hold Tracers, all known."""
    tracers = list(_tracers(values))
    return bool(tracers) and all(t.known is not None for t in tracers)


def concrete(value):
    """``value`` with known Tracers (also in lists, tuples and dicts)
    replaced by their values."""
    if isinstance(value, Tracer):
        return value.known if value.known is not None else value
    if isinstance(value, (list, tuple)):
        return type(value)(concrete(v) for v in value)
    if isinstance(value, dict):
        return {k: concrete(v) for k, v in value.items()}
    return value


def known_tracer(value):
    """A known Tracer for each array in NumPy's result ``value``; NumPy
    scalars and other values are returned as they are."""
    if isinstance(value, (list, tuple)):
        return type(value)(known_tracer(v) for v in value)
    if not isinstance(value, np.ndarray) or value.dtype == object:
        return value
    # Its atom (a captured input) is made when an equation first uses it.
    tracer = Tracer(None, innermost(), writable=True)
    tracer.known = value
    return tracer


def with_known(tracer, value):
    """``tracer``, noted to hold the NumPy array ``value`` (or nothing known)."""
    tracer.known = value
    return tracer
