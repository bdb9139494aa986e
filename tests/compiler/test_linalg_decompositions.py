"""The linear algebra primitives' rules against closed forms and identities
(the OP_SPECS rows in tests/specs/linalg_functions.py check them against
finite differences, vmap and Numba): tangents that satisfy the
differentiated factorization, transposes that are adjoints, pivots as
LAPACK's, shape rules that refuse what they cannot do."""
import numpy as np
import pytest
import scipy.linalg

from numjac.compiler.atoms import AType
from numjac.compiler.primitives import linalg_expm, linalg_solve, linalg_spectral
from numjac.compiler.rules import impls, shape_rules

RNG = np.random.default_rng(7)
A = RNG.normal(size=(4, 4)) + 4 * np.eye(4)
DA = RNG.normal(size=(4, 4))
SPD = A @ A.T
F64 = np.dtype(np.float64)


def _tangent(f, x, dx, eps=1e-7):
    """Central difference of the NumPy function ``f`` along ``dx``."""
    plus, minus = f(x + eps * dx), f(x - eps * dx)
    if isinstance(plus, tuple):
        return tuple((p - m) / (2 * eps) for p, m in zip(plus, minus))
    return (plus - minus) / (2 * eps)


def _jvp(f, x, dx):
    import numjac as nj
    return nj.jvp(f, (x,), (dx,))[1]


def test_cholesky_tangent_differentiates_the_factorization():
    """dA = dL L^T + L dL^T, dL lower triangular."""
    sym = DA + DA.T
    dl = _jvp(np.linalg.cholesky, SPD, sym)
    l = np.linalg.cholesky(SPD)
    np.testing.assert_allclose(dl @ l.T + l @ dl.T, sym, atol=1e-12)
    assert np.allclose(np.triu(dl, 1), 0)


def test_cholesky_tangent_reads_the_lower_triangle_only():
    upper = np.triu(DA, 1)
    np.testing.assert_allclose(_jvp(np.linalg.cholesky, SPD, upper), 0, atol=1e-14)


def test_eigh_tangent_is_the_first_order_perturbation():
    """dw_i = v_i^T dA v_i and dV = V (F o V^T dA V) (Giles 2008, 3.1)."""
    sym = DA + DA.T
    w, v = np.linalg.eigh(SPD)
    dw, dv = _jvp(np.linalg.eigh, SPD, sym)
    m = v.T @ sym @ v
    np.testing.assert_allclose(dw, np.diag(m), atol=1e-12)
    gaps = w[None, :] - w[:, None]
    np.fill_diagonal(gaps, np.inf)
    np.testing.assert_allclose(dv, v @ (m / gaps), atol=1e-12)
    # the gauge: each eigenvector keeps unit length
    np.testing.assert_allclose(np.sum(v * dv, axis=0), 0, atol=1e-12)


def test_svd_tangent_differentiates_the_factorization():
    x = RNG.normal(size=(5, 3))
    dx = RNG.normal(size=(5, 3))
    du, ds, dvh = _jvp(lambda a: np.linalg.svd(a, full_matrices=False), x, dx)
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    rebuilt = du @ np.diag(s) @ vh + u @ np.diag(ds) @ vh + u @ np.diag(s) @ dvh
    np.testing.assert_allclose(rebuilt, dx, atol=1e-12)
    np.testing.assert_allclose(ds, np.diag(u.T @ dx @ vh.T), atol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5)])
def test_qr_tangent_differentiates_the_factorization(shape):
    x = RNG.normal(size=shape)
    dx = RNG.normal(size=shape)
    dq, dr = _jvp(np.linalg.qr, x, dx)
    q, r = np.linalg.qr(x)
    np.testing.assert_allclose(dq @ r + q @ dr, dx, atol=1e-12)
    skew = q.T @ dq
    np.testing.assert_allclose(skew, -skew.T, atol=1e-12)
    assert np.allclose(np.tril(dr, -1), 0)


def test_det_tangent_is_jacobis_formula():
    ddet = _jvp(np.linalg.det, A, DA)
    expected = np.linalg.det(A) * np.trace(np.linalg.solve(A, DA))
    np.testing.assert_allclose(ddet, expected, rtol=1e-12)


def test_lu_tangent_matches_finite_differences():
    def packed(x):
        return scipy.linalg.lu_factor(x)[0]
    np.testing.assert_allclose(_jvp(packed, A, DA), _tangent(packed, A, DA), rtol=1e-6,
                               atol=1e-7)


def test_expm_tangent_is_scipys_frechet_derivative():
    x = RNG.normal(size=(4, 4))
    got = _jvp(lambda a: scipy.linalg.expm(a), x, DA)
    expected = scipy.linalg.expm_frechet(x, DA, compute_expm=False)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


# -- transposes are adjoints ---------------------------------------------------------------

def _adjoint_gap(apply, apply_transpose, x_shape, y_shape):
    x, y = RNG.normal(size=x_shape), RNG.normal(size=y_shape)
    return np.sum(apply(x) * y) - np.sum(x * apply_transpose(y))


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_triangular_solve_transpose_is_its_adjoint(lower, unit):
    impl = impls[linalg_solve.triangular_solve_p]

    def solve(b, transpose_a):
        return impl(A, b, lower=lower, transpose_a=transpose_a, unit_diagonal=unit)
    gap = _adjoint_gap(lambda b: solve(b, False), lambda c: solve(c, True), (4, 2), (4, 2))
    assert abs(gap) < 1e-12


def test_expm_frechet_transpose_is_its_adjoint():
    impl = impls[linalg_expm.expm_frechet_p]
    x = RNG.normal(size=(3, 3))
    gap = _adjoint_gap(lambda e: impl(x, e), lambda c: impl(x.T, c), (3, 3), (3, 3))
    assert abs(gap) < 1e-12


# -- pivots -------------------------------------------------------------------------------

def test_lu_pivots_are_lapacks_and_their_permutation_reorders_rows():
    stack = RNG.normal(size=(3, 5, 5))
    packed, pivots = impls[linalg_solve.lu_p](stack)
    perm = impls[linalg_solve.lu_pivots_to_permutation_p](pivots)
    for k in range(3):
        lu, piv = scipy.linalg.lu_factor(stack[k])
        np.testing.assert_array_equal(pivots[k], piv)
        lower = np.tril(lu, -1) + np.eye(5)
        np.testing.assert_allclose(stack[k][perm[k]], lower @ np.triu(lu), atol=1e-12)


# -- shape rules -----------------------------------------------------------------------------

@pytest.mark.parametrize("prim, types", [
    (linalg_solve.cholesky_p, [AType(F64, (3, 4))]),
    (linalg_solve.lu_p, [AType(F64, (3,))]),
    (linalg_spectral.eigh_p, [AType(np.int64, (3, 3))]),
    (linalg_expm.expm_p, [AType(F64, (2, 3))]),
])
def test_shape_rules_refuse_non_square_or_non_float(prim, types):
    with pytest.raises((ValueError, TypeError), match=prim.name):
        shape_rules[prim](*types)


def test_triangular_solve_shape_rule_names_both_operands():
    rule = shape_rules[linalg_solve.triangular_solve_p]
    with pytest.raises(ValueError, match="do not match"):
        rule(AType(F64, (3, 3)), AType(F64, (4, 2)), lower=True, transpose_a=False,
             unit_diagonal=False)
