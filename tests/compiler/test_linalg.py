"""dot_general's rules (jvp, transpose, batching, shape errors) checked on
small IRs, and the product handlers' error paths."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.primitives.linalg import dot_general, dot_general_p
from numjac.compiler.rules import (UndefinedPrimal, Zero, batch_rules, impls, jvp_rules,
                                   linear_primitives, transpose_rules)
from numjac.runtime.interpreter import evaluate

# (name, lhs shape, rhs shape, contract, batch)
CASES = [
    ("matmul", (2, 3), (3, 4), ((1,), (0,)), ((), ())),
    ("batched", (5, 2, 3), (5, 3, 4), ((2,), (1,)), ((0,), (0,))),
    ("batch-not-leading", (2, 5, 3), (3, 4, 5), ((2,), (0,)), ((1,), (2,))),
    ("two-contracted-permuted", (2, 3, 4), (4, 5, 3), ((1, 2), (2, 0)), ((), ())),
    ("two-batch-permuted", (2, 3, 4, 5), (3, 5, 2, 6), ((3,), (1,)), ((0, 1), (2, 0))),
    ("outer", (2,), (3,), ((), ()), ((), ())),
    ("scalar-lhs", (), (2, 3), ((), ()), ((), ())),
    ("full-contraction", (2, 3), (3, 2), ((0, 1), (1, 0)), ((), ())),
]
CASE_IDS = [c[0] for c in CASES]


def reference(lhs, rhs, contract, batch):
    """dot_general by np.einsum with integer labels, independent of the impl."""
    (lc, rc), (lb, rb) = contract, batch
    lhs_labels = list(range(lhs.ndim))
    rhs_labels = list(range(lhs.ndim, lhs.ndim + rhs.ndim))
    for a, b in zip(lc + lb, rc + rb):
        rhs_labels[b] = lhs_labels[a]
    out = ([lhs_labels[a] for a in lb]
           + [l for a, l in enumerate(lhs_labels) if a not in lc + lb]
           + [l for b, l in enumerate(rhs_labels) if b not in rc + rb])
    return np.einsum(lhs, lhs_labels, rhs, rhs_labels, out)


def run(fn, arrays):
    """Build an IR whose inputs have the types of ``arrays`` and whose
    outputs are what ``fn`` returns for the input vars; evaluate it."""
    builder = Builder()
    with builder:
        ins = [builder.new_input(AType(a.dtype, a.shape)) for a in arrays]
        ir = builder.build(list(fn(*ins)))
    return evaluate(ir, *arrays)


def random(shape, seed, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_impl_matches_einsum_and_keeps_dtype(case, dtype):
    _, ls, rs, contract, batch = case
    lhs, rhs = random(ls, 0, dtype), random(rs, 1, dtype)
    got = impls[dot_general_p](lhs, rhs, contract=contract, batch=batch)
    expected = reference(lhs, rhs, contract, batch)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    (traced,) = run(lambda l, r: [dot_general(l, r, contract, batch)], [lhs, rhs])
    assert traced.shape == expected.shape and traced.dtype == np.dtype(dtype)


def test_dot_general_is_a_linear_primitive_with_every_rule():
    assert dot_general_p in linear_primitives
    for registry in (jvp_rules, transpose_rules, batch_rules, impls):
        assert dot_general_p in registry


# ------------------------------------------------------------------- jvp ----

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("which", ["both", "lhs", "rhs"])
def test_jvp_matches_central_differences(case, which):
    _, ls, rs, contract, batch = case
    lhs, rhs, tl, tr = random(ls, 0), random(rs, 1), random(ls, 2), random(rs, 3)
    if which == "lhs":
        tr = np.zeros_like(tr)
    if which == "rhs":
        tl = np.zeros_like(tl)

    def jvp(l, r, t_l, t_r):
        tangents = [Zero(t_l.type) if which == "rhs" else t_l,
                    Zero(t_r.type) if which == "lhs" else t_r]
        return jvp_rules[dot_general_p]([l, r], tangents, contract=contract, batch=batch)

    out, tangent = run(jvp, [lhs, rhs, tl, tr])
    eps = 1e-4
    plus = reference(lhs + eps * tl, rhs + eps * tr, contract, batch)
    minus = reference(lhs - eps * tl, rhs - eps * tr, contract, batch)
    np.testing.assert_allclose(out, reference(lhs, rhs, contract, batch), rtol=1e-12)
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * eps), rtol=1e-7, atol=1e-9)


# ------------------------------------------------------------- transpose ----

def _transposed(ct_var, other_var, side, ls, rs, contract, batch):
    """The cotangent of the ``side`` operand from the transpose rule."""
    if side == "lhs":
        undefined = UndefinedPrimal(AType(np.float64, ls))
        cts = transpose_rules[dot_general_p](ct_var, undefined, other_var,
                                             contract=contract, batch=batch)
        assert cts[1] is None
        return cts[0]
    undefined = UndefinedPrimal(AType(np.float64, rs))
    cts = transpose_rules[dot_general_p](ct_var, other_var, undefined,
                                         contract=contract, batch=batch)
    assert cts[0] is None
    return cts[1]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("side", ["lhs", "rhs"])
def test_transpose_satisfies_inner_product_identity(case, side):
    # <ct, A t> == <A^T ct, t> where A is the product with the other operand fixed.
    _, ls, rs, contract, batch = case
    lhs, rhs = random(ls, 0), random(rs, 1)
    ct = random(reference(lhs, rhs, contract, batch).shape, 2)
    other, t = (rhs, lhs) if side == "lhs" else (lhs, rhs)

    def transpose(ct_var, other_var):
        return [_transposed(ct_var, other_var, side, ls, rs, contract, batch)]

    (ct_t,) = run(transpose, [ct, other])
    assert ct_t.shape == t.shape and ct_t.dtype == t.dtype
    forward = reference(t, rhs, contract, batch) if side == "lhs" else reference(
        lhs, t, contract, batch)
    np.testing.assert_allclose(np.sum(ct * forward), np.sum(ct_t * t), rtol=1e-12)


# -------------------------------------------------------------- batching ----

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("batched", [(True, True), (True, False), (False, True)],
                         ids=["both", "lhs", "rhs"])
def test_batch_rule_matches_a_loop(case, batched):
    _, ls, rs, contract, batch = case
    n = 3
    lhs = random(((n,) if batched[0] else ()) + ls, 0)
    rhs = random(((n,) if batched[1] else ()) + rs, 1)

    def batched_product(l, r):
        out, out_batched = batch_rules[dot_general_p]([l, r], list(batched),
                                                      contract=contract, batch=batch)
        assert out_batched
        return [out]

    (got,) = run(batched_product, [lhs, rhs])
    expected = np.stack([reference(lhs[i] if batched[0] else lhs,
                                   rhs[i] if batched[1] else rhs, contract, batch)
                         for i in range(n)])
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------ shape rule ----

@pytest.mark.parametrize("ls, rs, contract, batch, match", [
    ((2, 3), (4, 5), ((1,), (0,)), ((), ()), "contracted axis 1"),
    ((2, 3), (3, 4), ((1,), (0, 1)), ((), ()), "pair up"),
    ((2, 3), (3, 4), ((2,), (0,)), ((), ()), "distinct axes"),
    ((2, 3), (3, 4), ((1,), (0,)), ((1,), (0,)), "distinct axes"),
    ((2, 3), (3, 3), ((1,), (0,)), ((0,), (1,)), "batch axis 0"),
    ((2, 3), (3, 4), ((-1,), (0,)), ((), ()), "distinct axes"),
])
def test_shape_rule_errors(ls, rs, contract, batch, match):
    with pytest.raises(ValueError, match=match):
        dot_general_p.shape_rule(AType(np.float64, ls), AType(np.float64, rs),
                                 contract=contract, batch=batch)


def test_shape_rule_rejects_mixed_dtypes():
    with pytest.raises(TypeError, match="share one dtype"):
        dot_general_p.shape_rule(AType(np.float64, (3,)), AType(np.float32, (3,)),
                                 contract=((0,), (0,)), batch=((), ()))


# ---------------------------------------------------------- the frontend ----

X = np.arange(6.0).reshape(2, 3)
Y = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("fn", [
    lambda a, b: np.dot(a, b, out=np.empty((2, 4))),
    lambda a, b: np.outer(a, b, out=np.empty((6, 12))),
    lambda a, b: np.matmul(a, b, axes=[(0, 1), (0, 1), (0, 1)]),
    lambda a, b: np.einsum("ij,jk", a, b, out=np.empty((2, 4))),
    lambda a, b: np.einsum("ij,jk", a, b, dtype=np.float32),
    lambda a, b: np.einsum("ij,jk", a, b, optimize=["einsum_path", (0, 1)]),
    lambda a, b: np.einsum("ij,jk", a, b, optimize="fastest"),
], ids=["dot-out", "outer-out", "matmul-axes", "einsum-out", "einsum-dtype",
        "einsum-explicit-path", "einsum-unknown-optimize"])
def test_unsupported_arguments(fn):
    with pytest.raises(nj.UnsupportedOperationError):
        nj.jit(fn)(X, Y)


@pytest.mark.parametrize("fn, args, match", [
    (np.matmul, (np.float64(2.0), Y), "operand 0 is 0-d"),
    (np.matmul, (X, X), "core dimension 0 .size 2 is different from 3"),
    (np.dot, (X, X), r"not aligned: 3 \(dim 1\) != 2 \(dim 0\)"),
    (lambda a: np.einsum("ij,jk", a), (X,), "2 operand terms"),
    (lambda a: np.einsum("i", a), (X,), "do not fit the 2 axes of operand 0"),
    (lambda a: np.einsum("...i->i", a), (X,), "do not fit the 2 axes of the output"),
    (lambda a: np.einsum("ij->k", a), (X,), "never appears"),
    (lambda a: np.einsum("ij->ii", a), (X,), "repeated"),
    (lambda a: np.einsum("i1", a), (X,), "invalid subscript"),
    (lambda a: np.einsum("ii", a), (X,), "differ in size"),
    (lambda a, b: np.einsum("ij,ij", a, b), (X, Y), "do not broadcast"),
    (lambda a, b: np.tensordot(a, b, 3), (X, Y), "cannot contract 3 axes"),
    (lambda a, b: np.tensordot(a, b, ([1],)), (X, Y), "pair of axis sequences"),
], ids=["matmul-0d", "matmul-mismatch", "dot-mismatch", "einsum-terms", "einsum-rank",
        "einsum-output-ellipsis", "einsum-unknown-output", "einsum-repeated-output",
        "einsum-bad-letter", "einsum-diagonal-sizes", "einsum-sizes", "tensordot-too-many",
        "tensordot-bad-axes"])
def test_bad_operands_raise_value_error(fn, args, match):
    with pytest.raises(ValueError, match=match):
        nj.jit(fn)(*args)


def test_einsum_contracts_in_the_greedy_order():
    # For these sizes greedy contracts the second and third operands first.
    shapes = [(2, 3), (3, 4), (4, 5)]
    ir = nj.make_ir(lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c))(
        *[np.ones(s) for s in shapes])
    first = [e for e in ir.eqns if e.prim is dot_general_p][0]
    expected = np.einsum_path("ij,jk,kl->il", *[np.ones(s) for s in shapes],
                              optimize="greedy")[0][1]
    assert expected == (1, 2)
    assert [ir.inputs.index(a) for a in first.inputs] == [1, 2]


def test_einsum_diagonal_uses_a_mask_not_a_gather():
    ir = nj.make_ir(lambda a: np.einsum("ii->i", a))(np.ones((3, 3)))
    names = [e.prim.name for e in ir.eqns]
    assert "iota" in names and "reduce_sum" in names and "mul" in names
