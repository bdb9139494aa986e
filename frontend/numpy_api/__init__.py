"""NumPy on Tracers: the coverage table (table.py) and the family modules
that fill it (ufuncs, reductions, linalg, joining, reshaping, indexing,
attributes).

Importing this package registers every handler and installs the table's
entry points in the tracer, which routes NumPy's protocols to them; the
tracer never imports this package (numjac's ``__init__`` does).
"""
from __future__ import annotations

from ..tracer import NumpyDispatch, install_numpy_dispatch
from . import attributes, indexing, joining, linalg, reductions, reshaping, ufuncs  # noqa: F401
from . import assembling, calculus, replaced, rounding, sorting, statistics  # noqa: F401
from . import concatenators, creation, inplace, sequences  # noqa: F401
from . import linalg_decompositions, linalg_norms, linalg_solvers  # noqa: F401
from .table import HANDLERS, dispatch_function, dispatch_ufunc, implements, numpy_name


def dispatch_getitem(tracer, key):
    # Looks indexing.getitem up per call, as dispatch_function looks up
    # HANDLERS, so that the coverage recorder can wrap it.
    return inplace.viewed(tracer, key, indexing.getitem(tracer, key))


def dispatch_setitem(tracer, key, value):
    return inplace.setitem(tracer, key, value)


install_numpy_dispatch(NumpyDispatch(ufunc=inplace.dispatch_ufunc,
                                     function=inplace.dispatch_function,
                                     getitem=dispatch_getitem, setitem=dispatch_setitem,
                                     stale_view_error=inplace.stale_view_error))

__all__ = ["HANDLERS", "dispatch_function", "dispatch_getitem", "dispatch_ufunc", "implements",
           "numpy_name"]
