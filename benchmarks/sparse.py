"""Sparse derivatives against their peers, in one process:

    python -m benchmarks.sparse           # also: python -m benchmarks --only sparse

1. the Brusselator's 2000 x 2000 Jacobian (n=1000, 8,000 nonzeros):
   ``nj.sparse_jacobian`` (a CSR array, and its data only) against CasADi's
   SX sparse Jacobian function (``ca.Function`` of ``ca.jacobian``) and
   JAX's dense ``jit(jacfwd)``;
2. a 500-point reaction-diffusion system (Fisher-KPP) solved with SciPy's
   BDF: ``jac=nj.sparse_jacobian`` against SciPy's finite differences with
   ``jac_sparsity``, and the dense ``nj.jacfwd``;
3. dense outputs of sparse derivatives: the Rosenbrock n=100 Hessian and
   the Lorenz-96 n=40 Jacobian against hand-written Numba
   (benchmarks/handwritten.py), and the Rosenbrock n=1000 Hessian against
   JAX's ``jit(hessian)``; numjac's plain batched path (``chunk_size`` set,
   which keeps the dense basis) is measured alongside, in the same run.

Each group's cases are timed in turns, and each row is the best of 51
rounds of about 3 ms each (per call: short rounds, so that on a shared
machine some fall between other jobs' time slices, for every case alike);
the solves are the median of 5 runs, in turns.  The load average is
printed before and after.  The
targets of issue 14 are printed with the ratios.  Peers that are not installed are
skipped (``pip install -e '.[bench]'``).
"""
from __future__ import annotations

import os
import time

import numpy as np
from scipy.integrate import solve_ivp

from . import handwritten
from .timing import format_seconds, per_call_median

os.environ.pop("NUMJAC_BACKEND", None)      # numjac on Numba
import numjac as nj  # noqa: E402

PLAIN = 10 ** 9     # a chunk_size covering the basis: jacfwd's dense batched path


# -- the functions -----------------------------------------------------------------------

def brusselator(y):
    """The 1-D Brusselator on n points, u = 1, v = 3 at both ends."""
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    alpha, dx2 = 0.02, 1.0 / (n + 1) ** 2
    coupling = u * u * v
    up, vp = np.pad(u, 1, constant_values=1.0), np.pad(v, 1, constant_values=3.0)
    return np.concatenate([1 + coupling - 4 * u + alpha * (up[:-2] - 2 * u + up[2:]) / dx2,
                           3 * u - coupling + alpha * (vp[:-2] - 2 * v + vp[2:]) / dx2])


def brusselator_xp(xp, y):
    """The same with the array module ``xp`` (jax.numpy)."""
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    alpha, dx2 = 0.02, 1.0 / (n + 1) ** 2
    coupling = u * u * v
    up = xp.concatenate([xp.ones(1), u, xp.ones(1)])
    vp = xp.concatenate([3 * xp.ones(1), v, 3 * xp.ones(1)])
    return xp.concatenate([1 + coupling - 4 * u + alpha * (up[:-2] - 2 * u + up[2:]) / dx2,
                           3 * u - coupling + alpha * (vp[:-2] - 2 * v + vp[2:]) / dx2])


def brusselator_casadi(ca, n):
    """CasADi's SX expression of the Jacobian, as a Function of y."""
    y = ca.SX.sym("y", 2 * n)
    u, v = y[:n], y[n:]
    alpha, dx2 = 0.02, 1.0 / (n + 1) ** 2
    coupling = u * u * v
    up = ca.vertcat(1.0, u, 1.0)
    vp = ca.vertcat(3.0, v, 3.0)
    rhs = ca.vertcat(1 + coupling - 4 * u + alpha * (up[:-2] - 2 * u + up[2:]) / dx2,
                     3 * u - coupling + alpha * (vp[:-2] - 2 * v + vp[2:]) / dx2)
    return ca.Function("brusselator_jacobian", [y], [ca.jacobian(rhs, y)])


def fisher_kpp(t, u):
    """u_t = u_xx + u (1 - u) on 500 points of (0, 50), no flux at the ends."""
    dx = 50.0 / (u.shape[0] - 1)
    padded = np.concatenate([u[:1], u, u[-1:]])
    return (padded[2:] - 2.0 * u + padded[:-2]) / dx ** 2 + u * (1.0 - u)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def lorenz96(x):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0


# -- peers that may be missing ------------------------------------------------------------

def _jax():
    try:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def _casadi():
    try:
        import casadi
    except ImportError:
        return None
    return casadi


# -- the measurements --------------------------------------------------------------------

def checked(name, call, reference, to_dense=np.asarray):
    """``(name, call)`` after checking ``call()`` against the dense ``reference``."""
    if reference is not None:
        got = to_dense(call())
        if not np.allclose(got, reference, rtol=1e-9, atol=1e-9):
            raise AssertionError(f"{name}: result differs from the reference")
    return name, call


def interleaved(cases, rounds=51, budget=0.003):
    """[(name, seconds per call)]: the cases timed in turns, in a new order
    each round (a batch of about ``budget`` seconds each), so that the load
    of a shared machine falls on all of them alike; the best round of each
    (the median over rounds is noisier here, where other jobs come and go)."""
    numbers = []
    for _, call in cases:
        call()
        per_call = min(per_call_median(call, repeats=1, budget=budget / 4), budget)
        numbers.append(max(1, int(budget / max(per_call, 1e-9))))
    best = [float("inf")] * len(cases)
    order = np.random.default_rng(0)
    for _ in range(rounds):
        for k in order.permutation(len(cases)):     # no case always follows another
            call, number = cases[k][1], numbers[k]
            start = time.perf_counter()
            for _ in range(number):
                call()
            best[k] = min(best[k], (time.perf_counter() - start) / number)
    return [(name, seconds) for (name, _), seconds in zip(cases, best)]


def brusselator_rows(n=1000):
    y = np.random.default_rng(0).uniform(0.5, 1.5, 2 * n)
    reference = nj.sparse_jacobian(brusselator)(y).toarray()
    sparse = nj.sparse_jacobian(brusselator)
    data = nj.sparse_jacobian(brusselator, data_only=True)
    cases = [checked("numjac sparse_jacobian (CSR)", lambda: sparse(y), reference,
                     lambda j: j.toarray()),
             checked("numjac sparse_jacobian (data)", lambda: data(y), None)]
    ca = _casadi()
    if ca is not None:
        function = brusselator_casadi(ca, n)
        cases.append(checked("CasADi SX jacobian call", lambda: function(y), reference,
                             lambda j: np.asarray(ca.DM(j).full())))
    jax = _jax()
    if jax is not None:
        jacfwd = jax.jit(jax.jacfwd(lambda z: brusselator_xp(jax.numpy, z)))
        yj = jax.device_put(y)
        cases.append(checked("JAX jit(jacfwd), dense",
                             lambda: jacfwd(yj).block_until_ready(), reference))
    return interleaved(cases)


def bdf_rows(n=500, repeats=5):
    x = np.linspace(0.0, 50.0, n)
    u0 = np.exp(-x ** 2)
    fun = nj.jit(fisher_kpp)
    pattern = nj.jacobian_sparsity(fisher_kpp, argnums=1)(0.0, u0)
    # CSC: what BDF converts its Jacobian to (splu) on every evaluation.
    sparse_jac = nj.sparse_jacobian(fisher_kpp, argnums=1, format="csc")
    cases = {"numjac sparse_jacobian jac": dict(jac=sparse_jac),
             "SciPy finite differences + jac_sparsity": dict(jac_sparsity=pattern),
             "numjac jacfwd jac (dense)": dict(jac=nj.jacfwd(fisher_kpp, argnums=1))}
    for options in cases.values():      # compile everything before timing
        if "jac" in options:
            options["jac"](0.0, u0)
    fun(0.0, u0)
    seconds = {name: [] for name in cases}
    finals = {}
    for _ in range(repeats):            # alternate the cases, median of each
        for name, options in cases.items():
            start = time.perf_counter()
            sol = solve_ivp(fun, (0.0, 20.0), u0, method="BDF", rtol=1e-6, atol=1e-9,
                            **options)
            seconds[name].append(time.perf_counter() - start)
            finals[name] = sol.y[:, -1]
    first = next(iter(finals.values()))
    for name, final in finals.items():
        if not np.allclose(final, first, atol=1e-5):
            raise AssertionError(f"{name}: the solution differs")
    return [(name, float(np.median(s))) for name, s in seconds.items()]


def dense_rows():
    rng = np.random.default_rng(0)
    rows = {}
    x100, x40, x1000 = rng.normal(size=100), rng.normal(size=40), rng.normal(size=1000)
    # Each transform made once, as a program would (making one costs a lookup).
    hessian = nj.hessian(rosenbrock)
    plain_hessian = nj.jacfwd(nj.jacrev(rosenbrock), chunk_size=PLAIN)
    jacobian = nj.jacfwd(lorenz96)
    plain_jacobian = nj.jacfwd(lorenz96, chunk_size=PLAIN)
    groups = {
        "Rosenbrock n=100 hessian": [
            ("numjac hessian", lambda: hessian(x100)),
            ("numjac plain batched path", lambda: plain_hessian(x100)),
            ("Numba (by hand)", lambda: handwritten.rosenbrock_hessian(x100))],
        "Lorenz-96 n=40 jacfwd": [
            ("numjac jacfwd", lambda: jacobian(x40)),
            ("numjac plain batched path", lambda: plain_jacobian(x40)),
            ("Numba (by hand)", lambda: handwritten.lorenz96_jacobian(x40))],
        "Rosenbrock n=1000 hessian": [
            ("numjac hessian", lambda: hessian(x1000)),
            ("numjac plain batched path", lambda: plain_hessian(x1000))],
    }
    jax = _jax()
    if jax is not None:
        jax_hessian = jax.jit(jax.hessian(lambda z: jax.numpy.sum(
            100.0 * (z[1:] - z[:-1] ** 2) ** 2 + (1.0 - z[:-1]) ** 2)))
        xj = jax.device_put(x1000)
        groups["Rosenbrock n=1000 hessian"].append(
            ("JAX jit(hessian)", lambda: jax_hessian(xj).block_until_ready()))
    for title, cases in groups.items():
        reference = np.asarray(cases[0][1]())
        rows[title] = interleaved([checked(name, call, reference) for name, call in cases])
    return rows


TARGETS = [
    ("Brusselator", "numjac sparse_jacobian (CSR)", "CasADi SX jacobian call", 0.1),
    ("Brusselator", "numjac sparse_jacobian (CSR)", "JAX jit(jacfwd), dense", 0.01),
    ("BDF", "numjac sparse_jacobian jac", "SciPy finite differences + jac_sparsity", 1.0),
    ("Rosenbrock n=100 hessian", "numjac hessian", "Numba (by hand)", 2.0),
    ("Lorenz-96 n=40 jacfwd", "numjac jacfwd", "Numba (by hand)", 2.0),
    ("Rosenbrock n=1000 hessian", "numjac hessian", "JAX jit(hessian)", 1.0),
]


def print_group(title, rows):
    print(f"\n{title}")
    base = rows[0][1]
    for name, seconds in rows:
        print(f"  {name:42s} {format_seconds(seconds):>12s}   numjac/this {base / seconds:7.3f}")


def main():
    print("load average at the start: %.2f %.2f %.2f" % os.getloadavg())
    groups = {"Brusselator": brusselator_rows(), "BDF": bdf_rows()}
    groups.update(dense_rows())
    titles = {"Brusselator": "Brusselator n=1000: 2000 x 2000 Jacobian, 8000 nonzeros",
              "BDF": "Fisher-KPP, 500 points: solve_ivp(BDF) to t=20, whole solve"}
    for key, rows in groups.items():
        print_group(titles.get(key, key), rows)
    print("\nissue 14 targets (numjac / peer)")
    for group, ours, theirs, target in TARGETS:
        times = dict(groups[group])
        if theirs not in times:
            print(f"  {group}: {theirs} not installed")
            continue
        ratio = times[ours] / times[theirs]
        verdict = "met" if ratio < target else "NOT met"
        print(f"  {group}: {ours} / {theirs} = {ratio:.3f} (target < {target}): {verdict}")
    print("load average at the end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
