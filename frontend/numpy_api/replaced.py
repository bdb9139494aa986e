"""NumPy calls that no protocol routes to a Tracer, replaced while a thread
traces (frontend/replacements.py): ``np.vectorize(f)(x)``, which converts
its arguments to arrays before calling ``f``, and ``np.arange``, whose
length would depend on traced endpoints.  Calls without traced arguments
run NumPy's own code."""
from __future__ import annotations

import numpy as np

from ..errors import ConcretizationError, unsupported
from ..public import vmap
from ..pytree import flatten
from ..replacements import replaced_while_tracing
from ..tracer import is_traced, to_atom, wrap


def _has_traced(*values) -> bool:
    return any(is_traced(leaf) for leaf in flatten(values)[0])


@replaced_while_tracing(np.vectorize, "__call__")
def vectorized_call(original, self, *args, **kwargs):
    """``f`` under nj.vmap over the broadcast, flattened positional arguments
    (keyword and excluded arguments are passed to every call as they are)."""
    if not _has_traced(args, kwargs):
        return original(self, *args, **kwargs)
    if self.signature is not None:
        raise unsupported("numpy.vectorize(signature=...) on traced arrays",
                          "use nj.vmap, which maps over one axis of whole arrays")
    mapped = [i for i in range(len(args)) if i not in self.excluded]
    arrays = np.broadcast_arrays(*(wrap(to_atom(args[i])) for i in mapped))
    shape = arrays[0].shape

    def one_element(*elements):
        call_args = list(args)
        for i, element in zip(mapped, elements):
            call_args[i] = element
        return self.pyfunc(*call_args, **kwargs)
    results = vmap(one_element)(*(np.ravel(a) for a in arrays))
    if isinstance(results, tuple):
        return tuple(_shaped(r, shape, self.otypes, k) for k, r in enumerate(results))
    return _shaped(results, shape, self.otypes, 0)


def _shaped(result, shape, otypes, k):
    result = np.reshape(result, shape)
    return result.astype(otypes[k]) if otypes else result


@replaced_while_tracing(np, "arange")
def arange(original, *args, **kwargs):
    try:
        return original(*args, **kwargs)
    except ConcretizationError:
        if not _has_traced(args, kwargs):
            raise
        raise unsupported(
            "numpy.arange with traced start, stop or step",
            "its length would depend on traced values; write start + step * "
            "np.arange(n) with a constant n, or np.linspace(start, stop, n)") from None
