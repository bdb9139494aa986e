"""The indexing primitives' rules (take, scatter_add) and the errors and
special cases of x[key]."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives import indexing as I
from tests.rule_checks import check_every_batching, check_every_transpose, check_jvp

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(5, 7))
_IDX = np.array([[0, -1, 3], [2, 2, 6]])

RULE_CASES = {
    "take": (I.take_p, [_X, _IDX], dict(axis=1)),
    "take-axis0-repeated": (I.take_p, [_X, np.array([4, -5, 4, 0])], dict(axis=0)),
    "take-0d-index": (I.take_p, [_X, np.array(-2)], dict(axis=1)),
    "scatter_add": (I.scatter_add_p, [_IDX, _RNG.normal(size=(5, 2, 3))], dict(axis=1, size=7)),
    "scatter_add-axis0": (I.scatter_add_p, [np.array([1, -1, 1]), _RNG.normal(size=(3, 2))],
                          dict(axis=0, size=4)),
}


@pytest.mark.parametrize("case", RULE_CASES, ids=str)
def test_jvp_rule_matches_finite_differences(case):
    prim, args, params = RULE_CASES[case]
    check_jvp(prim, args, params)


@pytest.mark.parametrize("case", RULE_CASES, ids=str)
def test_transpose_rule_satisfies_inner_product_identity(case):
    check_every_transpose(*RULE_CASES[case])


@pytest.mark.parametrize("case", RULE_CASES, ids=str)
def test_batch_rule_matches_a_loop(case):
    """Batched and unbatched index arrays, with batched and unbatched data."""
    check_every_batching(*RULE_CASES[case])


def test_scatter_add_accumulates_repeated_indices():
    out = I._scatter_add_impl(np.array([1, 1, -1]), np.array([1.0, 2.0, 4.0]), axis=0, size=3)
    np.testing.assert_array_equal(out, [0.0, 3.0, 4.0])


# -- what getitem emits ------------------------------------------------------------------

def test_several_index_arrays_are_one_gather():
    ir = str(nj.make_ir(lambda x: x[[0, 1], :, [2, 0]])(np.zeros((2, 3, 4))))
    assert ir.count("take[") == 1


def test_constant_indices_are_folded_at_trace_time():
    ir = nj.make_ir(lambda x: x[[0, 1], [2, -1]])(np.zeros((2, 3)))
    assert [e.prim.name for e in ir.eqns] == ["reshape", "take"]


def test_traced_index_gradient_scatters_into_repeated_positions():
    def f(x, i):
        return np.sum(x[i] * np.array([1.0, 2.0, 4.0]))
    grad = nj.grad(f)(np.arange(4.0), np.array([1, 1, -1]))
    np.testing.assert_array_equal(grad, [0.0, 3.0, 0.0, 4.0])


# -- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, error", [
    (lambda x: x[2], IndexError),
    (lambda x: x[-3], IndexError),
    (lambda x: x[0, 5], IndexError),
    (lambda x: x[[0, 2]], IndexError),
    (lambda x: x[:, [-4]], IndexError),
    (lambda x: x[0, 0, 0], IndexError),
    (lambda x: x[..., 0, ...], IndexError),
    (lambda x: x[1.0], IndexError),
    (lambda x: x[[0.0, 1.0]], IndexError),
    (lambda x: x[[0, 1], [0, 1, 2]], IndexError),
    (lambda x: x[np.array([True, False, True])], IndexError),
    (lambda x: x[::0], ValueError),
])
def test_index_errors_match_numpy(fn, error):
    x = np.ones((2, 3))
    with pytest.raises(error):
        fn(x)
    with pytest.raises(error):
        nj.jit(fn)(x)


def test_out_of_range_int_message_names_axis_and_size():
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        nj.jit(lambda x: x[:, 3])(np.ones((2, 3)))


def test_traced_boolean_mask_suggests_where():
    with pytest.raises(nj.ConcretizationError, match=r"np\.where"):
        nj.jit(lambda x: x[x > 0])(np.ones(3))


def test_traced_float_index_is_an_index_error():
    with pytest.raises(IndexError, match="integer"):
        nj.jit(lambda x, i: x[i])(np.ones(3), np.array([0.0]))


def test_assignment_into_an_argument_is_unsupported():
    # Arrays made inside the function can be written: tests/frontend/test_inplace.py.
    def f(x):
        x[0] = 1.0
        return x
    with pytest.raises(nj.UnsupportedOperationError, match=r"argument .* x = x\.copy\(\)"):
        nj.jit(f)(np.ones(3))


def test_scalar_boolean_index_is_unsupported():
    with pytest.raises(nj.UnsupportedOperationError):
        nj.jit(lambda x: x[True])(np.ones(3))


# -- static and traced positions -------------------------------------------------------------

def test_python_int_slice_bounds_specialize():
    f = nj.jit(lambda x, i: x[i:])
    x = np.arange(5.0)
    for i in (1, 3, -2):
        np.testing.assert_array_equal(f(x, i), x[i:])


def test_python_int_index_is_traced_not_specialized():
    f = nj.jit(lambda x, i: x[i])
    x = np.arange(5.0)
    for i in (1, 3, -2):
        np.testing.assert_array_equal(f(x, i), x[i])
    assert "take" in str(nj.make_ir(lambda x, i: x[i])(x, 1))
