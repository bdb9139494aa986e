"""numjac: function-transform autodiff for plain NumPy code, compiled with Numba.

    import numjac as nj
    nj.jit(f), nj.make_ir(f)(x), nj.jacrev(f), nj.vmap(f), ...
"""
from .errors import (ConcretizationError, NumpyRandomError, UnsupportedDtypeError,
                     UnsupportedOperationError)
from . import numpy_api  # noqa: F401  (installs NumPy's protocols on Tracers)
from .api import make_ir
from .transforms import jacobian, jvp, linearize, no_grad, stop_gradient, vjp
from . import random
from .public import jit, vmap
from .public_derivatives import grad, hessian, jacfwd, jacrev, value_and_grad
from .logging_setup import configure_from_environment as _configure_logging

_configure_logging()

__version__ = "0.1.0"

__all__ = ["ConcretizationError", "NumpyRandomError", "UnsupportedDtypeError",
           "UnsupportedOperationError", "grad", "hessian",
           "jacfwd", "jacobian", "jacrev", "jit", "jvp", "linearize", "make_ir",
           "no_grad", "random", "stop_gradient", "value_and_grad", "vjp", "vmap"]
