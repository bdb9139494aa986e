"""scipy.special's functions that ``math`` lacks (special_support.py) as
kernel helpers (kernel_support's ``digamma``, ``erfinv``, ...), loaded from
here on a kernel's first use of one, as kernel_blas.py's ``gemm`` is: most
kernels call none, and making their twelve Numba dispatchers took a tenth
of the first call of a cached kernel."""
from __future__ import annotations

from pathlib import Path

from . import special_support
from .kernel_support import SUPPORT_SOURCE, cached_helper

# Keyed by both sources: a helper there calls the others.
_SPECIAL_SOURCE = SUPPORT_SOURCE + Path(special_support.__file__).read_text()
digamma = cached_helper(special_support.digamma.py_func, _SPECIAL_SOURCE)
polygamma = cached_helper(special_support.polygamma.py_func, _SPECIAL_SOURCE)
erfinv = cached_helper(special_support.erfinv.py_func, _SPECIAL_SOURCE)
erfcinv = cached_helper(special_support.erfcinv.py_func, _SPECIAL_SOURCE)
log_ndtr = cached_helper(special_support.log_ndtr.py_func, _SPECIAL_SOURCE)
expit = cached_helper(special_support.expit.py_func, _SPECIAL_SOURCE)
