"""Variants of the hand-written per-example gradient kernel
(handwritten.logistic_grads), for ``python -m benchmarks --only batches
--variants``: where a big batch's time goes (docs/benchmarks.md, "Big
batches, one thread").

- ``handwritten.logistic_grads_into``: the one fused pass writing into an
  array allocated once, outside the timed call: the work without the
  allocation;
- ``zeroed``: the same pass into ``np.zeros``, a fill the pass overwrites;
- ``two_passes``: ``x @ w`` by BLAS into a temporary the size of the
  batch, then the gradients in a second pass over ``x``.
"""
from __future__ import annotations

import numba
import numpy as np

from .handwritten import logistic_grads_into as into


@numba.njit(cache=True)
def zeroed(w, x, y):
    return into(w, x, y, np.zeros(x.shape))


@numba.njit(cache=True)
def two_passes(w, x, y):
    weight = -y / (1.0 + np.exp(y * (x @ w)))
    return weight.reshape((-1, 1)) * x


def calls(args, expected):
    """{variant name: zero-argument call}, each checked against ``expected``."""
    out = np.empty_like(expected)
    variants = {"Numba, output allocated once": lambda: into(*args, out),
                "Numba, np.zeros": lambda: zeroed(*args),
                "Numba, BLAS + second pass": lambda: two_passes(*args)}
    for call in variants.values():
        np.testing.assert_allclose(call(), expected, rtol=1e-12, atol=1e-14)
    return variants
