"""scipy.integrate's ODE solvers inside traced functions: refused with a
clear error.  odeint and solve_ivp run compiled solvers (LSODA and others)
that call the right-hand side on concrete arrays, so traced initial values,
times or parameters, or a right-hand side closing over traced values, cannot
pass through them; numjac does not (yet) have an ODE primitive with adjoint
rules.  The error says to write the integrator with nj.fori_loop or nj.scan,
which trace, differentiate and compile.  Calls that touch no traced value
run SciPy (their results are constants of the trace)."""
from __future__ import annotations

import scipy.integrate

from ..errors import ConcretizationError, unsupported
from ..pytree import flatten
from ..replacements import replaced_while_tracing
from ..numpy_api.known import concrete
from ..tracer import Tracer

_ADVICE = ("its solver calls the right-hand side on concrete arrays, so it cannot integrate "
           "traced values. Write the integrator in the traced function instead: a fixed-step "
           "Runge-Kutta loop with nj.fori_loop, or nj.scan over the time steps to keep every "
           "step's state, traces, differentiates and compiles")


def _refusing(name):
    @replaced_while_tracing(scipy.integrate, name)
    def refused(original, *args, **kwargs):
        error = unsupported(f"scipy.integrate.{name} on traced values", _ADVICE)
        args, kwargs = concrete((args, kwargs))    # arrays made in the trace, values known
        if any(isinstance(leaf, Tracer) for leaf in flatten((args, kwargs))[0]):
            raise error
        try:
            return original(*args, **kwargs)
        except ConcretizationError:     # the right-hand side reads traced values
            raise error from None


for _name in ("odeint", "solve_ivp"):
    _refusing(_name)
