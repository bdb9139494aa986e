"""numjac: function-transform autodiff for plain NumPy code, compiled with Numba.

    import numjac as nj
    nj.jit(f), nj.make_ir(f)(x), nj.jacrev(f), nj.vmap(f), ...
"""
from .errors import (ConcretizationError, NumpyRandomError, UnsupportedDtypeError,
                     UnsupportedOperationError)
from . import numpy_api  # noqa: F401  (installs NumPy's protocols on Tracers)
from . import api as _api
from .api import make_ir
from . import transforms as _transforms
from .transforms import jacobian, jvp, linearize, no_grad, stop_gradient, vjp
from . import random
from . import vmap as _vmap
from .logging_setup import configure_from_environment as _configure_logging
from .tracebacks import public_entry as _public_entry

_configure_logging()


_NO_FUNC = object()


def _with_decorator_form(transform):
    """``@nj.jacrev`` and ``@nj.jacrev(argnums=1, chunk_size=64)`` alike;
    ``nj.jacrev(None)`` is a TypeError, not a decorator."""
    @_public_entry
    def make(func=_NO_FUNC, *args, **kwargs):
        if func is _NO_FUNC:
            return _public_entry(lambda f: transform(f, *args, **kwargs))
        return transform(func, *args, **kwargs)
    make.__name__ = make.__qualname__ = transform.__name__
    make.__doc__ = transform.__doc__
    make.__wrapped__ = transform
    return make


jit = _with_decorator_form(_api.jit)
grad = _with_decorator_form(_transforms.grad)
value_and_grad = _with_decorator_form(_transforms.value_and_grad)
jacrev = _with_decorator_form(_transforms.jacrev)
jacfwd = _with_decorator_form(_transforms.jacfwd)
hessian = _with_decorator_form(_transforms.hessian)
vmap = _with_decorator_form(_vmap.vmap)

__version__ = "0.1.0"

__all__ = ["ConcretizationError", "NumpyRandomError", "UnsupportedDtypeError",
           "UnsupportedOperationError", "grad", "hessian",
           "jacfwd", "jacobian", "jacrev", "jit", "jvp", "linearize", "make_ir",
           "no_grad", "random", "stop_gradient", "value_and_grad", "vjp", "vmap"]
