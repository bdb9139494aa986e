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
- ``acyclic_coloring(pattern)``: a distance-1 coloring in which every
  cycle uses at least three colors (the vertices of any two colors induce
  a forest).  Often fewer colors than a star coloring; an entry is then no
  longer alone in its row but is solved for along its two-colored tree
  (``acyclic_recovery``: a fixed linear map from the compressed product).

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


def acyclic_coloring(pattern) -> np.ndarray:
    """An acyclic coloring of the symmetric ``pattern``'s graph (see above)."""
    neighbors = _adjacency(pattern)
    return _fewest([_acyclic_greedy(neighbors, order)
                    for order in _orders(_structure(pattern), neighbors)])


class _Forests:
    """Per pair of colors, the components of the forest its vertices induce
    (a union-find on (pair, vertex) keys; absent keys are their own root)."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, key):
        root = key
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while key != root:      # path compression
            self.parent[key], key = root, self.parent.get(key, key)
        return root

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def _pair(c, d):
    return (c, d) if c < d else (d, c)


def _acyclic_greedy(neighbors, order):
    """Smallest color that no neighbor has and that closes no two-colored
    cycle: one would close when two neighbors of one color d are already
    joined in the forest of colors (c, d)."""
    colors = np.full(len(neighbors), -1, dtype=np.int64)
    forests = _Forests()
    for v in order:
        around = [w for w in neighbors[v] if colors[w] >= 0]
        taken = {int(colors[w]) for w in around}
        color = 0
        while color in taken or _closes_cycle(forests, colors, around, color):
            color += 1
        colors[v] = color
        for w in around:
            pair = _pair(color, int(colors[w]))
            forests.union((pair, v), (pair, w))
    return colors


def _closes_cycle(forests, colors, around, color) -> bool:
    seen = set()
    for w in around:
        root = forests.find((_pair(color, int(colors[w])), w))
        if root in seen:
            return True
        seen.add(root)
    return False


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


def acyclic_recovery(rows, cols, colors, n: int, max_terms=None):
    """The sparse matrix R (entries by the compressed product's n * colors
    elements, laid out (color, row)) with ``entries = R @ compressed``.

    Diagonal entries are read directly.  An off-diagonal entry is an edge
    of the tree its two colors induce; in that tree the compressed value of
    vertex u in the other color is the sum of u's edges.  Peeling leaves
    solves the tree: a leaf's one edge is its compressed value less the
    edges already solved at it.  R's row of an edge lists the compressed
    values of the subtree it cuts off (signs alternating by depth), so a
    long two-colored path costs quadratically many terms: None when R
    would hold more than ``max_terms``."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    solved = _solve_trees(rows, cols, colors, n, max_terms)
    if solved is None:
        return None
    out_rows, out_cols, signs = [], [], []
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
        terms = {int(colors[i]) * n + i: 1.0} if i == j else solved[(min(i, j), max(i, j))]
        for index, sign in terms.items():
            out_rows.append(k)
            out_cols.append(index)
            signs.append(sign)
    import scipy.sparse as sp
    shape = (len(rows), n * (int(colors.max(initial=-1)) + 1))
    recovery = sp.csr_array((np.array(signs, dtype=float), (out_rows, out_cols)), shape=shape)
    recovery.sum_duplicates()
    return recovery


def _solve_trees(rows, cols, colors, n, max_terms=None):
    """Edge (i, j), i < j -> {compressed index: coefficient}.  A vertex u
    and a color d stand for one equation: the compressed value (d, u) is
    the sum of u's edges to d-colored neighbors (its edges in the tree of
    colors (color[u], d)).  None past ``max_terms`` terms in all."""
    edges = {(min(i, j), max(i, j)) for i, j in zip(rows.tolist(), cols.tolist()) if i != j}
    unsolved: dict = {}         # (u, d) -> u's unsolved edges to color d
    for edge in edges:
        for u in edge:
            other = edge[0] + edge[1] - u
            unsolved.setdefault((u, int(colors[other])), set()).add(edge)
    known: dict = {}            # (u, d) -> sum of u's solved edges to color d
    solved: dict = {}
    terms_left = np.inf if max_terms is None else max_terms
    leaves = [key for key, pending in unsolved.items() if len(pending) == 1]
    while leaves:
        u, d = key = leaves.pop()
        if len(unsolved[key]) != 1:
            continue
        edge = unsolved[key].pop()
        terms = {d * n + u: 1.0}
        for index, value in known.get(key, {}).items():
            terms[index] = terms.get(index, 0.0) - value
        solved[edge] = terms
        terms_left -= len(terms)
        if terms_left < 0:
            return None
        other = edge[0] + edge[1] - u
        far = (other, int(colors[u]))
        unsolved[far].discard(edge)
        total = known.setdefault(far, {})
        for index, value in terms.items():
            total[index] = total.get(index, 0.0) + value
        if len(unsolved[far]) == 1:
            leaves.append(far)
    if len(solved) != len(edges):
        raise ValueError("not an acyclic coloring: a two-colored cycle")
    return solved


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


def is_acyclic_coloring(pattern, colors) -> bool:
    """Distance-1 proper, and the vertices of any two colors induce a forest
    (each edge joins two components of its pair's union-find)."""
    neighbors = _adjacency(pattern)
    forests = _Forests()
    for v, around in enumerate(neighbors):
        if np.any(colors[around] == colors[v]):
            return False
        for w in around[around > v]:
            pair = _pair(int(colors[v]), int(colors[w]))
            if forests.find((pair, v)) == forests.find((pair, w)):
                return False
            forests.union((pair, v), (pair, w))
    return True
