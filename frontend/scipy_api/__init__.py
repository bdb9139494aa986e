"""SciPy functions traced by numjac: scipy.special (special.py; its ufuncs
reach tracers as NumPy's do), scipy.linalg (linalg.py) and scipy.stats'
distributions (stats.py routes their methods; the formulas are in
stats_univariate.py and stats_multivariate.py).  SciPy functions
that convert their arguments before any NumPy protocol could reach a tracer
are replaced while a trace runs (``frontend/replacements.py``); all are
filed in the coverage table of NumPy's (numpy_api.HANDLERS)."""
from . import linalg, special, stats, stats_multivariate, stats_univariate  # noqa: F401
