"""SciPy functions traced by numjac: scipy.special (special.py; its ufuncs
reach tracers as NumPy's do), scipy.linalg (linalg.py), scipy.signal
(signal.py), scipy.stats' distributions (stats.py, with the formulas in
stats_univariate.py and stats_multivariate.py), and scipy.integrate's
solvers, which refuse traced values (integrate.py).  SciPy functions
that convert their arguments before any NumPy protocol could reach a tracer
are replaced while a trace runs (``frontend/replacements.py``); all are
filed in the coverage table of NumPy's (numpy_api.HANDLERS).

numjac does not import SciPy's modules (importing scipy.linalg or
scipy.special costs a fifth of a second, more than the rest of numjac): each
module here is imported at the start of the first trace after its SciPy
module was imported (scipy.special's ufuncs also when a trace calls one
first imported during that trace; a scipy.linalg function first imported
during a trace is replaced from the next trace on).  ``install_all``
imports them all (the coverage table, numjac.coverage, lists every function).
"""
from __future__ import annotations

import importlib
import sys

from ..replacements import before_each_trace

# SciPy module -> the modules here that trace its functions.
_TRACED = {"scipy.linalg": ("linalg",), "scipy.special": ("special",),
           "scipy.signal": ("signal",), "scipy.integrate": ("integrate",),
           "scipy.stats": ("stats", "stats_univariate", "stats_multivariate")}


def _install(own):
    for module in own:
        importlib.import_module(f".{module}", __name__)


@before_each_trace
def install_imported():
    """Import the modules here of each SciPy module imported so far (at
    once if already imported; waits if another thread is importing it)."""
    for scipy_module, own in _TRACED.items():
        if scipy_module in sys.modules:
            _install(own)


def install_all():
    for own in _TRACED.values():
        _install(own)
