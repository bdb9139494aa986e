"""scipy.integrate.odeint and solve_ivp inside traced functions: refused with
an error naming them and pointing to nj.fori_loop/nj.scan, whether the
traced values come in as arguments or through the right-hand side's
closure; a call that touches no traced value runs SciPy."""
import numpy as np
import pytest
import scipy.integrate

import numjac as nj

TIMES = np.linspace(0.0, 1.0, 3)


def _decay(y, t, rate):
    return -rate * y


@pytest.mark.parametrize("fn", [
    lambda rate: scipy.integrate.odeint(_decay, np.ones(2), TIMES, args=(rate,)),
    lambda rate: scipy.integrate.odeint(lambda y, t: -rate * y, np.ones(2), TIMES),
    lambda rate: scipy.integrate.odeint(_decay, rate, TIMES, args=(1.0,)),
    lambda rate: scipy.integrate.solve_ivp(lambda t, y: -rate * y, (0.0, 1.0), np.ones(2)).y,
], ids=["args", "closure", "initial-value", "solve_ivp"])
@pytest.mark.parametrize("transform", [nj.jit, nj.jacrev])
def test_ode_solvers_on_traced_values_raise_naming_them(fn, transform):
    with pytest.raises(nj.UnsupportedOperationError,
                       match=r"scipy\.integrate\.(odeint|solve_ivp) .*nj\.fori_loop"):
        transform(fn)(np.ones(2))


def test_an_ode_solve_of_constants_is_a_constant():
    def scaled(a):
        return a * scipy.integrate.odeint(_decay, np.ones(2), TIMES, args=(1.0,))
    expected = scipy.integrate.odeint(_decay, np.ones(2), TIMES, args=(1.0,))
    np.testing.assert_allclose(nj.jit(scaled)(np.full(2, 2.0)), 2.0 * expected)
