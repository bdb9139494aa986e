"""The background compile processes (compile_worker.py), seen from the parent.

``submit(request)`` returns a ``concurrent.futures.Future`` resolved with
the worker's reply.  No process starts before the first request; then at
most ``MAX_PROCESSES`` run, each reused for request after request, fed by
one thread of this process that waits for its replies (no polling).

Never a stray process: at interpreter exit (atexit) every worker's stdin is
closed, which ends it even mid-compile (the kernel is then compiled again
by whoever needs it), and a worker still running a moment later is
killed.  A worker whose parent dies sees its stdin close the same way.  A
child made by ``os.fork`` starts with no workers of its own and never
touches its parent's.
"""
from __future__ import annotations

import atexit
import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future

from .compile_worker import read_message, write_message

# One compile process beside the program on a machine of up to 3 cores
# (LLVM uses one core per compile), two on larger ones.
MAX_PROCESSES = 1 if (os.cpu_count() or 1) <= 3 else 2
EXIT_GRACE_SECONDS = 2.0


class WorkerDied(RuntimeError):
    """The compile process ended before replying (killed, crashed, or
    stopped at exit: then ``at_exit`` is true)."""

    def __init__(self, message, at_exit=False):
        super().__init__(message)
        self.at_exit = at_exit


class _Pool:
    """The job queue and the workers taking jobs from it."""

    def __init__(self):
        self.owner = os.getpid()
        self.jobs = queue.Queue()
        self.workers = []
        self.idle = 0          # workers waiting for a job
        self.lock = threading.Lock()
        self.closed = False

    def submit(self, request) -> Future:
        future = Future()
        with self.lock:
            if self.idle == 0 and len(self.workers) < MAX_PROCESSES:
                self.workers.append(_Worker(self))
            self.jobs.put((request, future))
        return future

    def next_job(self):
        with self.lock:
            self.idle += 1
        job = self.jobs.get()
        with self.lock:
            self.idle -= 1
        return job

    def processes(self) -> list:
        return [w.process for w in self.workers if w.process is not None]

    def shutdown(self):
        self.closed = True
        if os.getpid() != self.owner:    # a forked child: the workers are not its own
            return
        for worker in self.workers:
            worker.stop()


class _Worker:
    """One compile process and the thread feeding it the pool's jobs."""

    def __init__(self, pool: _Pool):
        self.pool = pool
        self.process = None
        threading.Thread(target=self._serve, daemon=True, name="numjac-compile-feeder").start()

    def _serve(self):
        while True:
            request, future = self.pool.next_job()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(self._ask(request))
                except Exception as error:    # noqa: BLE001 - the waiting caller decides
                    self.stop()
                    future.set_exception(error)

    def _ask(self, request):
        if self.process is None or self.process.poll() is not None:
            self.process = _start_process()
        try:
            write_message(self.process.stdin, request)
            return read_message(self.process.stdout)
        except (EOFError, OSError):
            raise WorkerDied(f"the compile process {self.process.pid} ended with "
                             f"exit code {self.process.wait()}", self.pool.closed) from None

    def stop(self):
        process = self.process
        if process is not None:
            _stop(process)


def _start_process() -> subprocess.Popen:
    bootstrap = (f"import sys; sys.path[:] = {sys.path!r}; "
                 "from numjac.runtime.compile_worker import main; main()")
    env = {name: value for name, value in os.environ.items() if name != "NUMJAC_LOG"}
    return subprocess.Popen([sys.executable, "-c", bootstrap], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)


def _stop(process: subprocess.Popen):
    """Close the process's stdin (it exits at once), then kill it if it has not.
    (Its stdout is left to the feeder thread, which may be reading it.)"""
    try:
        process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


_POOL = None
_POOL_LOCK = threading.Lock()


def submit(request) -> Future:
    """Run ``request`` in a compile process; the future holds the reply."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = _Pool()
        pool = _POOL
    return pool.submit(request)


def worker_pids() -> list:
    """The process ids of the running compile processes (for tests)."""
    return [] if _POOL is None else [p.pid for p in _POOL.processes() if p.poll() is None]


def shutdown():
    """Stop every compile process now (atexit does it too)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown()


def _forget_after_fork():
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
