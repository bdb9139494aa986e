"""np.linalg's solvers and products: solve, inv, det, slogdet, cholesky,
matrix_power and multi_dot, on stacks of matrices as NumPy allows, built
from the ``lu``, ``triangular_solve`` and ``cholesky`` primitives
(compiler/primitives/linalg_solve.py); and the refusal of np.linalg.eig and
eigvals, whose results are complex.
"""
from __future__ import annotations

import operator

import numpy as np

from ..compiler.primitives.elementwise import abs as absolute
from ..compiler.primitives.elementwise import log, mul, sign
from ..compiler.primitives.linalg_algebra import diagonal, identity_like, matmul, mT
from ..compiler.primitives.linalg_solve import cholesky as cholesky_factor
from ..compiler.primitives.linalg_solve import lu, lu_solve, pivot_parity_sign
from ..compiler.primitives.reductions import reduce_prod, reduce_sum
from ..compiler.primitives.structural import broadcast_to, reshape
from ..errors import unsupported
from ..replacements import replaced_while_tracing
from ..tracer import is_traced, to_atom, wrap
from .table import implements

SlogdetResult = type(np.linalg.slogdet(np.eye(1)))


def linalg_dtype(*arrays) -> np.dtype:
    """The float dtype np.linalg computes in: float32 stays, the rest
    (ints, bools, float64) become float64; float16 is refused as NumPy does."""
    dtypes = [x.dtype if is_traced(x) else np.asarray(x).dtype for x in arrays]
    result = np.result_type(*dtypes)
    if result == np.float16:
        raise TypeError("array type float16 is unsupported in linalg")
    return result if result == np.float32 else np.dtype(np.float64)


def matrices(x, dtype, square=True):
    """``x`` as an atom of ``dtype``, after NumPy's checks for a stack of
    (square) matrices."""
    atom = to_atom(x, dtype)
    shape = atom.type.shape
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"{len(shape)}-dimensional array given. Array must be "
                                    "at least two-dimensional")
    if square and shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    return atom


def broadcast_batches(a, b):
    """``a`` and ``b`` broadcast to one batch shape (their matrices kept)."""
    batch = np.broadcast_shapes(a.type.shape[:-2], b.type.shape[:-2])
    return (broadcast_to(a, batch + a.type.shape[-2:]),
            broadcast_to(b, batch + b.type.shape[-2:]))


def solve_atoms(a, b):
    """``a^-1 b`` for square ``a`` (..., n, n) and ``b`` (..., n, k), by LU
    with partial pivoting (LAPACK's gesv)."""
    a, b = broadcast_batches(a, b)
    packed, pivots = lu(a)
    return lu_solve(packed, pivots, b)


@implements(np.linalg.solve)
def solve(a, b):
    dtype = linalg_dtype(a, b)
    a = matrices(a, dtype)
    b = to_atom(b, dtype)
    if b.type.ndim == 1:
        n = b.type.shape[0]
        column = solve_atoms(a, reshape(b, (n, 1)))
        return wrap(reshape(column, column.type.shape[:-1]))
    if b.type.ndim < 2 or b.type.shape[-2] != a.type.shape[-1]:
        raise ValueError(f"solve: b of shape {b.type.shape} does not match a of shape "
                         f"{a.type.shape}: expected (..., {a.type.shape[-1]}, k) or "
                         f"({a.type.shape[-1]},)")
    return wrap(solve_atoms(a, b))


@implements(np.linalg.inv)
def inv(a):
    a = matrices(a, linalg_dtype(a))
    return wrap(solve_atoms(a, identity_like(a)))


def _lu_diagonal(a):
    packed, pivots = lu(a)
    return diagonal(packed), pivot_parity_sign(pivots, a.type.dtype)


@implements(np.linalg.det)
def det(a):
    a = matrices(a, linalg_dtype(a))
    diag, parity = _lu_diagonal(a)
    return wrap(mul(parity, reduce_prod(diag, (diag.type.ndim - 1,))))


@implements(np.linalg.slogdet)
def slogdet(a):
    a = matrices(a, linalg_dtype(a))
    diag, parity = _lu_diagonal(a)
    last = (diag.type.ndim - 1,)
    sign_ = mul(parity, reduce_prod(sign(diag), last))
    return SlogdetResult(wrap(sign_), wrap(reduce_sum(log(absolute(diag)), last)))


@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    a = matrices(a, linalg_dtype(a))
    if upper:   # NumPy reads the upper triangle: the lower one of the transpose
        return wrap(mT(cholesky_factor(mT(a))))
    return wrap(cholesky_factor(a))


@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    """NumPy's order of products (binary powers), so rounding agrees."""
    n = operator.index(n)
    dtype = a.dtype if is_traced(a) else np.asarray(a).dtype
    a = matrices(a, dtype)
    if n == 0:
        return wrap(identity_like(a))
    if n < 0:
        a = solve_atoms(a, identity_like(a))
        n = -n
    if n <= 3:
        result = a
        for _ in range(n - 1):
            result = matmul(result, a)
        return wrap(result)
    result = power = None
    while n > 0:
        power = a if power is None else matmul(power, power)
        n, bit = divmod(n, 2)
        if bit:
            result = power if result is None else matmul(result, power)
    return wrap(result)


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits
    (the textbook dynamic program NumPy's multi_dot also uses)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = np.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(matrices_, split, i, j):
    if i == j:
        return matrices_[i]
    k = split[i][j]
    return matmul(_chain_product(matrices_, split, i, k),
                  _chain_product(matrices_, split, k + 1, j))


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    if out is not None:
        raise unsupported("numpy.linalg.multi_dot(out=...)",
                          "traced arrays are immutable; use the returned value")
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    dtype = np.result_type(*(x.dtype if is_traced(x) else np.asarray(x).dtype
                             for x in arrays))
    atoms = [to_atom(x, dtype) for x in arrays]
    first_vector, last_vector = atoms[0].type.ndim == 1, atoms[-1].type.ndim == 1
    if first_vector:
        atoms[0] = reshape(atoms[0], (1,) + atoms[0].type.shape)
    if last_vector:
        atoms[-1] = reshape(atoms[-1], atoms[-1].type.shape + (1,))
    for k, x in enumerate(atoms):
        if x.type.ndim != 2:
            raise ValueError(f"multi_dot: array {k} has {x.type.ndim} dimensions; the "
                             "first and last may have 1 or 2, the others 2")
    dims = [x.type.shape[0] for x in atoms] + [atoms[-1].type.shape[1]]
    result = _chain_product(atoms, _chain_order(dims), 0, len(atoms) - 1)
    kept = [n for axis, n in enumerate(result.type.shape)
            if not ((axis == 0 and first_vector) or (axis == 1 and last_vector))]
    return wrap(reshape(result, kept))


def _refuse_complex(name, alternative):
    @replaced_while_tracing(np.linalg, name)
    def refusing(original, *args, **kwargs):
        raise unsupported(f"numpy.linalg.{name}",
                          "its results are complex in general, and complex numbers are "
                          f"out of numjac's scope; for a symmetric matrix use "
                          f"np.linalg.{alternative}")


_refuse_complex("eig", "eigh")
_refuse_complex("eigvals", "eigvalsh")
