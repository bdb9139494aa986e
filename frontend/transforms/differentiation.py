"""What every differentiating transform shares: tracing the function and
finding the differentiated IR inputs (``DiffSetup``), the base class of
the argnums-taking transforms, and packaging a transformed IR as a Staged
with its stages."""
from __future__ import annotations

import numpy as np

from ..compiler.ir import is_float
from ..compiler.passes.simplify import simplify
from ..compiler.rules import Zero
from ..pytree import TreeDef, flatten, unflatten
from ..staging import Staged, StagedFunction, trace
from .arguments import (OutputChecks, check_argnums_type, check_not_python_int,
                        normalize_argnums)


class DiffSetup:
    """The traced function and which IR inputs are differentiated."""

    def __init__(self, base: Staged, groups, arg_defs, has_aux, int_argnums):
        self.base = base
        self.ir = base.ir
        self.groups = groups          # per argnum: IR input positions of its leaves
        self.arg_defs = arg_defs      # per argnum: the argument's TreeDef
        self.int_argnums = int_argnums
        if has_aux:
            main_def, aux_def = base.out_tree.children
        else:
            main_def, aux_def = base.out_tree, None
        self.main_def, self.aux_def = main_def, aux_def
        self.n_main = main_def.num_leaves
        self.wrt = [False] * len(base.ir.inputs)
        for group in groups:
            for p in group:
                self.wrt[p] = True
        # The differentiated IR inputs in IR order, the order in which the
        # passes take and return their tangents and cotangents.
        self.positions = [p for p, w in enumerate(self.wrt) if w]

    def aux_outputs(self, outputs):
        return outputs[self.n_main:]

    def aux_zero_cotangents(self) -> list:
        return [Zero(a.type) for a in self.aux_outputs(self.ir.outputs)]

    def per_argnum(self, blocks_for_positions):
        """The argnums structure with each leaf block from a position."""
        trees = [unflatten(d, [blocks_for_positions(p) for p in g])
                 for d, g in zip(self.arg_defs, self.groups)]
        return trees[0] if self.int_argnums else tuple(trees)


def diff_setup(fn, argnums, has_aux, name, treedef, leaves, specs) -> DiffSetup:
    """Trace ``fn`` for a staged call and check its differentiated arguments."""
    base = trace(OutputChecks(fn, has_aux, name), treedef, leaves, specs)
    args_def = treedef.children[0]
    positions = normalize_argnums(argnums, len(args_def.children))
    starts = np.cumsum([0] + [c.num_leaves for c in args_def.children])
    ir_position = {leaf: i for i, leaf in enumerate(base.dynamic)}
    groups, arg_defs = [], []
    for n in positions:
        group = []
        for leaf in range(starts[n], starts[n + 1]):
            if leaf not in ir_position:
                raise TypeError(f"{name}: argument {n} holds a non-array leaf "
                                f"{leaves[leaf]!r}; differentiated arguments must be arrays")
            atype = base.ir.inputs[ir_position[leaf]].type
            if not is_float(atype.dtype):
                raise TypeError(f"{name}: argument {n} has dtype {atype.dtype}; only "
                                "float32 and float64 inputs can be differentiated")
            group.append(ir_position[leaf])
        groups.append(group)
        arg_defs.append(args_def.children[n])
    return DiffSetup(base, groups, arg_defs, has_aux, isinstance(argnums, int))


def setup_on_primals(fn, has_aux, name, treedef, leaves, specs):
    """``(setup, n)``: trace ``fn(*primals)`` for a staged call ``(primals,
    other)``, whose first ``n`` leaves are the primals; every primal is
    differentiated."""
    primals_def = treedef.children[0].children[0]
    n = primals_def.num_leaves
    sub_def = TreeDef("tuple", None, [primals_def, TreeDef("dict", (), [])])
    argnums = tuple(range(len(primals_def.children)))
    setup = diff_setup(fn, argnums, has_aux, name, sub_def, leaves[:n], specs[:n])
    return setup, n


class DiffTransform(StagedFunction):
    """A transform differentiating ``func`` with respect to ``argnums``;
    ``options`` are the subclass's own, part of the cache key."""

    name = "transform"

    def __init__(self, func, argnums=0, has_aux=False, options=()):
        check_argnums_type(argnums)
        if not isinstance(has_aux, bool):
            raise TypeError(f"has_aux must be a bool, got {has_aux!r}")
        super().__init__(func, options=(argnums, has_aux) + tuple(options))
        self.argnums, self.has_aux = argnums, has_aux

    def check_args(self, args, kwargs):
        for n in normalize_argnums(self.argnums, len(args)):
            check_not_python_int(args[n], n, self.name)

    def setup(self, treedef, leaves, specs) -> DiffSetup:
        return diff_setup(self.fn, self.argnums, self.has_aux, self.name,
                          treedef, leaves, specs)


class Collector:
    """Collects output atoms and hands out their positions for a pytree."""

    def __init__(self):
        self.atoms = []

    def __call__(self, atom) -> int:
        self.atoms.append(atom)
        return len(self.atoms) - 1


def finish(setup: DiffSetup, builder, out_tree_with_positions, flat_outputs) -> Staged:
    """Package a new IR whose outputs are ``flat_outputs`` arranged as the
    pytree ``out_tree_with_positions`` (leaves are indices into them)."""
    indices, out_tree = flatten(out_tree_with_positions)
    transformed = builder.build([flat_outputs[i] for i in indices])
    return transformed_staged(setup, transformed, out_tree)


def transformed_staged(setup: DiffSetup, transformed, out_tree, extra_leaves=()) -> Staged:
    """The Staged running ``transformed`` (cleaned up), whose inputs are the
    traced function's dynamic leaves, then the flat leaves ``extra_leaves``
    of the call, then the captures."""
    ir = simplify(transformed)
    stages = {"traced": setup.base.stages["traced"], "transformed": transformed,
              "optimized": ir}
    return Staged(ir, out_tree, setup.base.captures, setup.base.dynamic + tuple(extra_leaves),
                  stages=stages, guards=setup.base.guards)
