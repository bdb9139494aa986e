"""Sparse Jacobians and Hessians with SciPy's solvers.

numjac reads the sparsity pattern of a derivative from the traced function
(``nj.jacobian_sparsity``, ``nj.hessian_sparsity``) and computes the
derivative compressed, as a ``scipy.sparse`` array (``nj.sparse_jacobian``,
``nj.sparse_hessian``): one jvp per group of columns sharing no row, all in
one compiled kernel.  Four uses:

1. ``solve_ivp`` (BDF, Radau) on the 1-D Brusselator with ``jac`` a sparse
   Jacobian, against SciPy's finite differences given ``jac_sparsity``;
2. ``least_squares(method="trf")`` on Broyden's tridiagonal system with a
   sparse Jacobian, against finite differences with ``jac_sparsity``;
3. ``minimize(method="trust-constr")`` on the Rosenbrock function with a
   sparse Hessian;
4. Newton's method on the 2-D Bratu problem (a 100 x 100 grid: 10^4
   unknowns), each step a sparse LU solve (``scipy.sparse.linalg.spsolve``).

    python examples/sparse.py
"""
import time

import numpy as np
import scipy.sparse.linalg
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares, minimize

import numjac as nj


# -- 1. a stiff reaction-diffusion system -------------------------------------------------

def brusselator(t, y):
    """u' = 1 + u^2 v - 4 u + alpha u_xx, v' = 3 u - u^2 v + alpha v_xx on
    n interior points of (0, 1), u = 1 and v = 3 at both ends."""
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    alpha, dx2 = 0.02, 1.0 / (n + 1) ** 2
    coupling = u * u * v
    u_xx = (np.pad(u, 1, constant_values=1.0)[:-2] - 2 * u
            + np.pad(u, 1, constant_values=1.0)[2:]) / dx2
    v_xx = (np.pad(v, 1, constant_values=3.0)[:-2] - 2 * v
            + np.pad(v, 1, constant_values=3.0)[2:]) / dx2
    return np.concatenate([1 + coupling - 4 * u + alpha * u_xx,
                           3 * u - coupling + alpha * v_xx])


def stiff_solves(n, quiet):
    x = np.arange(1, n + 1) / (n + 1)
    y0 = np.concatenate([1 + np.sin(2 * np.pi * x), np.full(n, 3.0)])
    jac = nj.sparse_jacobian(brusselator, argnums=1, format="csc")   # what BDF factors
    jac(0.0, y0)                  # trace, find the pattern, color and compile: once
    pattern = nj.jacobian_sparsity(brusselator, argnums=1)(0.0, y0)
    results = {"nnz": pattern.nnz, "size": pattern.shape[0]}
    for method in ("BDF", "Radau"):
        runs = {}
        for label, options in (("numjac", {"jac": jac}),
                               ("finite differences", {"jac_sparsity": pattern})):
            start = time.perf_counter()
            sol = solve_ivp(brusselator, (0.0, 10.0), y0, method=method, rtol=1e-6,
                            atol=1e-8, **options)
            runs[label] = {"y": sol.y[:, -1], "seconds": time.perf_counter() - start,
                           "njev": sol.njev, "success": sol.success}
        exact, finite = runs["numjac"], runs["finite differences"]
        runs["difference"] = float(np.max(np.abs(exact["y"] - finite["y"])))
        results[method] = runs
        if not quiet:
            print(f"solve_ivp {method}, Brusselator with {2 * n} unknowns, "
                  f"{pattern.nnz} nonzeros: numjac {exact['seconds']:.3f} s, finite "
                  f"differences {finite['seconds']:.3f} s, states differ by "
                  f"{runs['difference']:.1e}")
    return results


# -- 2. nonlinear least squares ------------------------------------------------------------

def broyden_tridiagonal(x):
    """Residuals (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1, x_0 = x_{n+1} = 0."""
    padded = np.pad(x, 1)
    return (3 - 2 * x) * x - padded[:-2] - 2 * padded[2:] + 1


def least_squares_fit(n, quiet):
    x0 = -np.ones(n)
    jac = nj.sparse_jacobian(broyden_tridiagonal)
    pattern = nj.jacobian_sparsity(broyden_tridiagonal)(x0)
    exact = least_squares(broyden_tridiagonal, x0, jac=jac, method="trf", xtol=1e-12)
    finite = least_squares(broyden_tridiagonal, x0, jac_sparsity=pattern, method="trf",
                           xtol=1e-12)
    results = {"cost": exact.cost, "njev": exact.njev, "nfev_exact": exact.nfev,
               "nfev_finite": finite.nfev, "difference": float(np.max(np.abs(exact.x - finite.x)))}
    if not quiet:
        print(f"least_squares trf, Broyden tridiagonal n={n}: cost {exact.cost:.1e}, "
              f"{exact.nfev} residual calls (finite differences: {finite.nfev})")
    return results


# -- 3. optimization with a sparse Hessian ---------------------------------------------------

def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def trust_region(n, quiet):
    x0 = np.zeros(n)
    result = minimize(rosenbrock, x0, method="trust-constr", jac=nj.grad(rosenbrock),
                      hess=nj.sparse_hessian(rosenbrock),
                      options={"gtol": 1e-10, "xtol": 1e-14, "maxiter": 5000})
    results = {"distance": float(np.max(np.abs(result.x - 1.0))), "nit": result.nit,
               "hessian_type": type(nj.sparse_hessian(rosenbrock)(x0)).__name__}
    if not quiet:
        print(f"minimize trust-constr, Rosenbrock n={n}: {result.nit} iterations, "
              f"max |x - 1| = {results['distance']:.1e}")
    return results


# -- 4. Newton's method on a 2-D PDE -------------------------------------------------------

def bratu_2d(u, lam):
    """-(u_xx + u_yy) - lam exp(u) on the interior of an m x m grid of the
    unit square, u = 0 on the boundary; u is the flattened interior."""
    m = int(round(u.shape[0] ** 0.5))
    h2 = 1.0 / (m + 1) ** 2
    grid = np.pad(u.reshape(m, m), 1)
    laplacian = (grid[:-2, 1:-1] + grid[2:, 1:-1] + grid[1:-1, :-2] + grid[1:-1, 2:]
                 - 4 * grid[1:-1, 1:-1]) / h2
    return (-laplacian - lam * np.exp(grid[1:-1, 1:-1])).ravel()


def newton_2d(m, quiet, lam=5.0, tolerance=1e-9):
    jac = nj.sparse_jacobian(bratu_2d)
    u = np.zeros(m * m)
    jac(u, lam)                   # trace, find the pattern, color and compile: once
    start = time.perf_counter()
    norms = []
    for _ in range(20):
        residual = bratu_2d(u, lam)
        norms.append(float(np.max(np.abs(residual))))
        if norms[-1] < tolerance:
            break
        u = u - scipy.sparse.linalg.spsolve(jac(u, lam).tocsc(), residual)
    seconds = time.perf_counter() - start
    results = {"unknowns": m * m, "steps": len(norms) - 1, "residuals": norms,
               "seconds": seconds, "u": u,
               "nnz": jac(u, lam).nnz}
    if not quiet:
        print(f"Newton on 2-D Bratu, {m * m} unknowns: {results['steps']} steps "
              f"in {seconds:.2f} s, residual "
              f"{norms[-1]:.1e}, max u = {u.max():.4f}")
    return results


def main(n=500, n_optimize=100, grid=100, quiet=False):
    """All four: ``n`` sizes the first two, ``n_optimize`` the third (SciPy's
    trust-constr takes hundreds of iterations), ``grid`` the 2-D problem."""
    return {"stiff": stiff_solves(n, quiet),
            "least_squares": least_squares_fit(n, quiet),
            "trust_region": trust_region(n_optimize, quiet),
            "newton_2d": newton_2d(grid, quiet)}


if __name__ == "__main__":
    main()
