"""SciPy routines that Numba has no counterpart for, called from compiled
kernels in Numba's object mode (kernel_support.py wraps them as cached
helpers): scipy.linalg.sqrtm and solve_sylvester, whose Schur
decompositions Numba lacks.  Each runs SciPy on one float64 matrix (per
operand), as the interpreter does, so both backends give the same values;
the cost is one switch to the Python interpreter per matrix."""
from __future__ import annotations

import numba
import numpy as np

from ..compiler.primitives.linalg_sylvester import real_sqrtm, sylvester_of_matrices

@numba.njit
def sqrtm(m):
    with numba.objmode(root="float64[:, ::1]"):
        root = np.ascontiguousarray(real_sqrtm(m))
    return root

@numba.njit
def solve_sylvester(a, b, q):
    with numba.objmode(x="float64[:, ::1]"):
        x = np.ascontiguousarray(sylvester_of_matrices(a, b, q))
    return x
