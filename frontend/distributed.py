"""Chunked transforms on a Dask cluster: ``with nj.distributed(client):``.

Inside the context, a call of a transform made with ``chunk_size`` (vmap,
jacrev, jacfwd, and the transforms built on them) sends its chunks to the
cluster: each chunk is one task, and what a task carries is the chunk
loop's body as generated kernel source named by its hash
(runtime/remote.py), the chunk's rows, and the operands every chunk shares
(sent to each worker once).  Each worker compiles a kernel once, through
its own disk cache, and reuses it for every later chunk.  The rest of the
call (what comes before and after the chunk loop: the primal pass of a
reverse-mode Jacobian, the final reshapes) runs here, in NumPy.

Lost workers lose nothing: Dask's scheduler runs their chunks again on
the others, and the result is the one a local run gives.

Dask is optional (``pip install numjac[distributed]``); nothing here
imports it until a context is entered.
"""
from __future__ import annotations

import contextvars
import threading
from contextlib import contextmanager

from .runtime.remote import evaluate_chunked, has_chunks, run_chunk

_CLIENT = contextvars.ContextVar("numjac_distributed_client", default=None)
_INSTALL = "pip install 'numjac[distributed]'"


class _Contexts:
    """How many distributed contexts are open in all threads: the fast call
    path checks this one number and leaves the rest to call_staged."""

    def __init__(self):
        self.contexts = 0
        self.lock = threading.Lock()

    def change(self, by: int):
        with self.lock:
            self.contexts += by


DISTRIBUTED = _Contexts()


@contextmanager
def distributed(client=None):
    """Run the chunks of the chunked transforms called inside on a Dask cluster.

    Inside the ``with`` block, a call of ``nj.vmap``, ``nj.jacrev`` or
    ``nj.jacfwd`` made with ``chunk_size`` (and of transforms built on
    them) sends each chunk to the cluster as one task; what travels is the
    generated kernel source, named by its hash, and each worker compiles
    it once.  Calls with no chunk_size raise; ``nj.vmap`` of Dask arrays
    needs no context (it returns Dask arrays, computed by Dask's current
    scheduler).  Contexts nest; the innermost client is used, per thread.

    Parameters
    ----------
    client : dask.distributed.Client or None, default None
        The cluster's client; None takes the client Dask considers current.

    Returns
    -------
    contextmanager
        Yields the client.

    Raises
    ------
    ImportError
        Dask's distributed scheduler is not installed
        (``pip install 'numjac[distributed]'``).
    ValueError
        No client was given and none is running.
    RuntimeError
        The workers cannot import numjac, or run another version of it.

    Examples
    --------
    >>> from distributed import Client
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as client:
    ...     with nj.distributed(client):
    ...         jac = nj.jacrev(np.sin, chunk_size=2)(np.zeros(3))
    >>> jac.tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    client = _connected(client)
    token = _CLIENT.set(client)
    DISTRIBUTED.change(+1)
    try:
        yield client
    finally:
        DISTRIBUTED.change(-1)
        _CLIENT.reset(token)


def current_client():
    """The Dask client of the innermost ``distributed`` context, or None."""
    return _CLIENT.get()


def run_distributed(ir, arrays, label: str) -> list:
    """The outputs of a staged ``ir`` on ``arrays``, its chunks on the cluster."""
    if not has_chunks(ir):
        raise ValueError(f"{label}: nothing to distribute: inside nj.distributed, give "
                         "the transform a chunk_size (each chunk is one task)")
    client = current_client()

    def run_chunks(chunks, whole):
        # One task holds what every chunk shares; workers fetch it once.  Not
        # client.scatter: the scheduler cannot recompute scattered data that
        # died with a worker, and this task it can (the data is in it).
        shared = client.submit(tuple, whole, pure=False)
        futures = [client.submit(run_chunk, chunk, shared, pure=False) for chunk in chunks]
        return client.gather(futures)
    return evaluate_chunked(ir, arrays, run_chunks)


def _connected(client):
    """``client``, or the Dask client of the current context; checked to
    reach workers that can import this numjac."""
    try:
        from distributed import get_client
    except ImportError:
        raise ImportError("nj.distributed needs Dask's distributed scheduler: "
                          f"{_INSTALL}") from None
    if client is None:
        try:
            client = get_client()
        except ValueError:
            raise ValueError("nj.distributed: no Dask client given and none is running; "
                             "pass one: nj.distributed(Client(...))") from None
    _check_workers(client)
    return client


def _check_workers(client):
    import importlib.metadata       # here: a tenth of numjac's import time, needed only here
    here = importlib.metadata.version("numjac")
    try:
        found = client.run(importlib.metadata.version, "numjac")
    except Exception as error:      # what failed is on the workers
        raise RuntimeError(f"nj.distributed: the Dask workers cannot import numjac "
                           f"({type(error).__name__}: {error}); install it there: "
                           f"{_INSTALL}") from None
    others = {worker: v for worker, v in found.items() if v != here}
    if others:
        raise RuntimeError(f"nj.distributed: workers run another numjac version than "
                           f"this process ({here}): {others}")
