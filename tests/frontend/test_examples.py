"""The scripts in examples/ run on small sizes, and their checks hold."""
import importlib.util
import pathlib

import numpy as np
import pytest

import numjac as nj

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"numjac_example_{name}",
                                                  EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stiff_ode():
    return load("stiff_ode")


def test_stiff_ode_solutions_agree_with_finite_differences(stiff_ode):
    results = stiff_ode.main(n=10, quiet=True)
    for problem in ("robertson", "brusselator"):
        for method in ("BDF", "Radau"):
            run = results[problem][method]
            assert run["max_relative_difference"] < 1e-6, (problem, method)
            exact, finite = run["numjac"], run["finite_differences"]
            assert exact["rhs_calls"] == exact["nfev"]    # no hidden evaluations
            assert finite["rhs_calls"] > finite["nfev"]
        # Traced per kind of t (SciPy passes floats and np.float64), never per call.
        assert 1 <= results[problem]["traces"] <= 2
        assert results[problem]["Radau"]["numjac"]["njev"] > 2


def test_changing_float_time_does_not_retrace(stiff_ode):
    counted = stiff_ode.CountedTraces(stiff_ode.robertson)
    jacobian = nj.jacfwd(counted, argnums=1)
    y = np.array([0.9, 1e-5, 0.1])
    blocks = [jacobian(t, y) for t in (0.0, 0.5, 1e3, 2.5e4)]
    assert counted.traces == 1
    assert all(np.array_equal(b, blocks[0]) for b in blocks)
    assert np.allclose(blocks[0][2], [0.0, 2 * 3e7 * 1e-5, 0.0])


def test_optimize_reaches_the_same_optimum():
    results = load("optimize").main(n=10, samples=60, features=4, quiet=True)
    for problem in ("rosenbrock", "logistic"):
        for (method, label), run in results[problem]["runs"].items():
            # A finite-difference gradient stalls at about sqrt(eps) accuracy.
            tolerance = 1e-4 if label == "jac=2-point" else 1e-6
            assert run["distance"] < tolerance, (problem, method, label)
    best = min(results["rosenbrock"]["runs"].values(), key=lambda r: r["fun"])
    assert np.allclose(best["x"], 1.0, atol=1e-8)
    runs = results["rosenbrock"]["runs"]
    assert runs["BFGS", "jac=2-point"]["nfev"] > 5 * runs["BFGS", "jac=grad"]["nfev"]


def test_newton_converges_and_never_retraces():
    results = load("newton").main(n=20, quiet=True)
    assert max(results["residual"]) < 1e-9
    assert max(results["error"]) < 5e-3            # O(h^2) discretization error
    for name in ("made once", "made anew"):
        assert results[name]["new_traces"] == 0
        assert max(results[name]["steps"]) <= 6
    assert results["made once"]["steps"] == results["made anew"]["steps"]
    assert results["traces"] == 2                  # jit(F) and jacfwd(F), once each


def test_per_example_grads_match_the_loop():
    results = load("per_example_grads").main(n=6, inputs=3, hidden=5, quiet=True)
    assert results["max_difference"] < 1e-12
    assert results["shapes"] == {"w1": (6, 3, 5), "b1": (6, 5), "w2": (6, 5), "b2": (6,)}


def test_fresh_lambda_over_a_changing_float_shares_one_kernel():
    """API.md: 'even a fresh lambda costs a trace, never a compile'.  A
    closed-over Python float is an IR input, so the torch.func idiom
    jacfwd(lambda y: f(t, y)) gives one IR (one kernel) for every t."""
    y = np.linspace(0.0, 1.0, 3)
    # Kernels are shared by the printed IR (runtime/cache.py kernel_key).
    irs = {str(nj.jacfwd(lambda v: np.sin(v) * t).lower(y).ir) for t in (0.5, 1.5)}
    assert len(irs) == 1, irs
    for t in (0.5, 1.5):
        np.testing.assert_allclose(nj.jacfwd(lambda v: np.sin(v) * t)(y),
                                   np.diag(np.cos(y) * t))


def test_parameter_sweep_on_a_local_cluster_equals_the_local_sweep():
    pytest.importorskip("distributed", reason="the example needs numjac[distributed]")
    remote, local = load("parameter_sweep").main(n=8, samples=12, chunk_size=5, workers=1,
                                                 quiet=True)
    assert remote.shape == (12, 8, 8)
    np.testing.assert_array_equal(remote, local)

def test_sparse_examples_agree_with_finite_differences_and_converge():
    results = load("sparse").main(n=40, n_optimize=10, grid=100, quiet=True)
    stiff = results["stiff"]
    assert stiff["nnz"] == 2 * 40 * 3 - 4 + 2 * 40       # tridiagonal blocks + coupling
    for method in ("BDF", "Radau"):
        assert stiff[method]["numjac"]["success"] and stiff[method]["difference"] < 1e-5
        assert stiff[method]["numjac"]["njev"] >= 1
    fit = results["least_squares"]
    assert fit["cost"] < 1e-16 and fit["difference"] < 1e-8
    assert fit["nfev_exact"] <= fit["nfev_finite"]
    assert results["trust_region"]["distance"] < 1e-8
    assert results["trust_region"]["hessian_type"] == "csr_array"
    newton = results["newton_2d"]
    assert newton["unknowns"] == 10 ** 4 and newton["residuals"][-1] < 1e-9
    assert newton["steps"] <= 6                      # quadratic convergence
    assert newton["nnz"] == 5 * 10 ** 4 - 4 * 100    # the 5-point stencil
    u = newton["u"].reshape(100, 100)
    assert np.allclose(u, u.T) and np.allclose(u, u[::-1])      # the problem's symmetry
