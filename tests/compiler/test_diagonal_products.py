"""Products with a diagonal operand (a constant identity times a vector)
rewritten by fold as a scaling (compiler/passes/diagonal.py): the rewrite
happens where it should, never where the mask is not an identity, and the
interpreter gives the same values before and after."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.passes.simplify import simplify
from numjac.compiler.primitives import elementwise as E
from numjac.compiler.primitives import structural as S
from numjac.compiler.primitives.linalg import dot_general, dot_general_p
from numjac.runtime.interpreter import evaluate
from tests.helpers import check_backends

F64 = np.float64


def build(in_types, emit):
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in in_types]
        return builder.build([emit(*ins)])


def products(ir) -> int:
    return sum(eqn.prim is dot_general_p for eqn in ir.eqns)


def assert_same_values(ir, rewritten, in_types, seed=0):
    rng = np.random.default_rng(seed)
    args = [rng.normal(size=t.shape) for t in in_types]
    (expected,), (got,) = evaluate(ir, *args), evaluate(rewritten, *args)
    np.testing.assert_array_equal(got, expected)


def mask_times(factor, shape, k=0, scale=1.0):
    """An identity-like mask of ``shape`` (rows, cols; shifted by ``k``,
    times ``scale``) times ``factor``."""
    mask = S.eye(F64, *shape, k=k)
    if scale != 1.0:
        mask = E.mul(mask, scale)
    return E.mul(mask, factor)


# (factor type, which side the diagonal is on, contracted axis of the diagonal)
DIAGONALS = [
    (AType(F64, (5,)), "lhs", 1),       # jacrev's basis times an output's derivative
    (AType(F64, (5, 1)), "lhs", 1),     # the factor along the rows
    (AType(F64, ()), "lhs", 1),
    (AType(F64, (5,)), "rhs", 0),
    (AType(F64, (5, 1)), "rhs", 1),
    (AType(F64, (1, 5)), "lhs", 0),
]


@pytest.mark.parametrize("factor_type, side, axis", DIAGONALS)
def test_diagonal_product_becomes_a_scaling(factor_type, side, axis):
    other_type = AType(F64, (5, 3))
    in_types = (factor_type, other_type)

    def emit(s, x):
        diagonal = mask_times(s, (5, 5))
        if side == "lhs":
            return dot_general(diagonal, x, ((axis,), (0,)))
        return dot_general(S.transpose(x, (1, 0)), diagonal, ((1,), (axis,)))

    ir = build(in_types, emit)
    rewritten = simplify(ir)
    assert products(ir) == 1 and products(rewritten) == 0
    assert_same_values(ir, rewritten, in_types)


def test_diagonal_over_several_axes():
    """A basis over a matrix output: (2, 3) rows against (2, 3) columns."""
    in_types = (AType(F64, (2, 3)), AType(F64, (2, 3, 4)))

    def emit(s, x):
        mask = S.reshape(S.eye(F64, 6), (2, 3, 2, 3))
        return dot_general(E.mul(mask, s), x, ((2, 3), (0, 1)))

    ir = build(in_types, emit)
    rewritten = simplify(ir)
    assert products(rewritten) == 0
    assert_same_values(ir, rewritten, in_types)


@pytest.mark.parametrize("shape, k, scale, factor_shape", [
    ((5, 5), 1, 1.0, (5,)),        # shifted
    ((5, 5), 0, 2.0, (5,)),        # scaled
    ((5, 5), 0, 1.0, (5, 5)),      # a factor varying along both axes
])
def test_other_masks_stay_products(shape, k, scale, factor_shape):
    in_types = (AType(F64, factor_shape), AType(F64, (shape[1], 3)))

    def emit(s, x):
        return dot_general(mask_times(s, shape, k, scale), x, ((1,), (0,)))

    ir = build(in_types, emit)
    rewritten = simplify(ir)
    assert products(rewritten) == 1
    assert_same_values(ir, rewritten, in_types)


def test_mlp_jacrev_makes_one_matrix_product():
    rng = np.random.default_rng(1)
    W1, b1 = rng.normal(size=(12, 9)) / 3, rng.normal(size=12)
    W2, b2 = rng.normal(size=(7, 12)) / 3, rng.normal(size=7)

    def f(x):
        return np.tanh(W2 @ np.tanh(W1 @ x + b1) + b2)

    x = rng.normal(size=9)
    final = nj.jit(nj.jacrev(f)).lower(x).stages["final"]
    assert [eqn.outs[0].type.shape for eqn in final.eqns if eqn.prim is dot_general_p] \
        == [(12,), (7,), (7, 9)]
    h = np.tanh(W1 @ x + b1)
    y = np.tanh(W2 @ h + b2)
    expected = ((1 - y * y)[:, None] * W2 * (1 - h * h)) @ W1
    np.testing.assert_allclose(nj.jacrev(f)(x), expected, rtol=1e-13, atol=1e-15)
    check_backends(nj.jacrev(f), (x,))
