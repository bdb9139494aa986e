"""What a user installs: every package directory is in the wheel (a plain
`pip install .` only ships the packages pyproject.toml lists), the sdist
holds what its own test suite reads, the metadata is complete."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOP_LEVEL = {"frontend": "numjac", "compiler": "numjac.compiler", "runtime": "numjac.runtime"}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    found = set()
    for folder, package in TOP_LEVEL.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package,) + relative))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


# -- the sdist and the wheel -----------------------------------------------------------
# Built in a fresh process with the installed setuptools (the test extra pins a new
# enough one), from a copy of the tree without what a working tree gathers (venv,
# caches, egg-info: setuptools would re-read a stale egg-info's file list).

IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                 "*.py[cod]", ".pytest_cache", ".hypothesis", "*.nbi", "*.nbc")
BUILD = "import sys; from setuptools import build_meta; print(build_meta.build_{}(sys.argv[1]))"
# Read by the test suite, so the sdist needs all of them for its tests to pass.
SUPPORT_FOLDERS = ("docs", "examples", "tests", "benchmarks")


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    copy = tmp_path_factory.mktemp("source") / "numjac"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    return copy


def build(kind: str, source: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    result = subprocess.run([sys.executable, "-c", BUILD.format(kind), str(out)], cwd=source,
                            capture_output=True, text=True)
    assert result.returncode == 0, (f"building the {kind} failed (setuptools>=77 is in the "
                                    f"test extra):\n{result.stderr[-3000:]}")
    return out / result.stdout.split()[-1]


def support_files(root: pathlib.Path) -> set:
    """The files in SUPPORT_FOLDERS of a (copied, so clean) tree, relative to it."""
    return {path.relative_to(root).as_posix() for folder in SUPPORT_FOLDERS
            for path in (root / folder).rglob("*") if path.is_file()}


def test_sdist_holds_what_its_test_suite_reads(source_copy, tmp_path):
    sdist = build("sdist", source_copy, tmp_path)
    with tarfile.open(sdist) as archive:
        prefix = f"numjac-{project()['version']}/"
        names = {name.removeprefix(prefix) for name in archive.getnames()}
        metadata = archive.extractfile(prefix + "PKG-INFO").read().decode()
    expected = support_files(source_copy)
    assert {"tests/helpers.py", "tests/conftest.py", "tests/specs/elementwise.py",
            "tests/golden/chain-jacrev.txt", "docs/guide.md",
            "examples/stiff_ode.py", "benchmarks/__main__.py"} <= expected
    assert expected - names == set(), "add these to MANIFEST.in"
    assert {"LICENSE", "README.md", "pyproject.toml", "frontend/cli.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata


def test_wheel_has_the_packages_and_numjac_bench_says_it_needs_a_source_tree(
        source_copy, tmp_path):
    """An installed wheel (unpacked on PYTHONPATH, ahead of the development
    install): no benchmarks/ in it, and numjac bench run outside a source tree
    says where to run it instead of failing to import them."""
    wheel = build("wheel", source_copy, tmp_path / "dist")
    site = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    assert {p.name for p in site.iterdir()} == {"numjac", f"numjac-{project()['version']}"
                                                ".dist-info"}
    assert (site / "numjac" / "compiler" / "printer.py").is_file()
    numjac = [sys.executable, "-m", "numjac.cli"]
    env = dict(os.environ, PYTHONPATH=str(site))
    version = subprocess.run([*numjac, "--version"], env=env, cwd=tmp_path,
                             capture_output=True, text=True)
    assert version.stdout.startswith(f"numjac {project()['version']} from {site / 'numjac'} ")
    bench = subprocess.run([*numjac, "bench"], env=env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert bench.returncode == 2
    assert "the benchmarks are not part of the installed package" in bench.stderr
    assert "Traceback" not in bench.stderr


def test_metadata_is_complete_and_agrees_with_the_package():
    import numjac
    meta = project()
    assert meta["version"] == numjac.__version__
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 the "
                                                     "numjac developers\n")
    assert meta["authors"] == [{"name": "the numjac developers"}]
    assert (ROOT / meta["readme"]).is_file()
    oldest = tuple(map(int, meta["requires-python"].removeprefix(">=").split(".")))
    pythons = sorted(tuple(map(int, c.rpartition(" :: ")[2].split(".")))
                     for c in meta["classifiers"]
                     if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c))
    assert pythons == [oldest[:1] + (minor,) for minor in range(oldest[1], 14)]
