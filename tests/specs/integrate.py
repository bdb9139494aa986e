"""OP_SPECS rows for scipy.integrate.odeint (the ``ode`` primitive:
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


# Called outside a trace, the row runs SciPy's LSODA; traced, numjac's
# Dormand-Prince: they agree to about the tolerances, not to rounding.
SPECS = [OpSpec("integrate-odeint-coupled", odeint_coupled, ((3,), (3,), (3,)),
                extra={"against_numpy": {"rtol": 1e-7, "atol": 1e-9}})]
