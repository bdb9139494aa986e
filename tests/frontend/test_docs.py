"""Code blocks in docs/ run as doctests, so the documentation cannot drift."""
import doctest
import pathlib
import re

import pytest

DOCS = sorted(pathlib.Path(__file__).resolve().parents[2].joinpath("docs").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_examples_run(path):
    result = doctest.testfile(str(path), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {path.name}"


def test_readme_quick_start_prints_the_ir_it_shows(capsys):
    readme = pathlib.Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)```", readme, re.DOTALL)
    code = next(text for lang, text in blocks if lang == "python")
    shown_ir = next(text for lang, text in blocks if text.startswith("ir("))
    exec(compile(code, "README.md", "exec"), {})
    assert shown_ir in capsys.readouterr().out
