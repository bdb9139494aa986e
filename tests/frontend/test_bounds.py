"""Index bounds (docs/guide.md, "Index bounds"): out-of-range indices raise
NumPy's IndexError, when traced for static ones, when the kernel runs for
traced ones, under every transform; in-range ones (negative ones wrap) give
NumPy's values and derivatives.  Here on the interpreter; Numba in
tests/runtime/test_bounds.py."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives.indexing import check_index, check_index_p
from numjac.tracer import to_atom, wrap
from tests.bounds_cases import GATHERS, TRANSFORMS, X1, X2, assert_out_of_bounds


@pytest.mark.parametrize("run", TRANSFORMS)
@pytest.mark.parametrize("f, x, index, message", GATHERS)
def test_traced_index_out_of_range_raises(run, f, x, index, message):
    assert_out_of_bounds(run, f, x, index, message)


# -- static indices: IndexError while tracing ----------------------------------------

STATIC = [
    (lambda x: x[4], "index 4 is out of bounds for axis 0 with size 4"),
    (lambda x: x[-5], "index -5 is out of bounds for axis 0 with size 4"),
    (lambda x: x[1, 3], "index 3 is out of bounds for axis 1 with size 3"),
    (lambda x: x[[0, 9]], "index 9 is out of bounds for axis 0 with size 4"),
    (lambda x: x[:, [-4]], "index -4 is out of bounds for axis 1 with size 3"),
    (lambda x: np.take(x, [1, 12]), "index 12 is out of bounds for axis 0 with size 12"),
    (lambda x: np.take_along_axis(x, np.array([[5, 0, 0]]), axis=0),
     "index 5 is out of bounds for axis 0 with size 4"),
]


@pytest.mark.parametrize("f, message", STATIC)
def test_static_index_out_of_range_raises_when_traced(f, message):
    with pytest.raises(IndexError, match=f"^{message}$"):
        nj.make_ir(f)(X2)
    with pytest.raises(IndexError, match=f"^{message}$"):
        nj.grad(lambda x: np.sum(f(x)))(X2)


def test_slice_bounds_are_clipped_as_numpy_does():
    f = nj.jit(lambda x: (x[2:10], x[-10:2], x[5:], x[::-7], x[10:-10:-1]))
    for got, expected in zip(f(X1), (X1[2:10], X1[-10:2], X1[5:], X1[::-7], X1[10:-10:-1])):
        np.testing.assert_array_equal(got, expected)


# -- in-range indices: NumPy's values and derivatives ---------------------------------

IN_RANGE = [
    (lambda x, i: x[i], X1, -1),
    (lambda x, i: x[i], X2, -4),
    (lambda x, i: x[i], X2, np.array([[3, -1], [0, -4]])),
    (lambda x, i: x[i, i % 3], X2, np.array([-1, 2, 2])),
    (lambda x, i: x[:, i], X2, np.array([-3, 2])),
    (lambda x, i: np.take(x, i), X2, np.array([-12, 11])),
    (lambda x, i: np.take_along_axis(x, i, axis=1), X2, np.array([[-1], [0], [2], [-3]])),
]


@pytest.mark.parametrize("f, x, index", IN_RANGE)
def test_in_range_indices_match_numpy(f, x, index):
    np.testing.assert_array_equal(nj.jit(f)(x, index), f(x, index))


@pytest.mark.parametrize("f, x, index", IN_RANGE)
def test_gradient_through_in_range_indices(f, x, index):
    # d/dx sum(f(x)**2) = 2 f(x) added back at every position it was read from.
    positions = np.arange(x.size).reshape(x.shape)
    read = f(positions, index).ravel()
    expected = np.zeros(x.size)
    np.add.at(expected, read, 2 * x.ravel()[read])
    got = nj.grad(lambda x, i: np.sum(f(x, i) ** 2))(x, index)
    np.testing.assert_allclose(got, expected.reshape(x.shape))


def test_vmap_of_in_range_indices_matches_a_loop():
    indices = np.array([[1, -1], [-4, 0], [2, 3]])
    got = nj.vmap(lambda x, i: x[i], in_dims=(None, 0), chunk_size=2)(X2, indices)
    np.testing.assert_array_equal(got, np.stack([X2[i] for i in indices]))


# -- the check primitive --------------------------------------------------------------

def _checked(i):
    return wrap(check_index(to_atom(i), 4, 1))


def test_check_index_passes_indices_in_range_and_raises_outside():
    ir = nj.make_ir(_checked)(np.array([0, -1, 3]))
    assert [e.prim for e in ir.eqns] == [check_index_p]
    checked = nj.jit(_checked)(np.array([0, -1, 3, -4], np.int32))
    assert checked.dtype == np.int64
    np.testing.assert_array_equal(checked, [0, -1, 3, -4])
    with pytest.raises(IndexError, match="^index -5 is out of bounds for axis 1 with size 4$"):
        nj.jit(_checked)(np.array([0, -5]))


def test_huge_index_raises_in_a_subprocess_on_numba():
    """The index 10**10 used to crash the process (SIGSEGV)."""
    script = textwrap.dedent("""
        import numpy as np, numjac as nj
        for f in (lambda x, i: x[i], lambda x, i: np.take(x, i), nj.grad(lambda x, i: x[i])):
            try:
                nj.jit(f, backend="numba")(np.arange(4.0), 10**10)
            except IndexError as error:
                print(error)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["index 10000000000 is out of bounds for axis 0 "
                                        "with size 4"] * 3
