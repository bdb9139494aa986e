"""Kernels call SciPy's compiled special functions by symbol
(runtime/special_calls.py): their values are SciPy's bit for bit, the
machine code loads from the disk cache in a fresh process, and the
background compile process builds kernels that call them."""
import logging
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.special as sc

import numjac as nj
from numjac.runtime.special_calls import ARITY
from tests.runtime.test_background import fresh_caches, records  # noqa: F401  (fixture)

# Points inside and at the edges of each function's domain: zero, negative
# x (NaN or odd/even values), infinities, NaN, large orders and arguments.
X = np.array([0.0, 1e-300, 0.3, 1.0, 2.5, 7.0, 40.0, 700.0, -0.5, -3.0, np.inf, -np.inf,
              np.nan])
ORDERS = np.array([0.0, 1.0, 2.0, 2.5, -1.5, 30.0])
UNIT = np.array([0.0, 1e-12, 0.1, 0.5, 0.99, 1.0, 1.5, -0.1, np.nan])


def _grid(name, arity):
    if arity == 1:
        return (X,)
    if name.startswith("betainc"):
        a = np.array([0.5, 1.0, 3.0, 40.0])[:, None, None]
        b = np.array([0.3, 2.0, 25.0])[None, :, None]
        return a, b, UNIT[None, None, :]
    return ORDERS[:, None], X[None, :]


@pytest.mark.parametrize("name", ARITY)
def test_kernels_give_scipys_values_bit_for_bit(name):
    arity = ARITY[name]
    ufunc = getattr(sc, name)
    args = [a.copy() for a in np.broadcast_arrays(*_grid(name, arity))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)    # yn truncates orders 2.5, -1.5
        expected = ufunc(*args)
        with nj.compile_mode("blocking"):
            got = nj.jit(ufunc, backend="numba")(*args)
    np.testing.assert_array_equal(got, expected)


SCRIPT = textwrap.dedent("""
    import logging, sys
    import numpy as np, scipy.special as sc, numjac as nj
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    def f(x):
        # ndtri: numjac's erfcinv helper, compiled while Numba types the kernel
        return (sc.jv(1.5, x) + sc.gammainc(2.0, x) + sc.betainc(2.0, 3.0, x / 10) + sc.i0e(x)
                + sc.ndtri(x / 10))
    x = np.linspace(0.1, 9.0, 7)
    got = nj.jit(f, backend="numba")(x)
    print("equal", np.allclose(got, f(x), rtol=1e-14, atol=0))     # ndtri: numjac's helper
""")


def test_cached_kernels_load_in_a_fresh_process(tmp_path):
    """The symbols are registered before Numba loads the machine code; the
    kernel compiles with an empty cache (it once failed on a recursive helper)."""
    env = dict(os.environ, NUMJAC_CACHE_DIR=str(tmp_path), NUMJAC_COMPILE="blocking")
    env.pop("NUMJAC_DISABLE_DISK_CACHE", None)
    outputs = [subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                              text=True, timeout=600) for _ in range(2)]
    for result in outputs:
        assert "equal True" in result.stdout, result.stderr
    assert "disk cache miss" in outputs[0].stdout
    assert "disk cache hit" in outputs[1].stdout and "miss" not in outputs[1].stdout


def test_the_compile_process_builds_kernels_that_call_scipy(fresh_caches, caplog):  # noqa: F811
    def f(v, x):
        return sc.kve(v, x) * sc.yn(2, x) - sc.gammaincc(v + 1, x)
    v, x = np.array([0.5, 1.0, 3.5]), np.array([0.2, 2.0, 11.0])
    jitted = nj.jit(f, backend="numba")
    with nj.compile_mode("background"), caplog.at_level(logging.INFO, logger="numjac"):
        jitted(v, x)
        assert nj.wait_for_compiles(timeout=600)
        got = jitted(v, x)
    assert records(caplog, r"^compiled kernel \w+ in the background")
    assert records(caplog, r"disk cache hit \(machine code loaded from")
    np.testing.assert_array_equal(got, f(v, x))
