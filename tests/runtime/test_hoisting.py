"""Index arithmetic in generated loops (runtime/codegen/hoisting.py): rolls
of rolls made one roll, repeated positions computed once per iteration;
the code computes exactly what it did."""
import itertools
import re
import subprocess
import sys

import numpy as np
import pytest

import numjac as nj
from numjac.runtime.codegen.hoisting import hoisted_indices
from tests.helpers import check_backends
from tests.runtime.test_numba_pipeline import rk4_steps


def roll(x: str, shift: int, n: int) -> str:
    """The read position of ``np.roll(., -shift)`` as codegen writes it."""
    return f"{x} + {shift} - {n} * ({x} >= {n - shift})"


def run(lines, n, m=3):
    """Execute a loop body (``lines``, depth 1) over arrays ``a`` (n
    values) and ``b`` (n x m); the values it stores in ``out``."""
    source = "def body(a, b, out):\n" + "\n".join(lines) + "\n"
    scope = {}
    exec(source, scope)
    a, b = np.arange(n) * 1.5 + 2.0, np.arange(n * m).reshape(n, m) * 0.25 - 1.0
    out = {}
    scope["body"](a, b, out)
    return out


def loop(n, *statements):
    return [f"    for i in range({n}):", *(f"        {s}" for s in statements)]


def test_repeated_position_is_named_once_at_the_top_of_its_loop():
    lines = loop(5, f"out[i, 0] = a[{roll('i', 1, 5)}] * a[i]",
                 f"out[i, 1] = a[{roll('i', 1, 5)}] + a[{roll('i', 3, 5)}]")
    hoisted = hoisted_indices(lines)
    assert hoisted[1] == f"        i_1 = {roll('i', 1, 5)}"
    assert hoisted[2:] == ["        out[i, 0] = a[i_1] * a[i]",
                           f"        out[i, 1] = a[i_1] + a[{roll('i', 3, 5)}]"]
    assert run(hoisted, 5) == run(lines, 5)


def test_roll_of_roll_is_one_roll_or_the_index():
    once = "(" + roll("i", 2, 7) + ")"
    twice = roll("(" + roll("i", 1, 7) + ")", 6, 7)     # rolled by 1, then by 6: back
    thrice = roll("(" + roll(once, 3, 7) + ")", 4, 7)    # 2 + 3 + 4 = 9 = 2 (mod 7)
    lines = loop(7, f"out[i, 0] = a[{twice}]", f"out[i, 1] = a[{thrice}]")
    hoisted = hoisted_indices(lines)
    assert hoisted[1:] == ["        out[i, 0] = a[i]", f"        out[i, 1] = a[{roll('i', 2, 7)}]"]
    assert run(hoisted, 7) == run(lines, 7)


@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("extent", ["n", "2n"])
def test_every_composition_of_rolls_and_offsets_reads_the_same(n, extent):
    # Every roll of the index, of the index plus 0..n, and of a roll, at
    # every index of a loop over the rolls' extent (where the exact ones
    # become one roll) and over twice it (where none may): the same values
    # as the code as written.  Out-of-range reads give 0.0, so a position
    # that changed anywhere would show.
    inner = ["i", *(f"i + {c}" for c in range(n + 1)), *(roll("i", s, n) for s in range(1, n))]
    positions = [roll("(" + x + ")", s, n) for x, s in itertools.product(inner, range(1, n))]
    statements = [f"out[i, {k}] = (b[{p}, 0] if 0 <= {p} < {n} else 0.0) + b[i % {n}, 1]"
                  for k, p in enumerate(positions)]
    lines = loop(n if extent == "n" else 2 * n, *statements)
    hoisted = hoisted_indices(lines)
    assert run(hoisted, 2 * n) == run(lines, 2 * n)
    nested = sum(line.count(") + ") for line in hoisted)
    assert nested < sum(line.count(") + ") for line in lines) if extent == "n" else nested


def test_loop_that_assigns_its_index_is_left_alone():
    lines = loop(4, f"out[i, 0] = a[{roll('i', 1, 4)}]", f"out[i, 1] = a[{roll('i', 1, 4)}]",
                 "i = 0")
    assert hoisted_indices(lines) == lines


def test_positions_of_other_names_and_constants_stay():
    lines = ["    k = 2",
             *loop(4, f"out[i, 0] = a[{roll('k', 1, 4)}] + a[0 + 1]",
                   f"out[i, 1] = a[{roll('k', 1, 4)}] + a[0 + 1]")]
    assert hoisted_indices(lines) == lines


def test_outer_index_positions_move_out_of_inner_loops():
    lines = ["    for i in range(4):", "        for j in range(3):",
             f"            out[i, j] = b[{roll('i', 1, 4)}, j] + b[{roll('i', 1, 4)}, 2 - j]"]
    hoisted = hoisted_indices(lines)
    assert hoisted[:3] == ["    for i in range(4):", f"        i_1 = {roll('i', 1, 4)}",
                           "        for j in range(3):"]
    assert run(hoisted, 4) == run(lines, 4)


def test_output_does_not_depend_on_the_hash_seed():
    # Part names are hashes of the source: the same kernel must come out
    # the same in every process.
    script = ("from numjac.runtime.codegen.hoisting import hoisted_indices\n"
              f"print(hoisted_indices({loop(9, *_many_positions())!r}))")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env={"PYTHONHASHSEED": seed}, check=True).stdout
               for seed in ("1", "2", "3")}
    assert len(outputs) == 1


def _many_positions():
    return [f"out[i, {s}] = a[{roll('i', s, 9)}] + a[{roll('i', s, 9)}] + a[i + {s}]"
            for s in range(1, 9)]


@pytest.mark.parametrize("transform", [nj.jacrev, nj.jacfwd])
def test_rk4_kernel_reads_rolls_of_rolls_as_one_roll(transform):
    x = np.random.default_rng(5).normal(size=12)
    check_backends(transform(rk4_steps), [x])
    source = nj.jit(transform(rk4_steps), backend="numba").lower(x).source
    # No roll of a roll is left: its position would start with a
    # parenthesized position, "(v + 1 - 12 * (v >= 11)) + ...".
    assert not re.search(r"\(\w+ \+ \d+ - 12 \* \(\w+ >= \d+\)\) \+", source)
    assert re.search(r"^\s+\w+ = \w+ \+ \d+ - 12 \* \(\w+ >= \d+\)$", source, re.MULTILINE)
    jacobian = transform(rk4_steps)(x)
    step = 1e-6
    columns = [(rk4_steps(x + step * e) - rk4_steps(x - step * e)) / (2 * step)
               for e in np.eye(12)]
    np.testing.assert_allclose(jacobian, np.stack(columns, axis=1), rtol=1e-6, atol=1e-8)
