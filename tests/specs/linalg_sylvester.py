"""OP_SPECS rows for scipy.linalg.sqrtm, solve_sylvester and solve_banded
(compiler/primitives/linalg_sylvester.py; solve_banded is a dense solve).
Arguments are shifted away from singular equations: ``_spd`` makes
``x x^T + 3 I`` (a real square root), the Sylvester operands get ``3 I``
(so the spectra of A and -B stay apart), and the banded matrix's main
diagonal gets 4."""
import numpy as np
import scipy.linalg

from tests.op_specs import OpSpec


def _shift(x, by=3.0):
    """x + by * I in x's dtype (float32 rows stay float32)."""
    return x + by * np.eye(x.shape[-1], dtype=x.dtype)


def _spd(x):
    return _shift(x @ np.swapaxes(x, -1, -2))


def _sqrtm(x):
    return scipy.linalg.sqrtm(_spd(x))


def _sylvester(a, b, q):
    return scipy.linalg.solve_sylvester(_shift(a), _shift(b), q)


def _banded(lower, upper):
    def call(ab, b):
        main = np.zeros((lower + upper + 1, 1), ab.dtype)
        main[upper] = 4.0
        return scipy.linalg.solve_banded((lower, upper), ab + main, b)
    return call


SPECS = [
    OpSpec("scipy-sqrtm", _sqrtm, ((3, 3),)),
    OpSpec("scipy-sqrtm-stacked", _sqrtm, ((2, 3, 3),)),
    OpSpec("scipy-solve-sylvester", _sylvester, ((3, 3), (2, 2), (3, 2))),
    OpSpec("scipy-solve-sylvester-stacked", _sylvester, ((2, 3, 3), (3, 3), (2, 3, 3))),
    OpSpec("scipy-solve-banded", _banded(1, 1), ((3, 5), (5,))),
    OpSpec("scipy-solve-banded-columns", _banded(2, 0), ((3, 4), (4, 2))),
    OpSpec("scipy-solve-banded-stacked", _banded(0, 1), ((2, 2, 4), (4,))),
]
