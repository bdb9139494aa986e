"""First calls that never wait long: big kernels compile in the background.

A kernel expected to compile for more than ``BACKGROUND_ABOVE_SECONDS``
(estimated from its generated source: ``estimated_compile_seconds``) is
not compiled on the calling thread in the "background" compile mode (the
default): it goes to a compile process (compile_pool.py), which writes
it to the disk cache, and until it is there every call is answered by the
reference interpreter.  The first call after it is ready loads it from the
disk cache and uses it from then on (``settled`` tells the staged function
to hold the kernel itself, so that its fast path calls Numba directly).

The "blocking" mode compiles on the calling thread, as numjac always did.
The mode is process-wide: ``set_compile_mode``, the ``compile_mode``
context manager, else ``NUMJAC_COMPILE=background|blocking``.  Without a
disk cache (``NUMJAC_DISABLE_DISK_CACHE``) a compile process could not
hand its kernel over, so every compile blocks.

The log (logger "numjac"): an INFO line when a compile starts (equations,
source lines, the mode, the estimate), one every ``PROGRESS_SECONDS``
while it runs, one when it ends; a WARNING when a kernel is big enough
to take ``SLOW_COMPILE_SECONDS`` or more, naming the loop primitives.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from ..compiler.primitives.loops import scan_p, while_loop_p
from . import cache, compile_pool, kernel_store
from .compile_worker import argument_type, compile_overload
from .interpreter import evaluate

# Primitives whose bodies compile once whatever the trip count.
LOOPS = (scan_p, while_loop_p)

log = logging.getLogger("numjac")

COMPILE_MODES = ("background", "blocking")

# The estimate of a kernel's Numba compile time, fitted (least squares on
# the logarithms: `python -m benchmarks.compile_calibration --fit --sizes
# 1,2,3,8,24,48`) to the CPU seconds of that script's 27 kernels, measured
# on the project's 2-core machine while other jobs loaded it (load average
# 10 to 11; a quiet machine compiles faster: docs/guide.md's first-call
# table).  Some of its rows:
#
#   program (loop count)   equations  lines  measured  estimated  (the fit before)
#   tanh MLP, jit (8)             16     61     0.5 s      0.6 s      0.5 s
#   tanh MLP, jit (48)            96    362     3.5 s      4.0 s      2.9 s
#   tanh MLP, jacrev (24)        148    417     6.5 s      4.9 s      3.5 s
#   tanh MLP, jacrev (48)        292    494     5.0 s      6.1 s      4.3 s
#   RK4 Lorenz-96, jacrev (1)    157    146     2.2 s      2.5 s      8.4 s
#   RK4 Lorenz-96, jacrev (2)    318    333     5.0 s      5.7 s     29.2 s
#   RK4 Lorenz-96, jacrev (8)      6    222     3.9 s      3.9 s     19.6 s
#
# (code: the kernel without its IR docstring and comments; each top-level
# function is counted on its own, as Numba compiles it.)  What costs is
# the code and its loops (LLVM unrolls and vectorizes those with constant
# trip counts); the branches inside them, which cost most when a kernel
# was one function, now cost next to nothing, and a kernel split into
# parts grows near linearly.  The fit is within a factor of 1.4 on every
# kernel measured but the two smallest Jacobians (1.7: under half a second).
SECONDS_PER_CHARACTER = 3.5e-4
SECONDS_PER_LOOP = 0.0092
SECONDS_PER_BRANCH = 2.3e-5
GROWTH_EXPONENT = 1.05
FIXED_SECONDS = 0.0

BACKGROUND_ABOVE_SECONDS = 1.0   # shorter compiles block: a process is not worth it
SLOW_COMPILE_SECONDS = 10.0      # the WARNING's threshold
PROGRESS_SECONDS = 10.0          # the interval of "still compiling" lines


# -- the mode ----------------------------------------------------------------------

_mode = None     # set_compile_mode's choice; None: NUMJAC_COMPILE decides


def _checked_mode(mode) -> str:
    if mode not in COMPILE_MODES:
        raise ValueError(f"the compile mode must be one of {COMPILE_MODES}, got {mode!r}")
    return mode


def current_compile_mode() -> str:
    """The mode in force: set_compile_mode's, else NUMJAC_COMPILE's, else background."""
    if _mode is not None:
        return _mode
    value = os.environ.get("NUMJAC_COMPILE", "").strip() or "background"
    if value not in COMPILE_MODES:
        raise ValueError(f"NUMJAC_COMPILE must be one of {COMPILE_MODES}, got {value!r}")
    return value


def set_compile_mode(mode):
    """Choose how kernels that compile slowly are compiled, process-wide.

    Parameters
    ----------
    mode : {"background", "blocking"} or None
        "background": a kernel expected to compile for more than about a
        second compiles in a separate process while the reference
        interpreter answers the calls; the first call after it is ready
        switches to it.  "blocking": every call waits for its kernel.
        None: the ``NUMJAC_COMPILE`` environment variable decides again
        (default "background").

    Returns
    -------
    str or None
        The mode set before (None if the environment variable decided).

    Raises
    ------
    ValueError
        ``mode`` is not one of these.

    Examples
    --------
    >>> previous = nj.set_compile_mode("blocking")
    >>> nj.set_compile_mode(previous)
    'blocking'
    """
    global _mode
    previous, _mode = _mode, (None if mode is None else _checked_mode(mode))
    return previous


@contextlib.contextmanager
def compile_mode(mode):
    """Compile in ``mode`` ("background" or "blocking") inside a ``with`` block.

    The mode is process-wide (every thread sees it) and the previous one
    comes back when the block ends; see ``set_compile_mode``.

    Examples
    --------
    >>> with nj.compile_mode("blocking"):
    ...     y = nj.jit(np.sin)(np.zeros(3))
    """
    previous = set_compile_mode(mode)
    try:
        yield
    finally:
        set_compile_mode(previous)


# -- the estimate ------------------------------------------------------------------

@dataclass(frozen=True)
class CodeSize:
    """What the compile time of a piece of code depends on."""

    characters: int
    loops: int
    branches: int

    @classmethod
    def of(cls, code: list):
        """Of the stripped code lines ``code``."""
        return cls(sum(map(len, code)),
                   sum(line.startswith(("for ", "while ")) for line in code),
                   sum(line.startswith(("if ", "elif ")) + line.count(" if ") for line in code))


@dataclass(frozen=True)
class KernelSize:
    """A kernel's size, read off its source: the code of each top-level
    function apart (Numba compiles each function on its own)."""

    equations: int
    lines: int            # of code, without the IR docstring and comments
    functions: tuple      # a CodeSize per top-level function (and one for the rest)

    @classmethod
    def of(cls, ir, source: str):
        pieces = [[]]
        for line in _without_docstring(source).splitlines():
            if line.startswith("def "):
                pieces.append([])
            if line.strip() and not line.lstrip().startswith("#"):
                pieces[-1].append(line.strip())
        return cls(len(ir.eqns), sum(map(len, pieces)),
                   tuple(CodeSize.of(code) for code in pieces if code))

    def __str__(self):
        return f"{self.equations} equations, {self.lines} source lines"


def _without_docstring(source: str) -> str:
    """The kernel module without its opening docstring (the IR's text)."""
    if source.startswith('"""'):
        return source.split('"""', 2)[-1]
    return source


def estimated_compile_seconds(size: KernelSize) -> float:
    return FIXED_SECONDS + sum(_work(code) ** GROWTH_EXPONENT for code in size.functions)


def _work(code: CodeSize) -> float:
    return (SECONDS_PER_CHARACTER * code.characters + SECONDS_PER_LOOP * code.loops
            + SECONDS_PER_BRANCH * code.branches)


# -- kernels on their way ----------------------------------------------------------

class CompilingKernel:
    """A kernel whose first call compiles; ``settled`` is the kernel itself
    once that is over (None before)."""

    settled = None

    def __init__(self, kernel, size: KernelSize):
        self.kernel, self.size = kernel, size
        self._lock = threading.Lock()


class BlockingCompile(CompilingKernel):
    """The first call compiles on the calling thread, with progress lines."""

    def __call__(self, *arrays):
        if self.settled is not None:
            return self.settled(*arrays)
        with self._lock, Progress(self.kernel.key, "blocking"):
            outs = self.kernel(*arrays)
        self.settled = self.kernel
        return outs


class BackgroundCompile(CompilingKernel):
    """Interprets ``ir`` until the compile process has put the kernel in
    the disk cache, then switches to it."""

    def __init__(self, kernel, size: KernelSize, ir, estimate: float):
        super().__init__(kernel, size)
        self.ir, self.estimate = ir, estimate
        self.future = self.progress = self.reply = self.arguments = None
        self.started = time.perf_counter()
        self.ready = threading.Event()    # set once the kernel can be called at no wait

    def __call__(self, *arrays):
        if self.settled is not None:
            return self.settled(*arrays)
        if self.future is None:
            self._submit(arrays)
        if self.ready.is_set():
            return self._switch(arrays)
        with np.errstate(all="ignore"):    # as silent as the kernel about inf and nan
            return evaluate(self.ir, *arrays)

    def _submit(self, arrays):
        with self._lock:
            if self.future is not None:
                return
            self.arguments = [argument_type(a) for a in arrays]
            if None in self.arguments:     # the first call compiles here instead
                self.future = Future()
                self.future.set_result(("blocking", "an argument is not a plain NumPy array"))
                self._finished(self.future)
                return
            log.info("compiling kernel %s %s: %s, in the background (about %.0f s); the "
                     "interpreter answers until it is ready", self.kernel.key,
                     self.kernel.signature, self.size, self.estimate)
            self.progress = Progress(self.kernel.key, "background")
            self.future = compile_pool.submit(dict(
                source=self.kernel.source, key=self.kernel.key, versions=cache.versions(),
                directory=str(self.kernel.directory), arguments=self.arguments))
            self.future.add_done_callback(self._finished)

    def _finished(self, future):
        """When the compile process has replied (in the thread feeding it):
        load the machine code here, so that the switch does not wait for it."""
        if self.progress is not None:
            self.progress.stop()
        self.reply = outcome, detail = _reply(future)
        try:
            if outcome == "done":
                compile_overload(self.kernel, self.arguments)   # a disk cache hit
                log.info("compiled kernel %s in the background in %.1f s (%.1f s in Numba); "
                         "the next call switches to it", self.kernel.key,
                         time.perf_counter() - self.started, detail)
            elif outcome == "failed":
                log.warning("numjac: the background compile of kernel %s failed (%s); the "
                            "next call compiles it in this process", self.kernel.key, detail)
        except Exception as error:   # noqa: BLE001 - the next call compiles and raises it
            self.reply = ("failed", str(error))
        finally:
            self.ready.set()

    def _switch(self, arrays):
        with self._lock:
            if self.settled is None:
                outcome, detail = self.reply
                if outcome == "done":
                    log.info("kernel %s: switching from the interpreter to the compiled "
                             "kernel", self.kernel.key)
                    outs = self.kernel(*arrays)
                else:
                    log.info("compiling kernel %s %s: %s, blocking (%s)", self.kernel.key,
                             self.kernel.signature, self.size, detail)
                    with Progress(self.kernel.key, "blocking"):
                        outs = self.kernel(*arrays)
                self.settled = self.kernel
                _forget(self)
                return outs
        return self.settled(*arrays)


def _reply(future) -> tuple:
    """The compile process's reply: ("done", seconds in Numba), ("failed",
    why) or ("blocking", why); ("exit", "") for a process stopped at exit."""
    error = future.exception()
    if isinstance(error, compile_pool.WorkerDied) and error.at_exit:
        return ("exit", "")
    return ("failed", str(error)) if error is not None else future.result()


class Progress:
    """Logs a line every PROGRESS_SECONDS until ``stop`` (or the end of a
    ``with`` block), from a timer thread: the compile itself cannot."""

    def __init__(self, key: str, how: str):
        self.key, self.how = key, how
        self.started = time.perf_counter()
        self.done = threading.Event()
        threading.Thread(target=self._tick, daemon=True, name="numjac-compile-progress").start()

    def _tick(self):
        while not self.done.wait(PROGRESS_SECONDS):
            log.info("still compiling kernel %s (%s): %.0f s so far", self.key, self.how,
                     time.perf_counter() - self.started)

    def stop(self):
        self.done.set()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


# -- the registry of background compiles -------------------------------------------

_PENDING: dict = {}      # kernel key -> its BackgroundCompile, until it switches
_PENDING_LOCK = threading.Lock()


def _forget(compiling: BackgroundCompile):
    with _PENDING_LOCK:
        if _PENDING.get(compiling.kernel.key) is compiling:
            del _PENDING[compiling.kernel.key]


def wait_for_compiles(timeout=None) -> bool:
    """Wait until every background compile has ended.

    The next call of each function whose kernel was compiling then uses
    the kernel (or, if the compile failed, compiles it in this process).
    Useful before timing a function, or in a test.

    Parameters
    ----------
    timeout : float or None, default None
        Seconds to wait at most; None waits as long as it takes.

    Returns
    -------
    bool
        True if no compile is running any more, False at the timeout.

    Examples
    --------
    >>> nj.wait_for_compiles(timeout=60.0)
    True
    """
    with _PENDING_LOCK:
        waiting = [c for c in _PENDING.values() if c.future is not None]
    deadline = None if timeout is None else time.monotonic() + timeout
    for compiling in waiting:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not compiling.ready.wait(left):
            return False
    return True


# -- the choice --------------------------------------------------------------------

def prepared(ir, kernel, label=None):
    """What to call for ``kernel`` (a cache.NumbaKernel of ``ir``): the
    kernel itself, or a CompilingKernel that compiles it on its first
    call, on this thread or in the background (see the module docstring)."""
    if kernel.called:
        return kernel
    with _PENDING_LOCK:
        if kernel.key in _PENDING:
            return _PENDING[kernel.key]
        if kernel.directory is not None and _on_disk(kernel):
            return kernel                 # its first call loads it: nothing to wait for
        size = KernelSize.of(ir, kernel.source)
        estimate = estimated_compile_seconds(size)
        _warn_if_slow(label, kernel, size, estimate, ir)
        if (estimate > BACKGROUND_ABOVE_SECONDS and kernel.directory is not None
                and current_compile_mode() == "background"):
            compiling = _PENDING[kernel.key] = BackgroundCompile(kernel, size, ir, estimate)
            return compiling
    log.info("compiling kernel %s %s: %s, blocking (about %.1f s)", kernel.key,
             kernel.signature, size, estimate)
    return BlockingCompile(kernel, size) if estimate > PROGRESS_SECONDS else kernel


def _on_disk(kernel) -> bool:
    pattern = f"{kernel_store.PREFIX}{kernel.key}.*{kernel_store.SUFFIX}"
    return any(True for _ in kernel.directory.glob(pattern))


def _warn_if_slow(label, kernel, size: KernelSize, estimate: float, ir):
    if estimate < SLOW_COMPILE_SECONDS:
        return
    if any(eqn.prim in LOOPS for eqn in ir.eqns):
        advice = ("its loops compile their bodies once already; the straight-line code "
                  "around them is what takes long")
    else:
        advice = ("a Python loop repeating the same steps unrolls into the kernel, while "
                  "nj.fori_loop or nj.scan compile its body once")
    log.warning("numjac: %s has a kernel of %s, which will take about %.0f s to compile; "
                "%s (docs/guide.md, \"First calls and background compilation\")",
                label or f"kernel {kernel.key}", size, estimate, advice)


def _compile_here_after_fork():
    """In a child made by os.fork, which has no compile processes (and
    whose locks other threads may have held): each pending kernel compiles
    on its next call instead."""
    global _PENDING_LOCK
    _PENDING_LOCK = threading.Lock()
    for compiling in _PENDING.values():
        compiling._lock, compiling.ready = threading.Lock(), threading.Event()
        if compiling.reply is None:
            compiling.reply = ("blocking", "this process was forked while it compiled")
        compiling.ready.set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_compile_here_after_fork)


def settled(kernel):
    """The kernel to keep calling: a CompilingKernel's own kernel once its
    compile is over, else ``kernel`` as it is."""
    return getattr(kernel, "settled", None) or kernel


def is_compiling(kernel) -> bool:
    return isinstance(kernel, CompilingKernel) and kernel.settled is None
