"""``stop_gradient`` and ``no_grad``: values that carry no derivative."""
from __future__ import annotations

from ..compiler.builder import innermost
from ..compiler.primitives import structural
from ..pytree import tree_map
from ..tracer import Tracer, to_atom, wrap


def stop_gradient(x):
    """``x`` unchanged, with no derivative flowing through (pytrees too)."""
    return tree_map(_stop_leaf, x)


def _stop_leaf(leaf):
    return wrap(structural.stop_gradient(to_atom(leaf))) if isinstance(leaf, Tracer) else leaf


class no_grad:
    """``with nj.no_grad():`` inside a traced function: values computed in
    the block carry no derivative.  Around a call it has no effect, as in
    torch.func: a transform's result must not depend on outside state."""

    def __enter__(self):
        self._builder = innermost()
        if self._builder is not None:
            self._builder.no_grad_depth += 1
        return self

    def __exit__(self, *exc):
        if self._builder is not None:
            self._builder.no_grad_depth -= 1
