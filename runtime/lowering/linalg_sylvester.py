"""Lowerings of compiler/primitives/linalg_sylvester.py: ``sqrtm`` and
``sylvester`` call SciPy per matrix of the stack through kernel_support's
object-mode helpers (runtime/scipy_support.py), as the interpreter does."""
from __future__ import annotations

from ...compiler.primitives.linalg_sylvester import sqrtm_p, sylvester_p
from .kinds import Custom, lowers
from .linalg_decompositions import lapack_per_matrix


def _scipy_helper(name):
    def call(cg, params, *matrices):
        cg.support.add(name)
        return f"{name}({', '.join(matrices)})"
    call.__name__ = f"call_{name}"
    return call


lowers(sqrtm_p)(Custom(lapack_per_matrix(_scipy_helper("sqrtm"))))
lowers(sylvester_p)(Custom(lapack_per_matrix(_scipy_helper("solve_sylvester"))))
