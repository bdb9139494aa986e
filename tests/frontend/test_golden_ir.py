"""Golden dumps: the IR of a few plain-NumPy functions under jvp, jacrev and
vmap (``nj.make_ir`` of the transformed function: the IR after every pass)
is exactly the text stored in tests/golden/<function>-<transform>.txt.

When a change to a pass is meant to change these dumps, rewrite them with
``NUMJAC_UPDATE_GOLDEN=1 python -m pytest tests/frontend/test_golden_ir.py``
and review the diff of tests/golden/ like code."""
import difflib
import os
import pathlib

import numpy as np
import pytest

import numjac as nj

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("NUMJAC_UPDATE_GOLDEN") == "1"

W = np.arange(12.0).reshape(3, 4) / 10     # closure constants: inputs of the IR
B = np.array([0.1, -0.2, 0.3])


def chain(x):
    return np.exp(np.sin(x)) * x + x * x


def layer(x):
    return np.tanh(W @ x + B)


def stencil(x):
    return np.tanh(x[1:] - x[:-1]) * x[1:]


def row_sums(x):
    return np.sum(np.sin(x) * W, axis=1)


def recurrence(x):
    """A loop (nj.scan): each body is dumped once, under its equation."""
    return nj.scan(lambda c, xi: (np.sin(c) * xi, c * xi), x[0], x)[1]


FUNCTIONS = {"chain": (chain, (5,)), "layer": (layer, (4,)),
             "stencil": (stencil, (6,)), "row_sums": (row_sums, (4,)),
             "recurrence": (recurrence, (3,))}


def jvp_ir(f, x):
    return nj.make_ir(lambda x, t: nj.jvp(f, (x,), (t,)))(x, np.ones_like(x))


def jacrev_ir(f, x):
    return nj.make_ir(nj.jacrev(f))(x)


def vmap_ir(f, x):
    return nj.make_ir(nj.vmap(f))(np.stack([x, 2 * x]))


TRANSFORMS = {"jvp": jvp_ir, "jacrev": jacrev_ir, "vmap": vmap_ir}


def golden_diff(path: pathlib.Path, got: str) -> str:
    """A unified diff from the stored text at ``path`` to ``got`` ('' if equal)."""
    expected = path.read_text() if path.exists() else ""
    lines = difflib.unified_diff(expected.splitlines(), got.splitlines(),
                                 f"{path.name} (stored)", f"{path.name} (now)", lineterm="")
    return "\n".join(lines)


def check_golden(name: str, got: str):
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(got)
        return
    diff = golden_diff(path, got)
    assert not diff, (f"the IR differs from tests/golden/{path.name}:\n{diff}\n"
                      "if the change is meant, rerun with NUMJAC_UPDATE_GOLDEN=1 "
                      "and review the diff of tests/golden/")


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_transformed_ir_matches_its_golden_dump(function, transform):
    f, shape = FUNCTIONS[function]
    x = np.linspace(-1.0, 1.0, np.prod(shape)).reshape(shape)
    ir = TRANSFORMS[transform](f, x)
    header = f"# nj.{transform} of {function}\n"
    check_golden(f"{function}-{transform}", header + str(ir) + "\n")


def test_golden_diff_shows_the_changed_lines(tmp_path):
    path = tmp_path / "probe.txt"
    path.write_text("ir(a:f64[3]):\n  b:f64[3] = sin a\n  return b\n")
    assert golden_diff(path, path.read_text()) == ""
    diff = golden_diff(path, "ir(a:f64[3]):\n  b:f64[3] = cos a\n  return b\n")
    assert "-  b:f64[3] = sin a\n+  b:f64[3] = cos a" in diff
    assert golden_diff(tmp_path / "missing.txt", "ir():\n").startswith("--- missing.txt")
