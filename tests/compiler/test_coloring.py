"""Colorings (compiler/coloring.py): on random patterns every coloring has
its defining property, and the entries read back from the compressed
product of a random matrix with that pattern are its entries."""
import numpy as np
import pytest
import scipy.sparse as sp

from numjac.compiler import coloring


def random_pattern(rng, shape, density):
    pattern = sp.random_array(shape, density=density, rng=rng, format="csr")
    pattern.data[:] = 1.0
    return pattern


def symmetric_pattern(rng, n, density):
    half = random_pattern(rng, (n, n), density)
    return sp.csr_array(half + half.T + sp.eye_array(n))


def seeds(colors, n):
    s = np.zeros((n, int(colors.max(initial=-1)) + 1))
    s[np.arange(n), colors] = 1.0
    return s


CASES = [(seed, density) for seed in range(40) for density in (0.05, 0.2, 0.5)]


@pytest.mark.parametrize("seed,density", CASES)
def test_column_and_row_colorings_recover_every_entry(seed, density):
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(1, 30, 2))
    pattern = random_pattern(rng, shape, density)
    values = pattern.toarray() * rng.normal(size=shape)
    for layout in ("csr", "csc"):
        rows, cols = coloring.entries(pattern, layout)
        for by_columns in (True, False):
            colors = (coloring.column_coloring if by_columns else coloring.row_coloring)(pattern)
            assert coloring.is_column_coloring(pattern if by_columns else pattern.T, colors)
            compressed = (values @ seeds(colors, shape[1])).T if by_columns \
                else seeds(colors, shape[0]).T @ values
            gather = coloring.direct_recovery(rows, cols, colors, shape, by_columns)
            assert np.array_equal(compressed.ravel()[gather], values[rows, cols])


@pytest.mark.parametrize("seed,density", CASES)
def test_star_coloring_recovers_every_entry(seed, density):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    pattern = symmetric_pattern(rng, n, density)
    colors = coloring.star_coloring(pattern)
    assert coloring.is_star_coloring(pattern, colors)
    values = pattern.toarray() * rng.normal(size=(n, n))
    values = values + values.T
    rows, cols = coloring.entries(pattern)
    compressed = (values @ seeds(colors, n)).T
    gather = coloring.star_recovery(rows, cols, colors, n)
    assert np.allclose(compressed.ravel()[gather], values[rows, cols], rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed,density", CASES)
def test_acyclic_coloring_recovers_every_entry(seed, density):
    """Valid (no two-colored cycle), never more colors than the star
    coloring, and the recovery map gives every entry of a random symmetric
    matrix with the pattern from its compressed product."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    pattern = symmetric_pattern(rng, n, density)
    colors = coloring.acyclic_coloring(pattern)
    assert coloring.is_acyclic_coloring(pattern, colors)
    assert colors.max() <= coloring.star_coloring(pattern).max()
    values = pattern.toarray() * rng.normal(size=(n, n))
    values = values + values.T
    rows, cols = coloring.entries(pattern, "csc" if seed % 2 else "csr")
    compressed = (values @ seeds(colors, n)).T
    recovery = coloring.acyclic_recovery(rows, cols, colors, n)
    assert np.allclose(recovery @ compressed.ravel(), values[rows, cols], rtol=0, atol=1e-10)


def test_acyclic_coloring_of_a_grid_saves_colors():
    """A 5-point stencil on a 10 x 10 grid plus diagonal neighbours."""
    grid = np.arange(100).reshape(10, 10)
    pairs = [(grid[:, 1:], grid[:, :-1]), (grid[1:, :], grid[:-1, :]),
             (grid[1:, 1:], grid[:-1, :-1])]
    rows = np.concatenate([a.ravel() for a, _ in pairs] + [np.arange(100)])
    cols = np.concatenate([b.ravel() for _, b in pairs] + [np.arange(100)])
    half = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(100, 100))
    pattern = sp.csr_array(half + half.T)
    acyclic, star = coloring.acyclic_coloring(pattern), coloring.star_coloring(pattern)
    assert coloring.is_acyclic_coloring(pattern, acyclic)
    assert acyclic.max() < star.max()


def test_acyclic_recovery_is_bounded():
    """A two-colored path of n vertices needs about n^2 / 4 terms: refused
    past the bound, which the callers use to fall back on a star coloring."""
    n = 200
    path = sp.diags_array([np.ones(n - 1), np.ones(n), np.ones(n - 1)],
                          offsets=[-1, 0, 1]).tocsr()
    colors = coloring.acyclic_coloring(path)
    assert colors.max() + 1 == 2
    rows, cols = coloring.entries(path)
    assert coloring.acyclic_recovery(rows, cols, colors, n, 4 * len(rows)) is None
    assert coloring.acyclic_recovery(rows, cols, colors, n).nnz > n * n / 4


def test_checks_reject_bad_colorings():
    path = sp.diags_array([np.ones(3), np.ones(4), np.ones(3)], offsets=[-1, 0, 1]).tocsr()
    assert not coloring.is_column_coloring(path, np.array([0, 1, 0, 1]))
    assert coloring.is_column_coloring(path, np.array([0, 1, 2, 0]))
    assert not coloring.is_star_coloring(path, np.array([0, 1, 0, 1]))   # a two-colored path
    assert coloring.is_star_coloring(path, np.array([0, 1, 2, 0]))
    cycle = sp.csr_array(path + sp.csr_array(([1.0, 1.0], ([0, 3], [3, 0])), shape=(4, 4)))
    assert not coloring.is_acyclic_coloring(cycle, np.array([0, 1, 0, 1]))  # a 2-colored 4-cycle
    assert coloring.is_acyclic_coloring(cycle, np.array([0, 1, 0, 2]))
    assert not coloring.is_acyclic_coloring(path, np.array([0, 0, 1, 2]))   # neighbours alike
    with pytest.raises(ValueError, match="not an acyclic coloring"):
        rows, cols = coloring.entries(cycle)
        coloring.acyclic_recovery(rows, cols, np.array([0, 1, 0, 1]), 4)
    with pytest.raises(ValueError, match="not a star coloring"):
        rows, cols = coloring.entries(path)
        coloring.star_recovery(rows, cols, np.array([0, 1, 0, 1]), 4)


def test_banded_patterns_need_few_colors():
    n = 500
    tridiagonal = sp.diags_array([np.ones(n - 1), np.ones(n), np.ones(n - 1)],
                                 offsets=[-1, 0, 1]).tocsr()
    assert coloring.column_coloring(tridiagonal).max() + 1 == 3
    assert coloring.row_coloring(tridiagonal).max() + 1 == 3
    assert coloring.star_coloring(tridiagonal).max() + 1 == 3
    arrow = sp.lil_array((n, n))
    arrow[0, :] = 1
    arrow[:, 0] = 1
    arrow.setdiag(1)
    # One dense row and column: a column coloring needs n colors, a star coloring 2.
    assert coloring.star_coloring(arrow).max() + 1 == 2
