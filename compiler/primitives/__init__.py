"""The primitive families; importing this package fills every registry."""
from . import elementwise, structural, reductions, indexing, linalg, random, control  # noqa: F401
