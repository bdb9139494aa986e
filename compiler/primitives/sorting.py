"""Sorting: ``argsort`` along one axis, a stable sort's permutation.

Sorted values are the gather ``take_along_axis(x, argsort(x))`` (the
frontend builds it), so their derivative is the same gather of the tangent:
argsort itself is an integer result with no derivative.
"""
from __future__ import annotations

import numpy as np

from ..atoms import AType
from ..builder import bind
from ..rules import Primitive, register
from .reductions import axis_batch_rule

argsort_p = Primitive("argsort")
def argsort(x, axis: int):
    """Indices that sort ``x`` along ``axis`` (stably, NaN last, as NumPy)."""
    return bind(argsort_p, x, axis=int(axis))
def _argsort_shape(x, *, axis):
    return AType(np.dtype(np.int64), x.shape)
def _argsort_impl(x, *, axis):
    return np.argsort(x, axis=axis, kind="stable")
register(argsort_p, shape=_argsort_shape, impl=_argsort_impl,
         batch=axis_batch_rule(argsort_p), differentiable=False)
