"""Checks of the arguments and results of the transforms, made before any
compilation so that mistakes get a clear message naming what was wrong."""
from __future__ import annotations

import numpy as np

from ..pytree import flatten
from ..replacements import traceable
from ..tracer import Tracer


def check_callable(func, name):
    if not callable(func):
        raise TypeError(f"{name}: func must be callable, got {func!r} ({type(func).__name__})")


def check_argnums_type(argnums):
    """Validate argnums as far as possible without the arguments."""
    if isinstance(argnums, tuple):
        if not argnums:
            raise ValueError("argnums must be non-empty")
        for n in argnums:
            check_argnums_type(n)
        if len(set(argnums)) != len(argnums):
            raise ValueError(f"argnums must not repeat an argument, got {argnums}")
        return
    if isinstance(argnums, bool) or not isinstance(argnums, int):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")


def normalize_argnums(argnums, nargs: int) -> tuple:
    """Positions of the differentiated arguments (negative ones resolved)."""
    positions = argnums if isinstance(argnums, tuple) else (argnums,)
    resolved = []
    for n in positions:
        if not -nargs <= n < nargs:
            raise ValueError(f"argnums {argnums} is out of range for a function called "
                             f"with {nargs} positional argument(s)")
        resolved.append(n % nargs)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"argnums {argnums} names the same argument twice")
    return tuple(resolved)


def check_not_python_int(arg, position, name):
    """A differentiated Python int (or bool) is a TypeError, as in torch and
    JAX: an int argument is most often a count or an index, so the likelier
    mistake is in argnums; a Python float is a 0-d float64 input."""
    if type(arg) in (int, bool):
        raise TypeError(f"{name}: argument {position} is the Python {type(arg).__name__} "
                        f"{arg!r}, which cannot be differentiated (only float inputs can); "
                        f"pass {float(arg)!r} if it is a real number, or leave it out of "
                        "argnums")


def check_chunk_size(chunk_size):
    if chunk_size is not None and (isinstance(chunk_size, bool) or
                                   not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"chunk_size must be None or a positive int, got {chunk_size!r}")


def check_primals_tuple(primals, name):
    if not isinstance(primals, tuple):
        raise TypeError(f"{name}: primals must be a tuple, got {type(primals).__name__}")


def check_like(values, reference, what, name):
    """``values`` must have ``reference``'s pytree structure and shapes."""
    leaves, tree = flatten(values)
    ref_leaves, ref_tree = flatten(reference)
    if tree != ref_tree:
        raise ValueError(f"{name}: {what} must have the structure {ref_tree}, got {tree}")
    for i, (leaf, ref) in enumerate(zip(leaves, ref_leaves)):
        if np.shape(leaf) != np.shape(ref):
            raise ValueError(f"{name}: {what} leaf {i} has shape {np.shape(leaf)}, "
                             f"expected {np.shape(ref)}")


class OutputChecks:
    """Wraps func: checks has_aux's 2-tuple and that outputs are arrays."""

    def __init__(self, fn, has_aux: bool, transform: str):
        self.fn, self.has_aux, self.transform = fn, has_aux, transform
        self.__wrapped__ = fn

    @property
    def cache_key(self):
        return (self.fn, self.has_aux, self.transform)

    def __eq__(self, other):
        return isinstance(other, OutputChecks) and other.cache_key == self.cache_key

    def __hash__(self):
        return hash(self.cache_key)

    def __call__(self, *args, **kwargs):
        result = traceable(self.fn)(*args, **kwargs)
        if self.has_aux:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ValueError(f"{self.transform}(has_aux=True): the function must "
                                 "return a (output, aux) tuple")
            _check_array_leaves(result[0], self.transform, "output")
            _check_array_leaves(result[1], self.transform, "aux")
        else:
            _check_array_leaves(result, self.transform, "output")
        return result


def _check_array_leaves(tree, transform, what):
    leaves, _ = flatten(tree)
    if what == "output" and not leaves:
        raise ValueError(f"{transform}: the function returned no arrays to differentiate")
    for leaf in leaves:
        if not isinstance(leaf, (Tracer, np.ndarray, np.generic)):
            raise TypeError(f"{transform}: every {what} must be an array, got a "
                            f"{type(leaf).__name__} ({leaf!r})")
