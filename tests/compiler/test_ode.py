"""The ``ode`` primitive at the IR level (compiler/primitives/ode.py,
compiler/passes/ode_rules.py): the shape rule checks the right-hand side
against the operands; the jvp solves the system augmented with the tangent
states; the transpose of that sensitivity solve is the adjoint solve, a
reverse scan over the output intervals whose body is one ode; both agree
with the closed form of dy/dt = -a y on the interpreter."""
import numpy as np
import pytest

from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.passes.autodiff import jvp_ir, vjp_ir
from numjac.compiler.primitives import elementwise as E
from numjac.compiler.primitives.loops import scan_p
from numjac.compiler.primitives.ode import TIME, ode, ode_p
from numjac.runtime import ode_solver  # noqa: F401  (the interpreter's ode)
from numjac.runtime.interpreter import evaluate

V2 = AType(np.float64, (2,))
TIMES = AType(np.float64, (3,))
OPTIONS = dict(rtol=1e-10, atol=1e-10, mxstep=10_000)


def ir_of(in_types, emit):
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in in_types]
        return builder.build(list(emit(*ins)))


DECAY = ir_of([V2, TIME, V2], lambda y, t, a: [E.neg(E.mul(a, y))])     # dy/dt = -a y
SOLVE = ir_of([V2, TIMES, V2], lambda y0, ts, a: ode([y0], ts, [a], body=DECAY, **OPTIONS))
Y0, TS, A = np.array([1.0, 2.0]), np.array([0.0, 0.5, 1.0]), np.array([0.3, 1.2])


def test_the_shape_rule_checks_the_right_hand_side():
    with pytest.raises(TypeError, match="ode body must map"):
        ir_of([V2, TIMES], lambda y0, ts: ode([y0], ts, [], body=DECAY, **OPTIONS))


def test_the_solve_matches_the_closed_form():
    (ys,) = evaluate(SOLVE, Y0, TS, A)
    np.testing.assert_allclose(ys, Y0 * np.exp(-np.outer(TS, A)), rtol=1e-9)


def test_the_jvp_solves_the_augmented_system():
    jvp = jvp_ir(SOLVE, [False, False, True])
    solves = [e for e in jvp.eqns if e.prim is ode_p]
    assert sorted(e.params["num_states"] for e in solves) == [1, 2]
    _, tangent = evaluate(jvp, Y0, TS, A, np.array([1.0, -1.0]))
    expected = -np.outer(TS, [1.0, -1.0]) * Y0 * np.exp(-np.outer(TS, A))
    np.testing.assert_allclose(tangent, expected, rtol=1e-8, atol=1e-12)


def test_the_transpose_is_an_adjoint_solve_in_a_reverse_scan():
    vjp = vjp_ir(SOLVE, [False, False, True])
    (scan_eqn,) = [e for e in vjp.eqns if e.prim is scan_p]
    assert scan_eqn.params["reverse"]
    assert [e.prim for e in scan_eqn.params["body"].eqns].count(ode_p) == 1
    cotangent = np.arange(6.0).reshape(3, 2)
    *_, grad_a = evaluate(vjp, Y0, TS, A, cotangent)
    expected = np.sum(cotangent * -TS[:, None] * Y0 * np.exp(-np.outer(TS, A)), axis=0)
    np.testing.assert_allclose(grad_a, expected, rtol=1e-8)
