"""Stiff ODEs with SciPy's implicit solvers and a numjac Jacobian.

``scipy.integrate.solve_ivp(method='BDF' or 'Radau')`` needs the Jacobian of
the right-hand side f(t, y) with respect to y.  Without ``jac=`` SciPy
estimates it by finite differences, one extra f evaluation per unknown; with
``jac=nj.jacfwd(f, argnums=1)`` it is exact and costs one compiled call.
The time t is a Python float that changes on every call: numjac traces it as
a 0-d input, so the Jacobian is traced and compiled once for the whole run.

Two problems: Robertson's chemical kinetics (3 unknowns, rate constants
spanning 11 orders of magnitude) and the 1-D Brusselator reaction-diffusion
system on ``n`` grid points (2n unknowns).

    python examples/stiff_ode.py
"""
import time

import numpy as np
from scipy.integrate import solve_ivp

import numjac as nj


def robertson(t, y):
    """Robertson's kinetics: A -> B (slow), 2B -> B + C (fast), B + C -> A + C."""
    k1, k2, k3 = 0.04, 3e7, 1e4
    a, b, c = y[0], y[1], y[2]
    return np.stack([-k1 * a + k3 * b * c,
                     k1 * a - k2 * b ** 2 - k3 * b * c,
                     k2 * b ** 2])


def brusselator(t, y):
    """The Brusselator u' = A + u^2 v - (B+1) u + alpha u_xx,
    v' = B u - u^2 v + alpha v_xx on (0, 1), with y = [u, v] on n interior
    points and the Dirichlet values u = A, v = B at both ends."""
    a, b, alpha = 1.0, 3.0, 0.02
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    coupling = u * u * v
    du = a + coupling - (b + 1.0) * u + alpha * laplacian(u, a)
    dv = b * u - coupling + alpha * laplacian(v, b)
    return np.concatenate([du, dv])


def laplacian(u, boundary):
    """Second differences on a uniform grid of len(u) interior points of
    (0, 1), with the value ``boundary`` at both ends."""
    padded = np.pad(u, 1, constant_values=boundary)
    dx = 1.0 / (u.shape[0] + 1)
    return (padded[:-2] - 2.0 * u + padded[2:]) / dx ** 2


def brusselator_initial(n):
    x = np.arange(1, n + 1) / (n + 1)
    return np.concatenate([1.0 + np.sin(2 * np.pi * x), np.full(n, 3.0)])


class CountedCalls:
    """``fun`` counting every call: SciPy's ``nfev`` leaves out the calls
    its finite-difference Jacobian makes, so count them all here."""

    def __init__(self, fun):
        self.fun, self.calls = fun, 0

    def __call__(self, t, y):
        self.calls += 1
        return self.fun(t, y)


class CountedTraces:
    """``fun`` counting the calls that trace it (y is a traced array, not a
    NumPy array): Python side effects run once per trace, not per call."""

    def __init__(self, fun):
        self.fun, self.traces = fun, 0

    def __call__(self, t, y):
        if not isinstance(y, np.ndarray):
            self.traces += 1
        return self.fun(t, y)


def solve(rhs, y0, t_end, method, jac, rtol, atol):
    """One solve_ivp run: its final state and counts."""
    counted = CountedCalls(rhs)
    start = time.perf_counter()
    sol = solve_ivp(counted, (0.0, t_end), y0, method=method, jac=jac, rtol=rtol, atol=atol)
    seconds = time.perf_counter() - start
    if not sol.success:
        raise RuntimeError(f"solve_ivp({method}) failed: {sol.message}")
    return {"y": sol.y[:, -1], "seconds": seconds, "nfev": sol.nfev, "njev": sol.njev,
            "rhs_calls": counted.calls}


def compare(name, rhs, y0, t_end, rtol, atol, quiet):
    """Each method with numjac's Jacobian against finite differences."""
    traced = CountedTraces(rhs)
    jacobian = nj.jacfwd(traced, argnums=1)
    start = time.perf_counter()
    jacobian(0.0, y0)                     # trace and compile once, timed apart
    compile_seconds = time.perf_counter() - start
    results = {"compile_seconds": compile_seconds}
    for method in ("BDF", "Radau"):
        exact = solve(rhs, y0, t_end, method, jacobian, rtol, atol)
        finite = solve(rhs, y0, t_end, method, None, rtol, atol)
        difference = np.max(np.abs(exact["y"] - finite["y"]) / np.abs(finite["y"]))
        if difference > 10 * rtol:
            raise RuntimeError(f"{name}, {method}: the final states differ by {difference:.1e}")
        results[method] = {"numjac": exact, "finite_differences": finite,
                           "max_relative_difference": float(difference)}
    results["traces"] = traced.traces
    if not quiet:
        report(name, y0.shape[0], results)
    return results


def report(name, size, results):
    print(f"{name} ({size} unknowns); numjac trace + compile "
          f"{results['compile_seconds']:.2f} s, traced {results['traces']} time(s)")
    print(f"  {'method':6} {'jacobian':19} {'time [s]':>9} {'nfev':>6} {'njev':>5} "
          f"{'rhs calls':>10}")
    for method in ("BDF", "Radau"):
        for kind in ("numjac", "finite_differences"):
            r = results[method][kind]
            print(f"  {method:6} {kind:19} {r['seconds']:9.3f} {r['nfev']:6d} "
                  f"{r['njev']:5d} {r['rhs_calls']:10d}")
        print(f"  {method}: max relative difference of the final states "
              f"{results[method]['max_relative_difference']:.1e}")


def main(n=200, quiet=False):
    """Both problems; ``n`` is the Brusselator's number of grid points."""
    return {
        "robertson": compare("Robertson kinetics", robertson, np.array([1.0, 0.0, 0.0]),
                             1e5, rtol=1e-6, atol=1e-10, quiet=quiet),
        "brusselator": compare(f"Brusselator, n={n}", brusselator, brusselator_initial(n),
                               10.0, rtol=1e-6, atol=1e-8, quiet=quiet),
    }


if __name__ == "__main__":
    main()
