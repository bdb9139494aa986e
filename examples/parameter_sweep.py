"""A parameter sweep of ODE Jacobians on a Dask cluster.

The Jacobian of a damped Lorenz-96 right-hand side, for many damping values
at once: ``nj.vmap`` over the damping, in chunks, inside ``nj.distributed``,
so that each chunk of the sweep is one task on the cluster.  The result is
checked against the same sweep run in this process.

To run it on a real cluster, change one line: ``connect()`` returns a
``Client("tcp://scheduler-address:8786")`` instead of a local cluster.

    python examples/parameter_sweep.py
"""
import time

import numpy as np

import numjac as nj


def connect(workers=2):
    """The Dask client.  For a real cluster: return Client("tcp://host:8786")."""
    from distributed import Client, LocalCluster
    return Client(LocalCluster(n_workers=workers, threads_per_worker=1,
                               dashboard_address=None))


def lorenz96(y, damping):
    return (np.roll(y, -1) - np.roll(y, 2)) * np.roll(y, 1) - damping * y ** 3 + 8.0


def sweep(n=40, samples=2000, chunk_size=250, client=None):
    """The Jacobians for ``samples`` dampings, on the cluster and here."""
    y = np.sin(np.arange(n))
    dampings = np.linspace(0.5, 2.0, samples)
    jacobians = nj.vmap(nj.jacfwd(lorenz96), in_dims=(None, 0), chunk_size=chunk_size)
    start = time.perf_counter()
    with nj.distributed(client):
        remote = jacobians(y, dampings)
    seconds = time.perf_counter() - start
    local = jacobians(y, dampings)
    return remote, local, seconds


def main(n=40, samples=2000, chunk_size=250, workers=2, quiet=False):
    with connect(workers) as client:
        remote, local, seconds = sweep(n, samples, chunk_size, client)
        client.cluster.close()
    assert np.allclose(remote, local, rtol=1e-12, atol=1e-12)
    if not quiet:
        print(f"{samples} Jacobians of size {n}x{n} on {workers} workers in {seconds:.2f} s "
              "(first call: the workers compile the chunk kernel)")
    return remote, local


if __name__ == "__main__":
    main()
