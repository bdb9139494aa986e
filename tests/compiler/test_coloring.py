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


def test_checks_reject_bad_colorings():
    path = sp.diags_array([np.ones(3), np.ones(4), np.ones(3)], offsets=[-1, 0, 1]).tocsr()
    assert not coloring.is_column_coloring(path, np.array([0, 1, 0, 1]))
    assert coloring.is_column_coloring(path, np.array([0, 1, 2, 0]))
    assert not coloring.is_star_coloring(path, np.array([0, 1, 0, 1]))   # a two-colored path
    assert coloring.is_star_coloring(path, np.array([0, 1, 2, 0]))
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
