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


def fenced_blocks(text):
    """[(language, body)] of a markdown text's fenced code blocks, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def test_fenced_blocks_reads_languages_and_bodies():
    text = "intro\n```python\nprint(1)\n```\nsaid\n```text\n1\n```\n"
    assert fenced_blocks(text) == [("python", "print(1)\n"), ("text", "1\n")]


def test_tour_runs_in_order_and_prints_what_it_shows(tmp_path, monkeypatch, capsys):
    """docs/tour.md's python blocks run one after another in one namespace
    (as a reader's session would); a text block right after a python block is
    what that block prints ("..." stands for any text, as in doctests)."""
    tour = DOCS[0].parent / "tour.md"
    monkeypatch.chdir(tmp_path)              # the plot is written to the current folder
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace, printed, checked = {"__name__": "tour"}, None, 0
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for number, (language, body) in enumerate(fenced_blocks(tour.read_text())):
        if language == "python":
            exec(compile(body, f"tour.md, block {number}", "exec"), namespace)
            printed = capsys.readouterr().out
        elif language == "text":
            assert printed is not None, f"block {number} shows output of no python block"
            assert checker.check_output(body, printed, flags), (
                f"tour.md block {number} shows\n{body}\nbut the code printed\n{printed}")
            printed, checked = None, checked + 1
    assert checked >= 8, "the tour's outputs were not found"
    assert (tmp_path / "tour-solution.png").stat().st_size > 10_000
