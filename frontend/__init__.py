"""numjac: function-transform autodiff for plain NumPy code, compiled with Numba.

    import numjac as nj
    nj.jit(f), nj.make_ir(f)(x), nj.jacrev(f), nj.vmap(f), ...
"""
from .errors import ConcretizationError, UnsupportedOperationError
from .api import jit, make_ir

__version__ = "0.1.0"

__all__ = ["ConcretizationError", "UnsupportedOperationError", "jit", "make_ir"]
