"""Compile events on the "numjac" logger, and NUMJAC_LOG."""
import logging
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import numjac as nj
from numjac.logging_setup import HANDLER_NAME, configure_from_environment
from numjac.runtime import cache

STAGED = re.compile(r"staged (\S+) for \((.*)\) in ([\d.]+) ms "
                    r"\(tracing ([\d.]+) ms, passes ([\d.]+) ms\)")


def staged_events(caplog):
    return [STAGED.fullmatch(r.getMessage()).groups() for r in caplog.records
            if r.getMessage().startswith("staged ")]


def test_staging_logs_the_transform_the_signature_and_timings(caplog):
    def energy(x, t):
        return np.sum(np.sin(x) * t)

    with caplog.at_level(logging.INFO, logger="numjac"):
        nj.hessian(energy)(np.ones(3), 0.5)
    events = staged_events(caplog)
    assert [(label, signature) for label, signature, *_ in events] == [
        ("jacrev(energy)", "f64[3], f64[]"), ("jacfwd(jacrev(energy))", "f64[3], f64[]")]
    for _, _, total, tracing, passes in events:
        assert float(total) == pytest.approx(float(tracing) + float(passes), abs=0.2)
    # jacfwd traced jacrev(energy), so its tracing includes that staging.
    assert float(events[1][3]) >= float(events[0][2]) - 0.1


def test_a_cached_signature_logs_nothing(caplog):
    f = nj.jit(lambda x: x + 1.0)
    f(np.ones(2))
    with caplog.at_level(logging.DEBUG, logger="numjac"):
        f(np.zeros(2))
    assert not caplog.records


def test_numba_compiles_log_memory_and_disk_cache_hits_and_misses(caplog, tmp_path,
                                                                  monkeypatch):
    """Compiles one tiny kernel; a fresh process then loads it from disk."""
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setattr(cache, "_KERNELS", {})
    with caplog.at_level(logging.INFO, logger="numjac"):
        nj.jit(lambda x: x * 5.0 - 2.0, backend="numba")(np.ones(3))
        nj.jit(lambda y: y * 5.0 - 2.0, backend="numba")(np.ones(3))   # the same IR
    messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("kernel")]
    assert len(messages) == 2
    key = re.match(r"kernel (\w+) ", messages[0]).group(1)
    assert re.fullmatch(rf"kernel {key} \(f64\[3\]\) -> \(f64\[3\]\): [\d.]+ ms, disk cache "
                        rf"miss \(compiled by Numba, saved to {re.escape(str(tmp_path))}\)",
                        messages[0])
    assert messages[1] == f"kernel {key} (f64[3]) -> (f64[3]): memory cache hit"
    env = dict(os.environ, NUMJAC_LOG="info", NUMJAC_BACKEND="numba")
    script = "import numpy as np, numjac as nj; nj.jit(lambda z: z * 5.0 - 2.0)(np.ones(3))"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, check=True)
    assert f"numjac INFO: kernel {key} (f64[3]) -> (f64[3]): " in result.stderr
    assert "disk cache hit (machine code loaded from" in result.stderr


def run_with_log_level(level):
    env = dict(os.environ, NUMJAC_LOG=level, NUMJAC_BACKEND="interpret")
    script = "import numpy as np, numjac as nj\ndef f(x): return x * 2.0\nnj.jit(f)(np.ones(4))"
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True).stderr


def test_numjac_log_shows_the_log_on_stderr_without_code():
    assert re.fullmatch(r"numjac INFO: staged jit\(f\) for \(f64\[4\]\) in [\d.]+ ms "
                        r"\(tracing [\d.]+ ms, passes [\d.]+ ms\)\n", run_with_log_level("info"))
    assert run_with_log_level("warning") == ""
    assert "NUMJAC_LOG='loud' is not a logging level" in run_with_log_level("loud")


def test_configure_from_environment_attaches_one_handler():
    logger = logging.getLogger("numjac")
    level = logger.level
    try:
        assert configure_from_environment({}) is None
        handler = configure_from_environment({"NUMJAC_LOG": "debug"})
        assert configure_from_environment({"NUMJAC_LOG": "Warning"}) is handler
        assert [h.get_name() for h in logger.handlers].count(HANDLER_NAME) == 1
        assert logger.level == logging.WARNING
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize("mode", ["blocking", "background"])
def test_numjac_log_shows_when_a_compile_starts_and_its_size(mode, tmp_path):
    """A tiny kernel compiles blocking in either mode (runtime/background.py)."""
    env = dict(os.environ, NUMJAC_LOG="info", NUMJAC_BACKEND="numba", NUMJAC_COMPILE=mode,
               NUMJAC_CACHE_DIR=str(tmp_path))
    script = "import numpy as np, numjac as nj; nj.jit(lambda z: np.sin(z) * 2.0)(np.ones(3))"
    stderr = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, check=True).stderr
    assert re.search(r"numjac INFO: compiling kernel \w+ \(f64\[3\]\) -> \(f64\[3\]\): "
                     r"2 equations, \d+ source lines, blocking \(about [\d.]+ s\)\n", stderr)
    assert "disk cache miss (compiled by Numba" in stderr
