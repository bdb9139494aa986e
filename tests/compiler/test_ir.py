"""The IR printer (golden dumps) and typecheck."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler import typecheck as typecheck_module
from numjac.compiler.builder import Builder, bind
from numjac.compiler.ir import IR, AType, Eqn, Lit, Var
from numjac.compiler.primitives import elementwise as E
from numjac.compiler.primitives.reductions import reduce_sum
from numjac.compiler.primitives.structural import iota_p
from numjac.compiler.rules import Primitive, shape_rules
from numjac.compiler.typecheck import IRTypeError, typecheck
from tests.helpers import assert_ir

F64_3 = AType(np.float64, (3,))


# -- golden dumps -------------------------------------------------------------

def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def test_dump_softplus():
    assert_ir(softplus, (np.ones(3),), """
        ir(a:f64[3]):
          b:f64[3] = abs a
          c:f64[3] = neg b
          d:f64[3] = exp c
          e:f64[3] = log1p d
          f:f64[3] = max a 0.0
          g:f64[3] = add e f
          return g
    """)


def test_dump_closure_arrays_are_inputs_0d_ones_too():
    weights = np.array([[1.0, 2.0], [3.0, 4.0]])
    bias = np.array(0.5)        # an input too, so that changing it is seen

    def layer(x):
        return np.tanh(x * weights + bias)

    assert_ir(layer, (np.ones(2),), """
        ir(a:f64[2], b:f64[], c:f64[2,2]):
          d:f64[2,2] = mul a c
          e:f64[2,2] = add d b
          f:f64[2,2] = tanh e
          return f
    """)
    np.testing.assert_allclose(nj.jit(layer)(np.arange(2.0)), layer(np.arange(2.0)))


def mixed_dtypes(i, x):
    return (i * 2 + x).astype(np.float32) > 1


def test_dump_mixed_dtypes():
    assert_ir(mixed_dtypes, (np.arange(3), np.ones(3)), """
        ir(a:i64[3], b:f64[3]):
          c:i64[3] = mul a 2
          d:f64[3] = convert[dtype=f64] c
          e:f64[3] = add d b
          f:f32[3] = convert[dtype=f32] e
          g:bool[3] = gt f 1.0
          return g
    """)


def polar(p):
    return {"r": np.sqrt(p["x"] ** 2 + p["y"] ** 2), "theta": np.arctan2(p["y"], p["x"])}


def test_dump_pytree_in_and_out():
    assert_ir(polar, ({"x": np.ones(3), "y": np.ones(3)},), """
        ir(a:f64[3], b:f64[3]):
          c:f64[3] = mul a a
          d:f64[3] = mul b b
          e:f64[3] = add c d
          f:f64[3] = sqrt e
          g:f64[3] = atan2 b a
          return f, g
    """)


def reaction_rates(a, b, c, temp):
    """Arrhenius rates of a small reaction network, damped by a heat limiter."""
    gas_constant = 8.314
    inv_rt = 1.0 / (gas_constant * temp)
    k1 = 2.0e6 * np.exp(-5.0e4 * inv_rt)
    k2 = 4.0e7 * np.exp(-7.5e4 * inv_rt)
    k3 = 1.0e3 * np.exp(-2.0e4 * inv_rt)
    r1 = k1 * a * b
    r2 = k2 * c ** 2
    r3 = k3 * np.sqrt(np.maximum(a, 0.0))
    da = -r1 + r2 - r3
    db = -r1 + r2
    dc = r1 - 2.0 * r2
    heat = 1.0e-3 * (r1 - r2)
    limiter = 0.5 * (1.0 + np.tanh(heat))
    return da * limiter, db * limiter, dc * limiter


def test_dump_twenty_line_function_names_past_z():
    x = np.ones(3)
    assert_ir(reaction_rates, (x, x, x, 300.0), """
        ir(a:f64[3], b:f64[3], c:f64[3], d:f64[]):
          e:f64[] = mul 8.314 d
          f:f64[] = div 1.0 e
          g:f64[] = mul -50000.0 f
          h:f64[] = exp g
          i:f64[] = mul 2000000.0 h
          j:f64[] = mul -75000.0 f
          k:f64[] = exp j
          l:f64[] = mul 40000000.0 k
          m:f64[] = mul -20000.0 f
          n:f64[] = exp m
          o:f64[] = mul 1000.0 n
          p:f64[3] = mul i a
          q:f64[3] = mul p b
          r:f64[3] = mul c c
          s:f64[3] = mul l r
          t:f64[3] = max a 0.0
          u:f64[3] = sqrt t
          v:f64[3] = mul o u
          w:f64[3] = sub s q
          x:f64[3] = sub w v
          y:f64[3] = mul 2.0 s
          z:f64[3] = sub q y
          ba:f64[3] = sub q s
          bb:f64[3] = mul 0.001 ba
          bc:f64[3] = tanh bb
          bd:f64[3] = add 1.0 bc
          be:f64[3] = mul 0.5 bd
          bf:f64[3] = mul x be
          bg:f64[3] = mul w be
          bh:f64[3] = mul z be
          return bf, bg, bh
    """)


# -- printer details -------------------------------------------------------------

def built(fn, *in_types):
    """An IR built directly with compiler ops: ``fn(*input_vars) -> outputs``."""
    builder = Builder()
    with builder:
        inputs = [builder.new_input(t) for t in in_types]
        return builder.build(list(fn(*inputs)))


def test_names_continue_after_z_with_two_letters():
    def chain(x):
        for _ in range(60):
            x = E.neg(x)
        return [x]

    lines = str(built(chain, F64_3)).splitlines()
    names = [line.split(":")[0].strip() for line in lines[1:-1]]
    assert names[:3] == ["b", "c", "d"]
    assert names[24:28] == ["z", "ba", "bb", "bc"]
    assert names[50:52] == ["bz", "ca"]
    assert lines[-1] == "  return ci"


def test_params_are_sorted_by_name():
    def iota_and_sum(x):
        index = bind(iota_p, shape=(2, 3), dtype=np.dtype(np.int64), dimension=1)
        return [index, reduce_sum(x, (1,))]

    assert str(built(iota_and_sum, AType(np.float64, (2, 3)))) == "\n".join([
        "ir(a:f64[2,3]):",
        "  b:i64[2,3] = iota[dimension=1, dtype=i64, shape=(2, 3)]",
        "  c:f64[2] = reduce_sum[axes=(1,)] a",
        "  return b, c",
    ])


def test_literals_print_as_python_values():
    def with_literals(x, flags):
        y = E.add(x, Lit(-2.5, np.float64))
        z = E.mul(y, Lit(float("inf"), np.float64))
        w = E.logical_or(flags, Lit(True, np.bool_))
        return [z, w, Lit(3, np.int32)]

    assert str(built(with_literals, F64_3, AType(np.bool_, (3,)))) == "\n".join([
        "ir(a:f64[3], b:bool[3]):",
        "  c:f64[3] = add a -2.5",
        "  d:f64[3] = mul c inf",
        "  e:bool[3] = or b True",
        "  return d, e, 3",
    ])


call_p = Primitive("call")


def _call_shape(x, *, body, times):
    return body.out_types[0]


def nested_ir():
    """``call[times=2] x`` carrying ``sin`` as its sub-IR (built by hand)."""
    body = built(lambda v: [E.sin(v)], F64_3)
    x, out = Var(F64_3), Var(F64_3)
    return IR([x], [Eqn(call_p, (x,), {"times": 2, "body": body}, (out,))], [out])


def test_nested_ir_params_print_indented_after_plain_params():
    assert str(nested_ir()) == "\n".join([
        "ir(a:f64[3]):",
        "  b:f64[3] = call[times=2] a",
        "    body(c:f64[3]):",
        "      d:f64[3] = sin c",
        "      return d",
        "  return b",
    ])


def test_printing_is_deterministic():
    first = str(nj.make_ir(lambda x, t: softplus(x) * t)(np.ones(4), 1.0))
    second = str(nj.make_ir(lambda x, t: softplus(x) * t)(np.zeros(4), 2.0))
    assert first == second
    ir = nj.make_ir(reaction_rates)(np.ones(2), np.ones(2), np.ones(2), 1.0)
    assert str(ir) == str(ir)


# -- typecheck -------------------------------------------------------------------

def sin_times_x():
    return built(lambda x: [E.mul(E.sin(x), x)], F64_3)


def test_the_test_suite_typechecks_every_built_ir():
    assert typecheck_module.CHECK_IR
    builder = Builder()
    with builder:
        x = builder.new_input(F64_3)
        builder.add_eqn(E.sin_p, [x], {}, [AType(np.float32, (3,))])
        with pytest.raises(IRTypeError):
            builder.build([x])


def test_typecheck_accepts_valid_irs():
    typecheck(sin_times_x())
    typecheck(nj.make_ir(reaction_rates)(np.ones(2), np.ones(2), np.ones(2), 1.0))


def test_typecheck_catches_a_wrong_output_type():
    ir = sin_times_x()
    ir.eqns[0].outs[0].type = AType(np.float32, (3,))
    with pytest.raises(IRTypeError, match=r"sin gives f64\[3\] but the equation declares "
                                          r"f32\[3\](.|\n)*in: b:f32\[3\] = sin a"):
        typecheck(ir)
    assert issubclass(IRTypeError, TypeError)


def test_typecheck_catches_a_use_before_definition():
    ir = sin_times_x()
    ir.eqns.reverse()
    with pytest.raises(IRTypeError, match=r"operand 0 of mul \(f64\[3\]\) is used before it is "
                                          r"defined\n  in: b:f64\[3\] = mul c a"):
        typecheck(ir)


def test_typecheck_catches_a_double_assignment():
    ir = sin_times_x()
    ir.eqns[1].outs = ir.eqns[0].outs
    ir.outputs = list(ir.eqns[0].outs)
    with pytest.raises(IRTypeError, match=r"assigned twice\n  in: b:f64\[3\] = mul b a"):
        typecheck(ir)


def test_typecheck_catches_an_input_bound_twice_and_an_undefined_output():
    ir = sin_times_x()
    ir.inputs.append(ir.inputs[0])
    with pytest.raises(IRTypeError, match="input 1 is not a fresh Var"):
        typecheck(ir)
    ir = sin_times_x()
    ir.outputs.append(Var(F64_3))
    with pytest.raises(IRTypeError, match="output 1 .* is used before it is defined"):
        typecheck(ir)


def test_typecheck_catches_a_nonscalar_literal_and_a_rejected_operand():
    ir = sin_times_x()
    bad = Lit(1.0, np.float64)
    bad.type = F64_3
    ir.eqns[1].inputs = (ir.eqns[1].inputs[0], bad)
    with pytest.raises(IRTypeError, match=r"literal of non-scalar type f64\[3\]"):
        typecheck(ir)
    ir = sin_times_x()
    ir.eqns[1].inputs = (ir.eqns[1].inputs[0], Var(AType(np.float64, (4,))))
    ir.inputs.append(ir.eqns[1].inputs[1])
    with pytest.raises(IRTypeError, match="the shape rule of mul rejects its operands"):
        typecheck(ir)


def test_typecheck_checks_nested_irs(monkeypatch):
    monkeypatch.setitem(shape_rules, call_p, _call_shape)
    ir = nested_ir()
    typecheck(ir)
    ir.eqns[0].params["body"].eqns[0].outs[0].type = AType(np.float32, (3,))
    with pytest.raises(IRTypeError, match=r"in: d:f32\[3\] = sin c"):
        typecheck(ir)
