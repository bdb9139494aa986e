"""np.einsum with a zero-size batch axis ("...ij,...jk->...ik" on (0, m, n)
operands) gives NumPy's empty result, and its empty derivatives, on both
backends (issue 13: it used to fail with "cannot reshape")."""
import numpy as np
import pytest

import numjac as nj
from tests.helpers import check_backends


def matmul(a, b):
    return np.einsum("...ij,...jk->...ik", a, b)


@pytest.mark.parametrize("batch", [(0,), (2, 0), (0, 1)])
def test_zero_size_batch_matches_numpy(batch):
    a, b = np.ones(batch + (2, 3)), np.ones(batch + (3, 4))
    got = check_backends(matmul, (a, b))
    assert got.shape == matmul(a, b).shape == batch + (2, 4)
    grad = nj.grad(lambda a, b: np.sum(matmul(a, b)))(a, b)
    assert grad.shape == a.shape
    assert nj.jacrev(matmul)(a, b).shape == batch + (2, 4) + batch + (2, 3)


def test_size_one_batch_still_broadcasts():
    a, b = np.ones((1, 2, 3)), np.arange(24.0).reshape(4, 3, 2)
    np.testing.assert_allclose(check_backends(matmul, (a, b)), matmul(a, b))
