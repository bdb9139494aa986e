"""The primitive families; importing this package fills every registry but
the loop primitives' transform rules (registered by ``compiler.passes``).

The families import one another one way, each only those listed before it:
base (add, broadcast_in_dim, reshape, reduce_sum and the algebra helpers),
elementwise, structural, reductions, indexing, linalg (then the decompositions:
linalg_algebra, linalg_solve, linalg_spectral, linalg_expm, linalg_sylvester), random, control,
loops, special (scipy.special), sorting, special_bessel (Bessel and incomplete
gamma/beta functions), ode (the ODE solve of scipy.integrate.odeint)."""
from . import base, elementwise, structural, reductions  # noqa: F401
from . import indexing, linalg, random, control, loops  # noqa: F401
from . import linalg_algebra, linalg_solve, linalg_spectral, linalg_expm  # noqa: F401
from . import linalg_sylvester  # noqa: F401
from . import special, sorting  # noqa: F401
from . import special_bessel  # noqa: F401
from . import ode  # noqa: F401
