"""Reductions beyond the OP_SPECS rows: each rule of each reduction
primitive on its own (jvp against finite differences at ties and zeros,
transpose by the inner-product identity, batching against a loop), the
errors for arguments numjac does not trace, and NumPy's errors."""
import re

import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives import reductions as R
from tests.rule_checks import check_batch, check_jvp, check_transpose

RNG = np.random.default_rng(0)
MATRIX = RNG.normal(size=(3, 4))
CUBE = RNG.normal(size=(2, 3, 4))
# Two-way ties in every row and column pair that a max or min picks: a
# central difference then measures the mean of the two tangents, which is
# what the jvp rule gives.
TIES = np.array([[3.0, 1.0, 3.0, -2.0], [0.5, 2.0, 2.0, -1.0], [-4.0, 1.0, -4.0, 0.0]])
ONE_ZERO = np.array([[1.5, 0.0, -2.0, 0.7], [0.3, 1.2, -0.8, 2.0]])
TWO_ZEROS = np.array([[0.0, 1.5, -2.0, 0.0], [0.0, 0.0, 0.5, 1.0]])


# -- jvp rules against central differences ------------------------------------------

JVP_CASES = [
    (R.reduce_sum_p, CUBE, {"axes": (0, 2)}),
    (R.reduce_max_p, CUBE, {"axes": (1,)}),
    (R.reduce_max_p, TIES, {"axes": (1,)}),
    (R.reduce_max_p, np.array([[1.0, 3.0], [3.0, 0.0]]), {"axes": (0, 1)}),
    (R.reduce_min_p, CUBE, {"axes": (0, 2)}),
    (R.reduce_min_p, TIES, {"axes": (1,)}),
    (R.reduce_prod_p, CUBE, {"axes": (0, 2)}),
    (R.reduce_prod_p, CUBE, {"axes": (0, 1, 2)}),
    (R.reduce_prod_p, ONE_ZERO, {"axes": (1,)}),
    (R.reduce_prod_p, TWO_ZEROS, {"axes": (1,)}),
    (R.reduce_prod_p, TWO_ZEROS, {"axes": (0, 1)}),
    (R.cumsum_p, CUBE, {"axis": 1, "reverse": False}),
    (R.cumsum_p, CUBE, {"axis": 2, "reverse": True}),
    (R.cumprod_p, CUBE, {"axis": 0}),
    (R.cumprod_p, CUBE, {"axis": 2}),
    (R.cumprod_p, ONE_ZERO, {"axis": 1}),
    (R.cumprod_p, TWO_ZEROS, {"axis": 1}),
    (R.cumprod_p, TWO_ZEROS.T, {"axis": 0}),
]


@pytest.mark.parametrize("prim, x, params", JVP_CASES,
                         ids=[f"{p.name}-{i}" for i, (p, _, _) in enumerate(JVP_CASES)])
def test_jvp_rule_matches_central_differences(prim, x, params):
    for seed in range(3):
        check_jvp(prim, [x], params, seed=seed)


def test_prod_derivative_at_a_zero_is_the_product_of_the_others():
    x = np.array([1.5, 0.0, -2.0, 0.7])
    np.testing.assert_allclose(nj.grad(np.prod)(x), [0.0, 1.5 * -2.0 * 0.7, 0.0, 0.0])
    second = nj.grad(lambda x: nj.grad(np.prod)(x)[1])(x)
    np.testing.assert_allclose(second, [-2.0 * 0.7, 0.0, 1.5 * 0.7, 1.5 * -2.0])


def test_max_splits_the_gradient_evenly_between_ties():
    np.testing.assert_allclose(nj.grad(np.max)(np.array([3.0, 1.0, 3.0, 3.0])),
                               [1 / 3, 0.0, 1 / 3, 1 / 3])
    np.testing.assert_allclose(nj.grad(lambda x: np.sum(np.min(x, axis=0)))(TIES),
                               [[0, 0.5, 0, 1], [0, 0, 0, 0], [1, 0.5, 1, 0]])


# -- transpose rules by the inner-product identity ----------------------------------

@pytest.mark.parametrize("prim, x, params", [
    (R.reduce_sum_p, CUBE, {"axes": (1,)}),
    (R.reduce_sum_p, CUBE, {"axes": (0, 2)}),
    (R.cumsum_p, CUBE, {"axis": 0, "reverse": False}),
    (R.cumsum_p, CUBE, {"axis": 1, "reverse": True}),
    (R.cumsum_p, MATRIX, {"axis": 1, "reverse": False}),
], ids=["sum-1", "sum-02", "cumsum-0", "cumsum-1-reverse", "cumsum-matrix"])
def test_transpose_rule_satisfies_inner_product_identity(prim, x, params):
    check_transpose(prim, [x], params)


# -- batching rules against a loop over the batch -----------------------------------

@pytest.mark.parametrize("prim, x, params", [
    (R.reduce_sum_p, CUBE, {"axes": (0, 2)}),
    (R.reduce_max_p, CUBE, {"axes": (1, 2)}),
    (R.reduce_min_p, CUBE, {"axes": (0,)}),
    (R.reduce_prod_p, CUBE, {"axes": (2,)}),
    (R.argmax_p, CUBE, {"axis": 1}),
    (R.argmin_p, CUBE, {"axis": 0}),
    (R.cumsum_p, CUBE, {"axis": 2, "reverse": True}),
    (R.cumprod_p, CUBE, {"axis": 1}),
    (R.reduce_max_p, np.arange(12).reshape(3, 4), {"axes": (0,)}),
], ids=["sum", "max", "min", "prod", "argmax", "argmin", "cumsum", "cumprod", "max-int"])
def test_batch_rule_matches_loop(prim, x, params):
    check_batch(prim, [x], [True], params)


# -- the IR: keepdims is a reshape, no-op reductions emit nothing --------------------

def _prims(f, *args):
    return [eqn.prim.name for eqn in nj.make_ir(f)(*args).eqns]


def test_keepdims_is_a_reshape_of_the_reduction():
    assert _prims(lambda x: np.sum(x, axis=1, keepdims=True), MATRIX) == ["reduce_sum", "reshape"]


def test_no_op_reductions_and_scans_emit_nothing():
    column = MATRIX[:, :1]
    assert _prims(lambda x: np.cumsum(x, axis=1), column) == []
    assert _prims(lambda x: np.cumprod(x, axis=1), column) == []
    assert _prims(lambda x: np.sum(x, axis=()), MATRIX) == []


def test_empty_like_has_the_requested_dtype_and_shape():
    out = nj.jit(lambda x: np.empty_like(x, dtype=np.int16, shape=(2, 5)))(MATRIX)
    assert out.dtype == np.int16 and out.shape == (2, 5)
    out = nj.jit(np.empty_like)(MATRIX.astype(np.float32))
    assert out.dtype == np.float32 and out.shape == (3, 4)


# -- arguments numjac does not trace --------------------------------------------------

UNSUPPORTED = [
    ("numpy.sum(out=...)", lambda x: np.sum(x, out=np.empty(()))),
    ("numpy.sum(initial=...)", lambda x: np.sum(x, initial=1.0)),
    ("numpy.sum(where=...)", lambda x: np.sum(x, where=x > 0)),
    ("numpy.prod(initial=...)", lambda x: np.prod(x, initial=2.0)),
    ("numpy.prod(where=...)", lambda x: x.prod(where=x > 0)),
    ("numpy.max(initial=...)", lambda x: np.max(x, initial=0.0)),
    ("numpy.max(where=...)", lambda x: np.amax(x, where=x > 0)),
    ("numpy.min(out=...)", lambda x: np.min(x, axis=0, out=np.empty(4))),
    ("numpy.mean(where=...)", lambda x: np.mean(x, where=x > 0)),
    ("numpy.mean(out=...)", lambda x: x.mean(axis=0, out=np.empty(4))),
    ("numpy.var(mean=...)", lambda x: np.var(x, mean=np.mean(x))),
    ("numpy.var(where=...)", lambda x: np.var(x, where=x > 0)),
    ("numpy.std(out=...)", lambda x: np.std(x, out=np.empty(()))),
    ("numpy.any(where=...)", lambda x: np.any(x, where=x > 0)),
    ("numpy.all(out=...)", lambda x: np.all(x, axis=1, out=np.empty(3, bool))),
    ("numpy.argmax(out=...)", lambda x: np.argmax(x, out=np.empty((), np.int64))),
    ("numpy.argmin(out=...)", lambda x: np.argmin(x, axis=0, out=np.empty(4, np.int64))),
    ("numpy.cumsum(out=...)", lambda x: np.cumsum(x, out=np.empty(12))),
    ("numpy.cumprod(out=...)", lambda x: np.cumprod(x, axis=0, out=np.empty((3, 4)))),
    ("numpy.clip(out=...)", lambda x: np.clip(x, 0, 1, out=np.empty((3, 4)))),
    ("numpy.clip(casting=...)", lambda x: np.clip(x, 0, 1, casting="unsafe")),
    ("numpy.where(condition) with one argument", lambda x: np.where(x > 0)),
    ("numpy.zeros_like(device='gpu')", lambda x: np.zeros_like(x, device="gpu")),
]


@pytest.mark.parametrize("name, f", UNSUPPORTED, ids=[name for name, _ in UNSUPPORTED])
def test_unsupported_arguments_name_the_function_and_argument(name, f):
    with pytest.raises(nj.UnsupportedOperationError, match=re.escape(name)):
        nj.jit(f)(MATRIX)


# -- NumPy's own errors -------------------------------------------------------------------

NUMPY_ERRORS = [
    (np.exceptions.AxisError, lambda x: np.sum(x, axis=2)),
    (np.exceptions.AxisError, lambda x: np.mean(x, axis=(0, -3))),
    (np.exceptions.AxisError, lambda x: np.argmax(x, axis=-3)),
    (np.exceptions.AxisError, lambda x: np.cumsum(x[0, 0], axis=1)),
    (ValueError, lambda x: np.max(x, axis=(0, -2))),
    (ValueError, lambda x: np.max(x[:0], axis=0)),
    (ValueError, lambda x: np.argmin(x[:, :0], axis=1)),
    (ValueError, lambda x: np.var(x, ddof=1, correction=1)),
    (ValueError, lambda x: np.where(x > 0, x)),
    (ValueError, lambda x: np.clip(x, 0, 1, min=0)),
    (TypeError, lambda x: np.clip(x, 0)),
    (TypeError, lambda x: np.sum(x, axis=[0])),
    (ValueError, lambda x: np.linalg.norm(x[0], "fro")),
    (ValueError, lambda x: np.linalg.norm(x, "bad")),
    (ValueError, lambda x: np.linalg.norm(x[None], 1)),
]


@pytest.mark.parametrize("error, f", NUMPY_ERRORS, ids=[str(i) for i in range(len(NUMPY_ERRORS))])
def test_bad_arguments_raise_what_numpy_raises(error, f):
    with pytest.raises(error):
        f(MATRIX)
    with pytest.raises(error):
        nj.jit(f)(MATRIX)


def test_traced_python_scalar_axis_and_ddof_specialize():
    f = nj.jit(lambda x, axis, ddof: np.std(x, axis=axis, ddof=ddof))
    np.testing.assert_allclose(f(MATRIX, 1, 1), np.std(MATRIX, axis=1, ddof=1))
    np.testing.assert_allclose(f(MATRIX, 0, 0), np.std(MATRIX, axis=0))
