"""scipy.stats distributions on Tracers: how their methods are routed.

A distribution's methods (``scipy.stats.norm.logpdf``, and the same
methods of a frozen ``norm(loc, scale)``) are defined on SciPy's base
classes (rv_continuous, rv_discrete, multivariate_normal_gen, ...) and
convert their arguments with ``np.asarray`` first, so no NumPy protocol
reaches a tracer.  While a thread traces, those methods of the base
classes are replaced (frontend/replacements.py): a call with a traced
argument goes to the handler filed under the module-level distribution's
bound method (``scipy.stats.norm.logpdf`` in numpy_api.HANDLERS, so the
coverage table lists it), which computes SciPy's formula with numjac's
primitives (stats_univariate.py, stats_multivariate.py); a call without
one runs SciPy's own method.  A traced call of a method or distribution
without a formula raises an error naming scipy.stats.<name>.<method>.

Not seen, as for every replacement: a method taken before the trace began
(``logpdf = scipy.stats.norm.logpdf`` at import time) is SciPy's own.
"""
from __future__ import annotations

import types

import scipy.stats as st

from ..errors import unsupported
from ..numpy_api.table import DISPLAY_NAMES, HANDLERS, dispatch_function, implements
from ..pytree import flatten
from ..replacements import replaced_while_tracing
from ..tracer import is_traced

# The methods replaced on each base class while tracing; a traced call of
# one without a handler for its distribution raises, naming it.
_MULTIVARIATE_NORMAL, _DIRICHLET = type(st.multivariate_normal), type(st.dirichlet)
_ROUTED = {
    st.rv_continuous: ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs",
                    "mean", "median", "var", "std", "stats", "moment", "entropy", "interval",
                    "expect", "support"),
    st.rv_discrete: ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs",
                  "mean", "median", "var", "std", "stats", "moment", "entropy", "interval",
                  "expect", "support"),
    _MULTIVARIATE_NORMAL: ("pdf", "logpdf", "cdf", "logcdf", "rvs", "entropy"),
    _DIRICHLET: ("pdf", "logpdf", "rvs", "mean", "var", "entropy"),
}
_MULTIVARIATE_NAMES = {_MULTIVARIATE_NORMAL: "multivariate_normal", _DIRICHLET: "dirichlet"}
_ORIGINALS = {(cls, name): getattr(cls, name) for cls, names in _ROUTED.items()
              for name in names}
# distribution class -> the instance scipy.stats exports (stats.norm for norm_gen)
_EXPORTED: dict = {}


def distribution_name(dist) -> str:
    return _MULTIVARIATE_NAMES.get(type(dist)) or dist.name


def _base_class(dist):
    return next(cls for cls in _ROUTED if isinstance(dist, cls))


def _key(instance, method: str):
    """What HANDLERS files a distribution's method under: the exported
    instance's method, bound to SciPy's own function."""
    return types.MethodType(_ORIGINALS[(_base_class(instance), method)], instance)


def implements_method(instance, *methods):
    """Decorator: the handler of ``instance.<method>`` (a SciPy-signature
    function of traced arguments) for each of ``methods``."""
    _EXPORTED[type(instance)] = instance

    def register(handler):
        for method in methods:
            key = _key(instance, method)
            implements(key)(handler)
            DISPLAY_NAMES[key] = f"scipy.stats.{distribution_name(instance)}.{method}"
        return handler
    return register


def _traced_call(dist, method, args, kwargs):
    name = f"scipy.stats.{distribution_name(dist)}.{method}"
    exported = _EXPORTED.get(type(dist))
    key = None if exported is None else _key(exported, method)
    if key not in HANDLERS:
        raise unsupported(name, "numjac traces the methods listed under scipy.stats in "
                                "docs/coverage.md; compute this one outside the traced function")
    if (getattr(dist, "a", None), getattr(dist, "b", None)) != (
            getattr(exported, "a", None), getattr(exported, "b", None)):
        raise unsupported(f"{name} of a distribution made with another support")
    return dispatch_function(key, args, kwargs)


def _route(method):
    def handler(original, dist, *args, **kwargs):
        if any(is_traced(leaf) for leaf in flatten((args, kwargs))[0]):
            return _traced_call(dist, method, args, kwargs)
        return original(dist, *args, **kwargs)
    handler.__name__ = f"route_{method}"
    return handler


for (_cls, _method) in _ORIGINALS:
    replaced_while_tracing(_cls, _method)(_route(_method))
