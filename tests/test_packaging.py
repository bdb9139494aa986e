"""Every package directory is installed: a plain `pip install .` (not
editable) only ships the packages pyproject.toml lists."""
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOP_LEVEL = {"frontend": "numjac", "compiler": "numjac.compiler", "runtime": "numjac.runtime"}


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    found = set()
    for folder, package in TOP_LEVEL.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package,) + relative))
    assert found - listed == set(), "add these to [tool.setuptools] packages"
