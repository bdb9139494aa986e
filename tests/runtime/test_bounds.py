"""Index bounds on the Numba backend: the cases of tests/bounds_cases.py
raise NumPy's IndexError from the kernel (never read or write outside an
array), the check is one compare per index outside the gather's loops, and
a kernel that raised keeps its disk cache entry."""
import logging
import textwrap

import numpy as np
import pytest

import numjac as nj
from numjac.runtime.dispatch import kernel_source
from tests.bounds_cases import GATHERS, TRANSFORMS, X2, assert_out_of_bounds
from tests.helpers import check_backends


@pytest.fixture(autouse=True)
def numba_backend(monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")


def _pick(params, *ids):
    return [p for p in params if p.id in ids]


# Every gather under jit and grad; the gathers that take different paths
# (one int, one array, two arrays merged, take_along_axis) under every transform.
@pytest.mark.parametrize("run", _pick(TRANSFORMS, "jit", "grad"))
@pytest.mark.parametrize("f, x, index, message", GATHERS)
def test_every_gather_raises_on_numba(run, f, x, index, message):
    assert_out_of_bounds(run, f, x, index, message)


@pytest.mark.parametrize("run", TRANSFORMS)
@pytest.mark.parametrize("f, x, index, message",
                         _pick(GATHERS, "int row", "array", "two arrays", "take_along_axis"))
def test_every_transform_raises_on_numba(run, f, x, index, message):
    assert_out_of_bounds(run, f, x, index, message)


def test_in_range_indices_agree_with_the_interpreter():
    index = np.array([[3, -1], [0, -4]])
    check_backends(lambda x, i: x[i], (X2, index))
    check_backends(lambda x, i: x[i, i % 3], (X2, index))
    check_backends(nj.grad(lambda x, i: np.sum(np.take(x, i, axis=1) ** 2)), (X2, index % 3))
    check_backends(nj.vmap(lambda x, i: x[i], in_dims=(None, 0), chunk_size=1), (X2, index))


def test_the_check_runs_once_per_index_before_the_gather():
    """x[i] for 1000 rows of 50: a min/max loop over the 1000 indices (no
    branch, so it vectorizes), a search only when one is outside, then the
    gather, which reads the indices unchecked and uncopied."""
    source = kernel_source(nj.make_ir(lambda x, i: x[i] * 2.0)(np.ones((8, 50)),
                                                                 np.zeros(1000, np.int64)))
    body = textwrap.dedent(source.split("def kernel(a, b):\n")[1])
    check, gather = body.split("e = empty(")
    assert check.count("for i0 in range(1000):") == 2 and "range(50)" not in check
    assert "lowest1 = min(lowest1, index3)" in check
    assert "if lowest1 < -8 or highest2 >= 8:" in check
    assert check.count("raise IndexOutOfBounds(") == 1
    assert "raise" not in gather and "a[(b[i0] if b[i0] >= 0 else b[i0] + 8), i1]" in gather


def test_an_out_of_range_call_keeps_the_disk_cache_entry(caplog):
    f = nj.jit(lambda x, i: x[i] + 1.0)
    np.testing.assert_array_equal(f(X2, 1), X2[1] + 1.0)
    with caplog.at_level(logging.WARNING, logger="numjac"):
        for _ in range(2):
            with pytest.raises(IndexError, match="index 9 is out of bounds"):
                f(X2, 9)
    assert not [r for r in caplog.records if "rebuilding" in r.getMessage()]
    np.testing.assert_array_equal(f(X2, -1), X2[-1] + 1.0)
