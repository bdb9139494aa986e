"""nj.scan, nj.fori_loop and nj.while_loop outside any trace: the Python
loops they stand for, on NumPy arrays, with the same checks on the carry
as the traced loops (frontend/loops.py).  So a function with loops called
directly (by a finite-difference check, say) computes what its compiled
form computes, closed-over NumPy arrays indexed by the loop index included.
"""
from __future__ import annotations

import numpy as np

from .compiler.ir import AType
from .loop_tracing import check_conforms
from .pytree import flatten, unflatten


def value_type(value) -> AType:
    array = np.asarray(value)
    return AType(array.dtype, array.shape)


def arrays_of(tree, what: str):
    """(the leaves of ``tree`` as arrays, its structure)."""
    leaves, treedef = flatten(tree)
    for leaf in leaves:
        if not isinstance(leaf, (np.ndarray, np.generic, bool, int, float)):
            raise TypeError(f"{what} is a {type(leaf).__name__}; loops take and return "
                            "arrays (and tuples, lists, dicts of them)")
    return [np.asarray(leaf) for leaf in leaves], treedef


def conform_values(result, expected_types, expected_tree, what: str, role: str) -> list:
    """The leaves of ``result`` as arrays of the expected types (a scalar
    may be converted), or the TypeError naming the leaf that differs."""
    values, tree = arrays_of(result, what)
    weak = [v.ndim == 0 for v in values]
    check_conforms(tree, [value_type(v) for v in values], weak, expected_tree, expected_types,
                   what, role)
    return [v.astype(t.dtype, copy=False) for v, t in zip(values, expected_types)]


def pair_of(result, what: str) -> tuple:
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{what} must return a pair (carry, y), got {type(result).__name__}")
    return result


def eager_scan(f, init, x_values, x_tree, length, reverse, what, role):
    """``nj.scan`` as a Python loop (``length`` > 0)."""
    init_values, init_tree = arrays_of(init, f"{what}'s init")
    types = [value_type(v) for v in init_values]
    carry, ys, y_tree, y_types = unflatten(init_tree, init_values), [None] * length, None, None
    for i in range(length - 1, -1, -1) if reverse else range(length):
        new_carry, y = pair_of(f(carry, unflatten(x_tree, [x[i] for x in x_values])), what)
        carry = unflatten(init_tree, conform_values(new_carry, types, init_tree, what, role))
        if y_tree is None:
            first, y_tree = arrays_of(y, what)
            y_types = [value_type(v) for v in first]
        ys[i] = conform_values(y, y_types, y_tree, what, "y")
    stacked = [np.stack([row[k] for row in ys]) for k in range(len(y_types))]
    return carry, unflatten(y_tree, stacked)


def eager_fori(lower: int, upper: int, body_fun, init_val, what: str):
    values, tree = arrays_of(init_val, "nj.fori_loop's init_val")
    types = [value_type(v) for v in values]
    val = unflatten(tree, values)
    for i in range(lower, upper):
        val = unflatten(tree, conform_values(body_fun(i, val), types, tree, what,
                                             "init_val"))
    return val


def eager_while(cond_fun, body_fun, init_val):
    values, tree = arrays_of(init_val, "nj.while_loop's init_val")
    types = [value_type(v) for v in values]
    val = unflatten(tree, values)
    while _predicate(cond_fun(val)):
        val = unflatten(tree, conform_values(body_fun(val), types, tree,
                                             "nj.while_loop's body_fun", "init_val"))
    return val


def _predicate(value) -> bool:
    if np.ndim(value) != 0:
        raise TypeError("nj.while_loop's cond_fun's result must be a scalar (0-d) boolean, "
                        f"got an array of shape {np.shape(value)}")
    return bool(value)
