"""The primitive families; importing this package fills every registry."""
from . import elementwise, structural, reductions  # noqa: F401
