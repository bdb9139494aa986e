"""NumPy's scalar types are not replaced while a thread traces (docs/guide.md,
"Casts while tracing"): Numba compiling meanwhile, in another thread, types np.int64 &
co as globals, calls and dtype arguments as it always does.  A look-alike
subclass would not do: Numba types a class as a NumPy scalar type only if
``type(cls) is type`` (numba.np.numpy_support.from_dtype)."""
import numba
import numpy as np
import pytest

import numjac as nj
from tests.frontend.test_scalar_casts import through_float32, through_int
from tests.helpers import check_backends
from tests.runtime.test_replaced_numpy_in_numba import another_thread_tracing

# name -> a maker of a new function of n (each compile starts afresh)
USES = {
    "int64_call": lambda: lambda n: np.int64(n * 1.5),
    "float64_call": lambda: lambda n: np.float64(n) / 2,
    "float32_call": lambda: lambda n: np.float32(n) / np.float32(3),
    "int32_call": lambda: lambda n: np.int32(n) + np.int32(1),
    "bool_call": lambda: lambda n: np.bool_(n),
    "intp_call": lambda: lambda n: np.intp(n),
    "zeros_dtype": lambda: lambda n: np.zeros(n, dtype=np.float32).sum(),
    "empty_dtype": lambda: lambda n: np.empty(n, np.int64).size,
    "astype": lambda: lambda n: (np.arange(n) * 1.5).astype(np.int32).sum(),
    "astype_uint8": lambda: lambda n: np.arange(n).astype(np.uint8)[-1],
}


@pytest.mark.parametrize("use", USES)
def test_numba_types_scalar_types_during_and_after_a_trace(use):
    expected = USES[use]()(3)
    with another_thread_tracing():
        got = numba.njit(USES[use]())(3)
    assert got == expected
    assert numba.njit(USES[use]())(3) == expected


def test_numba_compiles_a_scalar_type_call_inside_a_trace():
    """Concrete work a traced function does with Numba (not on traced values)."""
    count = numba.njit(lambda n: np.int64(n * 1.5) + np.zeros(n, np.float32).size)

    def f(x):
        return x * count(3)
    assert nj.jit(f)(np.ones(2)).tolist() == [7.0, 7.0]


@pytest.mark.parametrize("transform", [nj.grad, nj.jacrev, nj.hessian])
@pytest.mark.parametrize("fn", [through_int, through_float32])
def test_astype_derivatives_compile(fn, transform):
    """The cast the errors suggest, on Numba as on the interpreter."""
    check_backends(transform(fn), (np.array([0.3, 1.7, 2.2]),))
