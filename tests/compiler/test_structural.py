"""The structural primitives' rules (slice, rev, concatenate, pad) and the
errors and specializations of the shape handlers."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives import structural as S
from tests.helpers import assert_ir
from tests.rule_checks import check_every_batching, check_every_transpose, check_jvp

_X = np.random.default_rng(0).normal(size=(5, 7))

RULE_CASES = {
    "slice": (S.slice_p, [_X], dict(start=(1, 2), limit=(4, 7), step=(1, 1))),
    "slice-strided": (S.slice_p, [_X], dict(start=(1, 0), limit=(5, 7), step=(2, 3))),
    "slice-stride-past-end": (S.slice_p, [_X], dict(start=(0, 1), limit=(4, 7), step=(4, 5))),
    "slice-empty": (S.slice_p, [_X], dict(start=(2, 0), limit=(2, 7), step=(1, 2))),
    "rev": (S.rev_p, [_X], dict(axes=(1,))),
    "rev-both": (S.rev_p, [_X], dict(axes=(0, 1))),
    "concatenate": (S.concatenate_p, [_X, _X[:, :2], _X[:, :1]], dict(axis=1)),
    "concatenate-axis0": (S.concatenate_p, [_X[:2], _X], dict(axis=0)),
    "pad": (S.pad_p, [_X], dict(low=(1, 0), high=(2, 3), value=0.0)),
    "pad-nonzero-value": (S.pad_p, [_X], dict(low=(0, 2), high=(1, 0), value=1.5)),
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
    check_every_batching(*RULE_CASES[case])


# -- what the handlers emit --------------------------------------------------------------

def test_basic_indexing_is_one_slice_one_rev_one_reshape():
    assert_ir(lambda x: x[1:, ::-2, None], [np.zeros((2, 3, 4))], """
        ir(a:f64[2,3,4]):
          b:f64[1,2,4] = slice[limit=(2, 3, 4), start=(1, 0, 0), step=(1, 2, 1)] a
          c:f64[1,2,4] = rev[axes=(1,)] b
          d:f64[1,2,1,4] = reshape[shape=(1, 2, 1, 4)] c
          return d
    """)


def test_roll_is_two_slices_joined():
    ir = str(nj.make_ir(lambda x: np.roll(x, 1, axis=1))(np.zeros((2, 3))))
    assert ir.count("slice[") == 2 and ir.count("concatenate[axis=1]") == 1


def test_diagonal_is_a_strided_slice_not_a_gather():
    ir = str(nj.make_ir(np.diagonal)(np.zeros((3, 4))))
    assert "take" not in ir and "step=(4,)" in ir


# -- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["reflect", "edge", "wrap"])
def test_pad_modes_other_than_constant_are_unsupported(mode):
    with pytest.raises(nj.UnsupportedOperationError, match=r"numpy\.pad\(mode="):
        nj.jit(lambda x: np.pad(x, 1, mode=mode))(np.ones(3))


def test_pad_rejects_what_numpy_rejects():
    with pytest.raises(ValueError, match="negative"):
        nj.jit(lambda x: np.pad(x, -1))(np.ones(3))
    with pytest.raises(TypeError, match="integral"):
        nj.jit(lambda x: np.pad(x, 1.5))(np.ones(3))
    with pytest.raises(ValueError, match="unsupported keyword"):
        nj.jit(lambda x: np.pad(x, 1, end_values=2))(np.ones(3))


def test_fortran_order_is_unsupported():
    with pytest.raises(nj.UnsupportedOperationError, match=r"numpy\.reshape\(order='F'\)"):
        nj.jit(lambda x: np.reshape(x, (3, 2), order="F"))(np.ones((2, 3)))
    with pytest.raises(nj.UnsupportedOperationError, match=r"numpy\.ravel"):
        nj.jit(lambda x: x.flatten("F"))(np.ones((2, 3)))


def test_out_arguments_are_unsupported():
    with pytest.raises(nj.UnsupportedOperationError, match=r"numpy\.concatenate\(out="):
        nj.jit(lambda x: np.concatenate([x, x], out=np.empty(6)))(np.ones(3))


@pytest.mark.parametrize("fn, error", [
    (lambda x: np.reshape(x, (4, -1)), ValueError),
    (lambda x: np.reshape(x, (-1, -1)), ValueError),
    (lambda x: np.split(x, 4), ValueError),
    (lambda x: np.concatenate([x, x[:1, :1]]), ValueError),
    (lambda x: np.concatenate([x[0, 0], x[0, 0]]), ValueError),
    (lambda x: np.fliplr(x[0]), ValueError),
    (lambda x: np.squeeze(x, 0), ValueError),
    (lambda x: np.broadcast_to(x, (3, 3)), ValueError),
    (lambda x: np.diag(x[None]), ValueError),
    (lambda x: np.diagonal(x, 0, 1, -1), ValueError),
    (lambda x: np.transpose(x, (0, 0)), ValueError),
    (lambda x: np.moveaxis(x, 0, 2), np.exceptions.AxisError),
    (lambda x: np.repeat(x, [1, 2], axis=1), ValueError),
    (lambda x: np.take(x, [0], mode="bad"), ValueError),
    (lambda x: np.concatenate([x, x.astype(np.int64)], dtype=np.int64), TypeError),
])
def test_errors_match_numpy(fn, error):
    x = np.ones((2, 3))
    with pytest.raises(error):
        fn(x)
    with pytest.raises(error):
        nj.jit(fn)(x)


def test_traced_repeat_counts_need_a_concrete_value():
    with pytest.raises(nj.ConcretizationError):
        nj.jit(lambda x, r: np.repeat(x, r))(np.ones(3), np.array(2))


def test_python_scalar_shift_and_axis_specialize():
    f = nj.jit(lambda x, shift, axis: np.roll(x, shift, axis))
    x = np.arange(12.0).reshape(3, 4)
    for shift, axis in [(1, 0), (-3, 1), (1, 0)]:
        np.testing.assert_array_equal(f(x, shift, axis), np.roll(x, shift, axis))


def test_traced_constant_values_need_a_concrete_value():
    with pytest.raises(nj.ConcretizationError):
        nj.jit(lambda x, c: np.pad(x, 1, constant_values=c))(np.ones(3), np.array(2.0))
    f = nj.jit(lambda x, c: np.pad(x, 1, constant_values=c))
    np.testing.assert_array_equal(f(np.ones(2), 3.0), [3.0, 1.0, 1.0, 3.0])
