"""numjac's annotations as a user's type checker sees them: ``mypy --strict``
passes on typed_user.py, which uses every public name (decorator forms
included), and rejects wrong calls; the package ships its py.typed marker."""
import os
import pathlib
import subprocess
import sys
import textwrap
import tomllib

import pytest

import numjac
import numjac.compiler
import numjac.runtime

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# numjac's own modules need not pass strict mode: mypy reads them for their
# annotations only, as it reads an installed library's.
MYPY_CONFIG = """\
[mypy]
strict = True
[mypy-numjac.*]
follow_imports = silent
"""


def package_tree(where: pathlib.Path) -> pathlib.Path:
    """A folder holding ``numjac`` laid out as installed (links to the
    sources): mypy cannot follow the import hook of an editable install,
    whose package folder is frontend/ with compiler/ and runtime/ beside it."""
    package = where / "numjac"
    package.mkdir(parents=True)
    for entry in pathlib.Path(numjac.__file__).parent.iterdir():
        (package / entry.name).symlink_to(entry)
    for sub in (numjac.compiler, numjac.runtime):
        link = package / sub.__name__.rpartition(".")[2]
        if not link.exists():
            link.symlink_to(pathlib.Path(sub.__file__).parent)
    return where


@pytest.fixture(scope="module")
def mypy(tmp_path_factory):
    """``mypy(source)`` runs strict mypy on a file; the runs share a cache."""
    where = tmp_path_factory.mktemp("mypy")
    config = where / "mypy.ini"
    config.write_text(MYPY_CONFIG)
    env = dict(os.environ, MYPYPATH=str(package_tree(where / "packages")))

    def run(source: pathlib.Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(config),
             "--cache-dir", str(where / "cache"), "--no-error-summary", str(source)],
            capture_output=True, text=True, env=env, cwd=where, timeout=300)
    return run


def test_strict_mypy_passes_on_a_user_module_using_every_transform(mypy):
    result = mypy(HERE / "typed_user.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_typed_user_module_runs():
    sys.path.insert(0, str(HERE))
    try:
        import typed_user
    finally:
        sys.path.remove(str(HERE))
    typed_user.main()


def test_strict_mypy_rejects_wrong_calls(mypy, tmp_path):
    user = tmp_path / "wrong.py"
    user.write_text(textwrap.dedent("""\
        import numpy as np
        from numpy.typing import NDArray
        import numjac as nj

        def f(x: NDArray[np.float64]) -> NDArray[np.float64]:
            return x

        nj.jacrev(f)("not an array")
        nj.vmap(f, randomness="sometimes")
        nj.jit(f)(np.ones(2)).no_such_method()
        nj.grad(f, argnums="0")
        @nj.jacfwd(chunk_size=2.5)
        def g(x: NDArray[np.float64]) -> NDArray[np.float64]:
            return x
        nj.vmap(f, in_dims="0")
        """))
    result = mypy(user)
    lines = {int(line.split(":")[1]) for line in result.stdout.splitlines() if ": error:" in line}
    assert lines == {8, 9, 10, 11, 12, 15}, result.stdout


def test_the_package_ships_its_py_typed_marker():
    assert (pathlib.Path(numjac.__file__).parent / "py.typed").is_file()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["numjac"]
