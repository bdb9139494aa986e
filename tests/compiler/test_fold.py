"""Before/after tests for each rewrite of the fold pass (compiler/passes/fold.py)
and for the commutative matching of common-subexpression elimination.

Each row builds a small IR with the builder, checks its dump (so the pattern
is really there), runs the pass, checks the dump after the rewrite, and
checks that the reference interpreter gives the same values before and after
on inputs that include signed zeros, infinities and NaN.  Fold leaves the
equations it no longer reads in place; dead-code elimination removes them.
"""
import textwrap
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from numjac.compiler.builder import Builder
from numjac.compiler.ir import AType, Lit
from numjac.compiler.passes.fold import fold
from numjac.compiler.passes.simplify import cse
from numjac.compiler.primitives import elementwise as E
from numjac.compiler.primitives import structural as S
from numjac.compiler.primitives.indexing import scatter, scatter_add
from numjac.compiler.typecheck import typecheck
from numjac.runtime.interpreter import evaluate

F64 = np.float64
VEC = AType(F64, (4,))
SCALAR = AType(F64, ())
VALUES = {   # example inputs by type
    VEC: [np.array([1.5, -0.0, -np.inf, np.nan]), np.array([-2.0, 0.5, np.inf, 3.0])],
    SCALAR: [np.array(-0.75)],
}


@dataclass(frozen=True)
class Rewrite:
    name: str
    in_types: tuple
    emit: Callable   # the inputs' atoms -> the output atom
    before: str
    after: str


def build(in_types, emit):
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in in_types]
        return builder.build([emit(*ins)])


def example_inputs(in_types):
    used: dict = {}
    inputs = []
    for t in in_types:
        inputs.append(VALUES[t][used.get(t, 0)])
        used[t] = used.get(t, 0) + 1
    return inputs


def check_rewrite(row: Rewrite, rewrite):
    ir = build(row.in_types, row.emit)
    assert str(ir) == textwrap.dedent(row.before).strip()
    rewritten = rewrite(ir)
    typecheck(rewritten)
    assert str(rewritten) == textwrap.dedent(row.after).strip()
    args = example_inputs(row.in_types)
    with np.errstate(all="ignore"):
        expected, got = evaluate(ir, *args), evaluate(rewritten, *args)
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


def lit(value, dtype=F64):
    return Lit(value, dtype)


def known(value, shape=(4,), dtype=F64):
    """A value known to repeat one scalar: a broadcast literal."""
    return S.broadcast_to(Lit(value, dtype), shape)


# -- values known to repeat one scalar ---------------------------------------------

CONSTANTS = [
    Rewrite("iota along an axis of length 1 is zeros", (),
            lambda: S.iota(np.int64, (1, 3), 0),
            """
            ir():
              a:i64[1,3] = iota[dimension=0, dtype=i64, shape=(1, 3)]
              return a
            """, """
            ir():
              a:i64[1,3] = broadcast_in_dim[dims=(), shape=(1, 3)] 0
              return a
            """),
    Rewrite("an elementwise op of literals is a literal", (VEC,),
            lambda x: E.mul(x, E.sub(2.0, 0.5)),
            """
            ir(a:f64[4]):
              b:f64[] = sub 2.0 0.5
              c:f64[4] = mul a b
              return c
            """, """
            ir(a:f64[4]):
              b:f64[4] = mul a 1.5
              return b
            """),
    Rewrite("an elementwise op of known values is known", (),
            lambda: E.exp(known(0.0)),
            """
            ir():
              a:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 0.0
              b:f64[4] = exp a
              return b
            """, """
            ir():
              a:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 0.0
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 1.0
              return b
            """),
    Rewrite("a conversion of a known value is known", (),
            lambda: S.convert(known(3, dtype=np.int64), F64),
            """
            ir():
              a:i64[4] = broadcast_in_dim[dims=(), shape=(4,)] 3
              b:f64[4] = convert[dtype=f64] a
              return b
            """, """
            ir():
              a:i64[4] = broadcast_in_dim[dims=(), shape=(4,)] 3
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 3.0
              return b
            """),
]

SHAPE_ONLY = [
    Rewrite("a reshape of a known value is known", (),
            lambda: S.reshape(known(2.0, (6,)), (2, 3)),
            """
            ir():
              a:f64[6] = broadcast_in_dim[dims=(), shape=(6,)] 2.0
              b:f64[2,3] = reshape[shape=(2, 3)] a
              return b
            """, """
            ir():
              a:f64[6] = broadcast_in_dim[dims=(), shape=(6,)] 2.0
              b:f64[2,3] = broadcast_in_dim[dims=(), shape=(2, 3)] 2.0
              return b
            """),
    Rewrite("a transpose of a known value is known", (),
            lambda: S.transpose(known(2.0, (2, 3)), (1, 0)),
            """
            ir():
              a:f64[2,3] = broadcast_in_dim[dims=(), shape=(2, 3)] 2.0
              b:f64[3,2] = transpose[perm=(1, 0)] a
              return b
            """, """
            ir():
              a:f64[2,3] = broadcast_in_dim[dims=(), shape=(2, 3)] 2.0
              b:f64[3,2] = broadcast_in_dim[dims=(), shape=(3, 2)] 2.0
              return b
            """),
    Rewrite("a broadcast of a known value is known", (),
            lambda: S.broadcast_in_dim(known(2.0, (3,)), (2, 3), (1,)),
            """
            ir():
              a:f64[3] = broadcast_in_dim[dims=(), shape=(3,)] 2.0
              b:f64[2,3] = broadcast_in_dim[dims=(1,), shape=(2, 3)] a
              return b
            """, """
            ir():
              a:f64[3] = broadcast_in_dim[dims=(), shape=(3,)] 2.0
              b:f64[2,3] = broadcast_in_dim[dims=(), shape=(2, 3)] 2.0
              return b
            """),
]

LITERAL_OPERANDS = [
    Rewrite("a known operand that does not set the shape becomes a literal", (VEC,),
            lambda x: E.mul(x, known(2.0)),
            """
            ir(a:f64[4]):
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 2.0
              c:f64[4] = mul a b
              return c
            """, """
            ir(a:f64[4]):
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 2.0
              c:f64[4] = mul a 2.0
              return c
            """),
    Rewrite("a known operand that sets the shape stays", (SCALAR,),
            lambda x: E.add(x, known(0.0)),
            """
            ir(a:f64[]):
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 0.0
              c:f64[4] = add a b
              return c
            """, """
            ir(a:f64[]):
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 0.0
              c:f64[4] = add a b
              return c
            """),
]

# -- identities: the operand passes through ----------------------------------------

IDENTITY_AFTER = """
ir(a:f64[4]):
  return a
"""


def identity(name, op_text, emit):
    return Rewrite(name, (VEC,), emit, f"""
        ir(a:f64[4]):
          b:f64[4] = {op_text}
          return b
        """, IDENTITY_AFTER)


IDENTITIES = [
    identity("x * 1 is x", "mul a 1.0", lambda x: E.mul(x, 1.0)),
    identity("1 * x is x", "mul 1.0 a", lambda x: E.mul(lit(1.0), x)),
    identity("x + 0 is x", "add a 0.0", lambda x: E.add(x, 0.0)),
    identity("0 + x is x", "add 0.0 a", lambda x: E.add(lit(0.0), x)),
    identity("x - 0 is x", "sub a 0.0", lambda x: E.sub(x, 0.0)),
    identity("x / 1 is x", "div a 1.0", lambda x: E.div(x, 1.0)),
    identity("x ** 1 is x", "pow a 1.0", lambda x: E.pow(x, 1.0)),
]

# -- other elementwise rewrites ----------------------------------------------------------

POWERS_AND_SELECT = [
    Rewrite("x ** 2 is x * x", (VEC,), lambda x: E.pow(x, 2.0),
            """
            ir(a:f64[4]):
              b:f64[4] = pow a 2.0
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = mul a a
              return b
            """),
    Rewrite("x ** 0 is ones", (VEC,), lambda x: E.pow(x, 0.0),
            """
            ir(a:f64[4]):
              b:f64[4] = pow a 0.0
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 1.0
              return b
            """),
    Rewrite("x ** 0.5 is sqrt x", (VEC,), lambda x: E.pow(x, 0.5),
            """
            ir(a:f64[4]):
              b:f64[4] = pow a 0.5
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = sqrt a
              return b
            """),
    Rewrite("select on a known true predicate is its first branch", (VEC, VEC),
            lambda x, y: E.select(known(True, dtype=np.bool_), x, y),
            """
            ir(a:f64[4], b:f64[4]):
              c:bool[4] = broadcast_in_dim[dims=(), shape=(4,)] True
              d:f64[4] = select c a b
              return d
            """, """
            ir(a:f64[4], b:f64[4]):
              c:bool[4] = broadcast_in_dim[dims=(), shape=(4,)] True
              return a
            """),
    Rewrite("select on a known false predicate is its second branch", (VEC, VEC),
            lambda x, y: E.select(lit(False, np.bool_), x, y),
            """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = select False a b
              return c
            """, """
            ir(a:f64[4], b:f64[4]):
              return b
            """),
    Rewrite("x * 0 stays (inf * 0 and nan * 0 are nan)", (VEC,), lambda x: E.mul(x, 0.0),
            """
            ir(a:f64[4]):
              b:f64[4] = mul a 0.0
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = mul a 0.0
              return b
            """),
]

# -- signs and doubling --------------------------------------------------------------------

SIGNS = [
    Rewrite("--x is x", (VEC,), lambda x: E.neg(E.neg(x)),
            """
            ir(a:f64[4]):
              b:f64[4] = neg a
              c:f64[4] = neg b
              return c
            """, """
            ir(a:f64[4]):
              b:f64[4] = neg a
              return a
            """),
    Rewrite("-(c * x) is (-c) * x", (VEC,), lambda x: E.neg(E.mul(lit(2.0), x)),
            """
            ir(a:f64[4]):
              b:f64[4] = mul 2.0 a
              c:f64[4] = neg b
              return c
            """, """
            ir(a:f64[4]):
              b:f64[4] = mul 2.0 a
              c:f64[4] = mul -2.0 a
              return c
            """),
    Rewrite("-(x * c) is (-c) * x", (VEC,), lambda x: E.neg(E.mul(x, 2.0)),
            """
            ir(a:f64[4]):
              b:f64[4] = mul a 2.0
              c:f64[4] = neg b
              return c
            """, """
            ir(a:f64[4]):
              b:f64[4] = mul a 2.0
              c:f64[4] = mul -2.0 a
              return c
            """),
    Rewrite("x + x is 2 * x", (VEC,), lambda x: E.add(x, x),
            """
            ir(a:f64[4]):
              b:f64[4] = add a a
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = mul 2.0 a
              return b
            """),
    Rewrite("x + -y is x - y", (VEC, VEC), lambda x, y: E.add(x, E.neg(y)),
            """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = neg b
              d:f64[4] = add a c
              return d
            """, """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = neg b
              d:f64[4] = sub a b
              return d
            """),
    Rewrite("-x + y is y - x", (VEC, VEC), lambda x, y: E.add(E.neg(x), y),
            """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = neg a
              d:f64[4] = add c b
              return d
            """, """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = neg a
              d:f64[4] = sub b a
              return d
            """),
    Rewrite("x - -y is x + y", (VEC, VEC), lambda x, y: E.sub(x, E.neg(y)),
            """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = neg b
              d:f64[4] = sub a c
              return d
            """, """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = neg b
              d:f64[4] = add a b
              return d
            """),
    Rewrite("(-1) * x is -x", (VEC,), lambda x: E.mul(lit(-1.0), x),
            """
            ir(a:f64[4]):
              b:f64[4] = mul -1.0 a
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = neg a
              return b
            """),
    Rewrite("x * (-1) is -x", (VEC,), lambda x: E.mul(x, -1.0),
            """
            ir(a:f64[4]):
              b:f64[4] = mul a -1.0
              return b
            """, """
            ir(a:f64[4]):
              b:f64[4] = neg a
              return b
            """),
]

# -- element assignments in re-rolled loops -------------------------------------------------

def one_index():
    return S.reshape(lit(2, np.int64), (1,))


def second(y):
    return S.slice(y, (1,), (2,), (1,))


def masked_scatter(x, y):
    """select(mask true at i, u written at i, x): what ``x[i] = u`` rerolls to."""
    i = one_index()
    mask = scatter(known(False, dtype=np.bool_), i, known(True, (1,), np.bool_), 0)
    return E.select(mask, scatter(known(0.0), i, second(y), 0), x)


SCATTERS = [
    Rewrite("a select of a scatter by its own mask is one scatter", (VEC, VEC), masked_scatter,
            """
            ir(a:f64[4], b:f64[4]):
              c:i64[1] = reshape[shape=(1,)] 2
              d:bool[4] = broadcast_in_dim[dims=(), shape=(4,)] False
              e:bool[1] = broadcast_in_dim[dims=(), shape=(1,)] True
              f:bool[4] = scatter[axis=0] d c e
              g:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 0.0
              h:f64[1] = slice[limit=(2,), start=(1,), step=(1,)] b
              i:f64[4] = scatter[axis=0] g c h
              j:f64[4] = select f i a
              return j
            """, """
            ir(a:f64[4], b:f64[4]):
              c:i64[1] = broadcast_in_dim[dims=(), shape=(1,)] 2
              d:bool[4] = broadcast_in_dim[dims=(), shape=(4,)] False
              e:bool[1] = broadcast_in_dim[dims=(), shape=(1,)] True
              f:bool[4] = scatter[axis=0] d c e
              g:f64[4] = broadcast_in_dim[dims=(), shape=(4,)] 0.0
              h:f64[1] = slice[limit=(2,), start=(1,), step=(1,)] b
              i:f64[4] = scatter[axis=0] g c h
              j:f64[4] = scatter[axis=0] a c h
              return j
            """),
    Rewrite("x plus a scatter_add at one index is a scatter", (VEC, VEC),
            lambda x, y: E.add(x, scatter_add(one_index(), second(y), 0, 4)),
            """
            ir(a:f64[4], b:f64[4]):
              c:i64[1] = reshape[shape=(1,)] 2
              d:f64[1] = slice[limit=(2,), start=(1,), step=(1,)] b
              e:f64[4] = scatter_add[axis=0, size=4] c d
              f:f64[4] = add a e
              return f
            """, """
            ir(a:f64[4], b:f64[4]):
              c:i64[1] = broadcast_in_dim[dims=(), shape=(1,)] 2
              d:f64[1] = slice[limit=(2,), start=(1,), step=(1,)] b
              e:f64[4] = scatter_add[axis=0, size=4] c d
              f:f64[1] = take[axis=0] a c
              g:f64[1] = add f d
              h:f64[4] = scatter[axis=0] a c g
              return h
            """),
]

FOLD_ROWS = (CONSTANTS + SHAPE_ONLY + LITERAL_OPERANDS + IDENTITIES + POWERS_AND_SELECT + SIGNS
             + SCATTERS)


@pytest.mark.parametrize("row", FOLD_ROWS, ids=[r.name for r in FOLD_ROWS])
def test_fold_rewrite(row):
    check_rewrite(row, fold)


def test_every_row_has_its_own_name():
    names = [r.name for r in FOLD_ROWS]
    assert len(names) == len(set(names))


# -- common subexpressions: commutative operands match in either order ---------------------

CSE_ROWS = [
    Rewrite("x * y and y * x are one product", (VEC, VEC),
            lambda x, y: E.sub(E.mul(x, y), E.mul(y, x)),
            """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = mul a b
              d:f64[4] = mul b a
              e:f64[4] = sub c d
              return e
            """, """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = mul a b
              d:f64[4] = sub c c
              return d
            """),
    Rewrite("x - y and y - x stay two differences", (VEC, VEC),
            lambda x, y: E.add(E.sub(x, y), E.sub(y, x)),
            """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = sub a b
              d:f64[4] = sub b a
              e:f64[4] = add c d
              return e
            """, """
            ir(a:f64[4], b:f64[4]):
              c:f64[4] = sub a b
              d:f64[4] = sub b a
              e:f64[4] = add c d
              return e
            """),
]


@pytest.mark.parametrize("row", CSE_ROWS, ids=[r.name for r in CSE_ROWS])
def test_cse_rewrite(row):
    check_rewrite(row, cse)
