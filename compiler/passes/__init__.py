"""The IR-to-IR passes: fold, simplify (cse, dce), autodiff (jvp, linearize,
transpose, vjp), batching (vmap, chunked), and the transform rules of the
loop primitives (control_rules, loop_rules, branch_rules), which run these
passes on the loop bodies (importing this package registers them).  Beside
them, one analysis: sparsity (the patterns of Jacobians and Hessians, with
its rule table sparsity_rules)."""
from . import control_rules  # noqa: F401
from . import branch_rules, loop_rules  # noqa: F401
from . import ode_rules  # noqa: F401
from . import sparsity_rules, sparsity  # noqa: F401  (fill the sparsity rule table)
