"""numjac.coverage: a NumPy call's marks follow the primitives it emits and
the rules those primitives have."""
import numpy as np
import pytest

from numjac import coverage
from numjac.compiler import rules
from numjac.numpy_api import HANDLERS, indexing


def table_rows(text):
    return {line.split(" | ")[0].strip("| `"): line.split(" | ")[1:]
            for line in text.splitlines() if line.startswith("| `")}


def test_calls_are_marked_from_the_primitives_they_emit(monkeypatch):
    def norm(x):
        return np.sqrt(np.sum(x * x))

    def positives(x):
        return np.argmax(x[1:] > 0.0)

    rows = table_rows(coverage.coverage_markdown([(norm, [np.ones(3)]),
                                                  (positives, [np.ones(4)])]))
    assert rows["numpy.sum"] == ["`reduce_sum`", "yes", "yes", "yes", "yes |"]
    assert rows["numpy.argmax"][1:] == ["zero", "zero", "yes", "yes |"]
    assert rows["numpy.greater"] == ["`gt`", "zero", "zero", "yes", "yes |"]
    assert rows["x[key] (indexing)"] == ["`slice`", "yes", "yes", "yes", "yes |"]
    assert rows["numpy.cos"] == ["-", "untested", "untested", "untested", "untested |"]
    # A primitive losing a rule shows in every call that emits it.
    sqrt = next(p for p in rules.shape_rules if p.name == "sqrt")
    monkeypatch.delitem(rules.batch_rules, sqrt)
    rows = table_rows(coverage.coverage_markdown([(norm, [np.ones(3)])]))
    assert rows["numpy.sqrt"] == ["`sqrt`", "yes", "yes", "no", "yes |"]
    assert rows["sqrt"] == ["yes", "yes", "no", "yes |"]


def test_replaced_functions_and_ufunc_at_are_rows_when_used():
    def assembled(x):
        out = np.zeros(4)
        np.add.at(out, [0, 0, 2], x[:3])
        return out + np.array([x[0], x[1], 0.0, 1.0])

    rows = table_rows(coverage.coverage_markdown([(assembled, [np.ones(4)])]))
    assert rows["numpy.zeros"] == ["`broadcast_in_dim`", "yes", "yes", "yes", "yes |"]
    assert "`scatter_add`" in rows["numpy.add.at"][0]
    assert rows["numpy.add.at"][1:] == ["yes", "yes", "yes", "yes |"]
    assert "`concatenate`" in rows["numpy.array"][0]
    assert rows["numpy.subtract.at"][1:] == ["untested"] * 3 + ["untested |"]
    assert not any(name.startswith("numpy.random.") for name in rows)   # constants


def test_reverse_mode_needs_transposes_of_linear_primitives(monkeypatch):
    reduce_sum = next(p for p in rules.shape_rules if p.name == "reduce_sum")
    assert coverage.primitive_support(reduce_sum) == ("yes", "yes", "yes", "yes")
    monkeypatch.delitem(rules.transpose_rules, reduce_sum)
    assert coverage.primitive_support(reduce_sum) == ("yes", "no", "yes", "yes")


def test_recording_restores_the_handlers():
    def broken(x):
        np.sin(x[0])
        raise RuntimeError("a bug in an example")

    before, getitem = dict(HANDLERS), indexing.getitem
    with pytest.raises(RuntimeError):
        coverage.coverage_markdown([(broken, [np.ones(2)])])
    assert HANDLERS == before and indexing.getitem is getitem
