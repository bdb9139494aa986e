"""Numbers that move by a fixed step per iteration of a re-rolled loop.

A literal that differs between the blocks of a run (``reroll_runs``) is
computed in the loop body from the iteration counter k, by a
``Progression``: ``offset + (k + shift) * scale``.  The same formula, with
the same roundings, checks that it gives each block's literal: exactly, in
integers; in floats, one conversion, one product and one sum in the
literal's dtype, as the body computes them.  Python computes ``t0 + i*dt``
or ``i*dt`` the same way, so those are found (with ``i`` from 0 in the
first, from any start in the second), ``dt`` being recovered from the first
two values (their difference rounds: nearby floats are tried).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Lit
from ..primitives.elementwise import add, mul
from ..primitives.structural import convert

COUNTER = np.dtype(np.int64)
NEIGHBOURS = 16         # floats tried on each side of the difference of the first two


@dataclass(frozen=True)
class Progression:
    """``offset + (k + shift) * scale`` in ``dtype`` (no sum if ``offset`` is None)."""

    dtype: np.dtype
    scale: object
    shift: int = 0
    offset: object = None

    def at(self, k: int):
        """The literal of block ``k``, or None if it does not fit the dtype."""
        if self.dtype.kind in "iu":
            value = self.offset + (k + self.shift) * self.scale
            info = np.iinfo(self.dtype)
            return Lit(value, self.dtype) if info.min <= value <= info.max else None
        kind = self.dtype.type
        with np.errstate(all="ignore"):
            value = kind(k + self.shift) * kind(self.scale)
            if self.offset is not None:
                value = value + kind(self.offset)
        return Lit(value, self.dtype)

    def emit(self, counter):
        """The body's value of this literal at ``counter`` (an int64 scalar)."""
        index = counter if not self.shift else add(counter, Lit(self.shift, COUNTER))
        if self.dtype.kind in "iu":
            value = add(mul(index, Lit(self.scale, COUNTER)), Lit(self.offset, COUNTER))
            return value if self.dtype == COUNTER else convert(value, self.dtype)
        value = mul(convert(index, self.dtype), Lit(self.scale, self.dtype))
        return value if self.offset is None else add(value, Lit(self.offset, self.dtype))


def progressions(lit0: Lit, lit1: Lit) -> tuple:
    """The progressions that give ``lit0`` and ``lit1`` in blocks 0 and 1."""
    dtype = lit0.type.dtype
    if dtype.kind in "iu":
        found = [Progression(dtype, lit1.value - lit0.value, 0, lit0.value)]
    elif dtype.kind == "f":
        found = _float_candidates(dtype, lit0.value, lit1.value)
    else:
        return ()
    return tuple(p for p in found if p.at(0) == lit0 and p.at(1) == lit1)


def _float_candidates(dtype, v0, v1) -> list:
    kind = dtype.type
    with np.errstate(all="ignore"):
        difference = kind(v1) - kind(v0)
        scales = [difference]
        up = down = difference
        for _ in range(NEIGHBOURS):
            up, down = np.nextafter(up, kind(np.inf)), np.nextafter(down, kind(-np.inf))
            scales += [up, down]
        found = [Progression(dtype, s.item(), 0, v0) for s in scales]     # t0 + i*dt
        first = kind(v0) / difference if difference else kind(0)
        if np.isfinite(first) and abs(first) < 2 ** 31:                  # i*dt, i >= 0
            found += [Progression(dtype, s.item(), int(np.rint(first))) for s in scales]
    return found
