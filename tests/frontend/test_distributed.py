"""Chunked transforms on a Dask cluster (frontend/distributed.py): a local
cluster of two worker processes, started here and stopped after, gives the
local results for vmap, jacrev, jacfwd and hessian, keeps them when a
worker dies mid-run, and Dask-array vmaps stay lazy and block-aligned."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import numjac as nj

distributed = pytest.importorskip("distributed", reason="Dask is the optional extra "
                                  "numjac[distributed]; these tests need it")
da = pytest.importorskip("dask.array")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    cache = str(tmp_path_factory.mktemp("worker-cache"))
    # Workers run the Numba backend, with a disk cache of their own.
    env = {"NUMJAC_BACKEND": "numba", "NUMJAC_CACHE_DIR": cache}
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, env=env)
    with cluster, distributed.Client(cluster) as client:
        yield client


def chain(x):
    return np.sin(x) * np.sum(x ** 2) + np.roll(x, 1) ** 3


def energy(x):
    return np.sum(np.cos(x[1:] - x[:-1]) * x[1:] ** 2)


X = np.linspace(-1.0, 1.0, 23)


@pytest.mark.parametrize("transform, local", [
    (lambda: nj.jacrev(chain, chunk_size=5), nj.jacrev(chain)),
    (lambda: nj.jacfwd(chain, chunk_size=4), nj.jacfwd(chain)),
    (lambda: nj.jacfwd(nj.jacrev(energy), chunk_size=6), nj.hessian(energy)),
], ids=["jacrev", "jacfwd", "hessian"])
def test_chunked_jacobians_equal_the_local_ones(client, transform, local):
    with nj.distributed(client):
        result = transform()(X)
    np.testing.assert_allclose(result, local(X), rtol=1e-12, atol=1e-12)


def test_chunked_vmap_equals_a_python_loop(client):
    batch = np.outer(np.arange(17.0), X[:4])
    with nj.distributed(client):
        result = nj.vmap(nj.grad(energy), chunk_size=5)(batch)
    np.testing.assert_allclose(result, [nj.grad(energy)(row) for row in batch], rtol=1e-12)


def test_workers_keep_to_their_thread_budget(client):
    """Dask's nanny caps each worker's BLAS at one thread; numjac keeps to it."""
    assert set(client.run(nj.get_num_threads).values()) == {1}


def test_a_call_without_chunks_says_to_give_chunk_size(client):
    with nj.distributed(client), pytest.raises(ValueError, match="chunk_size"):
        nj.jacrev(chain)(X)


def test_dask_array_vmap_is_lazy_and_keeps_the_blocks(client):
    batch = np.random.default_rng(0).standard_normal((40, 23))
    lazy = da.from_array(batch, chunks=(15, 23))
    with nj.distributed(client):
        grads, values = nj.vmap(lambda x: (nj.grad(energy)(x), energy(x)))(lazy)
    assert isinstance(grads, da.Array) and grads.chunks == ((15, 15, 10), (23,))
    np.testing.assert_allclose(grads.compute(), [nj.grad(energy)(r) for r in batch],
                               rtol=1e-12)
    np.testing.assert_allclose(values.compute(), [energy(r) for r in batch], rtol=1e-12)


def test_dask_array_with_numpy_rows_and_local_scheduler():
    rows = np.arange(12.0)
    lazy = da.from_array(np.ones((12, 3)), chunks=(5, 3))
    out = nj.vmap(lambda x, r: x * r)(lazy, rows)
    np.testing.assert_array_equal(out.compute(scheduler="sync"), np.ones((12, 3)) * rows[:, None])


def test_dask_arrays_need_batch_axis_first():
    lazy = da.ones((4, 3), chunks=2)
    with pytest.raises(ValueError, match="in_dims must be 0 or None"):
        nj.vmap(np.sin, in_dims=1)(lazy)


def test_lost_worker_loses_no_chunk(client):
    x = np.linspace(-1.0, 1.0, 200)
    expected = nj.jacrev(chain)(x)
    result, failure = {}, []

    def run():
        try:
            with nj.distributed(client):
                result["jac"] = nj.jacrev(chain, chunk_size=2)(x)
        except Exception as error:      # reported below
            failure.append(error)
    pids = client.run(os.getpid)
    thread = threading.Thread(target=run)
    thread.start()
    victim = _worker_with_tasks(client)
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=600)
    assert not failure and not thread.is_alive()
    assert not _alive(pids[victim])
    np.testing.assert_allclose(result["jac"], expected, rtol=1e-12, atol=1e-12)


def _worker_with_tasks(client, timeout=120.0):
    """The address of a worker that is computing chunks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [worker for worker, tasks in client.processing().items() if tasks]
        if busy:
            return busy[0]
        time.sleep(0.01)
    raise AssertionError("no worker ever got a chunk")


def _alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class _NoNumjacClient:
    """A client whose workers cannot import numjac."""

    def run(self, *args, **kwargs):
        raise ModuleNotFoundError("No module named 'numjac'")


def test_workers_without_numjac_get_a_clear_error():
    with pytest.raises(RuntimeError, match="cannot import numjac.*pip install"):
        with nj.distributed(_NoNumjacClient()):
            pass


@pytest.mark.parametrize("transform", [nj.jit, nj.jacrev, nj.grad])
def test_other_transforms_refuse_dask_arrays_by_name(transform):
    with pytest.raises(TypeError, match="argument 0 is a Dask array.*compute"):
        transform(lambda x: np.sum(np.sin(x)))(da.ones(3))
