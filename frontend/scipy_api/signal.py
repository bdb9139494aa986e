"""scipy.signal.convolve, correlate, convolve2d and correlate2d on traced
real arrays (modes full, same and valid; n-d as SciPy allows), as
``numpy_api.calculus.full_convolution``: a gather of windows of the
zero-padded first input contracted with the reversed second, cut to the
mode.  SciPy's ``method`` (direct or FFT) changes only the rounding: every
method is computed directly.  Replaced while tracing as scipy.linalg's
functions are (``scipy_api.linalg.traced_scipy``)."""
from __future__ import annotations

import numpy as np
import scipy.signal

from ..errors import unsupported
from ..numpy_api.calculus import full_convolution
from ..tracer import to_atom, wrap
from .linalg import traced_scipy


def _same_ndim(in1, in2):
    in1, in2 = wrap(to_atom(in1)), wrap(to_atom(in2))
    if in1.ndim != in2.ndim:
        raise ValueError("in1 and in2 should have the same dimensionality")
    return in1, in2


def _valid_window(shape1, shape2):
    """Per axis (start, length) of the valid part of the full result."""
    if not (all(n >= m for n, m in zip(shape1, shape2))
            or all(m >= n for n, m in zip(shape1, shape2))):
        raise ValueError("For 'valid' mode, one must be at least as large as the other in "
                         "every dimension")
    return [(min(n, m) - 1, abs(n - m) + 1) for n, m in zip(shape1, shape2)]


def _cut(full, shape1, shape2, mode, later_centre):
    if mode == "full":
        return full
    if mode == "same":
        # in1's shape from the middle of the full result; where the middle
        # falls between two elements, correlate2d starts at the later one.
        window = [((f - n + later_centre) // 2, n) for f, n in zip(full.shape, shape1)]
    elif mode == "valid":
        window = _valid_window(shape1, shape2)
    else:
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'")
    return full[tuple(slice(start, start + length) for start, length in window)]


def _convolution(in1, in2, mode, later_centre=False):
    if in1.ndim == 0:
        return in1 * in2
    if in1.size == 0 or in2.size == 0:
        return np.array([])
    return _cut(full_convolution(in1, in2), in1.shape, in2.shape, mode, int(later_centre))


def _reversed(x):
    return x[(slice(None, None, -1),) * x.ndim]


@traced_scipy(scipy.signal, "convolve")
def convolve(in1, in2, mode="full", method="auto"):
    return _convolution(*_same_ndim(in1, in2), mode)


@traced_scipy(scipy.signal, "correlate")
def correlate(in1, in2, mode="full", method="auto"):
    in1, in2 = _same_ndim(in1, in2)
    return _convolution(in1, _reversed(in2), mode)


def _matrices(name, in1, in2, boundary, fillvalue):
    if boundary not in ("fill", "pad") or fillvalue != 0:
        raise unsupported(f"scipy.signal.{name}(boundary={boundary!r}, "
                          f"fillvalue={fillvalue!r})",
                          "pad in1 yourself (np.pad with mode='wrap', 'symmetric' or "
                          "constant_values) and use mode='valid'")
    in1, in2 = _same_ndim(in1, in2)
    if in1.ndim != 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    return in1, in2


@traced_scipy(scipy.signal, "convolve2d")
def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    return _convolution(*_matrices("convolve2d", in1, in2, boundary, fillvalue), mode)


@traced_scipy(scipy.signal, "correlate2d")
def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    in1, in2 = _matrices("correlate2d", in1, in2, boundary, fillvalue)
    return _convolution(in1, _reversed(in2), mode, later_centre=True)
