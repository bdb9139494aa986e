"""Pytrees: tuples, lists, dicts, namedtuples and None around array leaves.

``flatten`` gives the leaves in a fixed order and a hashable ``TreeDef``;
dicts keep their insertion order (as torch.func does).  Containers come
back with their exact types: a namedtuple as its class, a dict subclass
(OrderedDict, defaultdict with its default_factory) as that class.
"""
from __future__ import annotations

import functools

from collections import defaultdict


class TreeDef:
    __slots__ = ("kind", "meta", "children", "num_leaves", "_hash")

    def __init__(self, kind, meta=None, children=()):
        # "leaf", "none", "tuple", "list", "dict", "mapping" (a dict subclass),
        # "namedtuple"
        self.kind = kind
        # dict keys, namedtuple class, or a mapping's (class, keys, default_factory)
        self.meta = meta
        self.children = tuple(children)
        self.num_leaves = 1 if kind == "leaf" else sum(c.num_leaves for c in self.children)
        self._hash = hash((kind, meta, self.children))

    def __eq__(self, other):
        return (isinstance(other, TreeDef) and self._hash == other._hash
                and self.kind == other.kind and self.meta == other.meta
                and self.children == other.children)

    def __hash__(self):
        return self._hash

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(map(repr, self.children))
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.meta, self.children))
            return "{" + inner + "}"
        if self.kind == "namedtuple":
            return f"{self.meta.__name__}({inner})"
        if self.kind == "mapping":
            cls, keys, _ = self.meta
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(keys, self.children))
            return f"{cls.__name__}({{{inner}}})"
        return f"[{inner}]" if self.kind == "list" else f"({inner})"


LEAF = TreeDef("leaf")
NONE = TreeDef("none")


def is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def flatten(tree):
    leaves: list = []
    treedef = _flatten_into(tree, leaves)
    return leaves, treedef


def _flatten_into(tree, leaves):
    if tree is None:
        return NONE
    if is_namedtuple(tree):
        return TreeDef("namedtuple", type(tree), [_flatten_into(c, leaves) for c in tree])
    if isinstance(tree, (tuple, list)):
        kind = "tuple" if isinstance(tree, tuple) else "list"
        return TreeDef(kind, None, [_flatten_into(c, leaves) for c in tree])
    if isinstance(tree, dict):
        keys = tuple(tree)
        children = [_flatten_into(tree[k], leaves) for k in keys]
        if type(tree) is dict:
            return TreeDef("dict", keys, children)
        meta = (type(tree), keys, getattr(tree, "default_factory", None))
        return TreeDef("mapping", meta, children)
    leaves.append(tree)
    return LEAF


def unflatten(treedef: TreeDef, leaves):
    it = iter(leaves)
    tree = _build(treedef, it)
    return tree


def rebuilder(treedef: TreeDef):
    """leaves -> the pytree ``treedef``, fast for a flat tuple: the leaves'
    own tuple (unflatten would cost a kernel call 0.5 us more)."""
    if treedef.kind == "tuple" and all(c.kind == "leaf" for c in treedef.children):
        return tuple
    return functools.partial(unflatten, treedef)


def _build(treedef, it):
    kind = treedef.kind
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    children = [_build(c, it) for c in treedef.children]
    if kind == "tuple":
        return tuple(children)
    if kind == "list":
        return children
    if kind == "dict":
        return dict(zip(treedef.meta, children))
    if kind == "mapping":
        return _mapping(treedef.meta, children)
    return treedef.meta(*children)


def _mapping(meta, children):
    cls, keys, default_factory = meta
    if issubclass(cls, defaultdict):
        return cls(default_factory, zip(keys, children))
    return cls(zip(keys, children))


def tree_map(fn, tree, *rest):
    leaves, treedef = flatten(tree)
    others = [flatten_as(treedef, r) for r in rest]
    return unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others)])


def flatten_as(treedef: TreeDef, tree):
    """The leaves of ``tree``, which must have structure ``treedef``."""
    leaves, other = flatten(tree)
    if other != treedef:
        raise ValueError(f"expected a pytree of structure {treedef}, got {other}")
    return leaves


def broadcast_prefix(prefix, tree, exact_sequences=False):
    """Leaves of ``prefix`` repeated over the subtrees of ``tree`` they cover.

    Used for vmap's in_dims/out_dims: an int or None at a node applies to
    every leaf below it.  Raises ValueError when the structures disagree;
    with ``exact_sequences`` a tuple in ``prefix`` matches only a tuple (or
    namedtuple) and a list only a list, as torch.func's in_dims do.
    """
    out: list = []
    _broadcast_into(prefix, tree, out, exact_sequences)
    return out


def _broadcast_into(prefix, tree, out, exact):
    if not isinstance(prefix, (tuple, list, dict)):
        out.extend([prefix] * flatten(tree)[1].num_leaves)
        return
    if isinstance(prefix, dict):
        if not isinstance(tree, dict) or set(prefix) != set(tree):
            raise ValueError(f"dict keys {sorted(map(str, prefix))} do not match the argument's")
        for key in tree:
            _broadcast_into(prefix[key], tree[key], out, exact)
        return
    if not isinstance(tree, (tuple, list)) or len(prefix) != len(tree):
        length = len(tree) if isinstance(tree, (tuple, list)) else "a non-sequence"
        raise ValueError(f"a sequence of length {len(prefix)} does not match {length}")
    if exact and isinstance(prefix, tuple) != isinstance(tree, tuple):
        raise ValueError(f"a {type(prefix).__name__} does not match a "
                         f"{type(tree).__name__}; give a {type(tree).__name__} of dims")
    for p, t in zip(prefix, tree):
        _broadcast_into(p, t, out, exact)


def argument_leaf_ranges(args) -> list:
    """For each positional argument, the range of its flat leaf indices."""
    ranges, start = [], 0
    for arg in args:
        count = flatten(arg)[1].num_leaves
        ranges.append(range(start, start + count))
        start += count
    return ranges
