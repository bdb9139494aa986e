"""numjac: function-transform autodiff for plain NumPy code, compiled with Numba.

Write a function with NumPy (``np.sin(x)``, ``x @ W``, ``x[1:]``) and
transform it; each transformed function traces once per call signature,
compiles a kernel and reuses it::

    import numjac as nj
    nj.jit(f)(x)               # compiled f
    nj.jacrev(f)(x)            # its Jacobian; also jacfwd, hessian, jacobian
    nj.grad(loss)(w, x)        # gradients; also value_and_grad, vjp, jvp, linearize
    nj.vmap(f)(xs)             # f mapped over a batch
    print(nj.make_ir(f)(x))    # the traced IR

Also: ``stop_gradient`` and ``no_grad`` (no derivative through a value),
``nj.random`` (seeded draws that work inside compiled functions), the
errors numjac raises on purpose, and ``numjac.typing`` for annotations.
``help(nj.jacrev)`` and the others document parameters, results and
errors; docs/guide.md is the user guide.
"""
from .errors import (ConcretizationError, NumpyRandomError, UnsupportedDtypeError,
                     UnsupportedOperationError)
from . import numpy_api  # noqa: F401  (installs NumPy's protocols on Tracers)
from . import scipy_api  # noqa: F401  (traces the SciPy functions in docs/coverage.md)
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
