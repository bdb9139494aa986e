"""The Numba lowering table: one lowering per primitive, keyed by the
primitive object, so a misspelt primitive fails at import (that every
primitive has one is checked in tests/test_completeness.py)."""
import pytest

from numjac.compiler.primitives.elementwise import add_p
from numjac.compiler.rules import Primitive, shape_rules
from numjac.runtime.lowering import LOWERINGS, Custom, Elementwise, Folded, Reduction, lowers


def test_the_table_holds_primitives_and_lowerings_only():
    assert all(isinstance(p, Primitive) for p in LOWERINGS)
    assert set(LOWERINGS) <= set(shape_rules), "a lowering for an unknown primitive"
    kinds = (Elementwise, Folded, Reduction, Custom)
    assert all(isinstance(lowering, kinds) for lowering in LOWERINGS.values())


def test_lowerings_are_registered_by_object_once():
    before = dict(LOWERINGS)
    with pytest.raises(TypeError, match="Primitive"):
        lowers("add")(LOWERINGS[add_p])
    with pytest.raises(ValueError, match="already"):
        lowers(add_p)(LOWERINGS[add_p])
    assert LOWERINGS == before
