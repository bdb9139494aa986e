"""Compile modes (runtime/background.py): in "background" the interpreter
answers while a compile process fills the disk cache, then calls switch to
the kernel, with the same results as "blocking"; the log lines; and no
compile process outlives its program."""
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import numjac as nj
from numjac.pytree import flatten
from numjac.runtime import background, cache, compile_pool
from numjac.runtime.compile_worker import argument_type
from numjac.staging import Staged
from tests.runtime.test_backend import TRANSFORMED

MODES = ("background", "blocking")


@pytest.fixture
def fresh_caches(tmp_path, monkeypatch):
    """Empty memory and disk caches (so each mode really compiles), and every
    kernel counted as slow (so "background" sends each to the compile process)."""
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setattr(cache, "_KERNELS", {})
    monkeypatch.setattr(background, "BACKGROUND_ABOVE_SECONDS", -1.0)
    return tmp_path


@pytest.fixture(params=MODES)
def mode(request, fresh_caches):
    with nj.compile_mode(request.param):
        yield request.param


def run_program(name):
    """A new jit of a TRANSFORMED program (a new function: nothing staged yet)."""
    make, make_args = TRANSFORMED[name]
    transformed = make()
    return (nj.jit(lambda *args: transformed(*args), backend="numba"),
            make_args(np.random.default_rng(0)))


def assert_leaves(got, expected, exact):
    for g, e in zip(flatten(got)[0], flatten(expected)[0]):
        assert g.dtype == e.dtype and g.shape == e.shape
        if exact:
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", TRANSFORMED)
def test_both_modes_give_the_blocking_kernels_results(name, mode, monkeypatch):
    """Once switched, the kernel is the blocking mode's, bit for bit.  The
    interpreted first calls agree to within rounding only: NumPy sums
    pairwise and multiplies matrices with BLAS, the kernel loops in order."""
    f, args = run_program(name)
    first = f(*args)
    assert nj.wait_for_compiles(timeout=600)
    after = f(*args)
    staged = next(s for s in f._cache.values() if isinstance(s, Staged) and s.kernel)
    assert isinstance(staged.kernel, cache.NumbaKernel)   # switched, not interpreting
    with nj.compile_mode("blocking"):
        monkeypatch.setattr(cache, "_KERNELS", {})
        expected = run_program(name)[0](*args)
    assert_leaves(after, expected, exact=True)
    assert_leaves(first, expected, exact=mode == "blocking")


def records(caplog, pattern):
    return [r for r in caplog.records if re.search(pattern, r.getMessage())]


def test_a_background_compile_answers_with_the_interpreter_then_switches(fresh_caches,
                                                                        caplog, monkeypatch):
    interpreted = []
    evaluate = background.evaluate
    monkeypatch.setattr(background, "evaluate",
                        lambda *a: interpreted.append(1) or evaluate(*a))
    f, args = run_program("mlp-jacrev")
    with nj.compile_mode("background"), caplog.at_level(logging.INFO, logger="numjac"):
        f(*args)
        f(*args)
        assert len(interpreted) == 2
        assert records(caplog, r"^compiling kernel \w+ .*: \d+ equations, \d+ source "
                               r"lines, in the background \(about \d+ s\)")
        assert not f._fast     # no fast path to the interpreter
        assert nj.wait_for_compiles(timeout=600)
        assert records(caplog, r"^compiled kernel \w+ in the background in [\d.]+ s")
        f(*args)
        f(*args)
    assert records(caplog, r"^kernel \w+: switching from the interpreter")
    # The parent loaded the machine code the compile process saved.
    assert records(caplog, r"disk cache hit \(machine code loaded from")
    assert not records(caplog, r"disk cache miss")
    assert len(interpreted) == 2
    assert len(f._fast) == 1        # the fast path now calls the kernel


def test_a_failed_background_compile_compiles_in_the_process(fresh_caches, caplog,
                                                             monkeypatch):
    """The compile process is killed mid-compile: WARNING, then the next
    call compiles here, as the blocking mode would."""
    f, args = run_program("rosenbrock-hessian")
    with nj.compile_mode("background"), caplog.at_level(logging.INFO, logger="numjac"):
        first = f(*args)
        pids = wait_for(compile_pool.worker_pids)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        assert nj.wait_for_compiles(timeout=600)
        second = f(*args)
    assert records(caplog, r"the background compile of kernel \w+ failed \(the compile "
                           r"process \d+ ended")
    assert records(caplog, r"^compiling kernel \w+ .*, blocking \(the compile process")
    assert_leaves(second, first, exact=False)
    assert compile_pool.worker_pids() == []


def wait_for(read, rounds=6000):
    """``read()`` once it is truthy (polling; the compile process starts
    asynchronously)."""
    stop = threading.Event()
    for _ in range(rounds):
        value = read()
        if value:
            return value
        stop.wait(0.01)
    raise AssertionError(f"{read.__name__} stayed empty")


# -- no stray process ---------------------------------------------------------------

SCRIPT = """
import os, signal, sys, time
import numpy as np
import numjac as nj
from numjac.runtime import background, compile_pool
background.BACKGROUND_ABOVE_SECONDS = -1.0
f = nj.jit(lambda x: np.tanh(np.outer(x, x) @ x), backend="numba")
f(np.ones(5))
while not compile_pool.worker_pids():
    time.sleep(0.01)
print(*compile_pool.worker_pids(), flush=True)
{exit}
"""


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a reaped or
    orphaned-and-reaped process is gone; a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to find processes")
@pytest.mark.parametrize("exit", ["sys.exit(0)", "os.kill(os.getpid(), signal.SIGKILL)"],
                         ids=["exits", "killed"])
def test_no_compile_process_outlives_its_program(exit, tmp_path):
    """Exiting at once (atexit stops the worker) or being killed (the worker
    sees its stdin close) leaves no compile process behind."""
    env = dict(os.environ, NUMJAC_CACHE_DIR=str(tmp_path), NUMJAC_COMPILE="background")
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(exit=exit)], env=env,
                            capture_output=True, text=True, timeout=600)
    pids = [int(pid) for pid in result.stdout.split()]
    assert pids, result.stderr
    wait_for(lambda: not any(alive(pid) for pid in pids))


# -- the mode -----------------------------------------------------------------------

def test_the_mode_comes_from_the_setting_else_the_environment(monkeypatch):
    monkeypatch.delenv("NUMJAC_COMPILE", raising=False)
    previous = nj.set_compile_mode(None)
    try:
        assert background.current_compile_mode() == "background"
        monkeypatch.setenv("NUMJAC_COMPILE", "blocking")
        assert background.current_compile_mode() == "blocking"
        with nj.compile_mode("background"):
            assert background.current_compile_mode() == "background"
        assert background.current_compile_mode() == "blocking"
        monkeypatch.setenv("NUMJAC_COMPILE", "later")
        with pytest.raises(ValueError, match="NUMJAC_COMPILE must be one of"):
            background.current_compile_mode()
        with pytest.raises(ValueError, match="the compile mode must be one of"):
            nj.set_compile_mode("eager")
    finally:
        nj.set_compile_mode(previous)


def test_without_a_disk_cache_every_compile_blocks(fresh_caches, monkeypatch, caplog):
    monkeypatch.setenv("NUMJAC_DISABLE_DISK_CACHE", "1")
    f, args = run_program("lorenz96-jacfwd")
    with nj.compile_mode("background"), caplog.at_level(logging.INFO, logger="numjac"):
        f(*args)
    assert records(caplog, r"^compiling kernel \w+ .*, blocking \(about")
    assert f._fast


# -- the estimate and the log ---------------------------------------------------------

def test_the_estimate_grows_with_characters_loops_and_branches():
    def estimate(*functions):
        sizes = tuple(background.CodeSize(*f) for f in functions)
        return background.estimated_compile_seconds(background.KernelSize(1, 1, sizes))
    assert estimate((600, 1, 0)) < background.BACKGROUND_ABOVE_SECONDS
    assert estimate((9000, 1, 0)) < estimate((9000, 10, 0)) < estimate((9000, 10, 10))
    # Faster than linear in one function: twice the code, more than twice the
    # time; the same code split into two functions compiles faster.
    assert estimate((20000, 200, 0)) > 2 * estimate((10000, 100, 0))
    assert estimate((10000, 100, 0), (10000, 100, 0)) < estimate((20000, 200, 0))


def test_the_size_is_read_from_the_code_not_the_ir_docstring_or_comments():
    source = ('"""numjac kernel k, generated from this IR:\n\nir(a:f64[3]):\n  ...\n"""\n'
              "import numpy as np\n\n\n"
              "def kernel(a):\n    # b:f64[3] = neg a\n    b = empty((3,), np.float64)\n"
              "    for i0 in range(3):\n        b[i0] = a[i0] if i0 < 2 else -a[i0]\n"
              "    return (b, )\n")
    ir = nj.make_ir(np.negative)(np.ones(3))
    assert background.KernelSize.of(ir, source) == background.KernelSize(
        equations=1, lines=6, functions=(background.CodeSize(18, 0, 0), background.CodeSize(
            characters=14 + 27 + 19 + 35 + 12, loops=1, branches=1)))


def test_a_kernel_that_compiles_slowly_warns_naming_the_loop_primitives(fresh_caches,
                                                                       monkeypatch, caplog):
    monkeypatch.setattr(background, "SLOW_COMPILE_SECONDS", 0.0)
    f, args = run_program("lorenz96-jacfwd")
    with nj.compile_mode("blocking"), caplog.at_level(logging.INFO, logger="numjac"):
        f(*args)
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert re.match(r"numjac: jit\(<lambda>\) has a kernel of \d+ equations, "
                    r"\d+ source lines, which will take about \d+ s to compile",
                    warning.getMessage())
    assert "nj.fori_loop or nj.scan" in warning.getMessage()


def test_a_kernel_with_a_loop_warns_without_the_loop_advice(fresh_caches, monkeypatch,
                                                           caplog):
    # A Python loop re-rolled into a scan already compiles its body once:
    # the warning must not tell the user to write nj.fori_loop.
    monkeypatch.setattr(background, "SLOW_COMPILE_SECONDS", 0.0)

    def recurrence(x):
        y = x.copy()
        for i in range(len(x) - 1):
            y[i + 1] = y[i + 1] * np.tanh(y[i]) + 0.1 * y[i]
        return y
    with nj.compile_mode("blocking"), caplog.at_level(logging.INFO, logger="numjac"):
        nj.jit(recurrence, backend="numba")(np.linspace(-1.0, 1.0, 12))
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "compile their bodies once already" in warning.getMessage()
    assert "nj.fori_loop" not in warning.getMessage()


def test_progress_lines_come_from_a_timer(monkeypatch, caplog):
    monkeypatch.setattr(background, "PROGRESS_SECONDS", 0.01)
    with caplog.at_level(logging.INFO, logger="numjac"):
        with background.Progress("k123", "blocking"):
            wait_for(lambda: records(caplog, r"^still compiling kernel k123 \(blocking\): "
                                             r"\d+ s so far$"))


FORK_SCRIPT = """
import os
import numpy as np
import numjac as nj
from numjac.runtime import background, compile_pool
background.BACKGROUND_ABOVE_SECONDS = -1.0
f = nj.jit(lambda x: np.tanh(np.outer(x, x) @ x), backend="numba")
expected = f(np.ones(5))                  # interpreted; the compile runs in the background
pid = os.fork()
if pid == 0:                              # no compile process of its own: compiles here
    ok = np.allclose(f(np.ones(5)), expected) and len(f._fast) == 1
    ok = ok and compile_pool.worker_pids() == []
    os._exit(0 if ok else 1)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_compiles_what_was_pending_itself(tmp_path):
    env = dict(os.environ, NUMJAC_CACHE_DIR=str(tmp_path), NUMJAC_COMPILE="background")
    result = subprocess.run([sys.executable, "-c", FORK_SCRIPT], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.stdout.split() == ["0"], result.stderr


def test_the_interpreter_answering_warns_no_more_than_the_kernel(fresh_caches, recwarn):
    f = nj.jit(lambda x: np.log(x) / x, backend="numba")
    with nj.compile_mode("background"):
        first = f(np.array([0.0, -1.0, 1.0]))
        assert nj.wait_for_compiles(timeout=600)
        np.testing.assert_array_equal(f(np.array([0.0, -1.0, 1.0])), first)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


REUSE_SCRIPT = """
import numpy as np
import numjac as nj
from numjac.runtime import background, compile_pool
nj.jit(np.sin, backend="numba")(np.ones(3))      # a small kernel: compiled here
print(len(compile_pool.worker_pids()))
background.BACKGROUND_ABOVE_SECONDS = -1.0
pids = []
for f in (np.cos, np.tan, np.exp):
    nj.jit(f, backend="numba")(np.ones(3))
    nj.wait_for_compiles()
    pids += compile_pool.worker_pids()
print(*pids)
"""


def test_one_compile_process_starts_when_first_needed_and_is_reused(tmp_path):
    env = dict(os.environ, NUMJAC_CACHE_DIR=str(tmp_path), NUMJAC_COMPILE="background")
    result = subprocess.run([sys.executable, "-c", REUSE_SCRIPT], env=env,
                            capture_output=True, text=True, timeout=600)
    before, pids = result.stdout.splitlines()
    assert before == "0", result.stderr
    assert len(pids.split()) == 3 and len(set(pids.split())) == 1, result.stderr


def test_a_numba_error_in_the_compile_process_comes_back_as_its_message(tmp_path):
    source = "def kernel(a):\n    return (a + not_defined_anywhere, )\n"
    future = compile_pool.submit(dict(
        source=source, key="0" * 32, versions=cache.versions(), directory=str(tmp_path),
        arguments=[argument_type(np.ones(3))]))
    outcome, message = future.result(timeout=600)
    assert outcome == "failed"
    assert "not_defined_anywhere" in message and "TypingError" in message
