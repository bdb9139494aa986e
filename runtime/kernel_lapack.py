"""LAPACK and SciPy routines that generated kernels call (kernel_support's
``eigh_upper``, ``sqrtm`` and ``solve_sylvester``, loaded from here on
first use, as kernel_blas.py's ``gemm`` is): LAPACK's dsyevd by symbol
name, so that cached machine code links in the next process
(lapack_support.py), and SciPy's Schur-based routines in object mode
(scipy_support.py).  Importing this module imports scipy.linalg."""
from __future__ import annotations

from pathlib import Path

import llvmlite.binding as llvm
from numba.extending import get_cython_function_address

from . import lapack_support, scipy_support
from .kernel_support import SUPPORT_SOURCE, cached_helper

llvm.add_symbol(lapack_support.DSYEVD_SYMBOL,
                get_cython_function_address("scipy.linalg.cython_lapack", "dsyevd"))
eigh_upper = cached_helper(lapack_support.eigh_upper.py_func,
                           SUPPORT_SOURCE + Path(lapack_support.__file__).read_text())

_SCIPY_SOURCE = SUPPORT_SOURCE + Path(scipy_support.__file__).read_text()
sqrtm = cached_helper(scipy_support.sqrtm.py_func, _SCIPY_SOURCE)
solve_sylvester = cached_helper(scipy_support.solve_sylvester.py_func, _SCIPY_SOURCE)
