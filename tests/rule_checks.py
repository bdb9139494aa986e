"""Checks of single primitive rules, apart from any transform pass.

Each check emits a rule into a small IR with ``Builder``, runs it with the
reference interpreter and compares with the primitive's NumPy impl:
jvp against central finite differences, transpose by the inner-product
identity <ct, f(t)> = <f^T(ct), t>, batching against a loop over the batch.
"""
from __future__ import annotations

import itertools

import numpy as np

from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType, is_float
from numjac.compiler.rules import (UndefinedPrimal, Zero, batch_rules, impls, jvp_rules,
                                   transpose_rules)
from numjac.runtime.interpreter import evaluate


def type_of(array) -> AType:
    array = np.asarray(array)
    return AType(array.dtype, array.shape)


def run_emitted(emit, arrays):
    """Outputs of the IR that ``emit(*input_vars)`` (returning a list of
    atoms) builds, evaluated on ``arrays``."""
    builder = Builder()
    with builder:
        ins = [builder.new_input(type_of(a)) for a in arrays]
        ir = builder.build(emit(*ins))
    return evaluate(ir, *arrays)


def _impl(prim, args, params):
    return np.asarray(impls[prim](*args, **params))


def check_jvp(prim, args, params, seed=0, eps=1e-6):
    """The jvp rule's tangent output agrees with central differences of the
    impl in a random direction for every float argument."""
    rng = np.random.default_rng(seed)
    diff = [is_float(np.asarray(a).dtype) for a in args]
    tangents = [rng.normal(size=np.shape(a)) if d else None for a, d in zip(args, diff)]

    def emit(*ins):
        primals, tvars = ins[:len(args)], iter(ins[len(args):])
        tans = [next(tvars) if d else Zero(p.type) for p, d in zip(primals, diff)]
        ans, tout = jvp_rules[prim](list(primals), tans, **params)
        return [ans, tout]

    ans, tout = run_emitted(emit, list(args) + [t for t in tangents if t is not None])
    np.testing.assert_allclose(ans, _impl(prim, args, params), rtol=1e-12)

    def shifted(sign):
        return [a + sign * eps * t if t is not None else a for a, t in zip(args, tangents)]
    fd = (_impl(prim, shifted(1), params) - _impl(prim, shifted(-1), params)) / (2 * eps)
    np.testing.assert_allclose(tout, fd, rtol=1e-6, atol=1e-8)


def check_transpose(prim, args, params, linear=0, seed=0):
    """<ct, f(t)> == <f^T(ct), t> for the linear part f of the map
    t -> prim(..., t, ...) with t at position ``linear`` and the other
    arguments fixed."""
    rng = np.random.default_rng(seed)
    t = rng.normal(size=np.shape(args[linear]))

    def at(value):
        with_value = list(args)
        with_value[linear] = value
        return _impl(prim, with_value, params)
    out = at(t) - at(np.zeros_like(t))
    ct = rng.normal(size=out.shape)
    fixed = [a for i, a in enumerate(args) if i != linear]

    def emit(*ins):
        rest, ct_var = list(ins[:-1]), ins[-1]
        rest.insert(linear, UndefinedPrimal(type_of(args[linear])))
        cts = transpose_rules[prim](ct_var, *rest, **params)
        assert all(c is None for i, c in enumerate(cts) if i != linear)
        return [cts[linear]]

    (t_ct,) = run_emitted(emit, fixed + [ct])
    assert t_ct.shape == t.shape and t_ct.dtype == t.dtype
    np.testing.assert_allclose(np.vdot(ct, out), np.vdot(t_ct, t), rtol=1e-10)


def check_batch(prim, args, batched, params, size=3, seed=0):
    """The batching rule on args with a leading batch axis (where
    ``batched``) agrees with the impl applied to each batch element."""
    rng = np.random.default_rng(seed)

    def batch_of(a):
        a = np.asarray(a)
        if np.issubdtype(a.dtype, np.integer):
            return np.stack([rng.permutation(a.ravel()).reshape(a.shape) for _ in range(size)])
        return rng.normal(size=(size,) + a.shape).astype(a.dtype)

    full = [batch_of(a) if b else np.asarray(a) for a, b in zip(args, batched)]

    def emit(*ins):
        out, out_batched = batch_rules[prim](list(ins), list(batched), **params)
        assert out_batched
        return [out]

    (got,) = run_emitted(emit, full)
    expected = np.stack([_impl(prim, [a[k] if b else a for a, b in zip(full, batched)], params)
                         for k in range(size)])
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def check_every_transpose(prim, args, params):
    """The transpose rule in each float operand, the others held fixed."""
    for k, arg in enumerate(args):
        if arg.dtype.kind == "f":
            check_transpose(prim, args, params, linear=k)


def check_every_batching(prim, args, params):
    """The batching rule for every mix of batched and unbatched operands."""
    for batched in itertools.product([False, True], repeat=len(args)):
        if any(batched):
            check_batch(prim, args, batched, params)
