"""Numba helpers that generated kernels call, compiled once and kept in
Numba's cache (so a kernel that calls them compiles without them): BLAS
products, and the counter-based random number generator of
compiler/primitives/random.py in uint64 arithmetic that wraps exactly as
NumPy's does."""
from __future__ import annotations

import math

import numba
import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_TWO = np.uint64(2)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11))
_ULP = 2.0 ** -53


@numba.njit(cache=True, inline="always")
def splitmix(state, i):
    z = state + (i + _ONE) * GAMMA
    z = (z ^ (z >> _SHIFTS[0])) * _MIX1
    z = (z ^ (z >> _SHIFTS[1])) * _MIX2
    return z ^ (z >> _SHIFTS[2])


@numba.njit(cache=True, inline="always")
def unit(bits):
    """A float in [0, 1) from the top 53 bits."""
    return np.float64(bits >> _SHIFTS[3]) * _ULP


@numba.njit(cache=True, inline="always")
def standard_uniform(key, j):
    return unit(splitmix(key, j))


@numba.njit(cache=True, inline="always")
def standard_normal(key, j):
    """Box-Muller on two uniforms of the element's pair of counters."""
    u1 = unit(splitmix(key, _TWO * j)) + _ULP
    u2 = unit(splitmix(key, _TWO * j + _ONE))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)


@numba.njit(cache=True)
def contiguous(x):
    """``x`` itself if C-contiguous, else a C-contiguous copy.  (Kernels
    pass no literal arguments to helpers: Numba would compile a
    specialization per value.)"""
    return np.ascontiguousarray(x)


@numba.njit(cache=True)
def matmul(a, b):
    """The BLAS product of two C-contiguous matrices."""
    return np.dot(a, b)
