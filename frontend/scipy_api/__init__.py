"""SciPy on Tracers: handlers for scipy.special (special.py), filed in the
same coverage table as NumPy's (numpy_api.HANDLERS).  numjac's ``__init__``
imports this package."""
from . import special  # noqa: F401
