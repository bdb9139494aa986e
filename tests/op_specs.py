"""OP_SPECS: one table of traced NumPy calls, crossed with every check
(NumPy agreement, gradients, vmap, backends).  Each family keeps its rows
in tests/specs/<family>.py as a list named SPECS."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class OpSpec:
    name: str                      # test id, e.g. "sum-axis1-keepdims"
    fn: Callable                   # a plain NumPy function of the args
    shapes: tuple                  # one shape per array argument
    domain: str = "real"           # see make_args: real, positive, unit, above1, int, bool
    differentiable: bool = True    # False: integer/bool/piecewise-constant result
    dtypes: tuple = ()             # per argument; default float64
    extra: dict = field(default_factory=dict)   # free-form notes for a family

    def make_args(self, seed: int = 0):
        return make_args(self.shapes, self.domain, self.dtypes, seed)


def make_args(shapes, domain="real", dtypes=(), seed=0):
    rng = np.random.default_rng(seed)
    args = []
    for i, shape in enumerate(shapes):
        dtype = np.dtype(dtypes[i]) if i < len(dtypes) else np.dtype(np.float64)
        if domain == "positive":
            x = rng.uniform(0.5, 2.0, shape)
        elif domain == "unit":
            x = rng.uniform(-0.9, 0.9, shape)
        elif domain == "above1":
            x = rng.uniform(1.2, 3.0, shape)
        else:
            x = rng.normal(size=shape)
        if dtype.kind in "iu":
            x = rng.integers(-5, 6, shape)
        elif dtype == np.bool_:
            x = rng.random(shape) > 0.5
        args.append(np.asarray(x, dtype=dtype))
    return args


def load_specs():
    from tests.specs import (elementwise, everyday, indexing, inplace, linalg, linalg_functions,
                             loops, reductions, shape, special)
    from tests.specs import linalg_sylvester, signal, special_bessel, stats
    from tests.specs import integrate
    specs = []
    for module in (elementwise, linalg, linalg_functions, shape, indexing, reductions, loops,
                   special, everyday, inplace, linalg_sylvester, signal, special_bessel, stats,
                   integrate):
        specs.extend(module.SPECS)
    names = [s.name for s in specs]
    assert len(names) == len(set(names)), "duplicate OpSpec names"
    return specs


OP_SPECS = load_specs()
