"""Graph colorings that compress a sparse Jacobian or Hessian, and how to
read the entries back from the compressed product.

- ``column_coloring(pattern)``: columns sharing no row may share a color
  (a distance-2 coloring of the bipartite row/column graph).  ``J @ S``,
  with ``S[j, c] = 1`` where column j has color c, holds every entry
  ``J[i, j]`` alone at ``(i, color[j])``: one jvp per color.
- ``row_coloring(pattern)``: the same for rows (one vjp per color).
- ``star_coloring(pattern)``: for a symmetric pattern, a distance-1
  coloring of its graph in which every path on four vertices uses at least
  three colors.  Then each ``H[i, j]`` is alone in row i of ``H @ S`` or in
  row j (``star_recovery``), usually with fewer colors than a column
  coloring.

Each is greedy (smallest allowed color, vertices in order) and tries three
orders, keeping the fewest colors: the natural one, largest degree first,
and reverse Cuthill-McKee (a breadth-first order, which for coupled fields
such as the Brusselator's u and v interleaves them: 4 colors instead of 6).  The
``is_*`` checks state the properties directly, for the tests.
"""
from __future__ import annotations

import numpy as np


def _structure(matrix):
    import scipy.sparse as sp   # here, not at the top: importing SciPy costs a fifth of a second
    matrix = sp.csr_array(matrix)
    matrix.sum_duplicates()
    return matrix


def _orders(graph, neighbors):
    """Vertex orders to try, for the graph with the symmetric 0/1 matrix
    ``graph`` and these neighbor lists."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import reverse_cuthill_mckee
    degrees = np.array([len(n) for n in neighbors])
    return (np.arange(len(neighbors)), np.argsort(-degrees, kind="stable"),
            reverse_cuthill_mckee(sp.csr_matrix(graph), symmetric_mode=True))


def _greedy(neighbors, order, forbidden_colors):
    """Color vertices in ``order``; ``forbidden_colors(v, colors)`` lists the
    colors v may not take given the colors so far (-1: uncolored)."""
    colors = np.full(len(neighbors), -1, dtype=np.int64)
    for v in order:
        forbidden = set(forbidden_colors(v, colors))
        color = 0
        while color in forbidden:
            color += 1
        colors[v] = color
    return colors


def _fewest(candidates):
    return min(candidates, key=lambda c: (c.max(initial=-1), list(c)))


def _adjacency(matrix) -> list:
    """Per vertex of the graph with ``matrix``'s off-diagonal nonzeros as
    edges, its neighbors."""
    matrix = _structure(matrix)
    lists = np.split(matrix.indices, matrix.indptr[1:-1])
    return [row[row != v] for v, row in enumerate(lists)]


def column_coloring(pattern) -> np.ndarray:
    """A color per column; columns with a common nonzero row differ."""
    pattern = _structure(pattern)
    conflict = _structure(pattern.T @ pattern)
    neighbors = _adjacency(conflict)

    def forbidden(v, colors):
        return colors[neighbors[v]]
    return _fewest([_greedy(neighbors, order, forbidden)
                    for order in _orders(conflict, neighbors)])


def row_coloring(pattern) -> np.ndarray:
    """A color per row; rows with a common nonzero column differ."""
    return column_coloring(_structure(pattern).T)


def star_coloring(pattern) -> np.ndarray:
    """A star coloring of the symmetric ``pattern``'s graph (see above)."""
    neighbors = _adjacency(pattern)
    return _fewest([_star_greedy(neighbors, order)
                    for order in _orders(_structure(pattern), neighbors)])


def _star_greedy(neighbors, order):
    # count[x][c]: how many neighbors of x have color c, kept as colors are
    # given, so that "x has another neighbor colored like w" is a lookup.
    count = [dict() for _ in neighbors]

    def forbidden(v, colors):
        banned = set()
        by_color: dict = {}
        for w in neighbors[v]:
            cw = colors[w]
            if cw < 0:
                # w is not colored yet: v may not repeat any color around w,
                # or w's color could close a two-colored path later.
                banned.update(c for c in colors[neighbors[w]] if c >= 0)
                continue
            banned.add(cw)
            by_color.setdefault(cw, []).append(w)
            for x in neighbors[w]:
                # path v-w-x-y with color(v) = color(x), color(w) = color(y)
                if x != v and colors[x] >= 0 and count[x].get(cw, 0) >= 2:
                    banned.add(colors[x])
        for same in by_color.values():
            if len(same) > 1:       # path u-v-w-x with color(u) = color(w)
                for w in same:
                    banned.update(c for c in colors[neighbors[w]] if c >= 0)
        return banned

    colors = np.full(len(neighbors), -1, dtype=np.int64)
    for v in order:
        banned = forbidden(v, colors)
        color = 0
        while color in banned:
            color += 1
        colors[v] = color
        for x in neighbors[v]:
            count[x][color] = count[x].get(color, 0) + 1
    return colors


# -- reading entries back -------------------------------------------------------------------

def entries(pattern, layout: str = "csr"):
    """``(rows, cols)`` of the stored entries of ``pattern``, in the order of
    its CSR form (also COO's) or, for "csc", of its CSC form."""
    matrix = _structure(pattern)
    matrix.sort_indices()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    cols = matrix.indices
    if layout == "csc":
        order = np.lexsort((rows, cols))
        return rows[order], cols[order]
    return rows, cols


def direct_recovery(rows, cols, colors, shape, by_columns: bool) -> np.ndarray:
    """For each entry (rows[k], cols[k]), its flat index in the compressed
    product laid out (color, row) for a column coloring, (color, column)
    for a row coloring."""
    if by_columns:
        return colors[cols] * shape[0] + rows
    return colors[rows] * shape[1] + cols


def star_recovery(rows, cols, colors, n: int) -> np.ndarray:
    """For each entry (i, j) of a symmetric pattern (all of its entries
    given), its flat index in ``H @ S`` laid out (color, row): ``(color[j],
    i)`` when j is the only neighbor of i with its color, else ``(color[i],
    j)``."""
    import scipy.sparse as sp
    # How many entries of row i have each color: unique means a count of 1.
    per_row_color = sp.csr_array((np.ones(len(cols)), (rows, colors[cols])),
                                 shape=(n, int(colors.max(initial=-1)) + 1))
    per_row_color.sum_duplicates()
    alone = per_row_color[rows, colors[cols]] == 1
    if not np.all(alone | (per_row_color[cols, colors[rows]] == 1)):
        raise ValueError("not a star coloring: an entry cannot be read back")
    return np.where(alone, colors[cols] * n + rows, colors[rows] * n + cols)


# -- the properties, stated directly ------------------------------------------------------

def is_column_coloring(pattern, colors) -> bool:
    pattern = _structure(pattern)
    for row in np.split(pattern.indices, pattern.indptr[1:-1]):
        if len(set(colors[row])) != len(row):
            return False
    return True


def is_star_coloring(pattern, colors) -> bool:
    """Distance-1 proper, and no path on four vertices in two colors."""
    neighbors = _adjacency(pattern)
    for v, around in enumerate(neighbors):
        if np.any(colors[around] == colors[v]):
            return False
    for w, around in enumerate(neighbors):
        for x in around:        # the middle edge w-x of a path v-w-x-y
            for v in around:
                if v != x and colors[v] == colors[x]:
                    for y in neighbors[x]:
                        if y not in (w, v) and colors[y] == colors[w]:
                            return False
    return True
