"""Re-rolled Python loops under the transforms and on Numba: derivatives
against finite differences and against the unrolled trace (NUMJAC_REROLL=0),
vmap against a Python loop, Numba against the interpreter."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives.loops import scan_p

from ..helpers import check_backends, check_grads, check_vmap
from .reroll_programs import l96_rk4, newcomer_rhs, recurrence, rows_written_backwards


def rk4_5(x):
    return l96_rk4(x, 5)


def rk4_2(x):
    """Two steps: a block large enough to re-roll at 2 iterations."""
    return l96_rk4(x, 2)


def accumulate(x, y):
    """Carries, consts, a moving slice and a per-iteration output."""
    total, rows = x[:3], []
    for i in range(6):
        total = np.tanh(total) * y[i:i + 3] + x[i]
        rows.append(total)
    return total, np.stack(rows)


RNG = np.random.default_rng(7)
CASES = {
    "rk4": (rk4_5, (RNG.normal(size=40),)),
    "rk4_2": (rk4_2, (RNG.normal(size=40),)),
    "stencil": (newcomer_rhs, (RNG.normal(size=12),)),
    "accumulate": (accumulate, (RNG.normal(size=8), RNG.normal(size=9))),
    "recurrence": (recurrence, (RNG.normal(size=9),)),
    "rows": (rows_written_backwards, (RNG.normal(size=8),)),
}


def unrolled(transform, f, monkeypatch):
    """``transform(f)`` traced with re-rolling off (a new wrapper, so no
    cached trace is reused)."""
    monkeypatch.setenv("NUMJAC_REROLL", "0")
    return transform(lambda *args: f(*args))


@pytest.mark.parametrize("name", CASES)
def test_the_loop_is_a_scan_in_the_final_ir(name):
    f, args = CASES[name]
    final = nj.jacrev(f).lower(*args).stage("final")
    assert any(e.prim is scan_p for e in final.eqns)


@pytest.mark.parametrize("transform", [nj.jacrev, nj.jacfwd, nj.hessian])
@pytest.mark.parametrize("name", ["rk4", "rk4_2", "stencil", "recurrence", "rows"])
def test_derivatives_match_the_unrolled_trace(name, transform, monkeypatch):
    f, args = CASES[name]
    rolled = transform(f)(*args)
    plain = unrolled(transform, f, monkeypatch)(*args)
    np.testing.assert_allclose(rolled, plain, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_derivatives_match_finite_differences(name):
    f, args = CASES[name]
    check_grads(f, args, order=2)


@pytest.mark.parametrize("name", CASES)
def test_vmap_matches_a_python_loop(name):
    f, args = CASES[name]
    batch = tuple(np.stack([a, a * 0.5, -a]) for a in args)
    check_vmap(f, 0, batch)


@pytest.mark.parametrize("transform", [nj.jit, nj.jacrev])
@pytest.mark.parametrize("name", CASES)
def test_numba_matches_the_interpreter(name, transform):
    f, args = CASES[name]
    check_backends(transform(f), args)
