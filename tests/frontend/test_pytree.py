"""Pytrees: flatten/unflatten of tuples, lists, dicts, namedtuples and None."""
from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest

from numjac.pytree import broadcast_prefix, flatten, flatten_as, tree_map, unflatten

Point = namedtuple("Point", ["x", "y"])
Other = namedtuple("Other", ["x", "y"])


@pytest.mark.parametrize("tree, leaves", [
    ((1, 2), [1, 2]),
    ([1, [2, 3]], [1, 2, 3]),
    ({"b": 1, "a": 2}, [1, 2]),
    (Point(1, 2), [1, 2]),
    (None, []),
    ((None, 1), [1]),
    ({"p": Point([1, None], (2,)), "q": ()}, [1, 2]),
    (7, [7]),
])
def test_flatten_order_and_round_trip(tree, leaves):
    got, treedef = flatten(tree)
    assert got == leaves
    assert treedef.num_leaves == len(leaves)
    rebuilt = unflatten(treedef, got)
    assert rebuilt == tree
    assert type(rebuilt) is type(tree)


def test_round_trip_keeps_container_types_and_array_leaves():
    x = np.arange(3.0)
    tree = {"a": [x, (x, None)], "b": Point(x, x)}
    leaves, treedef = flatten(tree)
    assert all(leaf is x for leaf in leaves) and len(leaves) == 4
    rebuilt = unflatten(treedef, leaves)
    assert isinstance(rebuilt["a"], list) and isinstance(rebuilt["a"][1], tuple)
    assert isinstance(rebuilt["b"], Point) and rebuilt["a"][1][1] is None


def test_dicts_keep_insertion_order():
    assert flatten({"b": 1, "a": 2})[0] == [1, 2]
    assert list(unflatten(flatten({"b": 1, "a": 2})[1], [5, 6])) == ["b", "a"]


def test_treedefs_compare_by_structure_only():
    assert flatten((1, [2]))[1] == flatten((3, [4]))[1]
    assert hash(flatten((1, [2]))[1]) == hash(flatten((3, [4]))[1])
    assert flatten((1, 2))[1] != flatten([1, 2])[1]
    assert flatten(Point(1, 2))[1] != flatten(Other(1, 2))[1]
    assert flatten(Point(1, 2))[1] != flatten((1, 2))[1]
    assert flatten({"a": 1})[1] != flatten({"b": 1})[1]
    assert flatten((None,))[1] != flatten((1,))[1]


def test_treedef_repr_shows_the_structure():
    assert repr(flatten({"a": (1, None), "b": [Point(1, 2)]})[1]) == \
        "{'a': (*, None), 'b': [Point(*, *)]}"


def test_tree_map_and_flatten_as():
    assert tree_map(lambda a, b: a + b, {"x": (1, 2)}, {"x": (10, 20)}) == {"x": (11, 22)}
    treedef = flatten((1, 2))[1]
    assert flatten_as(treedef, (3, 4)) == [3, 4]
    with pytest.raises(ValueError, match="expected a pytree of structure"):
        flatten_as(treedef, [3, 4])


def test_broadcast_prefix_repeats_a_leaf_over_a_subtree():
    tree = (np.ones(2), {"a": np.ones(3), "b": (np.ones(1), np.ones(1))}, None)
    assert broadcast_prefix(0, tree) == [0, 0, 0, 0]
    assert broadcast_prefix((None, 1, 0), tree) == [None, 1, 1, 1]
    assert broadcast_prefix((1, {"a": None, "b": (0, 1)}, None), tree) == [1, None, 0, 1]
    assert broadcast_prefix([0, None], [np.ones(2), np.ones(2)]) == [0, None]


@pytest.mark.parametrize("prefix, tree, message", [
    ((0, 1), (np.ones(2),), "length 2 does not match 1"),
    ((0,), np.ones(2), "does not match a non-sequence"),
    ({"a": 0}, {"b": np.ones(2)}, "dict keys"),
    ({"a": 0}, (np.ones(2),), "dict keys"),
    (((0, 0),), (np.ones(2),), "does not match a non-sequence"),
])
def test_broadcast_prefix_errors(prefix, tree, message):
    with pytest.raises(ValueError, match=message):
        broadcast_prefix(prefix, tree)


def test_dict_subclasses_round_trip_with_their_types():
    x = np.arange(2.0)
    ordered = OrderedDict([("b", x), ("a", [x])])
    counts = defaultdict(int, {"z": x})
    for tree in (ordered, counts, {"outer": ordered}):
        leaves, treedef = flatten(tree)
        rebuilt = unflatten(treedef, leaves)
        assert type(rebuilt) is type(tree) and list(rebuilt) == list(tree)
        assert flatten(rebuilt)[1] == treedef      # nested types too
        assert all(a is b for a, b in zip(flatten(rebuilt)[0], leaves))
    assert unflatten(*flatten(counts)[::-1]).default_factory is int
    assert flatten(ordered)[1] != flatten(dict(ordered))[1]
    assert flatten(defaultdict(int, counts))[1] != flatten(defaultdict(list, counts))[1]

