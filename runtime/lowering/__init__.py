"""The Numba lowering table ``LOWERINGS``: one entry per primitive, keyed by
the primitive object, of four kinds (see kinds.py).

One module per primitive family, mirroring compiler/primitives: importing
this package registers them all.  The shared expression helpers are in
expressions.py.
"""
from __future__ import annotations

from . import control, elementwise, indexing, linalg, loops, random, reductions  # noqa: F401
from . import linalg_decompositions, linalg_expm, special, structural  # noqa: F401
from . import linalg_sylvester  # noqa: F401
from . import special_bessel  # noqa: F401
from . import ode  # noqa: F401
from .expressions import (BOOL, F64, I64, along, cast_expr, dtype_expr, flat_index,
                          literal_expr, operand_index, parenthesize, plus, result_expr,
                          typed_literal_expr, unravel)
from .kinds import LOWERINGS, Custom, Elementwise, Folded, Readable, Reduction, lowers

__all__ = ["LOWERINGS", "Custom", "Elementwise", "Folded", "Readable", "Reduction", "lowers",
           "BOOL", "F64", "I64", "along", "cast_expr", "dtype_expr", "flat_index",
           "literal_expr", "operand_index", "parenthesize", "plus", "result_expr",
           "typed_literal_expr", "unravel"]
