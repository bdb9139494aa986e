"""SciPy functions traced by numjac: SciPy converts its arguments before any
NumPy protocol could reach a tracer, so each is replaced while a trace runs
(``frontend/replacements.py``)."""
from . import linalg  # noqa: F401
