"""The staged functions behind ``nj.jacobian_sparsity``,
``nj.hessian_sparsity``, ``nj.sparse_jacobian`` and ``nj.sparse_hessian``
(frontend/sparse.py documents them).

Each is a ``DiffTransform``: per call signature it traces the function,
analyzes its IR (compiler/passes/sparsity.py) and stages a kernel whose
outputs are the pattern's index arrays (constants of the entry) and, for
the compressed Jacobians, the entries computed as compressed.py says.  So
pattern, coloring and kernel are made once per signature, kept with the
entry, and made again when its guards find the function's state changed.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..compiler.builder import Builder
from ..compiler.ir import is_float
from ..compiler.passes.sparsity import MissingSparsityRule
from ..compiler.passes.sparsity_rules import PatternTooLarge
from ..pytree import LEAF, flatten
from .compressed import (MODES, Constants, analysis_of, emit_entries, plan_hessian,
                         plan_jacobian, staged_with_constants)
from .differentiation import DiffTransform, diff_setup
from .gradients import grad

FORMATS = ("csr", "csc", "coo")


def _one_array_to_one_array(setup, name, scalar=False):
    """The function must map one array argument to one float array output
    (a 0-d one for a Hessian)."""
    if len(setup.positions) != 1:
        raise TypeError(f"{name}: argnums must name one array argument, got "
                        f"{len(setup.positions)} array leaves")
    out = setup.ir.outputs[0]
    if setup.main_def != LEAF:
        raise TypeError(f"{name}: the function must return one array, got {setup.main_def}")
    if not is_float(out.type.dtype):
        raise TypeError(f"{name}: the output must be a float array, got {out.type}")
    if scalar and out.type.shape != ():
        raise ValueError(f"{name}: the function must return a scalar (0-d) output, "
                         f"got shape {out.type.shape}")


def _pattern(transform, setup, hessian: bool):
    """The pattern, with the primitive named when a rule is missing."""
    try:
        analysis = analysis_of(setup, transform.fn)
        output = setup.ir.outputs[0]
        return analysis.hessian_pattern(output) if hessian else analysis.pattern_of(output)
    except MissingSparsityRule as error:
        raise NotImplementedError(f"{transform.name}: {error}") from None
    except PatternTooLarge as error:
        raise ValueError(f"{transform.name}: the pattern is too large to find ({error}); "
                         "use the dense jacfwd or jacrev") from None


def _structure(pattern, layout: str):
    """The index arrays of ``pattern`` in ``layout``, and its shape."""
    if layout == "coo":
        coo = sp.coo_array(sp.csr_array(pattern))
        return [coo.row.astype(np.int64), coo.col.astype(np.int64)]
    matrix = sp.csc_array(pattern) if layout == "csc" else sp.csr_array(pattern)
    matrix.sort_indices()
    return [matrix.indices.astype(np.int64), matrix.indptr.astype(np.int64)]


def _stage_constant_outputs(setup, arrays, values=None):
    """A Staged returning ``values`` (an emitter, or nothing) then the
    constant ``arrays``."""
    builder = Builder()
    constants = Constants(builder)
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        outs = ([] if values is None else [values(inputs, constants)])
        outs += [constants(a) for a in arrays]
        transformed = builder.build(outs)
    out_tree = flatten(0 if len(outs) == 1 else tuple(range(len(outs))))[1]
    return staged_with_constants(setup, transformed, out_tree, constants)


class SparsityPattern(DiffTransform):
    """Stages the pattern's CSR index arrays and shape as a kernel's outputs."""

    # Nothing is computed: the reference interpreter returns the constants.
    backend = "interpret"

    def __init__(self, func, argnums=0, *, hessian=False):
        super().__init__(func, argnums, False, options=(hessian,))
        self.hessian = hessian
        self.name = "hessian_sparsity" if hessian else "jacobian_sparsity"

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        _one_array_to_one_array(setup, self.name, scalar=self.hessian)
        pattern = _pattern(self, setup, self.hessian)
        return _stage_constant_outputs(
            setup, _structure(pattern, "csr") + [np.array(pattern.shape, dtype=np.int64)])


class SparseJacobianKernel(DiffTransform):
    """Stages the compressed Jacobian (or Hessian) entries, then (unless
    ``data_only``) the index arrays and shape of the fixed structure."""

    def __init__(self, func, argnums=0, *, mode="auto", layout="csr", data_only=False,
                 hessian=False):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if layout not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {layout!r}")
        if not isinstance(data_only, bool):
            raise TypeError(f"data_only must be a bool, got {data_only!r}")
        super().__init__(func, argnums, False, options=(mode, layout, data_only, hessian))
        self.mode, self.layout, self.data_only, self.hessian = mode, layout, data_only, hessian
        self.name = "sparse_hessian" if hessian else "sparse_jacobian"

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        _one_array_to_one_array(setup, self.name, scalar=self.hessian)
        pattern = _pattern(self, setup, self.hessian)
        if self.hessian:
            plan = plan_hessian(pattern, self.layout)
            setup = diff_setup(grad(self.fn, self.argnums), self.argnums, False, self.name,
                               treedef, leaves, specs)
        else:
            plan = plan_jacobian(pattern, self.mode, self.layout)
        structure = [] if self.data_only else _structure(pattern, self.layout) + [
            np.array(pattern.shape, dtype=np.int64)]

        def entries(inputs, constants):
            colors, gather = constants.packed([plan.colors, plan.gather])
            return emit_entries(setup, plan, inputs, colors, gather)
        staged = _stage_constant_outputs(setup, structure, entries)
        staged.compression = plan       # for reading: colors, mode
        return staged
