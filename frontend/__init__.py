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

Loops and branches traced once (``scan``, ``fori_loop``, ``while_loop``,
``cond``, as in JAX) compile their body once whatever the trip count.

Also: ``jacobian_sparsity``, ``hessian_sparsity``, ``sparse_jacobian`` and
``sparse_hessian`` (patterns from the IR, compressed sparse derivatives),
``distributed`` (chunks on a Dask cluster), ``set_num_threads``,
``stop_gradient`` and ``no_grad`` (no derivative through a value),
``nj.random`` (seeded draws that work inside compiled functions),
``set_compile_mode``, ``compile_mode`` and ``wait_for_compiles`` (big
kernels compile in the background while the interpreter answers),
``release_buffers`` (frees the big outputs kept for reuse), the
errors numjac raises on purpose, and ``numjac.typing`` for annotations.
``help(nj.jacrev)`` and the others document parameters, results and
errors; docs/guide.md is the user guide.
"""
from .errors import (ConcretizationError, NumpyRandomError, UnsupportedDtypeError,
                     UnsupportedOperationError)
from . import numpy_api  # noqa: F401  (installs NumPy's protocols on Tracers)
from . import scipy_api  # noqa: F401  (traces SciPy's functions once SciPy's modules are imported)
from .api import make_ir
from .transforms import jacobian, jvp, linearize, no_grad, stop_gradient, vjp
from . import random
from .public import jit, vmap
from .loops import cond, fori_loop, scan, while_loop
from .public_derivatives import grad, hessian, jacfwd, jacrev, value_and_grad
from .threads import get_num_threads, set_num_threads
from .distributed import distributed
from .sparse import hessian_sparsity, jacobian_sparsity, sparse_hessian, sparse_jacobian
from .logging_setup import configure_from_environment as _configure_logging
from .runtime.background import compile_mode, set_compile_mode, wait_for_compiles
from .runtime.output_buffers import release_buffers

_configure_logging()

__version__ = "0.1.0"

__all__ = ["ConcretizationError", "NumpyRandomError", "UnsupportedDtypeError",
           "UnsupportedOperationError", "compile_mode", "cond", "distributed",
           "fori_loop", "get_num_threads", "grad", "hessian", "hessian_sparsity",
           "jacfwd", "jacobian", "jacobian_sparsity", "jacrev", "jit", "jvp",
           "linearize", "make_ir", "no_grad", "random", "release_buffers", "scan",
           "set_compile_mode", "set_num_threads", "sparse_hessian", "sparse_jacobian",
           "stop_gradient", "value_and_grad", "vjp", "vmap", "wait_for_compiles", "while_loop"]