"""OP_SPECS rows for scipy.integrate.odeint and solve_ivp (the ``ode`` primitive:
compiler/primitives/ode.py): a coupled nonlinear system, differentiated in
its initial values and args.  Row 0 (the initial value itself) is left out
and the times are fixed, so every Jacobian entry is structurally nonzero,
as the dense sparsity rule says.  The tight tolerances keep SciPy's LSODA
(which the finite differences call) smooth enough to difference."""
import numpy as np
import scipy.integrate

from tests.op_specs import OpSpec

TIMES = np.linspace(0.0, 0.5, 4)


def _rhs(y, t, a, b):
    return -a * y + np.sin(b * t) - 0.1 * np.mean(y) ** 2


def odeint_coupled(y0, a, b):
    return scipy.integrate.odeint(_rhs, y0, TIMES, args=(a, b), rtol=1e-10, atol=1e-10)[1:]


def solve_ivp_coupled(y0, a, b):
    return scipy.integrate.solve_ivp(lambda t, y, a, b: _rhs(y, t, a, b), (0.0, 0.5), y0,
                                     t_eval=TIMES[1:], args=(a, b), rtol=1e-10, atol=1e-10).y


# Called outside a trace, the rows run SciPy's LSODA and RK45; traced,
# numjac's Dormand-Prince: they agree to about the tolerances, not to rounding.
_AGREEMENT = {"against_numpy": {"rtol": 1e-7, "atol": 1e-9}}
SPECS = [OpSpec("integrate-odeint-coupled", odeint_coupled, ((3,), (3,), (3,)), extra=_AGREEMENT),
         OpSpec("integrate-solve_ivp-coupled", solve_ivp_coupled, ((3,), (3,), (3,)),
                extra=_AGREEMENT)]
