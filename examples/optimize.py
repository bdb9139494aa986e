"""``scipy.optimize.minimize`` with numjac derivatives.

For a function f written in NumPy, numjac gives SciPy what it asks for:

    jac=nj.grad(f)                      the gradient (reverse mode)
    hess=nj.hessian(f)                  the dense Hessian (method='trust-exact')
    hessp=jvp of nj.grad(f)             Hessian-vector products without the
                                        Hessian (method='Newton-CG')

Each is compared with what SciPy does without it: a finite-difference
gradient (BFGS with no jac), a Hessian from finite differences of the
gradient (trust-exact) and SciPy's hess='2-point' (Newton-CG).  Two problems:
the Rosenbrock function in n dimensions, and an L2-regularized logistic
regression on synthetic data, whose data arrays SciPy passes through
``args=``, as numjac's transforms do.

    python examples/optimize.py
"""
import time

import numpy as np
from scipy.optimize import approx_fprime, minimize

import numjac as nj


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_loss(w, features, labels, penalty=1e-2):
    """Mean log-loss of labels in {-1, 1}, plus an L2 penalty."""
    margins = labels * (features @ w)
    return np.mean(np.logaddexp(0.0, -margins)) + 0.5 * penalty * np.sum(w * w)


def logistic_data(samples, features, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features))
    w_true = rng.normal(size=features)
    noise = rng.logistic(size=samples)
    return x, np.where(x @ w_true + noise > 0, 1.0, -1.0)


def hessian_vector_product(f):
    """``hessp(x, p, *args)``: H(x) p as the jvp of the gradient (forward over
    reverse), never forming H.  One jit around it: the inner lambda is made
    on each trace, but tracing happens once per signature."""
    gradient = nj.grad(f)

    def hessp(x, p, *args):
        return nj.jvp(lambda y: gradient(y, *args), (x,), (p,))[1]
    return nj.jit(hessp)


def finite_difference_hessian(gradient):
    """The Hessian as forward differences of the gradient (n + 1 gradients)."""
    def hess(x, *args):
        return approx_fprime(x, gradient, np.sqrt(np.finfo(float).eps), *args)
    return hess


class CountedCalls:
    """``fn`` counting its calls: SciPy's njev leaves out the gradients that
    a finite-difference Hessian of our own making evaluates."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


def configurations(f, grad):
    """(label, method, minimize keyword arguments) for each run; ``grad`` is
    the gradient to use, counting its calls."""
    hess, hessp = nj.hessian(f), hessian_vector_product(f)
    return [
        ("jac=grad", "BFGS", {"jac": grad}),
        ("jac=2-point", "BFGS", {}),
        ("jac=grad hess=hessian", "trust-exact", {"jac": grad, "hess": hess}),
        ("jac=grad hess=FD(grad)", "trust-exact",
         {"jac": grad, "hess": finite_difference_hessian(grad)}),
        ("jac=grad hessp=jvp(grad)", "Newton-CG", {"jac": grad, "hessp": hessp}),
        ("jac=grad hess=2-point", "Newton-CG", {"jac": grad, "hess": "2-point"}),
    ]


TOLERANCES = {"BFGS": {"gtol": 1e-9}, "trust-exact": {"gtol": 1e-9},
              "Newton-CG": {"xtol": 1e-12}}


def warm_up(runs, x0, args):
    """Trace and compile every numjac derivative once; returns the seconds."""
    start = time.perf_counter()
    for _, _, options in runs:
        for name, derivative in options.items():
            if name == "hessp":
                derivative(x0, x0, *args)
            elif callable(derivative):
                derivative(x0, *args)
    return time.perf_counter() - start


def compare(name, f, x0, args, quiet):
    """Every configuration from x0; they must all reach the same optimum."""
    grad = CountedCalls(nj.grad(f))
    runs = configurations(f, grad)
    results = {"compile_seconds": warm_up(runs, x0, args), "runs": {}}
    for label, method, options in runs:
        grad.calls = 0
        start = time.perf_counter()
        res = minimize(f, x0, args=args, method=method, options=TOLERANCES[method], **options)
        results["runs"][method, label] = {
            "x": res.x, "fun": float(res.fun), "nit": res.nit, "nfev": res.nfev,
            "grads": grad.calls, "nhev": res.get("nhev", 0),
            "seconds": time.perf_counter() - start}
    best = min(results["runs"].values(), key=lambda r: r["fun"])["x"]
    for (method, label), run in results["runs"].items():
        run["distance"] = float(np.max(np.abs(run["x"] - best)))
        # A finite-difference gradient stalls at about sqrt(eps) accuracy.
        if run["distance"] > (1e-4 if label == "jac=2-point" else 1e-6):
            raise RuntimeError(f"{name}: {method} with {label} stopped "
                               f"{run['distance']:.1e} away from the optimum")
    if not quiet:
        report(name, x0.shape[0], results)
    return results


def report(name, size, results):
    print(f"{name} (n={size}); numjac trace + compile {results['compile_seconds']:.2f} s")
    print("  nfev: f evaluations (with a 2-point gradient's); grads: every call of\n"
          "  nj.grad(f) (with those of finite-difference Hessians); nhev: Hessian or\n"
          "  Hessian-vector product evaluations")
    print(f"  {'method':11} {'derivatives':26} {'nit':>5} {'nfev':>6} {'grads':>6} "
          f"{'nhev':>5} {'time [s]':>9} {'|x - x*|':>9}")
    for (method, label), r in results["runs"].items():
        print(f"  {method:11} {label:26} {r['nit']:5d} {r['nfev']:6d} {r['grads']:6d} "
              f"{r['nhev']:5d} {r['seconds']:9.3f} {r['distance']:9.1e}")


def main(n=100, samples=1000, features=20, quiet=False):
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-0.5, 1.5, size=n)
    data = logistic_data(samples, features)
    return {
        "rosenbrock": compare("Rosenbrock", rosenbrock, x0, (), quiet),
        "logistic": compare("Logistic regression", logistic_loss, np.zeros(features),
                            data, quiet),
    }


if __name__ == "__main__":
    main()
