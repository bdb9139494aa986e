"""Code blocks in docs/ run as doctests, so the documentation cannot drift."""
import doctest
import pathlib

import pytest

DOCS = sorted(pathlib.Path(__file__).resolve().parent.parent.joinpath("docs").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_examples_run(path):
    result = doctest.testfile(str(path), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {path.name}"
