"""Per-example gradients over big batches (issue 15, benchmarks/threads.py):
the kernel is one pass over the examples at every batch size, allocates
only its output, never zero-fills it, and puts big arrays on huge pages
(runtime/huge_pages.py); values agree with a closed form, the interpreter
and a Python loop."""
import sys
from pathlib import Path

import numpy as np
import pytest

import numjac as nj
from numjac.runtime import huge_pages, kernel_support
from numjac.runtime.codegen.emission import OUTPUT_BUFFER_BYTES
from ..helpers import check_backends, check_vmap


@pytest.fixture(autouse=True)
def numba_backend(monkeypatch):
    monkeypatch.setenv("NUMJAC_BACKEND", "numba")


def logistic_loss(w, x, y):
    return np.log1p(np.exp(-y * (x @ w)))


def inputs(batch):
    rng = np.random.default_rng(batch)
    return (rng.normal(size=64) / 8, rng.normal(size=(batch, 64)),
            np.sign(rng.normal(size=batch)))


def closed_form(w, x, y):
    logit = -y * (x @ w)
    return (-y * np.exp(logit) / (1 + np.exp(logit)))[:, None] * x


GRADS = nj.vmap(nj.grad(logistic_loss), in_dims=(None, 0, 0))


@pytest.mark.parametrize("batch", [64, 16384, 131072])
def test_one_pass_over_the_examples(batch):
    """One loop over the examples (parallel from 2**18 elements), the
    logit a scalar per example, the output the one array allocated, with
    ``empty`` (never ``full``/``zeros``), or from 4 MB on the one output
    buffer argument (runtime/output_buffers.py); values as the closed form's."""
    w, x, y = inputs(batch)
    source = GRADS.lower(w, x, y).source
    loop = "prange" if batch * 64 >= 1 << 18 else "range"
    assert source.count(f"for i0 in {loop}({batch})") == 1
    assert source.count("for i0 in") == 1
    big = x.nbytes >= OUTPUT_BUFFER_BYTES
    assert source.count("an output buffer argument") == big
    assert source.count("empty(") == (not big) and "full(" not in source
    assert "zeros" not in source
    assert "gemm" not in source
    np.testing.assert_allclose(GRADS(w, x, y), closed_form(w, x, y), rtol=1e-12, atol=1e-14)


def test_big_batch_agrees_with_interpreter_and_loop():
    w, x, y = inputs(16384)
    check_backends(GRADS, (w, x, y))
    check_vmap(nj.grad(logistic_loss), (None, 0, 0), (w, x[:40], y[:40]))


@pytest.mark.parametrize("shape", [(3, 5), (1024, 1024), (131072, 64)])
@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.bool_])
def test_allocation_helpers(shape, dtype):
    """The kernels' ``empty`` and ``full``, below and above the huge-page
    threshold (4 MB)."""
    assert kernel_support.empty(shape, dtype).shape == shape
    assert kernel_support.empty(shape, dtype).dtype == dtype
    filled = kernel_support.full(shape, True, dtype)
    assert filled.dtype == dtype and filled.shape == shape
    assert np.all(filled == np.ones(1, dtype))


@pytest.mark.skipif(not Path("/sys/kernel/mm/transparent_hugepage").is_dir()
                    or not sys.platform.startswith("linux"),
                    reason="transparent huge pages are Linux's, and this kernel has none")
def test_big_arrays_are_advised_huge_pages():
    """madvise accepts the advice for a 64 MB array; a small one is not asked."""
    advise = huge_pages.advise_huge_pages
    assert advise(np.empty((131072, 64))) == 0
    assert advise(np.empty((100, 64))) == 1
