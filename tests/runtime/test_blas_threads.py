"""The BLAS products in numjac's kernels: one thread when small, up to the
limit when big (runtime/blas_threads.py), values unchanged."""
import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import numjac as nj
from numjac.runtime import blas_threads

pytestmark = pytest.mark.skipif(not blas_threads.controllable(),
                                reason="SciPy's BLAS here is one threadpoolctl cannot control")


def scipy_blas_threads() -> int:
    import scipy
    scipy_dir = os.path.dirname(scipy.__file__)
    return next(info["num_threads"] for info in threadpool_info()
                if info["filepath"].startswith(scipy_dir))


def tanh_product(a, b):
    return np.tanh(a @ b)


@pytest.fixture
def numba_backend(monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")
    limit = nj.get_num_threads()
    yield
    nj.set_num_threads(limit)


@pytest.mark.parametrize("limit, n, threads", [(2, 64, 1), (2, 160, 2), (1, 160, 1)])
def test_product_size_chooses_the_threads(numba_backend, limit, n, threads):
    """A 64^3 product runs on one thread whatever the limit; a 160^3 one on
    up to the limit."""
    nj.set_num_threads(limit)
    rng = np.random.default_rng(n)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    np.testing.assert_allclose(nj.jit(tanh_product)(a, b), np.tanh(a @ b), rtol=1e-12)
    assert scipy_blas_threads() == threads


def test_environment_variable_sets_the_limit():
    code = "import numjac as nj; print(nj.get_num_threads())"
    env = dict(os.environ, NUMJAC_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "1"


def test_bad_environment_variable_names_itself():
    code = "import numjac as nj; nj.get_num_threads()"
    env = dict(os.environ, NUMJAC_NUM_THREADS="many")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "NUMJAC_NUM_THREADS" in result.stderr


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        nj.set_num_threads(bad)
