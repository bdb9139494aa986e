"""``np.r_[...]`` and ``np.c_[...]`` holding traced values.

They are objects indexed with ``[]``, which NumPy implements by converting
each item to an array: a Tracer cannot be.  While a thread traces, they are
replaced (``replace_object_while_tracing``) by concatenators that build
the result from Tracers with np.concatenate when the key holds one, and
defer to NumPy's otherwise (and in threads that do not trace).
"""
from __future__ import annotations

import numpy as np

from ..errors import unsupported
from ..replacements import in_trace, replace_object_while_tracing
from ..tracer import Tracer, dtype_for_promotion


class TracingConcatenator:
    """``np.r_`` (``columns`` False) or ``np.c_`` (True) for traced items."""

    def __init__(self, original, columns: bool):
        self.original = original
        self.columns = columns

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        if not in_trace() or not any(isinstance(item, Tracer) for item in items):
            return self.original[key]
        name = "numpy.c_" if self.columns else "numpy.r_"
        if isinstance(items[0], str):
            raise unsupported(f"{name}[...] with a directive string and traced values",
                              "use np.concatenate or np.stack")
        parts = [self.original[item] if isinstance(item, slice) else item for item in items]
        dtype = np.result_type(*(dtype_for_promotion(p) for p in parts))
        parts = [self._shaped(np.asarray(p).astype(dtype)) for p in parts]
        return np.concatenate(parts, axis=-1 if self.columns else 0)

    def _shaped(self, part):
        """NumPy's rule: np.r_ makes items at least 1-d; np.c_ makes them at
        least 2-d, a 1-d item a column."""
        if self.columns and part.ndim < 2:
            return np.reshape(part, (part.size, 1))
        return np.reshape(part, (1,)) if part.ndim == 0 else part

    def __len__(self):
        return len(self.original)

    def __getattr__(self, name):
        return getattr(self.original, name)


replace_object_while_tracing(np, "r_", TracingConcatenator(np.r_, columns=False))
replace_object_while_tracing(np, "c_", TracingConcatenator(np.c_, columns=True))
