"""The loop primitives at the IR level (compiler/primitives/loops.py): the
shape rules check the bodies against the operands, dce drops the ys of a
scan that nothing reads, and a scan built by hand (as the re-rolling pass
builds one) runs on the interpreter."""
import numpy as np
import pytest

from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.primitives import elementwise as E
from numjac.compiler.primitives.loops import cond, scan, while_loop
from numjac.compiler.passes.simplify import dce
from numjac.runtime.interpreter import evaluate

F = AType(np.float64, ())
V3 = AType(np.float64, (3,))


def ir_of(in_types, emit):
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in in_types]
        return builder.build(list(emit(*ins)))


# (consts: w; carry: c; xs row: x) -> (new carry, y1, y2)
BODY = ir_of([F, F, F], lambda w, c, x: [E.add(E.mul(c, w), x), E.sin(x), E.mul(c, c)])


def test_a_scan_built_by_hand_runs_on_the_interpreter():
    ir = ir_of([F, F, V3], lambda w, c, xs: sum(scan([w], [c], [xs], body=BODY, length=3),
                                                 []))
    carry, y1, y2 = evaluate(ir, 2.0, 1.0, np.array([1.0, 2.0, 3.0]))
    assert float(carry) == ((1 * 2 + 1) * 2 + 2) * 2 + 3
    np.testing.assert_allclose(y1, np.sin([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(y2, [1.0, 9.0, 64.0])


def test_reverse_scan_runs_from_the_last_row():
    ir = ir_of([F, F, V3], lambda w, c, xs: scan([w], [c], [xs], body=BODY, length=3,
                                                 reverse=True)[1][1:])
    (y2,) = evaluate(ir, 2.0, 1.0, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(y2, [((1 * 2 + 3) * 2 + 2) ** 2, (1 * 2 + 3) ** 2, 1.0])


@pytest.mark.parametrize("build, message", [
    (lambda w, c, xs: scan([w], [c], [xs], body=BODY, length=4), "rows along axis 0"),
    (lambda w, c, xs: scan([], [c], [xs], body=ir_of([F, F], lambda c, x: [E.lt(c, x)]),
                           length=3), "carry types"),
    (lambda w, c, xs: scan([w], [xs], [xs], body=BODY, length=3), "body must map"),
    (lambda w, c, xs: while_loop([], [c], cond=BODY, body=BODY), "cond must map"),
    (lambda w, c, xs: cond(w, [c], true_branch=BODY, false_branch=BODY), "predicate"),
])
def test_shape_rules_reject_bodies_that_do_not_fit(build, message):
    with pytest.raises(TypeError, match=message):
        ir_of([F, F, V3], lambda w, c, xs: [build(w, c, xs)])


def test_dce_drops_the_ys_nothing_reads():
    ir = ir_of([F, F, V3], lambda w, c, xs: [scan([w], [c], [xs], body=BODY, length=3)[1][1]])
    (eqn,) = dce(ir).eqns
    assert len(eqn.outs) == 2 and [e.prim.name for e in eqn.params["body"].eqns] == [
        "mul", "add", "mul"]
