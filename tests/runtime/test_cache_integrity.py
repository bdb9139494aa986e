"""The disk cache never runs machine code it has not verified, never loses
valid entries to an unrelated failure, survives concurrent writers and
``numjac cache clear``, degrades to memory on an unusable folder with one
warning, and writes nothing outside NUMJAC_CACHE_DIR.

Kernels here are tiny and few; each in-process check builds its kernel
from a new function object with the memory cache emptied, so that the
kernel really comes from the disk (or is compiled), not from memory."""
import errno
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import numjac as nj
from numjac.runtime import cache, kernel_store

X = np.linspace(0.0, 1.0, 5)


def _twice(a):
    return a * 2.0 + 1.0


def _thrice(a):     # generates a module exactly as long as _twice's
    return a * 3.0 + 1.0


@pytest.fixture
def disk_cache(tmp_path, monkeypatch):
    """An empty disk cache in ``tmp_path / "cache"`` and an empty memory cache."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(directory))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setattr(cache, "_KERNELS", {})
    return directory


def run_afresh(fn, x=X):
    """(fn(x) through a kernel loaded from disk or compiled now, whether it
    was a disk cache hit)."""
    cache._KERNELS.clear()
    out = nj.jit(lambda a: fn(a), backend="numba")(x)
    (kernel,) = cache._KERNELS.values()
    return out, sum(kernel.dispatcher.stats.cache_hits.values()) > 0


def entries(directory):
    """The kernels' entries (not those of kernel_support's helpers)."""
    helpers = kernel_store.PREFIX + kernel_store.SUPPORT
    return sorted(p for p in directory.glob(f"*{kernel_store.SUFFIX}")
                  if not p.name.startswith(helpers))


def warnings_in(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == "numjac" and r.levelno == logging.WARNING]


def check_rebuilt(fn, caplog, expected_warning):
    """fn's kernel, whose entry was tampered with, runs right, warns once,
    and its rewritten entry then loads cleanly."""
    with caplog.at_level(logging.WARNING, logger="numjac"):
        out, hit = run_afresh(fn)
    np.testing.assert_array_equal(out, fn(X))
    assert not hit
    (message,) = warnings_in(caplog)
    assert expected_warning in message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="numjac"):
        assert run_afresh(fn)[1]
    assert not warnings_in(caplog)


def test_an_entry_serves_the_next_kernel(disk_cache):
    assert not run_afresh(_twice)[1]
    out, hit = run_afresh(_twice)
    assert hit
    np.testing.assert_array_equal(out, _twice(X))


def test_disk_cache_can_be_disabled(disk_cache, monkeypatch):
    monkeypatch.setenv("NUMJAC_DISABLE_DISK_CACHE", "1")
    np.testing.assert_array_equal(run_afresh(_twice)[0], _twice(X))
    assert not disk_cache.exists()


# -- damaged and foreign entries ------------------------------------------------------


def test_truncated_entry_is_rebuilt(disk_cache, caplog):
    run_afresh(_twice)
    (path,) = entries(disk_cache)
    path.write_bytes(path.read_bytes()[:-100])
    check_rebuilt(_twice, caplog, "is truncated")


def test_damaged_machine_code_fails_its_checksum(disk_cache, caplog):
    run_afresh(_twice)
    (path,) = entries(disk_cache)
    data = bytearray(path.read_bytes())
    data[-50] ^= 0xFF
    path.write_bytes(bytes(data))
    check_rebuilt(_twice, caplog, "fails its checksum")


@pytest.mark.parametrize("field", ["key", "versions", "source_sha256", "signature"])
def test_foreign_header_is_rejected(disk_cache, caplog, field):
    run_afresh(_twice)
    (path,) = entries(disk_cache)
    head, payload = path.read_bytes().split(b"\n", 1)
    header = json.loads(head)
    header[field] = "someone else's"
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    check_rebuilt(_twice, caplog, f"belongs to another kernel or version ({field} differ)")


@pytest.mark.parametrize("content", [b"", b'{"format": "numjac-kernel-1", "ke', b"\x00" * 64])
def test_partially_written_entry_is_rebuilt(disk_cache, caplog, content):
    run_afresh(_twice)
    (path,) = entries(disk_cache)
    path.write_bytes(content)
    # A writer that died before renaming leaves a temporary file: ignored.
    (disk_cache / f"{path.name}.0123.tmp").write_bytes(b"half")
    check_rebuilt(_twice, caplog, "has no valid header")


_TWO_KERNELS = textwrap.dedent("""
    import numpy as np, numjac as nj
    x = np.linspace(0.0, 1.0, 5)
    print(nj.jit(lambda a: a * 2.0 + 1.0)(x).tolist())
    print(nj.jit(lambda a: a * 3.0 + 1.0)(x).tolist())
""")


def run_python(script, directory, **env):
    env = dict(os.environ, NUMJAC_CACHE_DIR=str(directory), NUMJAC_BACKEND="numba", **env)
    env.pop("NUMJAC_DISABLE_DISK_CACHE", None)
    return subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process):
    """(stdout, stderr) of a script that must succeed."""
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out, err


def test_swapped_machine_code_between_kernels_is_detected(tmp_path):
    """Before entries were verified, a fresh process ran one kernel's
    machine code for the other (their modules have the same size)."""
    right = f"{_twice(X).tolist()}\n{_thrice(X).tolist()}\n"
    out, err = finish(run_python(_TWO_KERNELS, tmp_path))
    assert out == right and "WARNING" not in err.upper()
    first, second = entries(tmp_path)
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    out, err = finish(run_python(_TWO_KERNELS, tmp_path))
    assert out == right
    assert err.count("belongs to another kernel or version (key, source_sha256") == 2


def test_damaged_entry_of_numbas_runtime_is_rebuilt(tmp_path):
    """Numba's runtime functions (numba_runtime.py) are verified like a
    kernel: a damaged entry is compiled again, with one warning."""
    right = f"{_twice(X).tolist()}\n{_thrice(X).tolist()}\n"
    finish(run_python(_TWO_KERNELS, tmp_path))
    (runtime,) = tmp_path.glob(f"{kernel_store.PREFIX}{kernel_store.SUPPORT}nrt_*")
    data = bytearray(runtime.read_bytes())
    data[-100] ^= 0xFF
    runtime.write_bytes(bytes(data))
    out, err = finish(run_python(_TWO_KERNELS, tmp_path))
    assert out == right and err.count("fails its checksum") == 1
    out, err = finish(run_python(_TWO_KERNELS, tmp_path))
    assert out == right and "WARNING" not in err.upper()


# -- failures that are not the cache's -------------------------------------------------

def test_a_failing_call_keeps_valid_entries(disk_cache):
    run_afresh(_twice)
    before = {p: p.read_bytes() for p in entries(disk_cache)}
    assert before
    (kernel,) = cache._KERNELS.values()
    with pytest.raises(Exception):      # Numba cannot type an object array
        kernel(np.array([2**70, 1], dtype=object))
    with pytest.raises(Exception):
        kernel(np.ma.masked_array(X, mask=[0, 1, 0, 0, 0]).astype(object))
    assert {p: p.read_bytes() for p in entries(disk_cache)} == before
    assert run_afresh(_twice)[1]


def test_a_failing_call_through_a_transform_keeps_valid_entries(disk_cache):
    """Before, the int beyond int64 (an object array to Numba) deleted the
    entry of the kernel it was passed to."""
    f = nj.jit(lambda a, n: a * n, backend="numba")
    f(X, 3)
    before = {p: p.read_bytes() for p in entries(disk_cache)}
    assert before
    for bad in ((X, 2**70), (np.ma.masked_array(X, mask=[0, 1, 0, 0, 0]), 3)):
        try:
            f(*bad)
        except Exception:   # noqa: BLE001 - whichever error: the entry must survive
            pass
    # The int beyond int64 is now a static value with a kernel (and entry) of
    # its own; the earlier entry must be intact beside it.
    after = {p: p.read_bytes() for p in entries(disk_cache)}
    assert {p: after.get(p) for p in before} == before


# -- concurrent processes -------------------------------------------------------------

def test_concurrent_writers_of_one_entry(tmp_path):
    writers = [run_python(_TWO_KERNELS, tmp_path) for _ in range(3)]
    right = f"{_twice(X).tolist()}\n{_thrice(X).tolist()}\n"
    for process in writers:
        out, err = finish(process)
        assert out == right and "WARNING" not in err.upper()
    assert len(entries(tmp_path)) == 2
    assert not list(tmp_path.glob("*.tmp"))
    out, err = finish(run_python(_TWO_KERNELS, tmp_path, NUMJAC_LOG="info"))
    assert out == right and err.count("disk cache hit") == 2


_MANY_KERNELS = textwrap.dedent("""
    import numpy as np, numjac as nj
    x = np.linspace(0.0, 1.0, 5)
    for k in range(1, 7):
        f = eval(f"lambda a: a * {k}.5 - {k}.0")
        assert np.array_equal(f(x), nj.jit(f)(x)), k
    print("ok")
""")


_CLEAR_UNTIL = textwrap.dedent("""
    import os, sys
    from numjac.cli import main
    while not os.path.exists(sys.argv[1]):
        main(["cache", "clear"])
""")


def test_clear_while_other_processes_compile(tmp_path):
    """Before, every compiling process failed: its module was cleared
    between its writing and Numba's looking for it ('no locator')."""
    directory, stop = tmp_path / "cache", tmp_path / "stop"
    compilers = [run_python(_MANY_KERNELS, directory) for _ in range(2)]
    clearer = subprocess.Popen([sys.executable, "-c", _CLEAR_UNTIL, str(stop)],
                               env=dict(os.environ, NUMJAC_CACHE_DIR=str(directory)),
                               stdout=subprocess.DEVNULL)
    try:
        for process in compilers:
            out, err = finish(process)
            assert out == "ok\n" and "WARNING" not in err.upper()
    finally:
        stop.touch()
        assert clearer.wait(timeout=300) == 0


# -- unusable folders ------------------------------------------------------------------

def check_memory_only(directory, caplog):
    """Two kernels compile and run right with one warning, and the cache
    is then off for this folder."""
    with caplog.at_level(logging.WARNING, logger="numjac"):
        np.testing.assert_array_equal(run_afresh(_twice)[0], _twice(X))
        np.testing.assert_array_equal(run_afresh(_thrice)[0], _thrice(X))
    (message,) = warnings_in(caplog)
    assert f"the disk cache {directory} is unusable" in message
    assert cache.cache_dir() is None


def test_folder_that_is_a_regular_file(disk_cache, caplog):
    disk_cache.write_text("not a folder")
    check_memory_only(disk_cache, caplog)
    assert disk_cache.read_text() == "not a folder"


def test_read_only_folder(disk_cache, caplog, monkeypatch):
    disk_cache.mkdir()
    if os.geteuid() == 0:
        # chmod does not stop root: refuse to create files as a read-only
        # folder would.
        real_open = os.open

        def read_only_open(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and Path(path).parent == disk_cache:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)
        monkeypatch.setattr(os, "open", read_only_open)
    else:
        disk_cache.chmod(0o555)
    try:
        check_memory_only(disk_cache, caplog)
    finally:
        disk_cache.chmod(0o755)
    assert not list(disk_cache.iterdir())


def test_full_disk(disk_cache, caplog, monkeypatch):
    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", no_space)
    check_memory_only(disk_cache, caplog)
    assert not list(disk_cache.iterdir())    # no temporary file left behind


# -- nothing outside NUMJAC_CACHE_DIR ------------------------------------------------

def kernel_files_outside(roots):
    """Kernels' and kernel_support helpers' (``empty`` allocates every
    output) machine code found under ``roots``."""
    patterns = ("numjac_kernel_*", "kernel_support.*.nb[ic]")
    return {p for root in roots if root.is_dir() for pattern in patterns
            for p in root.rglob(pattern)}


@pytest.mark.parametrize("usable", [True, False])
def test_no_machine_code_outside_the_cache_folder(tmp_path, usable):
    from numba.misc.appdirs import AppDirs
    numba_dir = tmp_path / "numba"
    roots = [numba_dir, Path(AppDirs("numba", appauthor=False).user_cache_dir),
             Path(cache.__file__).parent / "__pycache__"]
    before = kernel_files_outside(roots)
    directory = tmp_path / "cache"
    if not usable:
        directory.write_text("")
    out, err = finish(run_python(_TWO_KERNELS, directory, NUMBA_CACHE_DIR=str(numba_dir)))
    assert out == f"{_twice(X).tolist()}\n{_thrice(X).tolist()}\n"
    assert kernel_files_outside(roots) == before
    assert len(entries(directory) if usable else []) == 2 * usable
    assert usable or err.count("is unusable") == 1
