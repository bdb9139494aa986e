"""scipy.linalg on traced arrays: solve_triangular, cho_factor, cho_solve,
lu_factor, lu_solve, expm, sqrtm, solve_sylvester and solve_banded, on the
primitives of compiler/primitives/linalg_solve.py, linalg_expm.py and
linalg_sylvester.py.  solve_banded builds the dense matrix from the bands
and solves it by LU with partial pivoting (O(n^3), where SciPy's banded
LAPACK routine takes O(n (l + u)^2); the values agree to rounding).

SciPy converts its arguments with np.asarray before any NumPy protocol
runs, so each function is replaced while a trace runs
(``@replaced_while_tracing``); the replacement calls the original when no
argument is traced.  Each handler is also filed in the coverage table
(``numpy_api.HANDLERS``, keyed by the SciPy function, looked up per call),
so docs/coverage.md lists it as ``scipy.linalg.<name>``.  Not seen: a
function imported by name before numjac was (``from scipy.linalg import
expm`` at the top of a module); call it as ``scipy.linalg.expm``.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from ..compiler.primitives.linalg_algebra import mT, tril, triu
from ..compiler.primitives.elementwise import add
from ..compiler.primitives.linalg_expm import expm as expm_op
from ..compiler.primitives.linalg_solve import cholesky, lu, triangular_solve
from ..compiler.primitives.linalg_solve import lu_solve as solve_with_lu
from ..compiler.primitives.linalg_sylvester import sqrtm as sqrtm_op
from ..compiler.primitives.linalg_sylvester import sylvester
from ..compiler.primitives.structural import broadcast_to, reshape
from ..numpy_api import dispatch_function, implements
from ..errors import unsupported
from ..numpy_api.linalg_solvers import broadcast_batches, linalg_dtype, matrices, solve_atoms
from ..pytree import flatten
from ..replacements import replaced_while_tracing
from ..tracer import is_traced, to_atom, wrap


def traced_scipy(module, name):
    """File the decorated handler for ``module.name`` in the coverage table
    and route calls with traced arguments to it while tracing."""
    original = getattr(module, name)

    def register(handler):
        implements(original)(handler)

        @replaced_while_tracing(module, name)
        def replacement(original, *args, **kwargs):
            if not any(is_traced(leaf) for leaf in flatten((args, kwargs))[0]):
                return original(*args, **kwargs)
            return dispatch_function(original, args, kwargs)
        return handler
    return register


def _transposed(trans, name) -> bool:
    if trans in (0, "N"):
        return False
    if trans in (1, "T", 2, "C"):     # real matrices: 'C' is 'T'
        return True
    raise ValueError(f"{name}: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")


def _solve_columns(a, b, solve):
    """``solve(a, b)`` for b (n,) (one right-hand side, any batch of a) or
    (..., n, k), batches broadcast."""
    if b.type.ndim == 1:
        column = reshape(b, b.type.shape + (1,))
        a, column = broadcast_batches(a, column)
        x = solve(a, column)
        return reshape(x, x.type.shape[:-1])
    if b.type.shape[-2] != a.type.shape[-1]:
        raise ValueError(f"shapes of a {a.type.shape} and b {b.type.shape} are incompatible")
    return solve(*broadcast_batches(a, b))


def _operands(a, b):
    dtype = linalg_dtype(a, b)
    return matrices(a, dtype), to_atom(b, dtype)


@traced_scipy(scipy.linalg, "solve_triangular")
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    a, b = _operands(a, b)
    transpose_a = _transposed(trans, "solve_triangular")
    return wrap(_solve_columns(a, b, lambda m, rhs: triangular_solve(
        m, rhs, lower, transpose_a, unit_diagonal)))


@traced_scipy(scipy.linalg, "cho_factor")
def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """SciPy's (c, lower): the factor in one triangle of c, a's entries
    left in the other (as LAPACK's potrf leaves them)."""
    a = matrices(a, linalg_dtype(a))
    if lower:
        return wrap(add(cholesky(a), triu(a, 1))), lower
    factor = mT(cholesky(mT(a)))      # potrf('U') reads the upper triangle
    return wrap(add(factor, tril(a, -1))), lower


@traced_scipy(scipy.linalg, "cho_solve")
def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    c, lower = c_and_lower
    c, b = _operands(c, b)

    def solve(factor, rhs):     # L L^T x = b, or U^T U x = b
        y = triangular_solve(factor, rhs, lower, transpose_a=not lower)
        return triangular_solve(factor, y, lower, transpose_a=lower)
    return wrap(_solve_columns(c, b, solve))


@traced_scipy(scipy.linalg, "lu_factor")
def lu_factor(a, overwrite_a=False, check_finite=True):
    packed, pivots = lu(matrices(a, linalg_dtype(a)))
    return wrap(packed), wrap(pivots)


@traced_scipy(scipy.linalg, "lu_solve")
def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    packed, pivots = lu_and_piv
    packed, b = _operands(packed, b)
    pivots = to_atom(pivots)
    transpose_a = _transposed(trans, "lu_solve")

    def solve(factors, rhs):
        # the pivots follow the factors' batch (broadcast with b's)
        batch = factors.type.shape[:-2]
        return solve_with_lu(factors, broadcast_to(pivots, batch + pivots.type.shape[-1:]),
                             rhs, transpose_a)
    return wrap(_solve_columns(packed, b, solve))


@traced_scipy(scipy.linalg, "expm")
def expm(A):
    return wrap(expm_op(matrices(A, linalg_dtype(A))))


@traced_scipy(scipy.linalg, "sqrtm")
def sqrtm(A, **options):
    if options:
        raise unsupported(f"scipy.linalg.sqrtm({', '.join(options)}=...)",
                          "call scipy.linalg.sqrtm(A) (SciPy deprecates disp and blocksize)")
    return wrap(sqrtm_op(matrices(A, linalg_dtype(A))))


@traced_scipy(scipy.linalg, "solve_sylvester")
def solve_sylvester(a, b, q):
    dtype = linalg_dtype(a, b, q)
    a, b, q = (matrices(x, dtype, square=square) for x, square in ((a, True), (b, True),
                                                                   (q, False)))
    batch = np.broadcast_shapes(*(x.type.shape[:-2] for x in (a, b, q)))
    return wrap(sylvester(*(broadcast_to(x, batch + x.type.shape[-2:]) for x in (a, b, q))))


def _dense_from_bands(ab, lower, upper):
    """The (..., n, n) matrix whose diagonals are stored in the rows of
    ``ab`` (..., l + u + 1, n): a[i, j] = ab[u + i - j, j]."""
    n = ab.shape[-1]
    rows, cols = np.indices((n, n))
    band_row = upper + rows - cols
    inside = (band_row >= 0) & (band_row <= lower + upper)
    entries = ab[..., np.clip(band_row, 0, lower + upper), cols]
    return np.where(inside, entries, 0.0)


@traced_scipy(scipy.linalg, "solve_banded")
def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    lower, upper = (int(k) for k in l_and_u)
    dtype = linalg_dtype(ab, b)
    ab, b = matrices(ab, dtype, square=False), to_atom(b, dtype)
    if ab.type.shape[-2] != lower + upper + 1:
        raise ValueError(f"invalid values for the number of lower and upper diagonals: "
                         f"l+u+1 ({lower + upper + 1}) does not equal ab.shape[-2] "
                         f"({ab.type.shape[-2]})")
    dense = to_atom(_dense_from_bands(wrap(ab), lower, upper))
    return wrap(_solve_columns(dense, b, solve_atoms))
