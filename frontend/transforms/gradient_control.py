"""``stop_gradient`` and ``no_grad``: values that carry no derivative."""
from __future__ import annotations

from typing import TypeVar

from ..compiler.builder import innermost
from ..compiler.primitives import structural
from ..pytree import tree_map
from ..tracer import Tracer, to_atom, wrap

T = TypeVar("T")


def stop_gradient(x: T) -> T:
    """``x`` unchanged, but with no derivative flowing through it.

    As JAX's ``lax.stop_gradient`` (torch's ``detach``).  Inside a function
    that a transform differentiates, the result counts as a constant;
    outside a trace it changes nothing.

    Parameters
    ----------
    x : array_like or pytree
        An array, or a pytree (tuples, lists, dicts) of arrays.

    Returns
    -------
    array_like or pytree
        ``x``, of the same structure, shapes and values.

    See Also
    --------
    no_grad : the same for every value computed in a block.

    Examples
    --------
    >>> def f(x):
    ...     return nj.stop_gradient(x) * x      # differentiates as c * x
    >>> float(nj.grad(f)(3.0))
    3.0
    """
    return tree_map(_stop_leaf, x)


def _stop_leaf(leaf):
    return wrap(structural.stop_gradient(to_atom(leaf))) if isinstance(leaf, Tracer) else leaf


class no_grad:
    """A context manager: values computed in its block carry no derivative.

    ``with nj.no_grad():`` inside a function that a transform traces makes
    every value computed in the block a constant for differentiation.
    Around a call of a transformed function it has no effect, as in
    torch.func: a transform's result does not depend on outside state.

    Examples
    --------
    >>> def f(x):
    ...     with nj.no_grad():
    ...         c = x ** 2
    ...     return x - c
    >>> nj.jacrev(f)(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    def __enter__(self) -> no_grad:
        self._builder = innermost()
        if self._builder is not None:
            self._builder.no_grad_depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        if self._builder is not None:
            self._builder.no_grad_depth -= 1
