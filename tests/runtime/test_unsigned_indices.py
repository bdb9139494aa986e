"""Gathers and scatters with unsigned indices (the compressed Jacobians'
staged positions, frontend/transforms/compressed.py) read them as they
are: no wrap of negative indices, and the same values as the interpreter
and as NumPy."""
import numpy as np
import pytest

from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.primitives.base import zeros
from numjac.compiler.primitives.indexing import scatter, scatter_add, take
from numjac.runtime.dispatch import compile_ir, kernel_source
from numjac.runtime.interpreter import evaluate

X = np.linspace(-1.0, 2.0, 12)
POSITIONS = np.array([11, 0, 3, 3, 7, 10], dtype=np.uint64)     # a repeat: scatter_add sums


def _ir(emit):
    builder = Builder()
    with builder:
        x = builder.new_input(AType(np.float64, X.shape))
        idx = builder.new_input(AType(np.uint64, POSITIONS.shape))
        return builder.build([emit(x, idx)])


PROGRAMS = {
    "take": (lambda x, idx: take(x, idx, 0), lambda x, idx: x[idx]),
    "scatter_add": (lambda x, idx: scatter_add(idx, take(x, idx, 0), 0, 12),
                    lambda x, idx: np.bincount(idx.astype(np.intp), x[idx], minlength=12)),
    "scatter": (lambda x, idx: scatter(zeros(AType(np.float64, (12,))), idx,
                                       take(x, idx, 0), 0),
                lambda x, idx: _written(x, idx)),
}


def _written(x, idx):
    out = np.zeros(12)
    out[idx] = x[idx]
    return out


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_unsigned_indices_are_read_without_a_wrap(name):
    emit, expected = PROGRAMS[name]
    ir = _ir(emit)
    assert ">= 0 else" not in kernel_source(ir), kernel_source(ir)
    numba_out = compile_ir(ir, "numba")(X, POSITIONS)[0]
    np.testing.assert_array_equal(numba_out, evaluate(ir, X, POSITIONS)[0])
    np.testing.assert_allclose(numba_out, expected(X, POSITIONS), rtol=1e-15)


def test_signed_indices_still_wrap():
    builder = Builder()
    with builder:
        x = builder.new_input(AType(np.float64, X.shape))
        idx = builder.new_input(AType(np.int64, (2,)))
        ir = builder.build([take(x, idx, 0)])
    assert ">= 0 else" in kernel_source(ir)
    np.testing.assert_array_equal(compile_ir(ir, "numba")(X, np.array([-1, 2]))[0], X[[-1, 2]])
