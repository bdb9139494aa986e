"""Tracing the bodies of nj.scan, nj.fori_loop, nj.while_loop and nj.cond
into closed sub-IRs (frontend/loops.py has the public functions).

A body is traced on Tracers of a builder of its own; the outer values it
reads (tracers of the enclosing trace, NumPy arrays) are captured and
become the loop's leading "consts" operands.  Bodies traced for one loop
(a while loop's cond and body, a cond's two branches) share one list of
consts.  Outside any trace the loops run as Python loops
(loop_eager.py), except a scan of length 0, traced (for the types of its
ys) and evaluated by the reference interpreter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compiler import builder as _builder
from .compiler.builder import Builder
from .compiler.ir import IR, Lit, Var
from .compiler.primitives.random import draws_random
from .compiler.primitives.structural import convert
from .errors import ConcretizationError, unsupported
from .pytree import TreeDef, flatten, unflatten
from .runtime.interpreter import evaluate
from .tracer import Tracer, to_atom, wrap


@dataclass
class Traced:
    """A body traced on inputs of given types: its IR (own inputs only),
    the values it captured, and its outputs' structure."""

    inputs: list          # of Var, the body's own inputs
    eqns: list
    outputs: list         # of Atom
    out_tree: TreeDef
    captures: list        # of (Var, captured value)


def trace_body(fn, in_types, in_tree, what: str, finish) -> Traced:
    """Trace ``fn`` on Tracers of ``in_types`` arranged as ``in_tree`` (a
    tuple tree is passed as separate arguments); ``finish(result)``, run
    inside the trace, gives the output atoms and their structure.  ``what``
    names the body in errors."""
    outer = _builder.current()
    builder = Builder()
    builder.no_grad_depth = outer.no_grad_depth
    with builder:
        inputs = [builder.new_input(t) for t in in_types]
        args = unflatten(in_tree, [Tracer(v, builder) for v in inputs])
        try:
            outputs, out_tree = finish(fn(*args))
        except ConcretizationError as error:
            error.args = (f"{error.args[0]} (in {what}: a NumPy array indexed by a traced "
                          "value, such as the loop index, must come into the trace first: "
                          "pass it as an argument of the transformed function, or as xs of "
                          "nj.scan)",)
            raise
        ir = builder.build(outputs)
    if draws_random(ir):
        raise unsupported(f"nj.random inside {what}",
                          "a draw in a loop body or branch would repeat the same numbers; "
                          "draw them before the loop and pass them in (as xs of nj.scan)")
    return Traced(inputs, ir.eqns, ir.outputs, out_tree, list(builder.captures))


def flat_atoms(result, what: str):
    """A ``finish`` for trace_body: the leaves of ``result`` as atoms."""
    leaves, tree = flatten(result)
    return [atom_of(leaf, what) for leaf in leaves], tree


def atom_of(leaf, what: str):
    """The atom of an output leaf of a body (arrays and Python scalars)."""
    if isinstance(leaf, (Tracer, np.ndarray, np.generic, bool, int, float)):
        return to_atom(leaf)
    raise TypeError(f"{what} returned a {type(leaf).__name__}; loop bodies return arrays "
                    "(and tuples, lists, dicts of them)")


def closed(traced_bodies) -> tuple:
    """(const operands, one IR per body): each IR's inputs are every body's
    captured values, then its own inputs."""
    values, index = [], {}
    for body in traced_bodies:
        for var, value in body.captures:
            if id(value) not in index:
                index[id(value)] = len(values)
                values.append((value, var.type))
    irs = []
    for body in traced_bodies:
        own = {id(value): var for var, value in body.captures}
        consts = [own.get(id(value)) or Var(atype) for value, atype in values]
        irs.append(IR(consts + body.inputs, body.eqns, body.outputs))
    return [to_atom(value) for value, _ in values], irs


def leaf_atoms(leaves, what: str) -> list:
    """Atoms (in the active builder) of the leaves of a loop's argument."""
    return [atom_of(leaf, what) for leaf in leaves]


def conformed(result, expected_types, expected_tree, what: str, role: str) -> list:
    """The atoms of the leaves of ``result``, checked to have the structure
    ``expected_tree`` and the types ``expected_types``; Python scalars take
    the expected dtype.  Errors name the leaf (``role`` is the root)."""
    atoms, tree = flat_atoms(result, what)
    weak = [isinstance(a, Lit) for a in atoms]
    check_conforms(tree, [a.type for a in atoms], weak, expected_tree, expected_types, what,
                   role)
    return [Lit(a.value, t.dtype) if w else a for a, w, t in zip(atoms, weak, expected_types)]


def check_conforms(tree, types, weak, expected_tree, expected_types, what: str, role: str):
    """Raise TypeError, naming the leaf, unless ``tree`` and ``types`` are
    the expected ones; a ``weak`` leaf (a scalar constant) may have another
    dtype of the same kind or one that converts safely."""
    if tree != expected_tree:
        raise TypeError(f"{what} must return a {role} of the same structure as its input: "
                        f"expected {expected_tree}, got {tree}")
    paths = leaf_paths(expected_tree, role)
    for path, atype, expected, is_weak in zip(paths, types, expected_types, weak):
        castable = is_weak and atype.shape == expected.shape and np.can_cast(
            atype.dtype, expected.dtype, "same_kind")
        if atype != expected and not castable:
            hint = ("; convert with .astype, or start from a value of the right dtype, "
                    "e.g. 0.0 rather than 0" if atype.shape == expected.shape else "")
            raise TypeError(f"{what} changes the type of {path}: it is {expected} on the way "
                            f"in and {atype} on the way out (a loop carry keeps its shape "
                            f"and dtype{hint})")


def leaf_paths(treedef: TreeDef, root: str) -> list:
    """``root[0]['a']``-style names of the leaves of ``treedef``, in order."""
    if treedef.kind == "leaf":
        return [root]
    if treedef.kind == "none":
        return []
    keys = {"dict": lambda: treedef.meta, "mapping": lambda: treedef.meta[1],
            "namedtuple": lambda: treedef.meta._fields}.get(
                treedef.kind, lambda: range(len(treedef.children)))()
    paths = []
    for key, child in zip(keys, treedef.children):
        step = f".{key}" if treedef.kind == "namedtuple" else f"[{key!r}]"
        paths += leaf_paths(child, root + step)
    return paths


def predicate_atom(pred, what: str):
    """A traced 0-d predicate as a ``bool[]`` atom."""
    atom = to_atom(pred)
    if atom.type.shape != ():
        raise TypeError(f"{what} must be a scalar (0-d) boolean, got an array {atom.type}")
    return atom if atom.type.dtype == np.bool_ else convert(atom, np.bool_)


def wrapped(atoms, treedef: TreeDef):
    return unflatten(treedef, [wrap(a) for a in atoms])


def run_traced(fn):
    """``fn()`` (which binds loop primitives) when tracing; otherwise ``fn``
    traced on its own and run by the interpreter, its outputs as arrays."""
    if _builder.is_tracing():
        return fn()
    builder = Builder()
    with builder:
        leaves, treedef = flatten(fn())
        ir = builder.build([to_atom(leaf) for leaf in leaves])
    values = evaluate(ir, *(value for _, value in builder.captures))
    return unflatten(treedef, [np.asarray(v) for v in values])
