"""The disk cache's files: one self-verifying file per compiled overload of
a kernel, and the per-process record of cache folders found unusable.

An entry file is a one-line JSON header, then the payload (Numba's
serialized machine code).  The header names what the payload is for (the
kernel key, the versions, the hash of the generated source, the Numba
signature and the target machine) and holds the payload's length and
sha256.  A file is read only if every field matches what the caller
expects and the payload hashes right: a damaged, truncated or foreign file
is never handed to Numba; it is reported with a WARNING and rebuilt (the
rebuild overwrites it).  Files are written to a temporary name and renamed,
so readers and concurrent writers only ever see whole files.

A folder that cannot be read or written (read-only, a regular file, a full
disk) turns the disk cache off for the rest of the process, with one
warning; the kernels compile in memory.

The folder's entries are kept under a size cap (``NUMJAC_CACHE_MAX_BYTES``,
default 1 GiB) by evicting the least recently used ones: a file's
modification time is the time it was last written or loaded (a load sets
it, a cheap ``utime``; access times are not kept by every file system).
Each write evicts what exceeds the cap, never the entry it wrote.  A reader
whose entry another process evicted meanwhile sees a miss and recompiles.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
from pathlib import Path

log = logging.getLogger("numjac")

FORMAT = "numjac-kernel-1"
PREFIX = "numjac_kernel_"
SUFFIX = ".nbk"
# Key prefix of the entries of kernel_support.py's helpers, which are not
# kernels: counted apart, cleared with them.
SUPPORT = "support_"
# Key prefix of the entries of kernel parts (codegen/functions.py), which
# kernels share: counted apart too.
PART = "part_"

_unusable: dict = {}          # folder -> why it is unusable (this process only)
_unusable_lock = threading.Lock()

DEFAULT_MAX_BYTES = 1024**3
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_warned_sizes: set = set()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def usable(directory: Path) -> bool:
    return directory not in _unusable


def give_up_on(directory: Path, error: OSError):
    """Turn the disk cache in ``directory`` off for this process, warning once."""
    with _unusable_lock:
        if directory in _unusable:
            return
        _unusable[directory] = str(error)
    log.warning("numjac: the disk cache %s is unusable (%s); kernels compile in memory "
                "for the rest of this process", directory, error)


class Entry:
    """The disk cache files of one kernel: ``load`` and ``save`` one
    overload's payload, named by its signature and target machine."""

    def __init__(self, directory: Path, key: str, versions: tuple, source: str):
        self.directory, self.key = directory, key
        self.expected = {"format": FORMAT, "key": key, "versions": list(versions),
                         "source_sha256": sha256(source.encode())}

    def path(self, signature: str, target: str) -> Path:
        overload = sha256(f"{signature}\n{target}".encode())[:16]
        return self.directory / f"{PREFIX}{self.key}.{overload}{SUFFIX}"

    def load(self, signature: str, target: str):
        """The verified payload, or None (missing, damaged, foreign, or the
        folder unusable)."""
        if not usable(self.directory):
            return None
        path = self.path(signature, target)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            give_up_on(self.directory, error)
            return None
        payload, problem = self._verified(data, signature, target)
        if problem:
            log.warning("numjac: disk cache entry %s %s; rebuilding it", path, problem)
        else:
            _mark_used(path)
        return payload

    def _verified(self, data: bytes, signature: str, target: str) -> tuple:
        """(payload, None), or (None, what is wrong with ``data``)."""
        head, newline, payload = data.partition(b"\n")
        try:
            header = json.loads(head)
        except ValueError:
            header = None
        if not newline or not isinstance(header, dict):
            return None, "has no valid header (damaged or partially written)"
        expected = dict(self.expected, signature=signature, target=target)
        wrong = sorted(name for name, value in expected.items() if header.get(name) != value)
        if wrong:
            return None, f"belongs to another kernel or version ({', '.join(wrong)} differ)"
        if header.get("payload_bytes") != len(payload):
            return None, "is truncated or padded"
        if header.get("payload_sha256") != sha256(payload):
            return None, "fails its checksum (damaged)"
        return payload, None

    def warn_unloadable(self, error: Exception):
        log.warning("numjac: Numba could not load kernel %s from the disk cache (%s); "
                    "compiling it", self.key, error)

    def save(self, signature: str, target: str, payload: bytes):
        """Write one overload's file; on an unusable folder, give up on it."""
        if not usable(self.directory):
            return
        header = dict(self.expected, signature=signature, target=target,
                      payload_bytes=len(payload), payload_sha256=sha256(payload))
        data = json.dumps(header).encode() + b"\n" + payload
        path = self.path(signature, target)
        try:
            write_atomically(path, data)
        except OSError as error:
            give_up_on(self.directory, error)
            return
        evict(self.directory, max_bytes(), keep=path)


def write_atomically(path: Path, data: bytes):
    """Write ``data`` to a temporary file beside ``path``, then rename it
    over ``path``.  The folder is (re)created first, and once more if it
    vanished meanwhile (``numjac cache clear`` or a user's ``rm -r``)."""
    try:
        _write_and_rename(path, data)
    except FileNotFoundError:
        _write_and_rename(path, data)


def _write_and_rename(path: Path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh name per writer; the mode lets the umask decide, as for any file.
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_all(fd: int, data: bytes):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def entry_files(directory: Path) -> list:
    """Every numjac file in ``directory``: entries, temporary files, and the
    generated modules and Numba index and machine-code files of numjac
    versions before verified entries (in ``__pycache__``), for clearing."""
    found = [*directory.glob(PREFIX + "*"), *(directory / "__pycache__").glob(PREFIX + "*")]
    return [p for p in found if p.is_file()]


def entry_keys(directory: Path) -> set:
    """The kernel keys with at least one entry in ``directory``."""
    keys = {p.name[len(PREFIX):].split(".")[0] for p in directory.glob(f"{PREFIX}*{SUFFIX}")}
    return {key for key in keys if not key.startswith((SUPPORT, PART))}


# -- the size cap ----------------------------------------------------------------

def parse_size(text: str) -> int:
    """Bytes from ``"1073741824"``, ``"500M"``, ``"1.5GiB"``, ``"64 kB"``
    (K, M, G, T are powers of 1024); ValueError otherwise."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size (bytes, or a number with K, M, G or T)")
    number, unit = match.groups()
    return int(float(number) * _UNITS[unit.lower()])


def max_bytes() -> int:
    """The size cap: NUMJAC_CACHE_MAX_BYTES, or the default (with one
    WARNING per bad value, which must not make a call fail)."""
    text = os.environ.get("NUMJAC_CACHE_MAX_BYTES", "")
    if not text.strip():
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(text)
    except ValueError as error:
        if text not in _warned_sizes:
            _warned_sizes.add(text)
            log.warning("numjac: NUMJAC_CACHE_MAX_BYTES: %s; using the default, %d bytes",
                        error, DEFAULT_MAX_BYTES)
        return DEFAULT_MAX_BYTES


def _mark_used(path: Path):
    """Record a use of ``path`` for the eviction order (its mtime)."""
    try:
        os.utime(path)
    except OSError:     # evicted meanwhile, or a folder we may only read
        pass


def evict(directory: Path, limit: int, keep: Path = None) -> list:
    """Delete the least recently used entries in ``directory`` until they
    hold at most ``limit`` bytes, never ``keep``; returns the (path, size)
    of each file removed.  Files that vanish meanwhile (another process
    evicting, or clearing) are skipped, and so are files the system will not
    delete (open elsewhere, on some systems)."""
    entries = _entries_by_last_use(directory)
    total = sum(size for _, size in entries)
    removed = []
    for path, size in entries:
        if total <= limit:
            break
        if path == keep:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            total -= size
            continue
        except OSError:
            continue
        total -= size
        removed.append((path, size))
    return removed


def _entries_by_last_use(directory: Path) -> list:
    """(path, size) of the entry files, least recently used first."""
    found = []
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        found.append((stat.st_mtime_ns, path.name, path, stat.st_size))
    return [(path, size) for *_, path, size in sorted(found)]
