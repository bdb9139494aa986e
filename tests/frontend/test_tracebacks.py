"""Errors reach the user with their own line first and numjac's frames
removed (frontend/tracebacks.py); NUMJAC_TRACEBACK=full keeps every frame.
Also the messages of two common mistakes: a matmul of misfit shapes and an
unsupported NumPy call."""
import re
import traceback
from pathlib import Path

import numpy as np
import pytest

import numjac as nj
from numjac import compiler, runtime, staging

# The folders of numjac's modules (the package and its two subpackages,
# which an editable install keeps apart).
NUMJAC_DIRS = tuple(str(Path(m.__file__).parent) for m in (nj, compiler, runtime))
X = np.linspace(0.1, 0.6, 6).reshape(2, 3)


def _raised(call) -> BaseException:
    try:
        call()
    except Exception as error:    # noqa: BLE001 - the test inspects whatever is raised
        return error
    raise AssertionError("nothing was raised")


def _frames(error):
    return traceback.extract_tb(error.__traceback__)


def _numjac_frames(error) -> list:
    return [f for f in _frames(error) if f.filename.startswith(NUMJAC_DIRS)]


def _line_of(marker: str) -> int:
    """The line of this file that carries the comment ``# <marker>``."""
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith(f"# {marker}"))


def _users_first_line(error) -> int:
    """The line of the innermost frame of this file: the user's line the
    traceback shows first, counting from the raise point."""
    return next(f.lineno for f in reversed(_frames(error)) if f.filename == __file__)


# -- the user's mistakes, each in a line of its own --------------------------

def branches_on_a_value(x):
    if x[0, 0] > 0:     # mistake: branch
        return x
    return -x


def multiplies_misfit_shapes(x):
    return np.sin(x) @ np.ones((4, 2))     # mistake: matmul


def calls_unsupported(x):
    return np.sum(np.unique(x))     # mistake: unsupported


def indexes_out_of_bounds(x):
    return x[0, 7]     # mistake: index


def helper_with_mistake(x):
    return np.dot(x, np.ones(5))     # mistake: dot


def calls_a_helper(x):
    return np.sum(helper_with_mistake(x))


MISTAKES = [
    (lambda: nj.jit(branches_on_a_value)(X), nj.ConcretizationError, "branch"),
    (lambda: nj.jacrev(multiplies_misfit_shapes)(X), ValueError, "matmul"),
    (lambda: nj.grad(calls_unsupported)(X), nj.UnsupportedOperationError, "unsupported"),
    (lambda: nj.vmap(indexes_out_of_bounds)(X[None]), IndexError, "index"),
    (lambda: nj.jacfwd(nj.jacrev(calls_a_helper))(X), ValueError, "dot"),
    (lambda: nj.vjp(branches_on_a_value, X), nj.ConcretizationError, "branch"),
    (lambda: nj.jvp(multiplies_misfit_shapes, (X,), (X,)), ValueError, "matmul"),
    (lambda: nj.linearize(calls_unsupported, X), nj.UnsupportedOperationError, "unsupported"),
    (lambda: nj.make_ir(indexes_out_of_bounds)(X), IndexError, "index"),
    (lambda: nj.jit(calls_a_helper).lower(X), ValueError, "dot"),
    (lambda: nj.jacobian(branches_on_a_value, X), nj.ConcretizationError, "branch"),
]


@pytest.mark.parametrize("call, kind, marker", MISTAKES,
                         ids=[f"{m}-{i}" for i, (_, _, m) in enumerate(MISTAKES)])
def test_a_mistake_shows_the_users_line_first_and_no_numjac_frame(call, kind, marker):
    error = _raised(call)
    assert type(error) is kind or isinstance(error, kind)
    assert _users_first_line(error) == _line_of(f"mistake: {marker}")
    assert _numjac_frames(error) == []


def test_a_mistaken_argument_shows_the_users_call():
    error = _raised(lambda: nj.jacrev(np.sin, argnums="first"))  # mistake: argnums
    assert isinstance(error, TypeError) and "argnums" in str(error)
    assert _users_first_line(error) == _line_of("mistake: argnums")
    assert _numjac_frames(error) == []


def test_a_mistaken_cotangent_shows_the_users_call_of_vjp_fn():
    _, vjp_fn = nj.vjp(np.sin, X)
    error = _raised(lambda: vjp_fn(np.ones(5)))     # mistake: cotangent
    assert isinstance(error, ValueError)
    assert _users_first_line(error) == _line_of("mistake: cotangent")
    assert _numjac_frames(error) == []


def test_a_failing_kernel_on_the_fast_path_shows_the_users_call():
    take = nj.jit(lambda x, i: x[i])
    take(X[0], np.array(1))                         # staged; later calls take the fast path
    error = _raised(lambda: take(X[0], np.array(9)))     # mistake: kernel index
    assert isinstance(error, IndexError)
    assert _users_first_line(error) == _line_of("mistake: kernel index")
    assert _numjac_frames(error) == []


def test_the_environment_variable_keeps_every_frame(monkeypatch):
    monkeypatch.setenv("NUMJAC_TRACEBACK", "full")
    error = _raised(lambda: nj.jacrev(multiplies_misfit_shapes)(X))
    files = {Path(f.filename).name for f in _numjac_frames(error)}
    assert {"staging.py", "tracer.py", "linalg.py"} <= files
    # The raise point is numjac's handler, below the user's line.
    assert _frames(error)[-1].filename.startswith(NUMJAC_DIRS)
    assert _users_first_line(error) == _line_of("mistake: matmul")


def test_type_message_and_chained_cause_are_the_ones_raised():
    cause = KeyError("missing")
    raised = LookupError("the user's own error")

    def fails(x):
        try:
            raise cause
        except KeyError as error:
            raise raised from error     # mistake: chained

    error = _raised(lambda: nj.grad(lambda x: np.sum(fails(x)))(X))
    assert error is raised and error.__cause__ is cause
    assert _users_first_line(error) == _line_of("mistake: chained")
    assert _numjac_frames(error) == []
    text = "".join(traceback.format_exception(error))
    assert "KeyError: 'missing'" in text and "direct cause" in text


def test_an_internal_error_keeps_its_frames(monkeypatch):
    """An error of numjac's own code that is no user's mistake is a bug in
    numjac: its traceback keeps every frame, for the report."""
    monkeypatch.setattr(staging, "simplify", {}.pop)    # fails inside staging.trace
    error = _raised(lambda: nj.jit(np.sin)(X))
    assert isinstance(error, KeyError)
    assert "staging.py" in {Path(f.filename).name for f in _numjac_frames(error)}


# -- the messages --------------------------------------------------------------

def test_a_matmul_shape_error_speaks_of_matmul_with_the_operand_shapes():
    expected = ("matmul: input operand 1 has a mismatch in its core dimension 0 "
                "(size 4 is different from 3): operand shapes (2, 3) and (4, 2)")
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        nj.jit(multiplies_misfit_shapes)(X)
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        nj.jit(lambda x: np.matmul(x, np.ones((4, 2))))(X)
    # NumPy's own message names the same operand and sizes.
    with pytest.raises(ValueError, match=r"operand 1 has a mismatch in its core dimension 0.*"
                                         r"\(size 4 is different from 3\)"):
        np.matmul(X, np.ones((4, 2)))


def test_a_matmul_of_vectors_and_stacks_names_the_shapes():
    with pytest.raises(ValueError, match=r"^matmul: .*\(size 4 is different from 3\): "
                                         r"operand shapes \(3,\) and \(4,\)$"):
        nj.jit(lambda x: x[0] @ np.ones(4))(X)
    with pytest.raises(ValueError, match=r"^matmul: the batch dimensions \(2,\) and \(5,\) "
                                         r"of operand shapes \(2, 2, 3\) and \(5, 3, 1\) "
                                         r"do not broadcast together$"):
        nj.jit(lambda x: np.stack([x, x]) @ np.ones((5, 3, 1)))(X)


def test_a_dot_shape_error_is_numpys():
    with pytest.raises(ValueError) as numpy_error:
        np.dot(X, np.ones(5))
    with pytest.raises(ValueError, match=r"^dot: shapes \(2, 3\) and \(5,\) not aligned: "
                                         r"3 \(dim 1\) != 5 \(dim 0\)$"):
        nj.jit(helper_with_mistake)(X)
    assert "not aligned: 3 (dim 1) != 5 (dim 0)" in str(numpy_error.value)


def test_an_unsupported_call_points_to_the_coverage_table():
    with pytest.raises(nj.UnsupportedOperationError) as error:
        nj.jit(calls_unsupported)(X)
    message = str(error.value)
    assert message.startswith("numpy.unique is not supported by numjac")
    assert "docs/coverage.md" in message
    coverage = Path(__file__).parents[2] / "docs" / "coverage.md"
    assert "`numpy.sum`" in coverage.read_text()
    with pytest.raises(nj.UnsupportedOperationError, match=r"where=.*docs/coverage\.md"):
        nj.jit(lambda x: np.sum(x, where=x > 0))(X)
