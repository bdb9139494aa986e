"""Registration in one call: ``register`` files every rule it is given and
the flags that follow from them; ``deflinear`` and ``defbilinear`` derive the
jvp from the algebra.  The registries are restored after each test."""
import copy
import textwrap

import numpy as np
import pytest

from numjac.compiler import rules
from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType
from numjac.compiler.primitives.base import broadcast_type, defbilinear, deflinear
from numjac.compiler.rules import Primitive, Zero, register

REGISTRIES = ("shape_rules", "impls", "jvp_rules", "transpose_rules", "batch_rules",
              "non_differentiable", "elementwise_primitives", "linear_primitives")
VEC = AType(np.float64, (3,))


@pytest.fixture(autouse=True)
def restored_registries():
    saved = {name: copy.copy(getattr(rules, name)) for name in REGISTRIES}
    yield
    for name, contents in saved.items():
        registry = getattr(rules, name)
        registry.clear()
        registry.update(contents)


def _same_type(x, **params):
    return x


def _transpose(ct, x):
    return [ct]


def holders(prim) -> list:
    return [name for name in REGISTRIES if prim in getattr(rules, name)]


def test_register_files_each_rule_given_and_the_flags():
    prim = Primitive("toy")
    register(prim, shape=_same_type, impl=np.negative, transpose=_transpose)
    assert holders(prim) == ["shape_rules", "impls", "transpose_rules", "linear_primitives"]
    other = Primitive("toy_int")
    register(other, shape=_same_type, differentiable=False)
    assert holders(other) == ["shape_rules", "non_differentiable"]


def test_a_second_rule_of_one_kind_is_an_error():
    prim = Primitive("toy")
    register(prim, shape=_same_type)
    register(prim, impl=np.negative)
    with pytest.raises(ValueError, match="toy already has a shape rule"):
        register(prim, shape=_same_type)


def jvp_dump(prim, n_operands):
    builder = Builder()
    with builder:
        primals = [builder.new_input(VEC) for _ in range(n_operands)]
        tangents = [builder.new_input(VEC) for _ in range(n_operands)]
        ans, tangent = rules.jvp_rules[prim](primals, tangents)
        return str(builder.build([ans, tangent]))


def test_deflinear_applies_the_primitive_to_the_tangent():
    prim = Primitive("scale")
    deflinear(prim, _transpose, shape=_same_type)
    assert holders(prim) == ["shape_rules", "jvp_rules", "transpose_rules",
                             "linear_primitives"]
    assert jvp_dump(prim, 1) == textwrap.dedent("""
        ir(a:f64[3], b:f64[3]):
          c:f64[3] = scale a
          d:f64[3] = scale b
          return c, d""").strip()
    with Builder() as builder:
        x = builder.new_input(VEC)
        _, tangent = rules.jvp_rules[prim]([x], [Zero(VEC)])
    assert isinstance(tangent, Zero) and len(builder.eqns) == 1


def test_defbilinear_sums_one_product_per_tangent():
    prim = Primitive("product")
    defbilinear(prim, _transpose, shape=lambda x, y: broadcast_type(x, y))
    assert holders(prim) == ["shape_rules", "jvp_rules", "transpose_rules",
                             "linear_primitives"]
    assert jvp_dump(prim, 2) == textwrap.dedent("""
        ir(a:f64[3], b:f64[3], c:f64[3], d:f64[3]):
          e:f64[3] = product a b
          f:f64[3] = product c b
          g:f64[3] = product a d
          h:f64[3] = add f g
          return e, h""").strip()
