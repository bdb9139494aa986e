"""numjac.compiler: the IR, its printer and checker, primitives with their
rules, and the IR-to-IR passes.  Never imports numba."""
from .ir import IR, AType, Eqn, Lit, Var  # noqa: F401
from . import primitives  # noqa: F401  (fills the rule registries)
