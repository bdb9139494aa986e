"""SciPy functions traced by numjac: scipy.special (special.py; its ufuncs
reach tracers as NumPy's do) and scipy.linalg (linalg.py).  SciPy functions
that convert their arguments before any NumPy protocol could reach a tracer
are replaced while a trace runs (``frontend/replacements.py``); all are
filed in the coverage table of NumPy's (numpy_api.HANDLERS)."""
from . import integrate, linalg, signal, special  # noqa: F401
