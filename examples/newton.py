"""Newton's method for a nonlinear system, compiled once and run many times.

The Bratu problem -u'' = lam * exp(u) on (0, 1), u(0) = u(1) = 0, with
second differences on n interior points, is the system F(u, lam) = 0.  It
is solved for a sequence of lam by natural continuation (each solve starts
from the previous solution), with the Jacobian ``nj.jacfwd(F)``:

* made once, outside the loops, and
* made anew at every Newton step, as torch.func code often does.

Both trace F once for the whole run: lam is a Python float, traced as a 0-d
input, so changing it never retraces, and a transform made again from the
same function and options finds the trace in the cache.  The discrete
solutions are checked against Bratu's exact solution.

    python examples/newton.py
"""
import time

import numpy as np
from scipy.optimize import brentq

import numjac as nj

TOLERANCE = 1e-10


class CountedTraces:
    """``fun`` counting the calls that trace it (u is a traced array, not a
    NumPy array): Python side effects run once per trace, not per call."""

    def __init__(self, fun):
        self.fun, self.traces = fun, 0

    def __call__(self, u, lam):
        if not isinstance(u, np.ndarray):
            self.traces += 1
        return self.fun(u, lam)


def bratu(u, lam):
    """The residual (u[i-1] - 2 u[i] + u[i+1]) / h^2 + lam * exp(u[i])."""
    h = 1.0 / (u.shape[0] + 1)
    padded = np.pad(u, 1)
    return (padded[:-2] - 2.0 * u + padded[2:]) / h ** 2 + lam * np.exp(u)


def bratu_exact(x, lam):
    """The lower branch: u = 2 log(cosh(theta / 4) / cosh((x - 1/2) theta / 2))
    where theta = sqrt(2 lam) cosh(theta / 4), the smaller root."""
    theta = brentq(lambda s: s - np.sqrt(2.0 * lam) * np.cosh(s / 4.0), 0.0, 4.0)
    return 2.0 * np.log(np.cosh(theta / 4.0) / np.cosh((x - 0.5) * theta / 2.0))


def newton(residual, jacobian_of, u, lam):
    """Newton's method from u; ``jacobian_of()`` returns the Jacobian
    function to use at each step.  Returns (u, steps)."""
    for step in range(1, 51):
        r = residual(u, lam)
        du = np.linalg.solve(jacobian_of()(u, lam), r)
        u = u - du
        if np.max(np.abs(du)) <= TOLERANCE * (1.0 + np.max(np.abs(u))):
            return u, step
    raise RuntimeError(f"Newton did not converge for lam={lam}")


def continuation(residual, jacobian_of, n, lams):
    """Solve for each lam in turn; returns the solutions and step counts."""
    u = np.zeros(n)
    solutions, steps = [], []
    for lam in lams:
        u, count = newton(residual, jacobian_of, u, lam)
        solutions.append(u)
        steps.append(count)
    return solutions, steps


def main(n=100, quiet=False):
    lams = [0.5 * k for k in range(1, 7)]        # Python floats, up to 3.0 < 3.51
    traced = CountedTraces(bratu)
    residual = nj.jit(traced)
    start = time.perf_counter()
    once = nj.jacfwd(traced)
    once(np.zeros(n), 1.0)
    residual(np.zeros(n), 1.0)
    compile_seconds = time.perf_counter() - start

    def jacobian_made_once():
        return once

    def jacobian_made_anew():
        return nj.jacfwd(traced)

    results = {"compile_seconds": compile_seconds, "lams": lams}
    for name, jacobian_of in (("made once", jacobian_made_once),
                              ("made anew", jacobian_made_anew)):
        before = traced.traces
        start = time.perf_counter()
        solutions, steps = continuation(residual, jacobian_of, n, lams)
        results[name] = {"seconds": time.perf_counter() - start, "steps": steps,
                         "solutions": solutions, "new_traces": traced.traces - before}
    x = np.arange(1, n + 1) / (n + 1)
    results["error"] = [float(np.max(np.abs(u - bratu_exact(x, lam))))
                        for u, lam in zip(results["made once"]["solutions"], lams)]
    results["residual"] = [float(np.max(np.abs(bratu(u, lam))))
                           for u, lam in zip(results["made once"]["solutions"], lams)]
    results["traces"] = traced.traces
    if not quiet:
        report(n, results)
    return results


def report(n, results):
    print(f"Bratu problem, n={n}; trace + compile {results['compile_seconds']:.2f} s "
          f"(F and its Jacobian)")
    print(f"  {'lam':>4} {'Newton steps':>12} {'max |F(u)|':>11} {'max |u - exact|':>16}")
    for lam, steps, res, err in zip(results["lams"], results["made once"]["steps"],
                                    results["residual"], results["error"]):
        print(f"  {lam:4.1f} {steps:12d} {res:11.1e} {err:16.1e}")
    for name in ("made once", "made anew"):
        r = results[name]
        print(f"  jacfwd(F) {name}: {sum(r['steps'])} Newton steps in {r['seconds']:.3f} s, "
              f"{r['new_traces']} new traces")
    print(f"  F was traced {results['traces']} times in all (jit(F) and jacfwd(F))")


if __name__ == "__main__":
    main()
