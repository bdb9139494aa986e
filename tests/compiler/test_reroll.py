"""The re-rolling pass (compiler/passes/reroll.py) on traced IRs: which
loops become scans, what their bodies read, and that the values are
identical to the unrolled trace's (reference interpreter, bit for bit).

Each function is traced with the pass off (NUMJAC_REROLL=0), then the pass
runs on the traced IR, so the test sees both IRs of one trace.
"""
import os
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numjac as nj
from numjac.compiler.passes.reroll import reroll
from numjac.compiler.passes.reroll_runs import TWO_ITERATIONS_EQNS
from numjac.compiler.primitives.loops import scan_p
from numjac.compiler.typecheck import typecheck
from numjac.runtime.interpreter import evaluate

from .reroll_programs import l96_rk4, newcomer_rhs, recurrence, rows_written_backwards


def traced(f, *args):
    """The traced IR of ``f`` (a new wrapper, so no cached trace is reused)."""
    with mock.patch.dict(os.environ, {"NUMJAC_REROLL": "0"}):
        return nj.jit(lambda *a: f(*a)).lower(*args).stage("traced")


def scans(ir) -> list:
    return [e for e in ir.eqns if e.prim is scan_p]


def assert_same_values(ir, new, *args):
    typecheck(new)
    for i, (a, b) in enumerate(zip(evaluate(ir, *args), evaluate(new, *args))):
        np.testing.assert_array_equal(b, a, err_msg=f"output {i}")
        assert np.asarray(b).dtype == np.asarray(a).dtype


def rerolled(f, *args):
    """(the traced IR, the rerolled IR), checked to give the same values."""
    ir = traced(f, *args)
    new = reroll(ir)
    assert_same_values(ir, new, *args)
    return ir, new


# -- the two programs of issue 12 ------------------------------------------------------

@pytest.mark.parametrize("steps", [2, 3, 10, 40])
def test_an_rk4_loop_becomes_one_scan_whose_body_is_one_step(steps):
    x = np.random.default_rng(0).normal(size=40)
    ir, new = rerolled(lambda x: l96_rk4(x, steps), x)
    one_step = len(traced(lambda x: l96_rk4(x, 1), x).eqns)
    [loop] = scans(new)
    assert len(new.eqns) == 1 and loop.params["length"] == steps
    assert len(loop.params["body"].eqns) <= one_step
    assert loop.params["num_carry"] == 1 and len(ir.eqns) == steps * one_step


def test_the_newcomers_stencil_becomes_a_scan_over_the_index():
    x = np.random.default_rng(1).normal(size=500)
    ir, new = rerolled(newcomer_rhs, x)
    [loop] = scans(new)
    assert loop.params["length"] == 498 and loop.params["num_carry"] == 0
    assert len(ir.eqns) > 6000 and len(new.eqns) <= 6
    # x[i-1], x[i], x[i+1] are rows of x[0:498], x[1:499], x[2:500], scanned as xs
    body = str(loop.params["body"])
    assert "take" not in body and "slice" not in body and "iota" not in str(new)
    assert all(e.prim.name == "slice" for e in new.eqns[:-1])
    assert new.outputs[0] is loop.outs[0]            # np.stack of the values is the ys


def test_a_moving_slice_of_a_carry_is_taken_at_the_counter():
    def f(x):
        for i in range(5):
            x = x * 0.5 + x[i]
        return x
    _, new = rerolled(f, np.linspace(0, 1, 6))
    [loop] = scans(new)
    assert "take" in str(loop.params["body"])


def test_an_element_assignment_becomes_one_scatter_at_the_counter():
    # y[i + 1] = v traces to a pad of v and a padded mask whose low edges
    # move by one per iteration; the body scatters v into the carry.
    ir, new = rerolled(recurrence, np.linspace(-1, 1, 30))
    [loop] = scans(new)
    assert loop.params["length"] == 29 and len(ir.eqns) > 29 * 8
    body = loop.params["body"]
    assert [e.prim.name for e in body.eqns].count("scatter") == 1
    assert "pad" not in str(body) and "select" not in str(body)


def test_rows_assigned_backwards_become_a_scan():
    _, new = rerolled(rows_written_backwards, np.linspace(0, 1, 12))
    [loop] = scans(new)
    assert loop.params["length"] == 10


def test_make_ir_shows_the_scan():
    text = str(nj.make_ir(newcomer_rhs)(np.arange(12.0)))
    assert "scan[length=10" in text and "body(" in text


def test_the_switch_leaves_the_trace_unrolled(monkeypatch):
    monkeypatch.setenv("NUMJAC_REROLL", "0")
    ir = nj.make_ir(lambda x: newcomer_rhs(x))(np.arange(12.0))
    assert not scans(ir)


# -- what a block may read ----------------------------------------------------------

def test_carries_consts_and_a_final_value():
    def f(x, y):
        s = x
        for _ in range(6):
            s = np.sin(s) * y + x
        return s, s * 2.0
    x, y = np.linspace(0, 1, 5), np.linspace(1, 2, 5)
    _, new = rerolled(f, x, y)
    [loop] = scans(new)
    assert loop.params["num_carry"] == 1 and loop.params["num_consts"] == 2
    assert loop.params["length"] == 6


def test_an_integer_literal_that_moves_by_a_step():
    def f(n):
        acc = n
        for i in range(2, 14, 3):
            acc = acc * 3 + i
        return acc
    _, new = rerolled(f, np.arange(4))
    [loop] = scans(new)
    assert loop.params["length"] == 4


def test_values_read_one_by_one_are_rows_of_the_ys():
    def f(x):
        values = []
        for i in range(5):
            x = np.cos(x) + 1.0
            values.append(x * 3.0)
        return values[1] + values[3], x
    _, new = rerolled(f, np.linspace(0, 1, 3))
    assert len(scans(new)) == 1


def test_np_concatenate_of_pieces_is_the_ys_reshaped():
    def f(x):
        pieces = []
        for i in range(0, 12, 2):
            pieces.append(np.sin(x[i:i + 3]) * x[i + 1])
        return np.concatenate(pieces)
    _, new = rerolled(f, np.linspace(0, 1, 14))
    [loop] = scans(new)
    assert loop.params["length"] == 6
    assert not [e for e in new.eqns if e.prim.name == "concatenate"]


def test_a_stack_with_other_rows_keeps_them():
    def f(x):
        rows = [x * 0.5]
        for i in range(5):
            rows.append(np.tanh(rows[-1]) - x)
        rows.append(x)
        return np.stack(rows)
    _, new = rerolled(f, np.linspace(0, 1, 3))
    assert len(scans(new)) == 1


def test_a_loop_of_loops_becomes_a_scan_of_scans():
    def f(x):
        total = x
        for i in range(4):
            for j in range(5):
                total = np.tanh(total) + x[j]
            total = total * 0.5
        return total
    _, new = rerolled(f, np.linspace(0, 1, 6))
    [outer] = scans(new)
    assert outer.params["length"] == 4
    [inner] = scans(outer.params["body"])
    assert inner.params["length"] == 5


def test_two_carries_one_read_two_blocks_back():
    def fibonacci(a, b):
        for _ in range(10):
            a, b = b, a + b
        return b
    _, new = rerolled(fibonacci, np.array([1.0]), np.array([1.0]))
    assert len(scans(new)) == 1


# -- what stays unrolled -------------------------------------------------------------

def test_blocks_that_differ_stay_unrolled():
    def f(x):
        for i in range(8):
            x = np.sin(x) if i % 3 else np.cos(x)
            x = x * 2.0
        return x
    ir, new = rerolled(f, np.linspace(0, 1, 3))
    for loop in scans(new):      # at most the runs of equal blocks
        assert "cos" not in str(loop.params["body"])


def test_a_stride_that_is_not_constant_stays_unrolled():
    def f(x):
        acc = x[0]
        for i in range(6):
            acc = acc * x[i * i] + 1.0
        return acc
    ir, new = rerolled(f, np.linspace(0, 1, 30))
    assert not scans(new)


def test_a_float_that_moves_by_a_step_is_computed_from_the_counter():
    def f(x):
        for i in range(8):
            x = np.sin(x) + 0.1 * i
        return x
    ir, new = rerolled(f, np.linspace(0, 1, 3))
    [loop] = scans(new)
    assert loop.params["length"] == 8 and "convert" in str(loop.params["body"])


@pytest.mark.parametrize("start, formula", [(0, "1.0 + i * 0.01"), (0, "0.3 + i * 0.001"),
                                            (3, "i * 0.1"), (1, "i * -0.01")])
def test_floats_written_with_the_index_are_found(start, formula):
    namespace = {"np": np}
    exec(f"def f(x):\n    for i in range({start}, {start} + 40):\n"
         f"        x = np.sin(x) * ({formula})\n    return x\n", namespace)
    ir, new = rerolled(namespace["f"], np.linspace(0, 1, 3))
    [loop] = scans(new)
    assert loop.params["length"] == 40


def test_a_float_not_on_a_step_computed_exactly_stays_unrolled():
    times = [0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7]
    times[5] = 0.5000000000000001    # one ulp off the step from the counter

    def f(x):
        for t in times:
            x = np.sin(x) * t
        return x
    ir, new = rerolled(f, np.linspace(0, 1, 3))
    for loop in scans(new):
        assert loop.params["length"] < 8


def test_two_iterations_stay_unrolled():
    def f(x):
        for _ in range(2):
            x = np.sin(x) * 2.0 + np.cos(x) * 3.0 - x
        return x
    ir, new = rerolled(f, np.linspace(0, 1, 3))
    assert new is ir


@pytest.mark.parametrize("terms", [TWO_ITERATIONS_EQNS // 2 - 1, TWO_ITERATIONS_EQNS // 2])
def test_two_iterations_become_a_scan_when_the_body_is_large(terms):
    unary = (np.sin, np.cos, np.tanh, np.arctan, np.exp)

    def f(x):
        for _ in range(2):
            for j in range(terms):      # 2 equations a term, not a loop: j*j moves unevenly
                x = unary[j % len(unary)](x) * (0.01 * (1 + j * j))
        return x
    ir, new = rerolled(f, np.linspace(0, 1, 3))
    if 2 * terms < TWO_ITERATIONS_EQNS:
        assert new is ir
    else:
        [loop] = scans(new)
        assert loop.params["length"] == 2 and len(new.eqns) == 1


# -- random programs with partial repetition -------------------------------------------

OPS = ("sin", "scale", "add_x", "mul_y", "y_at_i", "y_at_i_mod", "roll", "float_i", "int_i")


def apply(op, a, x, y, i):
    if op == "sin":
        return np.sin(a)
    if op == "scale":
        return a * 1.5
    if op == "add_x":
        return a + x
    if op == "mul_y":
        return a * y[:4]
    if op == "y_at_i":
        return a + y[i]
    if op == "y_at_i_mod":
        return a - y[i % 3]
    if op == "roll":
        return np.roll(a, 1)
    if op == "float_i":
        return a + 0.25 * i
    return a * (i + 1)


def make_program(prefix, body, iterations, odd_one, collect):
    def program(x, y):
        a = x
        for op in prefix:
            a = apply(op, a, x, y, 0)
        out = []
        for i in range(iterations):
            ops = body[::-1] if i == odd_one else body
            for op in ops:
                a = apply(op, a, x, y, i)
            out.append(a)
        if collect == "stack" and out:
            return a, np.stack(out)
        if collect == "one" and out:
            return a, out[len(out) // 2] * 2.0
        return a
    return program


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.lists(st.sampled_from(OPS), max_size=3),
       body=st.lists(st.sampled_from(OPS), min_size=1, max_size=5),
       iterations=st.integers(0, 9), odd_one=st.integers(-1, 9),
       collect=st.sampled_from(["none", "stack", "one"]))
def test_random_programs_keep_their_values(prefix, body, iterations, odd_one, collect):
    program = make_program(prefix, body, iterations, odd_one, collect)
    x = np.linspace(-1.0, 1.0, 4)
    y = np.linspace(0.5, 2.0, 12)
    rerolled(program, x, y)
