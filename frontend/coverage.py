"""The coverage table (docs/coverage.md): the NumPy calls numjac traces, and
under which transforms each one works, derived from the rule registries.

Tracing example calls with every handler in ``numpy_api.HANDLERS`` (and
``x[key]``) wrapped to record the equations emitted while it runs gives the
primitives each NumPy call can emit.  A primitive supports

- forward mode when it has a jvp rule or is non-differentiable (its
  derivative is zero);
- reverse mode when it supports forward mode and, if it is linear, has a
  transpose rule (the jvp rules of the others emit only linear primitives),
  "refused" when that rule only raises a clear error (a while loop);
- vmap when it has a batching rule or takes no array operands;
- the Numba backend when it has a lowering (runtime/lowering/);

and a NumPy call supports each when every primitive it emitted does.  The
caller passes the examples: docs/coverage.md is built from the test suite's
OP_SPECS rows by ``python -m tests.write_coverage``, and
tests/test_completeness.py fails when it is out of date.
"""
from __future__ import annotations

import functools
import inspect
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from .compiler.builder import current as current_builder
from .compiler import rules
from .compiler.ir import IR, is_float
from .numpy_api import HANDLERS, indexing, inplace, numpy_name
from .replacements import calls_observed, replaced_names
from .scipy_api import install_all
from .pytree import flatten
from .runtime.lowering import LOWERINGS
from .signatures import leaf_spec
from .staging import trace

install_all()     # the table lists SciPy's functions too, whether or not SciPy is imported

INDEXING = "x[key]"
ASSIGNMENT = "x[key] = value"
COLUMNS = ("forward (jvp, jacfwd)", "reverse (vjp, grad, jacrev)", "vmap", "Numba")
DERIVATIVE_COLUMNS = 2     # the first COLUMNS, where "zero" can appear


# -- what each primitive supports ------------------------------------------------------

def takes_operands(prim) -> bool:
    parameters = inspect.signature(rules.shape_rules[prim]).parameters.values()
    return any(p.kind is not p.KEYWORD_ONLY for p in parameters)


def primitive_support(prim) -> tuple:
    """Marks for COLUMNS: "yes", "no" or (for derivatives) "zero"."""
    if prim in rules.non_differentiable:
        forward = reverse = "zero"
    else:
        forward = "yes" if prim in rules.jvp_rules else "no"
        transposable = prim not in rules.linear_primitives or prim in rules.transpose_rules
        reverse = "yes" if forward == "yes" and transposable else "no"
        if getattr(rules.transpose_rules.get(prim), "refuses", False):
            reverse = "refused"   # a transpose rule that explains why it cannot be done
    vmap = "yes" if prim in rules.batch_rules or not takes_operands(prim) else "no"
    return forward, reverse, vmap, "yes" if prim in LOWERINGS else "no"


def call_support(usage) -> list:
    """A NumPy call's marks for COLUMNS from its primitives' marks: a
    derivative is "zero" where every primitive is non-differentiable or the
    call never returned a float array."""
    support = [primitive_support(p) for p in usage.primitives]
    marks = []
    for column in range(len(COLUMNS)):
        column_marks = {m[column] for m in support}
        if "no" in column_marks:
            marks.append("no")
        elif column_marks == {"zero"} or (column < DERIVATIVE_COLUMNS
                                          and not usage.float_valued):
            marks.append("zero")
        else:
            marks.append("yes")
    return marks


# -- which primitives each NumPy call emits ----------------------------------------------

def primitives_in(eqns) -> set:
    """The primitives of ``eqns``, including those of nested IR bodies."""
    found = set()
    for eqn in eqns:
        found.add(eqn.prim)
        for value in eqn.params.values():
            if isinstance(value, IR):
                found |= primitives_in(value.eqns)
    return found


@dataclass
class Usage:
    """What the traced calls of one NumPy callable did."""

    primitives: set = field(default_factory=set)
    float_valued: bool = False     # some call returned a float array


def _observing(usages):
    """``observe(key)`` -> ``finish(result, args)``: records in ``usages[key]``
    the equations emitted in between and whether a float array came out."""
    def observe(key):
        builder = current_builder()
        start = len(builder.eqns)

        def finish(result, args=()):
            usage = usages[key]
            usage.primitives |= primitives_in(builder.eqns[start:])
            # A handler returning None wrote into its first argument (np.put).
            written = result if result is not None else args[:1]
            usage.float_valued |= any(is_float(getattr(leaf, "dtype", bool))
                                      for leaf in flatten(written)[0])
        return finish
    return observe


def _recorded(key, handler, usages):
    observe = _observing(usages)

    def recording_handler(*args, **kwargs):
        finish = observe(key)
        result = handler(*args, **kwargs)
        finish(result, args)
        return result
    return recording_handler


def _recorded_ufunc_at(ufunc_at, usages):
    def recording_ufunc_at(ufunc, *args):
        return _recorded(_ufunc_at_name(ufunc), functools.partial(ufunc_at, ufunc),
                         usages)(*args)
    return recording_ufunc_at


def _ufunc_at_name(ufunc) -> str:
    return f"numpy.{ufunc.__name__}.at"


@contextmanager
def recording(usages):
    """Within the block, every NumPy call traced updates the Usage
    ``usages[callable]`` (``usages[INDEXING]`` for ``x[key]``,
    ``usages[ASSIGNMENT]`` for ``x[key] = value``, and usages by name for
    the functions replaced while tracing and ``ufunc.at``)."""
    handlers, getitem, setitem = dict(HANDLERS), indexing.getitem, inplace.setitem
    ufunc_at = inplace.ufunc_at
    HANDLERS.update({fn: _recorded(fn, h, usages) for fn, h in handlers.items()})
    indexing.getitem = _recorded(INDEXING, getitem, usages)
    inplace.setitem = _recorded(ASSIGNMENT, setitem, usages)
    inplace.ufunc_at = _recorded_ufunc_at(ufunc_at, usages)
    try:
        with calls_observed(_observing(usages)):
            yield
    finally:
        HANDLERS.update(handlers)
        indexing.getitem = getitem
        inplace.setitem = setitem
        inplace.ufunc_at = ufunc_at


def usages_in(examples) -> dict:
    """{NumPy callable or INDEXING: Usage} over ``examples``, pairs
    ``(function, args)`` traced afresh (not through the staging cache)."""
    usages = defaultdict(Usage)
    with recording(usages):
        for fn, args in examples:
            leaves, treedef = flatten((tuple(args), {}))
            trace(fn, treedef, leaves, tuple(leaf_spec(leaf, False) for leaf in leaves))
    return usages


# -- the document -------------------------------------------------------------------------

def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(head, rows) -> list:
    return [_row(head), _row(["---"] * len(head))] + [_row(r) for r in rows]


def call_rows(usages) -> list:
    calls = [(numpy_name(fn), fn) for fn in HANDLERS] + [(f"{INDEXING} (indexing)", INDEXING),
                                                         (ASSIGNMENT, ASSIGNMENT)]
    listed = {name for name, _ in calls}
    # Replaced functions without an example (numpy.random's draws, which
    # are constants of the trace; np.linalg.eig, refused) are left out.
    calls += [(name, name) for name in replaced_names() if name not in listed
              and name in usages]
    calls += [(_ufunc_at_name(u), _ufunc_at_name(u)) for u in inplace.UFUNC_AT]
    rows = []
    for name, key in sorted(calls, key=lambda call: call[0]):
        if key not in usages:
            rows.append([f"`{name}`", "-"] + ["untested"] * len(COLUMNS))
            continue
        usage = usages[key]
        used = ", ".join(f"`{p}`" for p in sorted(usage.primitives, key=str)) or "none"
        rows.append([f"`{name}`", used, *call_support(usage)])
    return rows


def primitive_rows() -> list:
    return [[f"`{p}`", *primitive_support(p)]
            for p in sorted(rules.shape_rules, key=str)]


def coverage_markdown(examples) -> str:
    """The tables of docs/coverage.md for these examples (pairs
    ``(function, args)``): NumPy calls, then primitives."""
    lines = ["## NumPy calls", ""]
    lines += _table(("NumPy call", "primitives") + COLUMNS, call_rows(usages_in(examples)))
    lines += ["", "## Primitives", ""]
    lines += _table(("primitive",) + COLUMNS, primitive_rows())
    return "\n".join(lines) + "\n"
