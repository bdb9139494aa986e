"""The autodiff transforms, one module per family:

- gradients: grad, value_and_grad;
- products: vjp, jvp, linearize;
- jacobians: jacrev, jacfwd (one staging, two modes), hessian, jacobian;
- gradient_control: stop_gradient, no_grad.

Each differentiating transform is a ``StagedFunction``
(differentiation.py): per call signature it traces ``func``, rewrites the
IR with the passes in compiler/passes/autodiff.py (and the batching pass
for Jacobians), and caches the result.  Inside another trace it inlines, so
transforms compose.  arguments.py checks their arguments.
"""
from .gradient_control import no_grad, stop_gradient
from .gradients import grad, value_and_grad
from .jacobians import hessian, jacfwd, jacobian, jacrev
from .products import jvp, linearize, vjp

__all__ = ["grad", "hessian", "jacfwd", "jacobian", "jacrev", "jvp", "linearize", "no_grad",
           "stop_gradient", "value_and_grad", "vjp"]
