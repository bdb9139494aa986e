"""OP_SPECS rows for np.linalg (solve, inv, det, slogdet, cholesky, eigh,
eigvalsh, svd, svdvals, qr, pinv, lstsq, matrix_power, multi_dot, norm,
matrix_norm, vector_norm, cond) and scipy.linalg (solve_triangular,
cho_factor, cho_solve, lu_factor, lu_solve, expm).

Inputs are made well conditioned inside the functions: ``_shifted`` adds
3 I to a random matrix, ``_spd`` builds ``x x^T + 3 I``, ``_symmetric``
``x + x^T`` (whose eigenvalues are distinct for the seeds used).  SciPy is
called as ``scipy.linalg.name`` at call time, as numjac requires."""
import numpy as np
import scipy.linalg

from tests.op_specs import OpSpec


def _shifted(x):
    return x + 3.0 * np.eye(x.shape[-1], dtype=x.dtype)


def _spd(x):
    return x @ np.swapaxes(x, -1, -2) + 3.0 * np.eye(x.shape[-1], dtype=x.dtype)


def _symmetric(x):
    return x + np.swapaxes(x, -1, -2)


def _upper_mask(n):
    return np.triu(np.ones((n, n), np.float32), 1)


def _on(prepare, fn, **kwargs):
    """``fn(prepare(x), *rest, **kwargs)``."""
    def call(x, *rest):
        return fn(prepare(x), *rest, **kwargs)
    return call


def _with(fn, **kwargs):
    def call(*args):
        return fn(*args, **kwargs)
    return call


def _cholesky_reads_lower(x, y):
    # y fills the upper triangle, which NumPy does not read: no derivative.
    return np.linalg.cholesky(_spd(x) + y * _upper_mask(3))


def _solve_triangular(**kwargs):
    def call(a, b):
        return scipy.linalg.solve_triangular(_shifted(a), b, **kwargs)
    return call


def _cho_factor(lower):
    def call(x):
        return scipy.linalg.cho_factor(_spd(x), lower=lower)[0]
    return call


def _cho_solve(lower):
    def call(x, b):
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(_spd(x), lower=lower), b)
    return call


def _lu_factor_packed(x):
    return scipy.linalg.lu_factor(x)[0]


def _lu_solve(trans):
    def call(x, b):
        return scipy.linalg.lu_solve(scipy.linalg.lu_factor(x), b, trans=trans)
    return call


def _expm(scale):
    def call(x):
        return scipy.linalg.expm(scale * x)
    return call


def _flat(fn, **kwargs):
    """One flat array of fn's float results (the row checks compare one array)."""
    def call(*args):
        outs = fn(*args, **kwargs)
        return np.concatenate([np.ravel(o) for o in outs if o.dtype.kind == "f"])
    return call


def _multi_dot(*arrays):
    return np.linalg.multi_dot(list(arrays))


def _norm(**kwargs):
    def call(x):
        return np.linalg.norm(x, **kwargs)
    return call


_SQUARE = (3, 3)
_STACK = (2, 3, 3)

_SOLVERS = [
    OpSpec("linalg-solve", _on(_shifted, np.linalg.solve), (_SQUARE, (3, 2))),
    OpSpec("linalg-solve-vector", _on(_shifted, np.linalg.solve), (_SQUARE, (3,))),
    OpSpec("linalg-solve-stacked", _on(_shifted, np.linalg.solve), (_STACK, (2, 3, 2))),
    OpSpec("linalg-solve-broadcast", _on(_shifted, np.linalg.solve), (_STACK, (3, 2))),
    OpSpec("linalg-inv", _on(_shifted, np.linalg.inv), (_SQUARE,)),
    OpSpec("linalg-inv-stacked", _on(_shifted, np.linalg.inv), (_STACK,)),
    OpSpec("linalg-det", np.linalg.det, (_SQUARE,)),
    OpSpec("linalg-det-stacked", np.linalg.det, ((2, 4, 4),)),
    OpSpec("linalg-slogdet", _flat(np.linalg.slogdet), (_SQUARE,)),
    OpSpec("linalg-slogdet-stacked", _flat(np.linalg.slogdet), (_STACK,)),
    OpSpec("linalg-cholesky", _on(_spd, np.linalg.cholesky), (_SQUARE,)),
    OpSpec("linalg-cholesky-upper", _on(_spd, np.linalg.cholesky, upper=True), (_SQUARE,)),
    OpSpec("linalg-cholesky-stacked", _on(_spd, np.linalg.cholesky), (_STACK,)),
    OpSpec("linalg-cholesky-reads-lower", _cholesky_reads_lower, (_SQUARE, _SQUARE)),
    OpSpec("linalg-matrix-power-0", _with(np.linalg.matrix_power, n=0), (_SQUARE,)),
    OpSpec("linalg-matrix-power-3", _with(np.linalg.matrix_power, n=3), (_SQUARE,)),
    OpSpec("linalg-matrix-power-5", _with(np.linalg.matrix_power, n=5), (_STACK,)),
    OpSpec("linalg-matrix-power-neg", _on(_shifted, np.linalg.matrix_power, n=-2),
           (_SQUARE,)),
    OpSpec("linalg-multi-dot", _multi_dot, ((2, 3), (3, 4), (4, 2))),
    OpSpec("linalg-multi-dot-vectors", _multi_dot, ((3,), (3, 4), (4, 2), (2,))),
]

_DECOMPOSITIONS = [
    OpSpec("linalg-eigh", _on(_symmetric, _flat(np.linalg.eigh)), (_SQUARE,)),
    OpSpec("linalg-eigh-reads-lower", _flat(np.linalg.eigh), (_SQUARE,)),
    OpSpec("linalg-eigh-upper", _flat(np.linalg.eigh, UPLO="U"), (_SQUARE,)),
    OpSpec("linalg-eigh-upper-stacked", _flat(np.linalg.eigh, UPLO="U"), ((2, 5, 5),)),
    OpSpec("linalg-eigh-stacked", _on(_symmetric, _flat(np.linalg.eigh)), (_STACK,)),
    OpSpec("linalg-eigvalsh", np.linalg.eigvalsh, (_STACK,)),
    OpSpec("linalg-svd-square", _flat(np.linalg.svd), (_SQUARE,)),
    OpSpec("linalg-svd-tall", _flat(np.linalg.svd, full_matrices=False), ((4, 3),)),
    OpSpec("linalg-svd-wide", _flat(np.linalg.svd, full_matrices=False), ((3, 4),)),
    OpSpec("linalg-svd-stacked", _flat(np.linalg.svd, full_matrices=False), ((2, 4, 3),)),
    OpSpec("linalg-svd-values", _with(np.linalg.svd, compute_uv=False), ((4, 3),)),
    OpSpec("linalg-svdvals", np.linalg.svdvals, ((2, 3, 4),)),
    OpSpec("linalg-qr", _flat(np.linalg.qr), ((4, 3),)),
    OpSpec("linalg-qr-wide", _flat(np.linalg.qr), ((3, 4),)),
    OpSpec("linalg-qr-r", _with(np.linalg.qr, mode="r"), ((4, 3),)),
    OpSpec("linalg-qr-complete-wide", _flat(np.linalg.qr, mode="complete"), ((3, 4),)),
    OpSpec("linalg-qr-stacked", _flat(np.linalg.qr), ((2, 4, 3),)),
    OpSpec("linalg-pinv", np.linalg.pinv, ((4, 3),)),
    OpSpec("linalg-pinv-wide-stacked", np.linalg.pinv, ((2, 3, 4),)),
    OpSpec("linalg-lstsq", _flat(np.linalg.lstsq), ((4, 3), (4,))),
    OpSpec("linalg-lstsq-columns", _flat(np.linalg.lstsq), ((5, 3), (5, 2))),
    OpSpec("linalg-lstsq-wide", _flat(np.linalg.lstsq), ((3, 4), (3,))),
    OpSpec("linalg-cond", np.linalg.cond, (_SQUARE,)),
    OpSpec("linalg-cond-1", _with(np.linalg.cond, p=1), (_SQUARE,)),
    OpSpec("linalg-cond-minus-2", _with(np.linalg.cond, p=-2), (_STACK,)),
]

_MATRIX_ORDS = {"default": None, "fro": "fro", "nuc": "nuc", "1": 1, "minus-1": -1, "2": 2,
                "minus-2": -2, "inf": np.inf, "minus-inf": -np.inf}
_VECTOR_ORDS = {"default": None, "0": 0, "1": 1, "2": 2, "3": 3, "half": 0.5, "minus-1": -1,
                "inf": np.inf, "minus-inf": -np.inf}

_NORMS = (
    [OpSpec(f"linalg-norm-matrix-{k}", _norm(ord=o), ((3, 4),)) for k, o in _MATRIX_ORDS.items()]
    + [OpSpec(f"linalg-norm-vector-{k}", _norm(ord=o), ((5,),)) for k, o in _VECTOR_ORDS.items()]
    + [OpSpec("linalg-norm-all", _norm(), ((2, 3, 4),)),
       OpSpec("linalg-norm-all-keepdims", _norm(keepdims=True), ((2, 3),)),
       OpSpec("linalg-norm-axis", _norm(ord=3, axis=1), ((2, 3, 4),)),
       OpSpec("linalg-norm-axes-nuc", _norm(ord="nuc", axis=(2, 0), keepdims=True),
              ((3, 2, 4),)),
       OpSpec("linalg-norm-axes-1", _norm(ord=1, axis=(-1, 0)), ((3, 2, 4),)),
       OpSpec("linalg-norm-axes-inf-keepdims", _norm(ord=np.inf, axis=(0, 1), keepdims=True),
              ((3, 4),)),
       OpSpec("linalg-matrix-norm", _with(np.linalg.matrix_norm, ord=2), ((2, 3, 4),)),
       OpSpec("linalg-vector-norm", _with(np.linalg.vector_norm, ord=1, axis=(0, 2)),
              ((2, 3, 4),)),
       OpSpec("linalg-vector-norm-all", np.linalg.vector_norm, ((2, 3),))]
)

_SCIPY = [
    OpSpec("scipy-solve-triangular", _solve_triangular(), (_SQUARE, (3, 2))),
    OpSpec("scipy-solve-triangular-lower-t", _solve_triangular(lower=True, trans="T"),
           (_SQUARE, (3,))),
    OpSpec("scipy-solve-triangular-unit", _solve_triangular(unit_diagonal=True, trans=1),
           (_SQUARE, (3, 2))),
    OpSpec("scipy-solve-triangular-stacked", _solve_triangular(lower=True), (_STACK, (3, 2))),
    OpSpec("scipy-cho-factor", _cho_factor(False), (_SQUARE,)),
    OpSpec("scipy-cho-factor-lower", _cho_factor(True), (_SQUARE,)),
    OpSpec("scipy-cho-solve", _cho_solve(False), (_SQUARE, (3, 2))),
    OpSpec("scipy-cho-solve-lower", _cho_solve(True), (_SQUARE, (3,))),
    OpSpec("scipy-lu-factor", _lu_factor_packed, ((4, 4),)),
    OpSpec("scipy-lu-solve", _lu_solve(0), (_SQUARE, (3, 2))),
    OpSpec("scipy-lu-solve-transposed", _lu_solve(1), (_SQUARE, (3,))),
    OpSpec("scipy-lu-solve-stacked", _lu_solve(0), (_STACK, (3, 2))),
    OpSpec("scipy-expm", _expm(1.0), (_SQUARE,)),
    OpSpec("scipy-expm-squarings", _expm(4.0), (_SQUARE,)),
    OpSpec("scipy-expm-stacked", _expm(0.5), (_STACK,)),
]

SPECS = _SOLVERS + _DECOMPOSITIONS + _NORMS + _SCIPY
