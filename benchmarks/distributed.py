"""``python -m benchmarks.distributed``: chunked transforms on a local Dask
cluster of 1 and then 2 worker processes (one thread each), against the
same work done in this process, in one run.

    python -m benchmarks.distributed [--examples 1000000] [--columns 20000]

Rows: per-example gradients of a logistic loss over 64 features, the
examples a Dask array made and kept on the workers (the gradients summed
there, as a training step would); and the jacfwd, in chunks of columns, of ``W @ sin(x)`` with
``--columns`` inputs and 200 outputs (``W`` sent to each worker once).
Each time is the median of three calls after a warm-up call (which
compiles the chunk kernels on every worker); the per-chunk overhead is the
time of a call made of many tiny chunks divided by their number.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import numjac as nj

CHUNKS = 16


def logistic_loss(w, x, y):
    return np.log1p(np.exp(-y * (x @ w)))


def median_seconds(call, repeats=3) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gradient_sum(examples: int, on_cluster: bool):
    """The per-example gradients' sum: local NumPy data, or a Dask array."""
    import dask.array as da
    w = np.linspace(-1.0, 1.0, 64)
    grads = nj.vmap(nj.grad(logistic_loss), in_dims=(None, 0, 0),
                    chunk_size=None if on_cluster else examples // CHUNKS)
    if on_cluster:
        rng = da.random.default_rng(0)
        x = rng.standard_normal((examples, 64), chunks=(examples // CHUNKS, 64)).persist()
        y = da.sign(rng.standard_normal(examples, chunks=examples // CHUNKS)).persist()
        return lambda: grads(w, x, y).sum(axis=0).compute()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((examples, 64)), np.sign(rng.standard_normal(examples))
    return lambda: grads(w, x, y).sum(axis=0)


def wide_jacobian(columns: int):
    weights = np.random.default_rng(1).standard_normal((200, columns))

    def projected_sine(x):
        return weights @ np.sin(x)
    jac = nj.jacfwd(projected_sine, chunk_size=columns // CHUNKS)
    x = np.linspace(0.0, 1.0, columns)
    return lambda: jac(x)


def chunk_overhead(client, chunks=200) -> float:
    tiny = nj.vmap(np.sin, chunk_size=1)
    x = np.ones(chunks)
    with nj.distributed(client):
        return median_seconds(lambda: tiny(x)) / chunks


def main(argv=None):
    from distributed import Client, LocalCluster
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=20_000)
    args = parser.parse_args(argv)
    names = (f"per-example grads, {args.examples:,} examples",
             f"jacfwd, {args.columns:,} columns")
    local = (median_seconds(gradient_sum(args.examples, False)),
             median_seconds(wide_jacobian(args.columns)))
    timings, overhead = {}, {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            with nj.distributed(client):
                timings[workers] = (median_seconds(gradient_sum(args.examples, True)),
                                    median_seconds(wide_jacobian(args.columns)))
            overhead[workers] = chunk_overhead(client)
    print("| workload | this process | 1 worker | 2 workers | speedup 2 vs 1 |")
    print("| --- | --- | --- | --- | --- |")
    for i, name in enumerate(names):
        one, two = timings[1][i], timings[2][i]
        print(f"| {name} | {local[i]:.3f} s | {one:.3f} s | {two:.3f} s | {one / two:.2f}x |")
    print(f"\nper-chunk overhead: {1e3 * overhead[1]:.2f} ms (1 worker), "
          f"{1e3 * overhead[2]:.2f} ms (2 workers)")


if __name__ == "__main__":
    main()
