"""SciPy's compiled special functions, called from generated kernels: each
C function of ``scipy.special.cython_special`` (the routines SciPy's ufuncs
run) is registered with LLVM under a symbol of ours and declared to Numba
as an external function of that name.  Calls by symbol name, not by
address, keep a kernel's machine code valid in the next process: kernels
import these names from kernel_support, whose lookup registers the symbol
first (``external``), in the compile worker as here; scipy.special is
imported then, not before.

Every cython_special function takes a trailing ``int`` (Cython's
``skip_dispatch``, unused for module-level functions): the generated call
passes 0.  ``EXTERNAL_NAMES`` maps each primitive's name to the name
kernels call it by (lowering/special_bessel.py).
"""
from __future__ import annotations

_MODULE = "scipy.special.cython_special"

# primitive name -> the cython_special function of doubles SciPy's ufunc uses
_FUNCTIONS = {
    "jv": ("__pyx_fuse_1jv", 2), "yv": ("__pyx_fuse_1yv", 2), "yn": ("__pyx_fuse_0yn", 2),
    "iv": ("__pyx_fuse_1iv", 2), "ive": ("__pyx_fuse_1ive", 2), "kv": ("__pyx_fuse_1kv", 2),
    "kve": ("__pyx_fuse_1kve", 2),
    "j0": ("j0", 1), "j1": ("j1", 1), "y0": ("y0", 1), "y1": ("y1", 1), "i0": ("i0", 1),
    "i1": ("i1", 1), "i0e": ("i0e", 1), "i1e": ("i1e", 1),
    "gammainc": ("gammainc", 2), "gammaincc": ("gammaincc", 2),
    "betainc": ("__pyx_fuse_0betainc", 3), "betaincc": ("__pyx_fuse_0betaincc", 3),
    "gammaincinv": ("gammaincinv", 2), "gammainccinv": ("gammainccinv", 2),
    "betaincinv": ("__pyx_fuse_0betaincinv", 3), "betainccinv": ("__pyx_fuse_0betainccinv", 3),
    "stdtr": ("__pyx_fuse_0stdtr", 2), "stdtrit": ("__pyx_fuse_0stdtrit", 2),
}


EXTERNAL_NAMES = {name: f"special_{name}" for name in _FUNCTIONS}
ARITY = {name: arity for name, (_, arity) in _FUNCTIONS.items()}
_PRIMITIVES = {helper: name for name, helper in EXTERNAL_NAMES.items()}
_DECLARED: dict = {}


def external(helper: str):
    """The external function kernels call as ``helper`` (special_<name>),
    its symbol registered on first use."""
    if helper not in _DECLARED:
        # Imported here: a kernel's first call imports Numba anyway, numjac must not.
        import llvmlite.binding as llvm
        from numba import types
        from numba.extending import get_cython_function_address
        name = _PRIMITIVES[helper]
        c_name, arity = _FUNCTIONS[name]
        symbol = f"numjac_special_{name}"
        llvm.add_symbol(symbol, get_cython_function_address(_MODULE, c_name))
        signature = types.float64(*([types.float64] * arity), types.intc)
        _DECLARED[helper] = types.ExternalFunction(symbol, signature)
    return _DECLARED[helper]
