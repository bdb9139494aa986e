"""numjac as of another commit, importable beside this one, for the
compile-time suite's ``--against COMMIT`` (benchmarks/compile_time.py):
the commit's frontend/, compiler/ and runtime/ laid out as the package
``numjac`` (as pyproject.toml maps them) in a temporary folder, put first
on a child process's PYTHONPATH.  The suite's own code and programs stay
this checkout's, so both versions run the same programs in the same run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

# The package layout of pyproject.toml: numjac is frontend/, with compiler/
# and runtime/ as its subpackages.
_SUBPACKAGES = ("compiler", "runtime")


def baseline_package(commit: str, repository: str) -> str:
    """A folder holding ``numjac`` as of ``commit`` (to put on PYTHONPATH);
    removed by ``remove_baseline``."""
    folder = Path(tempfile.mkdtemp(prefix="numjac-baseline-"))
    archive = folder / "source.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "archive", commit, "frontend", *_SUBPACKAGES],
                       cwd=repository, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "source", filter="data")
    package = folder / "pkg" / "numjac"
    shutil.copytree(folder / "source" / "frontend", package)
    for name in _SUBPACKAGES:
        shutil.copytree(folder / "source" / name, package / name)
    return str(folder / "pkg")


def remove_baseline(path: str):
    shutil.rmtree(Path(path).parent, ignore_errors=True)


def environment_with(path: str) -> dict:
    """The environment of a child process importing numjac from ``path``."""
    rest = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": path + (os.pathsep + rest if rest else "")}
