"""A scan's jvp stores the residuals its tangent body needs instead of
recomputing them from stored carries (compiler/passes/scan_residuals.py):
the tangent and transposed bodies do no primal work, the values match the
unrolled trace, and the carries are stored instead where residuals would
take much more memory or where the scan is checkpointed."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives.elementwise import tanh_p
from numjac.compiler.primitives.loops import scan_p

from ..helpers import check_backends, check_grads

RNG = np.random.default_rng(3)
LAYERS = [(RNG.normal(size=(6, 6)) / 2.5, RNG.normal(size=6) * 0.1) for _ in range(8)]


def mlp(x):
    for w, b in LAYERS:
        x = np.tanh(w @ x + b)
    return x


def scans(ir):
    return [e for e in ir.eqns if e.prim is scan_p]


def prims_of(eqn) -> set:
    return {e.prim for e in eqn.params["body"].eqns}


def unrolled(transform, f, monkeypatch):
    monkeypatch.setenv("NUMJAC_REROLL", "0")
    return transform(lambda *args: f(*args))


@pytest.mark.parametrize("transform", [nj.jacrev, nj.jacfwd])
def test_tangent_scan_does_no_primal_work(transform):
    x = RNG.normal(size=6)
    final = transform(mlp).lower(x).stage("final")
    forward, tangent = scans(final)
    assert tanh_p in prims_of(forward) and tanh_p not in prims_of(tangent)
    # The forward scan stores 1 - tanh(.)**2, one row of 6 per layer.
    assert [v.type.shape for v in forward.outs] == [(6,), (8, 6)]


@pytest.mark.parametrize("transform", [nj.jacrev, nj.jacfwd, nj.hessian])
def test_values_match_the_unrolled_trace(transform, monkeypatch):
    x = RNG.normal(size=6)
    np.testing.assert_allclose(transform(mlp)(x), unrolled(transform, mlp, monkeypatch)(x),
                               rtol=1e-12, atol=1e-13)


def test_derivatives_and_backends():
    x = RNG.normal(size=6)
    check_grads(mlp, (x,), order=2)
    check_backends(nj.jacrev(mlp), (x,))


W = RNG.normal(size=(5, 5)) / 3


def big_residuals(xs, h0):
    """The tangent body needs ``1 - tanh(outer(h, x))**2`` (25 elements for
    a carry of 5)."""
    def step(h, x):
        return np.tanh(np.outer(h, x)).sum(axis=1) * 0.5 + W @ h * 0.1, None
    return nj.scan(step, h0, xs)[0]


def test_carries_are_stored_where_residuals_would_be_big():
    xs, h0 = RNG.normal(size=(4, 5)) / 2, RNG.normal(size=5) / 2
    final = nj.jacrev(big_residuals, argnums=1).lower(xs, h0).stage("final")
    forward = scans(final)[0]
    assert [v.type.shape for v in forward.outs] == [(5,), (4, 5)]
    assert tanh_p in prims_of(scans(final)[1])   # recomputed from the carry
    check_grads(big_residuals, (xs, h0), order=1)


def test_checkpointed_scan_stores_no_residuals_per_iteration():
    def loss(xs):
        return nj.scan(lambda h, x: (np.tanh(W @ h + x), None), np.ones(5), xs,
                       checkpoint=3)[0].sum()
    xs = RNG.normal(size=(9, 5))
    ir = nj.make_ir(nj.grad(loss))(xs)
    stored = [v.type.shape for e in scans(ir) for v in e.outs]
    assert (3, 5) in stored and (9, 5) not in stored
    check_grads(loss, (xs,), order=1)
