"""Reductions of Python lists of traced values: ``np.mean([x, x + 2])``.

NumPy converts a list argument with ``np.asarray`` inside its own code,
where no protocol reaches the Tracers in it (and ``np.asarray`` is not
replaced there), so these functions are replaced while a thread traces: a
first argument that is a list or tuple holding Tracers is stacked, as
NumPy would stack numbers, and the function runs on the stacked array.
(Functions whose argument is a sequence of arrays, like np.concatenate or
np.linalg.multi_dot, see the Tracers through NumPy's protocol already.)
"""
from __future__ import annotations

import numpy as np

from ..replacements import replaced_while_tracing
from .creation import holds_tracer, stacked

_REDUCTIONS = {
    np: ("sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "ptp",
         "median", "average", "all", "any", "argmax", "argmin", "cumsum", "cumprod",
         "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
         "nanmedian", "quantile", "percentile", "nanquantile", "nanpercentile"),
    np.linalg: ("norm", "vector_norm"),
}


def _stacking_first_argument(module, name):
    @replaced_while_tracing(module, name)
    def of_stacked(original, *args, **kwargs):
        if args and isinstance(args[0], (list, tuple)) and holds_tracer(args[0]):
            args = (stacked(args[0]),) + args[1:]
        return original(*args, **kwargs)


for _module, _names in _REDUCTIONS.items():
    for _name in _names:
        _stacking_first_argument(_module, _name)
