"""Scalar special functions for generated kernels where ``math`` has none:
digamma, polygamma, erfinv, erfcinv, log_ndtr and expit, in Python that
Numba compiles (kernel_support.py wraps them as cached helpers).  Tested
against SciPy to about 1e-13 relative (tests/runtime/test_special_support.py).

Methods: digamma and polygamma shift the argument up with the recurrence
psi(x + 1) = psi(x) + 1/x and add the Euler-Maclaurin tail (the asymptotic
series with Bernoulli numbers); digamma reflects negative arguments and
uses its Taylor series around its positive root, where the shifted sum
would cancel.  The inverse error functions start from a guess on the
root's side where Newton's method on erf (concave) or on log(erfc) (concave)
converges monotonically, and never form 1 - y for y close to 1.
"""
from __future__ import annotations

import math

import numba

# B_2k for k = 1..10 (Bernoulli numbers): the Euler-Maclaurin coefficients.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)

# The positive root of digamma, psi at that double (not exactly zero), and
# psi^(k)(root) / k! for k = 1..13: digamma's Taylor series there.
_ROOT = 1.4616321449683623
_AT_ROOT = -9.241265521729427e-17
_ROOT_SERIES = (0.9676722454476214, -0.44276316898359214, 0.2584997609556512,
                -0.16394270544240658, 0.10782405069126239, -0.07219956125645476,
                0.048804288164143145, -0.033161126474847376, 0.022597648232218125,
                -0.015424765904948968, 0.010538791616612182, -0.007204534386356875,
                0.004926781395729858)
_NEAR_ROOT = 0.1
_SHIFT = 10.0          # shift arguments above this before the tail series
_NEWTON_STEPS = 60     # far more than the ~6 quadratic convergence needs
_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)
_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)
_ROOT_HALF = math.sqrt(0.5)


@numba.njit
def _digamma_tail(x):
    """psi(x) for x >= _SHIFT: log x - 1/(2x) - sum B_2k / (2k x^2k)."""
    inverse_square = 1.0 / (x * x)
    power, series = inverse_square, 0.0
    for k in range(len(_BERNOULLI)):
        series += _BERNOULLI[k] / (2 * k + 2) * power
        power *= inverse_square
    return math.log(x) - 0.5 / x - series


@numba.njit
def _near_root(offset):
    total = 0.0
    for k in range(len(_ROOT_SERIES) - 1, -1, -1):
        total = (total + _ROOT_SERIES[k]) * offset
    return _AT_ROOT + total


@numba.njit
def digamma(x):
    """psi(x) as scipy.special.digamma: -inf at +0, +inf at -0, NaN at the
    negative integers and at -inf."""
    if math.isnan(x) or x == -math.inf:
        return math.nan
    if x == math.inf:
        return math.inf
    if x == 0.0:
        return -math.copysign(math.inf, x)
    reflected = 0.0
    if x < 0.0:
        offset = x - math.floor(x + 0.5)     # exact, in [-1/2, 1/2)
        if offset == 0.0:
            return math.nan
        # psi(x) = psi(1 - x) - pi / tan(pi x), the tangent of period 1.
        reflected = -math.pi / math.tan(math.pi * offset)
        x = 1.0 - x
    if abs(x - _ROOT) < _NEAR_ROOT:
        return reflected + _near_root(x - _ROOT)
    shifted = 0.0
    while x < _SHIFT:
        shifted += 1.0 / x
        x += 1.0
    return reflected + (_digamma_tail(x) - shifted)


@numba.njit
def _hurwitz_zeta(s, x):
    """zeta(s, x) = sum over k >= 0 of (x + k)^-s, for an integer s >= 2."""
    total = 0.0
    while x < _SHIFT + s:
        total += (1.0 / x) ** s
        x += 1.0
    # Euler-Maclaurin: the integral, half the first term, and the
    # corrections B_2j / (2j)! * s (s+1) ... (s+2j-2) x^(1-s-2j).
    inverse = 1.0 / x
    total += inverse ** (s - 1) / (s - 1) + 0.5 * inverse ** s
    term = 0.5 * s * inverse ** (s + 1)
    for j in range(1, len(_BERNOULLI) + 1):
        total += _BERNOULLI[j - 1] * term
        term *= (s + 2 * j - 1) * (s + 2 * j) / ((2 * j + 1) * (2 * j + 2)) * inverse * inverse
    return total


@numba.njit
def polygamma(n, x):
    """The n-th derivative of digamma, n >= 1: (-1)^(n+1) n! zeta(n+1, x)."""
    if math.isnan(x):
        return math.nan
    sign = 1.0 if n % 2 else -1.0
    if x == math.inf:
        return sign * 0.0
    if x <= 0.0 and x == math.floor(x):
        return sign * math.inf
    return sign * math.gamma(n + 1.0) * _hurwitz_zeta(n + 1, x)


@numba.njit
def _erfc_inverse_tail(z):
    """x > 0 with erfc(x) = z, for 0 < z < 0.5: Newton on log(erfc(x))."""
    x = math.sqrt(-math.log(z))    # above the root: erfc(x) < exp(-x^2)
    log_z = math.log(z)
    for _ in range(_NEWTON_STEPS):
        value = math.erfc(x)
        slope = -_TWO_OVER_ROOT_PI * math.exp(-x * x) / value
        step = (math.log(value) - log_z) / slope
        x -= step
        if abs(step) <= 1e-16 * x:
            break
    return x


@numba.njit
def _erf_inverse_small(y):
    """x with erf(x) = y, for |y| < 0.5: Newton on erf."""
    x = y / _TWO_OVER_ROOT_PI      # nearer zero than the root: erf(x) < 2x / sqrt(pi)
    for _ in range(_NEWTON_STEPS):
        step = (math.erf(x) - y) / (_TWO_OVER_ROOT_PI * math.exp(-x * x))
        x -= step
        if abs(step) <= 1e-16 * abs(x):
            break
    return x


@numba.njit
def erfinv(y):
    """The inverse of erf on [-1, 1] (NaN outside), as scipy.special.erfinv."""
    if not abs(y) <= 1.0:
        return math.nan
    if abs(y) == 1.0:
        return math.copysign(math.inf, y)
    if abs(y) < 0.5:
        return _erf_inverse_small(y)
    return math.copysign(erfcinv(1.0 - abs(y)), y)     # 1 - |y| is exact here


@numba.njit
def _erfc_inverse_upper(z):
    """x >= 0 with erfc(x) = z, for 0 <= z <= 1."""
    if z == 0.0:
        return math.inf
    if z > 0.5:
        return _erf_inverse_small(1.0 - z)              # exact for z in [0.5, 1]
    return _erfc_inverse_tail(z)


@numba.njit
def erfcinv(z):
    """The inverse of erfc on [0, 2] (NaN outside), as scipy.special.erfcinv.
    Not recursive: Numba cannot type a recursive helper first compiled
    while it types the kernel that calls it (an empty cache)."""
    if not 0.0 <= z <= 2.0:
        return math.nan
    if z > 1.0:
        return -_erfc_inverse_upper(2.0 - z)            # exact for z in [1, 2]
    return _erfc_inverse_upper(z)


@numba.njit
def log_ndtr(x):
    """log of the standard normal CDF, without underflow in the far left
    tail (asymptotic series below -20) or rounding in the right one."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x * _ROOT_HALF))
    if x > -20.0:
        return math.log(0.5 * math.erfc(-x * _ROOT_HALF))
    # log Phi(x) = -x^2/2 - log(-x) - log(2 pi)/2 + log(1 - 1/x^2 + 3/x^4 - ...)
    inverse_square = 1.0 / (x * x)
    term, series = 1.0, 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) * inverse_square
        series += term
    return -0.5 * x * x - math.log(-x) - _HALF_LOG_TWO_PI + math.log(series)


@numba.njit
def expit(x):
    """1 / (1 + exp(-x)), with exp of a non-positive number only."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
