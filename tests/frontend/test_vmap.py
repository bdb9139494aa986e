"""nj.vmap and the batching pass: every OP_SPECS row against a Python loop,
chunking, nesting, pytrees, errors, and the seed document's examples."""
from collections import namedtuple

import numpy as np
import pytest

import numjac as nj
from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.passes.batching import (batch_ir, batch_ir_all, chunked_batch,
                                             chunked_batch_ir)
from numjac.compiler.primitives import elementwise as E
from numjac.compiler.primitives.control import chunk_map_p
from numjac.compiler.primitives.reductions import reduce_sum
from numjac.compiler.typecheck import typecheck
from numjac.runtime.interpreter import evaluate
from tests.helpers import check_grads, check_vmap, vmap_by_loop
from tests.op_specs import OP_SPECS

BATCH = 3


# -- every OP_SPECS row ---------------------------------------------------------------

def _stacked_args(spec, in_dims):
    """Per-example arguments from seeds 0..BATCH-1, stacked along in_dims."""
    examples = [spec.make_args(seed) for seed in range(BATCH)]
    return [examples[0][i] if d is None else np.stack([e[i] for e in examples], axis=d)
            for i, d in enumerate(in_dims)]


def _dim_for(shape, dim):
    """``dim`` where the batched argument has room for it (0-d: only 0)."""
    return dim if dim in (0, -1) or len(shape) >= dim else 0


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("spec", OP_SPECS, ids=lambda s: s.name)
def test_op_spec_batched(spec, dim):
    in_dims = tuple(_dim_for(shape, dim) for shape in spec.shapes)
    check_vmap(spec.fn, in_dims, _stacked_args(spec, in_dims), **_tolerance(spec))


@pytest.mark.parametrize("batched", ["first", "last"])
@pytest.mark.parametrize("spec", [s for s in OP_SPECS if len(s.shapes) > 1],
                         ids=lambda s: s.name)
def test_op_spec_one_batched_operand(spec, batched):
    position = 0 if batched == "first" else len(spec.shapes) - 1
    in_dims = tuple(0 if i == position else None for i in range(len(spec.shapes)))
    check_vmap(spec.fn, in_dims, _stacked_args(spec, in_dims), **_tolerance(spec))


def _tolerance(spec) -> dict:
    """check_vmap's tolerance for a row whose plain call runs another
    algorithm (odeint: SciPy's LSODA) than its trace; default otherwise."""
    return spec.extra.get("against_numpy", {})


# -- chunking ---------------------------------------------------------------------------

def _mixed(x, w, b):
    """Batched and unbatched parts, an unbatched output and a reduction."""
    h = np.tanh(x @ w + b)
    return np.sum(h * h, axis=-1), np.exp(w).sum(), h


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 50])
def test_chunked_vmap_matches_loop(chunk_size):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(7, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    check_vmap(_mixed, (0, None, None), (x, w, b), chunk_size=chunk_size)
    check_vmap(_mixed, (1, None, 0), (x.T, w, rng.normal(size=(7, 3))), out_dims=(0, None, 1),
               chunk_size=chunk_size)


def test_chunk_size_one_needs_no_batching_rules(monkeypatch):
    """chunk_size=1 runs the per-example IR: no batching rule is called."""
    monkeypatch.setattr("numjac.compiler.passes.batching.batch_rules", {})
    x = np.arange(10.0).reshape(5, 2)
    check_vmap(lambda v: np.sin(v) @ np.ones(2), 0, (x,), chunk_size=1)
    with pytest.raises(NotImplementedError, match="no batching rule"):
        nj.vmap(lambda v: np.cos(v) @ np.ones(2), chunk_size=2)(x)


def test_chunked_ir_hoists_unbatched_work():
    def f(x, w):
        return np.sin(x) * np.exp(w)
    ir = nj.vmap(f, (0, None), chunk_size=2).lower(np.ones((5, 3)), np.ones(3)).ir
    outer = [e.prim.name for e in ir.eqns]
    assert outer == ["exp", "chunk_map"]
    loop = ir.eqns[1]
    assert loop.params["chunk"] == 2 and loop.params["size"] == 5
    assert [e.prim.name for e in loop.params["body"].eqns] == ["sin", "mul"]
    assert loop.params["tail"].in_types[1] == AType(np.float64, (1, 3))


def test_chunk_loop_runs_chunk_by_chunk():
    from numjac.runtime.interpreter import _chunk_map
    ir = chunked_batch_ir(_sin_ir(), [True], 7, 3)
    (loop,) = [e for e in ir.eqns if e.prim is chunk_map_p]
    seen = []

    def recording(sub, start, *pieces):
        seen.append((int(start), pieces[0].shape))
        return evaluate(sub, start, *pieces)
    (out,) = _chunk_map(recording, np.arange(7.0), **loop.params)
    np.testing.assert_array_equal(out, np.sin(np.arange(7.0)))
    assert seen == [(0, (3,)), (3, (3,)), (6, (1,))]


def _sin_ir():
    builder = Builder()
    with builder:
        x = builder.new_input(AType(np.float64, ()))
        return builder.build([E.sin(x)])


# -- the pass itself ----------------------------------------------------------------------

def _example_ir():
    builder = Builder()
    with builder:
        x = builder.new_input(AType(np.float64, (4,)))
        w = builder.new_input(AType(np.float64, (4,)))
        total = reduce_sum(E.mul(E.sin(x), E.cos(w)), (0,))
        return builder.build([total, E.exp(w)])


def test_batch_ir_keeps_unbatched_values_unbatched():
    ir, out_batched = batch_ir(_example_ir(), [True, False], 5)
    typecheck(ir)
    assert out_batched == [True, False]
    assert ir.in_types == [AType(np.float64, (5, 4)), AType(np.float64, (4,))]
    by_prim = {e.prim.name: e for e in ir.eqns}
    assert by_prim["cos"].outs[0].type.shape == (4,)      # copied, not batched
    assert by_prim["exp"].outs[0].type.shape == (4,)
    x, w = np.random.default_rng(1).normal(size=(5, 4)), np.ones(4)
    total, ew = evaluate(ir, x, w)
    np.testing.assert_allclose(total, np.sum(np.sin(x) * np.cos(w), axis=1), rtol=1e-14)
    np.testing.assert_allclose(ew, np.exp(w))


@pytest.mark.parametrize("chunk_size", [None, 1, 2, 5])
def test_batched_outputs_all_batched_and_typecheck(chunk_size):
    ir = chunked_batch_ir(_example_ir(), [True, False], 5, chunk_size)
    typecheck(ir)
    assert ir.out_types == [AType(np.float64, (5,)), AType(np.float64, (5, 4))]
    unchunked = batch_ir_all(_example_ir(), [True, False], 5)
    x, w = np.random.default_rng(2).normal(size=(5, 4)), np.linspace(0, 1, 4)
    for got, want in zip(evaluate(ir, x, w), evaluate(unchunked, x, w)):
        np.testing.assert_allclose(got, want, rtol=1e-14)


def test_chunked_batch_reports_unbatched_outputs():
    ir, out_batched = chunked_batch(_example_ir(), [True, False], 5, 2)
    assert out_batched == [True, False]
    assert chunk_map_p in [e.prim for e in ir.eqns]


# -- nesting and composition ------------------------------------------------------------

def test_nested_vmap_three_deep():
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 5))
    y = np.random.default_rng(4).normal(size=(5,))
    f = nj.vmap(nj.vmap(nj.vmap(np.dot, (0, None)), (0, None)), (0, None))
    np.testing.assert_allclose(f(x, y), x @ y, rtol=1e-13)


def test_nested_vmap_mixed_dims_and_chunks():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(4, 3, 2)), rng.normal(size=(2, 3))

    def inner(a, b):
        return np.sum(np.sin(a) * b)
    expected = np.einsum("ijk,kj->ji", np.sin(x), y)
    for inner_chunk in (None, 1, 3):
        for outer_chunk in (None, 1, 2):
            f = nj.vmap(nj.vmap(inner, (0, None), chunk_size=inner_chunk), (1, 1),
                        chunk_size=outer_chunk)
            np.testing.assert_allclose(f(x, y), expected, rtol=1e-13)


def test_vmap_of_chunked_vmap_batches_the_loop():
    rng = np.random.default_rng(6)
    x, w = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 2))
    inner = nj.vmap(lambda a, v: np.tanh(a @ v), (0, None), chunk_size=2)
    check_vmap(inner, (0, 0), (x, w))
    check_vmap(inner, (0, None), (x, w[0]))
    check_vmap(inner, (None, 0), (x[0], w))
    check_vmap(inner, (2, 1), (np.moveaxis(x, 0, 2), w.T), chunk_size=2)


def test_vmap_with_jit_both_ways():
    x = np.arange(12.0).reshape(4, 3)
    f = lambda v: np.sum(v ** 2)
    np.testing.assert_allclose(nj.jit(nj.vmap(f))(x), np.sum(x ** 2, axis=1))
    np.testing.assert_allclose(nj.vmap(nj.jit(f))(x), np.sum(x ** 2, axis=1))


def test_vmap_caches_per_signature():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2
    g = nj.vmap(f)
    g(np.ones((3, 2)))
    g(np.zeros((3, 2)))
    assert len(calls) == 1
    g(np.ones((4, 2)))
    assert len(calls) == 2
    nj.vmap(f)(np.ones((3, 2)))           # a fresh vmap of the same function: cached
    assert len(calls) == 2


def test_vmap_lower_shows_the_stages():
    lowered = nj.vmap(np.sin, in_dims=1).lower(np.ones((2, 3)))
    assert {"traced", "batched", "optimized"} <= set(lowered.stages)
    assert "transpose" in str(lowered.stages["optimized"])


def test_decorator_form():
    @nj.vmap(in_dims=(None, 0))
    def f(a, x):
        return a * x
    np.testing.assert_allclose(f(2.0, np.arange(3.0)), 2 * np.arange(3.0))


# -- pytrees, kwargs, pass-through values ----------------------------------------------------

Pair = namedtuple("Pair", "a b")


def test_pytree_in_dims_and_out_dims():
    rng = np.random.default_rng(7)
    tree = {"x": rng.normal(size=(3, 2)), "y": (rng.normal(size=(2, 3)), rng.normal(size=4))}

    def f(d, scale):
        return Pair(d["x"] * d["y"][0].T * scale, {"s": np.sum(d["y"][1]) * scale})
    check_vmap(f, ({"x": 0, "y": (1, None)}, None), (tree, 2.0), out_dims=Pair(1, {"s": 0}))
    check_vmap(f, ({"x": 0, "y": (1, None)}, 0), (tree, np.arange(3.0)), out_dims=(-1, 0))


def test_namedtuple_and_list_arguments():
    rng = np.random.default_rng(8)
    p = Pair(rng.normal(size=(4, 2)), [rng.normal(size=(2, 4)), rng.normal(size=(4,))])
    check_vmap(lambda q: q.a.sum() + q.b[0].sum() * q.b[1], (Pair(0, [1, 0]),), (p,))


def test_kwargs_are_not_batched_and_non_arrays_pass_through():
    x = np.arange(6.0).reshape(2, 3)

    def f(v, how, scale=1.0):
        assert how == "twice"
        return v * scale * 2, how
    out = nj.vmap(f, (0, None), out_dims=(0, None))(x, "twice", scale=x[0])
    np.testing.assert_allclose(out[0], x * x[0] * 2)
    assert out[1] == "twice"
    check_vmap(f, (0, None), (x, "twice"), out_dims=(0, None), kwargs={"scale": 3.0})


def test_unbatched_outputs_broadcast_or_stay():
    x = np.arange(3.0)
    w = np.ones(2)
    out = nj.vmap(lambda v, c: (v + 1, c * 2), (0, None), out_dims=(0, None))(x, w)
    np.testing.assert_allclose(out[1], w * 2)
    check_vmap(lambda v, c: (v + 1, c * 2), (0, None), (x, w), out_dims=(0, 1))


def test_python_scalar_argument_traced_unbatched():
    check_vmap(lambda v, t: np.sin(v * t), (0, None), (np.arange(4.0), 0.5))


# -- the seed document's examples ------------------------------------------------------------

def test_seed_batched_dot():
    x, y = np.random.default_rng(9).normal(size=(2, 2, 5))
    assert nj.vmap(np.dot)(x, y).shape == (2,)
    check_vmap(np.dot, 0, (x, y))


def test_seed_model_with_weights_closure():
    rng = np.random.default_rng(10)
    weights = rng.normal(size=5)

    def model(feature_vec):
        return np.maximum(feature_vec.dot(weights), 0.0)
    examples = rng.normal(size=(3, 5))
    np.testing.assert_allclose(nj.vmap(model)(examples), np.maximum(examples @ weights, 0))


def test_seed_nested_batched_dot():
    x, y = np.random.default_rng(11).normal(size=(2, 2, 3, 5))
    out = nj.vmap(nj.vmap(np.dot))(x, y)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, np.einsum("ijk,ijk->ij", x, y), rtol=1e-13)


def test_seed_in_dims_1_and_tuple():
    x, y = np.random.default_rng(12).normal(size=(2, 2, 5))
    assert nj.vmap(np.dot, in_dims=1)(x, y).shape == (5,)
    check_vmap(np.dot, 1, (x, y))
    check_vmap(np.dot, (0, None), (x, y[0]))


def test_seed_dict_input():
    x, y = np.random.default_rng(13).normal(size=(2, 2, 5))
    f = lambda d: np.dot(d["x"], d["y"])
    out = nj.vmap(f, in_dims=({"x": 0, "y": None},))({"x": x, "y": y[0]})
    np.testing.assert_allclose(out, x @ y[0], rtol=1e-14)


def test_seed_out_dims_1():
    x = np.random.default_rng(14).normal(size=(2, 5))
    out = nj.vmap(lambda v: v ** 2, out_dims=1)(x)
    assert out.shape == (5, 2)
    np.testing.assert_allclose(out, (x ** 2).T)


def test_seed_kwargs_with_scale():
    x = np.random.default_rng(15).normal(size=(2, 5))

    def fn(v, scale=4.0):
        return v * scale
    batched = nj.vmap(fn)
    np.testing.assert_allclose(batched(x), x * 4)
    out = batched(x, scale=x)
    assert out.shape == (2, 2, 5)
    np.testing.assert_allclose(out, x[:, None, :] * x[None])


# -- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("in_dims", [[0], "0", 1.0, True, (0, "a"), ((0, 1.5),)])
def test_bad_in_dims_rejected_at_construction(in_dims):
    with pytest.raises(ValueError, match="in_dims"):
        nj.vmap(np.sin, in_dims=in_dims)


@pytest.mark.parametrize("out_dims", [[0], "x", (0, None, 2.0)])
def test_bad_out_dims_rejected_at_construction(out_dims):
    with pytest.raises(ValueError, match="out_dims"):
        nj.vmap(np.sin, out_dims=out_dims)


@pytest.mark.parametrize("chunk_size", [0, -2])
def test_bad_chunk_size(chunk_size):
    with pytest.raises(ValueError, match="chunk_size"):
        nj.vmap(np.sin, chunk_size=chunk_size)


@pytest.mark.parametrize("randomness", ["sometimes", None, 1])
def test_bad_randomness_rejected_at_construction(randomness):
    with pytest.raises(ValueError, match="randomness"):
        nj.vmap(np.sin, randomness=randomness)


def test_non_callable():
    with pytest.raises(TypeError, match="callable"):
        nj.vmap(3)


def _never_traced(*args, **kwargs):
    raise AssertionError("traced despite invalid arguments")


@pytest.mark.parametrize("in_dims, args, message", [
    ((0,), (np.ones(3), np.ones(3)), "in_dims has 1 entries but .* 2 positional"),
    (({"x": 0},), ({"y": np.ones(3)},), "does not match the structure of argument 0"),
    (((0, 0),), ((np.ones(3),),), "does not match the structure of argument 0"),
    (2, (np.ones((3, 2)),), "in_dim 2 is out of range for argument 0 of shape \\(3, 2\\)"),
    (-3, (np.ones((3, 2)),), "out of range"),
    (0, (np.ones(()),), "out of range"),
    ((0, 0), (np.ones(3), 1.5), "argument 1, a Python scalar; only arrays"),
    ((0, 0), (np.ones(3), "text"), "argument 1, a str; only arrays"),
    (None, (np.ones(3),), "no input is batched"),
    (0, (), "no input is batched"),
    ((0, 1), (np.ones((3, 4)), np.ones((3, 4))),
     "different sizes .*argument 0: 3 \\(in_dim 0\\), argument 1: 4 \\(in_dim 1\\)"),
    (({"a": 0, "b": 0},), ({"a": np.ones(2), "b": np.ones(5)},),
     "argument 0\\['a'\\]: 2 .*argument 0\\['b'\\]: 5"),
])
def test_argument_errors_before_tracing(in_dims, args, message):
    with pytest.raises(ValueError, match=message):
        nj.vmap(_never_traced, in_dims)(*args)


@pytest.mark.parametrize("out_dims, message", [
    ((0, 0, 0), "out_dims .* does not match the structure of the outputs"),
    (2, "out_dim 2 is out of range for output 0"),
    (-3, "out of range"),
    ((None, 0), "out_dims is None for output 0, but it varies along the batch"),
])
def test_output_errors(out_dims, message):
    with pytest.raises(ValueError, match=message):
        nj.vmap(lambda x: (x * 2, x.sum()), out_dims=out_dims)(np.ones((3, 2)))


def test_non_array_output_needs_out_dim_none():
    with pytest.raises(TypeError, match="output 1 is a str"):
        nj.vmap(lambda x: (x, "label"))(np.ones(3))
    with pytest.raises(TypeError, match="output 0 is a float"):
        nj.vmap(lambda x: 1.5)(np.ones(3))
    assert nj.vmap(lambda x: (x, 1.5), out_dims=(0, None))(np.ones(3))[1] == 1.5


def test_loop_reference_helper_itself():
    """vmap_by_loop is the oracle: check it on a case computed by hand."""
    x = np.arange(6.0).reshape(2, 3)
    out = vmap_by_loop(lambda v, c: (v * c, c), (1, None), (x, 2.0), out_dims=(0, None))
    np.testing.assert_array_equal(out[0], x.T * 2)
    assert out[1] == 2.0


# -- derivatives through the chunk loop (its jvp and transpose rules) -----------------------

@pytest.mark.parametrize("chunk_size", [1, 2, 3])
def test_derivatives_through_the_chunk_loop(chunk_size):
    rng = np.random.default_rng(16)
    x, w = rng.normal(size=(5, 4)), rng.normal(size=(4, 2))

    def f(a, b):
        per_example = nj.vmap(lambda v, u: np.tanh(v @ u) * v.sum(), (0, None),
                              chunk_size=chunk_size)
        return per_example(a, b)
    check_grads(f, (x, w), order=2)
    unchunked = lambda a, b: np.tanh(a @ b) * a.sum(axis=1, keepdims=True)
    for jac in (nj.jacrev, nj.jacfwd):
        for got, want in zip(jac(f, argnums=(0, 1))(x, w), jac(unchunked, argnums=(0, 1))(x, w)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_vmap_of_grad_through_the_chunk_loop():
    """Batches the transposed loop, whose weight cotangent is summed over chunks."""
    rng = np.random.default_rng(17)
    x, ws = rng.normal(size=(5, 4)), rng.normal(size=(3, 4, 2))

    def loss(w, a):
        h = nj.vmap(lambda v, u: np.tanh(v @ u), (0, None), chunk_size=2)(a, w)
        return np.sum(h ** 2)
    check_vmap(nj.grad(loss), (0, None), (ws, x), rtol=1e-12, atol=1e-14)
    check_vmap(nj.grad(loss), (0, None), (ws, x), chunk_size=2, rtol=1e-12, atol=1e-14)
