"""Lowerings of compiler/primitives/special_bessel.py: a call of SciPy's
own compiled function (runtime/special_calls.py, imported by kernels from
kernel_support), so kernels give SciPy's values."""
from __future__ import annotations

from ...compiler.primitives import special_bessel
from ..special_calls import EXTERNAL_NAMES
from .kinds import Elementwise, lowers


def _scipy_call(name):
    helper = EXTERNAL_NAMES[name]

    def expr(eqn, *args):
        return f"{helper}({', '.join(args)}, 0)"

    def support(eqn):
        return (helper,)
    expr.__name__, support.__name__ = f"call_{helper}", f"support_{helper}"
    return Elementwise(expr, support=support)


for _name in EXTERNAL_NAMES:
    lowers(getattr(special_bessel, f"{_name}_p"))(_scipy_call(_name))
