"""Every public name of numjac has a NumPy-style docstring that matches its
signature, and the examples in it run as doctests (on the interpreter, the
suite's backend), so ``help(nj.jacrev)`` cannot drift from the code."""
import doctest
import inspect
import re

import numpy as np
import pytest

import numjac as nj

PUBLIC = {name: getattr(nj, name) for name in nj.__all__
          if not inspect.ismodule(getattr(nj, name))}
PUBLIC.update({f"random.{name}": getattr(nj.random, name) for name in nj.random.__all__})
ERRORS = {name for name, obj in PUBLIC.items()
          if inspect.isclass(obj) and issubclass(obj, Exception)}
CONTEXT_MANAGERS = {"no_grad", "compile_mode"}
RAISES_NOTHING = {"stop_gradient", "wait_for_compiles", "release_buffers"}
SETTINGS = {"set_num_threads", "get_num_threads", "distributed", "set_compile_mode",
            "wait_for_compiles", "release_buffers"}
LOOPS = {"scan", "fori_loop", "while_loop", "cond"}
TRANSFORMS = ["jit", "vmap", "grad", "value_and_grad", "jacrev", "jacfwd", "hessian", "vjp",
              "jvp", "linearize", "jacobian", "make_ir", "jacobian_sparsity", "hessian_sparsity",
              "sparse_jacobian", "sparse_hessian"]


def sections(doc: str) -> dict:
    """{section title: its text} of a NumPy-style docstring."""
    parts = re.split(r"^ *(\w[\w ]*)\n *-{3,}\n", inspect.cleandoc(doc), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def documented_parameters(doc: str) -> dict:
    """{name: its type line} from the Parameters section."""
    text = sections(doc).get("Parameters", "")
    return dict(re.findall(r"^(\*{0,2}\w+) : (.*)$", text, flags=re.M))


def signature_parameters(obj) -> list:
    return [p for p in inspect.signature(obj).parameters.values() if p.name != "self"]


def test_every_public_name_is_covered():
    assert set(TRANSFORMS) | LOOPS | CONTEXT_MANAGERS | SETTINGS | {"stop_gradient"} | ERRORS | {
        "random.seed", "random.normal", "random.uniform"} == set(PUBLIC)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_docstring_has_a_summary_line_and_examples(name):
    doc = inspect.cleandoc(PUBLIC[name].__doc__ or "")
    lines = doc.splitlines()
    assert len(lines) > 2 and lines[0].endswith(".") and lines[1] == "", \
        f"{name}: the docstring must open with a one-line summary and a blank line"
    assert "Examples" in sections(doc), f"{name}: no Examples section"


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - ERRORS - CONTEXT_MANAGERS))
def test_parameters_match_the_signature(name):
    obj = PUBLIC[name]
    found = sections(obj.__doc__)
    needed = {"Parameters", "Returns"} | ({"Raises"} if name not in RAISES_NOTHING else set())
    assert needed <= set(found), f"{name}: needs sections {sorted(needed)}, has {sorted(found)}"
    documented = documented_parameters(obj.__doc__)
    params = signature_parameters(obj)
    shown = ["*" * (p.kind == p.VAR_POSITIONAL) + "**" * (p.kind == p.VAR_KEYWORD) + p.name
             for p in params]
    assert list(documented) == shown, f"{name}: documented {list(documented)}, takes {shown}"
    for p in params:
        if p.default is not p.empty:
            expected = f"default {p.default!r}".replace("'", '"')
            assert documented[p.name].endswith(expected), \
                f"{name}: parameter {p.name} should say '{expected}'"


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transforms_call_the_function_func(name):
    params = signature_parameters(PUBLIC[name])
    assert params[0].name == "func" and params[0].default is params[0].empty
    assert "options" not in [p.name for p in params]


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_examples_run(name):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(PUBLIC[name], name, globs={"np": np, "nj": nj})
    assert sum(len(t.examples) for t in tests) > 0
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0, f"{name}: an example failed (above)"
