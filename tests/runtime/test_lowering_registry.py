"""The Numba lowering table: one lowering per primitive, keyed by the
primitive object (a misspelt or missing primitive fails here or at import)."""
import pytest

from numjac.compiler.primitives.elementwise import add_p
from numjac.compiler.rules import Primitive, shape_rules
from numjac.runtime.lowering import LOWERINGS, Custom, Elementwise, Folded, Reduction, lowers


def test_every_primitive_has_a_lowering():
    missing = sorted(p.name for p in shape_rules if p not in LOWERINGS)
    assert not missing, f"primitives without a Numba lowering: {missing}"


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
