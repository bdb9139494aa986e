"""Matrix algebra on stacks of matrices (the last two axes; any leading
axes are a batch), built from existing primitives, for the rules of the
decompositions (linalg_solve.py, linalg_spectral.py): products,
transposes, triangle and diagonal masks, and the NumPy implementation
helper that runs a LAPACK call per matrix of a stack.

Masks are iota comparisons, so the Numba backend folds them into reads."""
from __future__ import annotations

import numpy as np

from .elementwise import add, div, eq, ge, le, mul, select, sub
from .linalg import dot_general
from .reductions import reduce_sum
from .structural import broadcast_in_dim, broadcast_to, convert, iota, transpose


def batch_shape(x) -> tuple:
    return x.type.shape[:-2]


def mT(x):
    """The matrices of ``x`` transposed."""
    n = x.type.ndim
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def matmul(a, b):
    """``a @ b`` for stacks with equal batch shapes."""
    nb = len(batch_shape(a))
    axes = tuple(range(nb))
    return dot_general(a, b, ((nb + 1,), (nb,)), (axes, axes))


def _grid(x, shape):
    rows = iota(np.int64, shape, 0)
    cols = iota(np.int64, shape, 1)
    return rows, cols


def triangle_mask(x, lower: bool, k: int = 0):
    """1 where ``col - row <= k`` (lower) or ``>= k`` (upper), else 0,
    broadcast like ``x``."""
    shape = x.type.shape[-2:]
    rows, cols = _grid(x, shape)
    offset = sub(cols, rows)
    inside = le(offset, k) if lower else ge(offset, k)
    return broadcast_to(convert(inside, x.type.dtype), x.type.shape)


def tril(x, k: int = 0):
    return mul(x, triangle_mask(x, True, k))


def triu(x, k: int = 0):
    return mul(x, triangle_mask(x, False, k))


def identity_like(x, n: int = None):
    """The identity of size ``n`` (default: x's last axis), batched like ``x``."""
    n = x.type.shape[-1] if n is None else n
    rows, cols = _grid(x, (n, n))
    identity = convert(eq(rows, cols), x.type.dtype)
    return broadcast_to(identity, batch_shape(x) + (n, n))


def diagonal(x):
    """(..., n, n) -> (..., n): the diagonals."""
    return reduce_sum(mul(x, identity_like(x)), (x.type.ndim - 1,))


def diag_embed(v):
    """(..., n) -> (..., n, n): diagonal matrices with diagonals ``v``."""
    n = v.type.shape[-1]
    shape = v.type.shape + (n,)
    spread = broadcast_in_dim(v, shape, tuple(range(v.type.ndim)))
    rows, cols = _grid(v, (n, n))
    return mul(spread, broadcast_to(convert(eq(rows, cols), v.type.dtype), shape))


def symmetric_from_lower(x):
    """The symmetric matrix whose lower triangle is x's: what a LAPACK
    routine reading only the lower triangle sees."""
    return add(tril(x), mT(tril(x, -1)))


def off_diagonal_inverse_gaps(values):
    """(..., n) -> (..., n, n): ``1 / (values[j] - values[i])`` off the
    diagonal, 0 on it (the diagonal divides by 1, not 0, so no NaN flows
    through derivatives)."""
    n = values.type.shape[-1]
    shape = values.type.shape + (n,)
    nd = values.type.ndim
    row_values = broadcast_in_dim(values, shape, tuple(range(nd - 1)) + (nd - 1,))
    col_values = broadcast_in_dim(values, shape, tuple(range(nd - 1)) + (nd,))
    rows, cols = _grid(values, (n, n))
    on_diagonal = broadcast_to(eq(rows, cols), shape)
    gaps = select(on_diagonal, 1.0, sub(col_values, row_values))
    return select(on_diagonal, 0.0, div(1.0, gaps))


def check_matrices(name, x, square=True):
    """The shape rules' check: float stacks of (square) matrices."""
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ValueError(f"{name}: expected a stack of {kind} (..., n, n), got {x}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected float matrices, got {x}")


def square_matrices_rule(name):
    """The shape rule of a primitive from square matrices to their own type."""
    def rule(a):
        check_matrices(name, a)
        return a
    rule.__name__ = f"_{name}_shape"
    return rule


def in_float64(fn):
    """The impl ``fn`` (a NumPy/SciPy function of stacks) run in float64
    and rounded back to the input's dtype (see ``per_matrix``)."""
    def impl(a):
        result = fn(np.asarray(a, np.float64))
        if isinstance(result, tuple):
            return tuple(r.astype(a.dtype) for r in result)
        return result.astype(a.dtype)
    impl.__name__ = f"{getattr(fn, '__name__', 'linalg')}_in_float64"
    return impl


def per_matrix(fn, *arrays):
    """``fn`` applied to each matrix of the stacks ``arrays`` (equal batch
    shapes), in float64 (float32 stacks are decomposed in float64 and
    rounded, so both backends give the same vectors); the results stacked
    and cast back to the inputs' dtype (integer results kept)."""
    batch = arrays[0].shape[:-2]
    flat = [np.asarray(a, np.float64).reshape((-1,) + a.shape[-2:]) for a in arrays]
    count = flat[0].shape[0]
    # An empty batch still needs the results' shapes: one call on identities.
    samples = [[a[i] for a in flat] for i in range(count)] or [
        [np.eye(*a.shape[1:]) for a in flat]]
    results = [fn(*sample) for sample in samples]
    single = not isinstance(results[0], tuple)
    outs = []
    for column in ([results] if single else zip(*results)):
        stacked = np.stack(column)[:count]
        stacked = stacked.reshape(batch + stacked.shape[1:])
        outs.append(stacked.astype(arrays[0].dtype) if stacked.dtype.kind == "f" else stacked)
    return outs[0] if single else tuple(outs)
