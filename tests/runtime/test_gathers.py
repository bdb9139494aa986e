"""A gather reading most of a computed operand reads it from memory:
the operand is computed once in a loop nest of its own (a concatenation
operand by operand), not recomputed with a choice per gathered element;
a gather of a few elements still recomputes them.  Both agree with the
interpreter."""
import numpy as np

import numjac as nj
from tests.helpers import check_backends

GATHER_ALL = np.random.default_rng(1).permutation(12)[np.arange(20) % 12]


def gather_most(x):
    """20 reads of a 12-element concatenation of computed halves."""
    both = np.concatenate([x * x + 1.0, 3.0 * x - x[::-1]])
    return both[GATHER_ALL] * 2.0


def gather_few(x):
    both = np.concatenate([x * x + 1.0, 3.0 * x - x[::-1]])
    return both[np.array([1, 10])]


def gather_most_reshaped(x):
    grid = (x[:, None] * np.arange(1.0, 4.0)[None, :] + 1.0).reshape(-1)
    return grid[np.array([17, 0, 3, 3, 5, 8, 1, 2, 9, 11, 13, 14, 16, 15])]


def source_of(f, x):
    return nj.jit(f, backend="numba").lower(x).source.split("\ndef kernel")[1]


def test_gather_of_most_elements_reads_a_stored_concatenation():
    x = np.linspace(-1.0, 1.0, 6)
    source = source_of(gather_most, x)
    # Each half written by a loop of its own; the gather reads memory.
    assert "] = (a[i0] * a[i0]) + 1.0" in source and "< 6" not in source, source
    check_backends(gather_most, [x])


def test_gather_of_few_elements_recomputes_them():
    x = np.linspace(-1.0, 1.0, 6)
    source = source_of(gather_few, x)
    assert "< 6" in source, source      # the choice is made per gathered element
    check_backends(gather_few, [x])


def test_gather_through_a_reshape_of_a_computed_grid():
    check_backends(gather_most_reshaped, [np.linspace(0.5, 2.0, 6)])


def test_output_reshaping_a_kernel_array_is_a_view_of_it():
    """The dense Hessian scattered flat is returned reshaped, not copied;
    the array it views is not a workspace (a new one per call)."""
    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    hessian = nj.jit(nj.hessian(rosenbrock), backend="numba")
    x = np.linspace(-1.0, 1.0, 70)
    source = hessian.lower(x).source
    assert ".reshape((70, 70))" in source, source
    first, second = hessian(x), hessian(2.0 * x)
    assert not np.shares_memory(first, second)
    check_backends(hessian, [x])


def test_gather_through_a_reshape_reads_a_flat_view():
    """No div/mod per gathered element: the stored grid is read through
    one reshaped view of it."""
    source = source_of(gather_most_reshaped, np.linspace(0.5, 2.0, 6))
    assert ".reshape((18,))" in source and "//" not in source, source


def reshaped_and_gathered(x):
    grid = (x[:, None] * np.arange(1.0, 4.0)[None, :] + 1.0).reshape(-1)
    return grid, grid[np.arange(grid.size)[::-1]]


def test_a_returned_reshape_is_not_a_reused_workspace():
    """A view returned as an output (120 KB, workspace-sized) is of a new
    array on each call, not of memory the next call overwrites."""
    f = nj.jit(reshaped_and_gathered, backend="numba")
    x = np.linspace(0.5, 2.0, 5000)
    first, _ = f(x)
    kept = first.copy()
    second, gathered = f(2.0 * x)
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_array_equal(gathered, second[::-1])
    check_backends(reshaped_and_gathered, [x])
