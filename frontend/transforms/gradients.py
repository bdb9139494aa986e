"""``grad`` and ``value_and_grad``: one vjp of a scalar output with the
cotangent 1."""
from __future__ import annotations

from ..compiler.builder import Builder
from ..compiler.ir import Lit, is_float
from ..compiler.passes.autodiff import vjp_eval
from ..compiler.primitives.base import instantiate
from ..pytree import LEAF, unflatten
from .differentiation import Collector, DiffSetup, DiffTransform, finish


def _check_scalar_output(setup: DiffSetup, name):
    outs = setup.ir.outputs[:setup.n_main]
    if setup.main_def != LEAF or outs[0].type.shape != ():
        shape = outs[0].type.shape if setup.main_def == LEAF else setup.main_def
        raise ValueError(f"{name}: the function must return a scalar (0-d) output "
                         f"to differentiate, got {shape}")
    if not is_float(outs[0].type.dtype):
        raise TypeError(f"{name}: the output must be a float, got {outs[0].type.dtype}")


def _stage_value_and_grad(transform, treedef, leaves, specs, with_value):
    setup = transform.setup(treedef, leaves, specs)
    _check_scalar_output(setup, transform.name)
    builder = Builder()
    collect = Collector()
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        value = setup.ir.outputs[0]
        one = Lit(1.0, value.type.dtype)
        outs, cts = vjp_eval(setup.ir, inputs, [one] + setup.aux_zero_cotangents(), setup.wrt)
        ct_at = dict(zip(setup.positions, cts))
        grads = setup.per_argnum(lambda p: collect(instantiate(ct_at[p])))
        aux = unflatten(setup.aux_def, [collect(a) for a in setup.aux_outputs(outs)]) \
            if setup.aux_def is not None else None
        if not with_value:
            tree = (grads, aux) if transform.has_aux else grads
        else:
            value_index = collect(outs[0])
            tree = (((value_index, aux) if transform.has_aux else value_index), grads)
        return finish(setup, builder, tree, collect.atoms)


class grad(DiffTransform):
    """Gradient of a scalar-output ``func`` with respect to ``argnums``."""

    name = "grad"

    def stage(self, treedef, leaves, specs):
        return _stage_value_and_grad(self, treedef, leaves, specs, with_value=False)


class value_and_grad(DiffTransform):
    """``(value, grad)``, or ``((value, aux), grad)`` with has_aux."""

    name = "value_and_grad"

    def stage(self, treedef, leaves, specs):
        return _stage_value_and_grad(self, treedef, leaves, specs, with_value=True)
