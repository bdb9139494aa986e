"""Every registry is complete: each primitive has every rule it needs, each
NumPy handler has an example row, and the coverage table generated from both
(docs/coverage.md) says yes or zero everywhere and is up to date."""
import inspect

import pytest

from numjac import coverage
from numjac.compiler import rules
from numjac.compiler.passes.sparsity_rules import sparsity_rules
from numjac.compiler.rules import batch_rules, shape_rules
from numjac.numpy_api import HANDLERS, numpy_name
from numjac.runtime.interpreter import higher_order_impls
from numjac.runtime.lowering import LOWERINGS
from tests.write_coverage import DOC, coverage_doc, suite_examples


# -- every primitive has each rule it needs --------------------------------------------

def test_every_primitive_has_an_impl():
    missing = [p.name for p in shape_rules
               if p not in rules.impls and p not in higher_order_impls]
    assert not missing, f"primitives without a NumPy impl: {missing}"


def test_every_primitive_is_differentiable_or_marked():
    missing = [p.name for p in rules.shape_rules
               if p not in rules.jvp_rules and p not in rules.non_differentiable]
    assert missing == []


def test_every_linear_primitive_has_a_transpose():
    missing = [p.name for p in rules.linear_primitives if p not in rules.transpose_rules]
    assert missing == []


def _takes_operands(rule) -> bool:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
             inspect.Parameter.VAR_POSITIONAL)
    return any(p.kind in kinds for p in inspect.signature(rule).parameters.values())


def test_every_primitive_with_operands_has_a_batching_rule():
    missing = [p.name for p, rule in shape_rules.items()
               if _takes_operands(rule) and p not in batch_rules]
    assert not missing, f"primitives without a batching rule: {missing}"


def test_every_primitive_has_a_sparsity_rule():
    missing = sorted(p.name for p in shape_rules if p not in sparsity_rules)
    assert not missing, f"primitives without a sparsity rule (compiler/passes/sparsity_rules.py): " \
        f"{missing}"


def test_every_primitive_has_a_lowering():
    missing = sorted(p.name for p in shape_rules if p not in LOWERINGS)
    assert not missing, f"primitives without a Numba lowering: {missing}"


# -- every NumPy handler has an example, and the coverage table is all yes ---------------

def test_every_numpy_handler_has_an_example_row():
    usages = coverage.usages_in(suite_examples())
    missing = sorted(numpy_name(fn) for fn in HANDLERS if fn not in usages)
    missing += [key for key in (coverage.INDEXING, coverage.ASSIGNMENT) if key not in usages]
    assert not missing, f"NumPy calls no OP_SPECS row (tests/specs/) traces: {missing}"


@pytest.fixture(scope="module")
def generated_doc():
    return coverage_doc()


def unsupported_cells(doc):
    """'name: column' for every "no" or "untested" mark of the doc's tables."""
    found = []
    for line in doc.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            marks = cells[-len(coverage.COLUMNS):]
            found += [f"{cells[0]}: {column}" for column, mark in zip(coverage.COLUMNS, marks)
                      if mark in ("no", "untested")]
    return found


def test_unsupported_cells_are_found():
    doc = "| `numpy.cos` | - | untested | yes | yes | no |\n| `sin` | yes | yes | yes | yes |"
    assert unsupported_cells(doc) == ["`numpy.cos`: forward (jvp, jacfwd)", "`numpy.cos`: Numba"]


def test_coverage_table_has_no_untested_or_no_cells(generated_doc):
    offenders = unsupported_cells(generated_doc)
    assert not offenders, "docs/coverage.md cells saying no or untested:\n" + "\n".join(offenders)


def test_docs_coverage_md_is_up_to_date(generated_doc):
    assert DOC.read_text() == generated_doc, (
        "docs/coverage.md is out of date: run `python -m tests.write_coverage`")
