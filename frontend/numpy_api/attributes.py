"""Functions that only read static attributes of an array."""
from __future__ import annotations

import numpy as np

from .table import implements


@implements(np.shape)
def shape(a):
    return a.shape


@implements(np.ndim)
def ndim(a):
    return a.ndim


@implements(np.size)
def size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


@implements(np.iscomplexobj)
def iscomplexobj(x):
    return False


@implements(np.isrealobj)
def isrealobj(x):
    return True
