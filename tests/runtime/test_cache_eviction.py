"""The disk cache's size cap: least recently used entries are evicted when
a write pushes the folder over NUMJAC_CACHE_MAX_BYTES (never the entry just
written), a load counts as a use, ``numjac cache prune`` evicts on demand,
and an entry evicted under a reader is a miss, never a failure."""
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from numjac.cli import main
from numjac.runtime import cache, kernel_store

from .test_cache_integrity import X, _thrice, _twice, disk_cache, entries, run_afresh  # noqa: F401

GiB = 1024**3


def _plus(a):
    return a + 5.0


def _fake_entries(directory, sizes):
    """Entry files of the given sizes, used in list order (oldest first)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, size in enumerate(sizes):
        path = directory / f"{kernel_store.PREFIX}{n:032x}.{n:016x}{kernel_store.SUFFIX}"
        path.write_bytes(b"x" * size)
        os.utime(path, ns=(10**18 + n * 10**9,) * 2)
        paths.append(path)
    return paths


def _age(paths):
    """Mark ``paths`` used long ago, in list order (oldest first)."""
    for n, path in enumerate(paths):
        os.utime(path, ns=(10**18 + n * 10**9,) * 2)


def _total(directory):
    return sum(p.stat().st_size for p in directory.glob(f"*{kernel_store.SUFFIX}"))


# -- the setting -----------------------------------------------------------------------

@pytest.mark.parametrize("text, size", [
    ("1073741824", GiB), ("500M", 500 * 1024**2), ("1.5GiB", GiB * 3 // 2),
    ("64 kB", 64 * 1024), ("2g", 2 * GiB), ("1T", 1024 * GiB), ("0", 0), ("12B", 12)])
def test_sizes_parse_with_binary_units(text, size):
    assert kernel_store.parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "-5", "5X", "", "1e9", "M"])
def test_a_bad_size_is_refused(text):
    with pytest.raises(ValueError, match="is not a size"):
        kernel_store.parse_size(text)


def test_the_cap_defaults_to_one_gib_and_a_bad_setting_warns_once(monkeypatch, caplog):
    monkeypatch.delenv("NUMJAC_CACHE_MAX_BYTES", raising=False)
    assert kernel_store.max_bytes() == GiB
    monkeypatch.setenv("NUMJAC_CACHE_MAX_BYTES", "250M")
    assert kernel_store.max_bytes() == 250 * 1024**2
    monkeypatch.setenv("NUMJAC_CACHE_MAX_BYTES", "a little")
    with caplog.at_level(logging.WARNING, logger="numjac"):
        assert kernel_store.max_bytes() == GiB
        assert kernel_store.max_bytes() == GiB
    (record,) = [r for r in caplog.records if r.name == "numjac"]
    assert "NUMJAC_CACHE_MAX_BYTES" in record.getMessage()


# -- eviction --------------------------------------------------------------------------

def test_eviction_removes_the_least_recently_used_first(tmp_path):
    paths = _fake_entries(tmp_path, [100, 200, 300, 400])
    other = tmp_path / "notes.txt"
    other.write_bytes(b"y" * 5000)                  # not numjac's: never counted or removed
    removed = kernel_store.evict(tmp_path, 750)
    assert removed == [(paths[0], 100), (paths[1], 200)]
    assert [p.exists() for p in paths] == [False, False, True, True] and other.exists()
    assert kernel_store.evict(tmp_path, 700) == []  # already within the cap


def test_eviction_never_removes_the_entry_it_keeps(tmp_path):
    paths = _fake_entries(tmp_path, [500, 100, 100])
    removed = kernel_store.evict(tmp_path, 0, keep=paths[0])
    assert [path for path, _ in removed] == paths[1:]
    assert paths[0].exists()


def test_a_file_vanishing_during_eviction_is_skipped(tmp_path, monkeypatch):
    """Another process evicting or clearing at the same time."""
    paths = _fake_entries(tmp_path, [100, 100, 100])
    listed = kernel_store._entries_by_last_use(tmp_path)
    paths[0].unlink()
    monkeypatch.setattr(kernel_store, "_entries_by_last_use", lambda directory: listed)
    assert kernel_store.evict(tmp_path, 100) == [(paths[1], 100)]
    assert paths[2].exists()


def test_a_write_evicts_the_least_recently_used_and_a_load_is_a_use(disk_cache, monkeypatch):
    run_afresh(_twice)
    (twice,) = entries(disk_cache)
    run_afresh(_thrice)
    (thrice,) = set(entries(disk_cache)) - {twice}
    helpers = [p for p in disk_cache.glob(f"*{kernel_store.SUFFIX}") if p not in (twice, thrice)]
    _age([twice, thrice] + helpers)             # twice written first, then thrice
    assert run_afresh(_twice)[1]                # loaded from disk: now the most recent use
    thrice_size = thrice.stat().st_size
    # A cap that the next write exceeds by thrice's size: one eviction
    # suffices, and the least recently used entry is thrice's, not twice's.
    monkeypatch.setattr(kernel_store, "max_bytes", lambda: _total(disk_cache) - thrice_size)
    np.testing.assert_array_equal(run_afresh(_plus)[0], _plus(X))
    (plus,) = set(entries(disk_cache)) - {twice}
    assert not thrice.exists() and twice.exists() and plus.exists()
    assert run_afresh(_twice)[1] and not run_afresh(_thrice)[1]


def test_an_entry_evicted_under_a_reader_is_a_miss(disk_cache, monkeypatch):
    """Another process prunes the folder just as this one reads an entry."""
    run_afresh(_twice)
    (path,) = entries(disk_cache)
    read_bytes, pruned = Path.read_bytes, []

    def pruned_first(self):
        if self == path:
            pruned.extend(cache.prune_disk_cache(0))
        return read_bytes(self)
    monkeypatch.setattr(Path, "read_bytes", pruned_first)
    out, hit = run_afresh(_twice)
    assert path in [p for p, _ in pruned] and not hit
    np.testing.assert_array_equal(out, _twice(X))
    assert entries(disk_cache) == [path]        # written again
    kernel_store._mark_used(disk_cache / "gone.nbk")    # touching a vanished file is no error


# -- numjac cache prune ------------------------------------------------------------------

def test_cache_prune_removes_the_least_recently_used_and_says_what(disk_cache, capsys):
    paths = _fake_entries(disk_cache, [1000, 2000, 3000])
    assert main(["cache", "prune", "--max-bytes", "3K"]) == 0
    out = capsys.readouterr().out
    assert out == (f"removed {paths[0].name} (1000 bytes)\n"
                   f"removed {paths[1].name} (2.0 KiB)\n"
                   f"pruned 2 file(s), 2.9 KiB, from {disk_cache} (least recently used "
                   f"first, to at most 3.0 KiB)\n")
    assert [p.exists() for p in paths] == [False, False, True]


def test_cache_prune_defaults_to_the_configured_cap(disk_cache, capsys, monkeypatch):
    paths = _fake_entries(disk_cache, [1000, 1000])
    monkeypatch.setenv("NUMJAC_CACHE_MAX_BYTES", "1500")
    assert main(["cache", "prune"]) == 0
    assert capsys.readouterr().out.endswith("to at most 1.5 KiB)\n")
    assert [p.exists() for p in paths] == [False, True]
    main(["cache", "info"])
    assert "size cap:   1.5 KiB (NUMJAC_CACHE_MAX_BYTES)\n" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["cache", "prune", "--max-bytes", "much"],
                                  ["cache", "info", "--max-bytes", "1M"]])
def test_cache_prune_usage_errors(disk_cache, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "--max-bytes" in capsys.readouterr().err
