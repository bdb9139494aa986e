"""numjac.compiler: the IR, its printer and checker, primitives with their
rules, and the IR-to-IR passes.  Never imports numba.

Modules import one way, each only from those listed before it (function-
level imports included; a test reads them all to check it):

    atoms        AType, Var, Lit, dtype names
    printer      the text form of IRs
    ir           Eqn, IR (re-exports the atoms)
    rules        Primitive, the rule registries, register, the batch context
    typecheck    typecheck(ir) from the shape rules
    builder      the active-builder stack, bind, inline
    primitives   base, elementwise, structural, reductions, indexing,
                 linalg, random, control, loops (see
                 primitives/__init__.py)
    passes       fold, simplify, autodiff, batching, control_rules,
                 loop_rules
"""
from .ir import IR, AType, Eqn, Lit, Var  # noqa: F401
from . import primitives, passes  # noqa: F401  (fill the rule registries)
