"""The staged functions behind ``nj.jacobian_sparsity``,
``nj.hessian_sparsity``, ``nj.sparse_jacobian`` and ``nj.sparse_hessian``
(frontend/sparse.py documents them).

Each is a ``DiffTransform``: per call signature it traces the function,
analyzes its IR (compiler/passes/sparsity.py) and stages a kernel whose
outputs are the pattern's structure (a constant of the entry) and, for
the compressed Jacobians, the entries computed as compressed.py says.  So
pattern, coloring and kernel are made once per signature, kept with the
entry, and made again when its guards find the function's state changed.
"""
from __future__ import annotations

import numpy as np

from ..compiler.builder import Builder
from ..compiler.ir import is_float
from ..compiler.passes.sparsity import MissingSparsityRule
from ..compiler.passes.sparsity_rules import PatternTooLarge
from ..pytree import LEAF, flatten
from .compressed import (COLORINGS, MODES, Constants, analysis_of, emit_entries, plan_hessian,
                         plan_jacobian, staged_with_constants)
from .differentiation import DiffTransform, diff_setup
from .gradients import grad

FORMATS = ("csr", "csc", "coo")


def _check_function(setup, name, scalar=False):
    """Each argnum must name one array argument, and the function return
    one float array (0-d for a Hessian, of one argnum)."""
    leaves = [len(group) for group in setup.groups]
    if any(n != 1 for n in leaves):
        raise TypeError(f"{name}: each argnum must name one array argument, got "
                        f"{leaves} array leaves")
    out = setup.ir.outputs[0]
    if setup.main_def != LEAF:
        raise TypeError(f"{name}: the function must return one array, got {setup.main_def}")
    if not is_float(out.type.dtype):
        raise TypeError(f"{name}: the output must be a float array, got {out.type}")
    if scalar and not setup.int_argnums:
        raise TypeError(f"{name}: argnums must be an int (the Hessian of one array "
                        f"argument), got a tuple of {len(leaves)}")
    if scalar and out.type.shape != ():
        # A vector f has one Hessian per output element, an (m, n, n) array that
        # scipy.sparse cannot hold; the two useful forms have their own call.
        raise ValueError(
            f"{name}: the function must return a scalar (0-d) output, got shape "
            f"{out.type.shape}; for the Hessians of every element use "
            "nj.sparse_jacobian(nj.jacrev(f)) (rows i*n..i*n+n-1 hold element i's "
            "Hessian), for a weighted sum (a Lagrangian) differentiate "
            "lambda x: w @ f(x)")


def _patterns(transform, setup, hessian: bool) -> list:
    """The pattern of each argnum's block (the Hessian's, for a Hessian),
    with the primitive named when a rule is missing."""
    import scipy.sparse as sp
    blocks = [group[0] for group in setup.groups]
    try:
        analysis = analysis_of(setup, transform.fn, wrt=blocks)
        output = setup.ir.outputs[0]
        if hessian:
            return [analysis.hessian_pattern(output)]
        pattern, offsets = analysis.pattern_of(output), analysis.offsets
        return [sp.csr_array(pattern[:, offsets[k]:offsets[k + 1]])
                for k in range(len(blocks))]
    except MissingSparsityRule as error:
        raise NotImplementedError(f"{transform.name}: {error}") from None
    except PatternTooLarge as error:
        raise ValueError(f"{transform.name}: the pattern is too large to find ({error}); "
                         "use the dense jacfwd or jacrev") from None


def _structure(pattern, layout: str):
    """The two index arrays of ``pattern`` in ``layout`` (indices and
    indptr; for COO rows and columns)."""
    import scipy.sparse as sp   # here, not at the top: importing SciPy costs a fifth of a second
    if layout == "coo":
        coo = sp.coo_array(sp.csr_array(pattern))
        return [coo.row.astype(np.int64), coo.col.astype(np.int64)]
    matrix = sp.csc_array(pattern) if layout == "csc" else sp.csr_array(pattern)
    matrix.sort_indices()
    return [matrix.indices.astype(np.int64), matrix.indptr.astype(np.int64)]


def _stage_outputs(setup, pieces, as_tuple: bool):
    """A Staged returning ``pieces`` in order: constant arrays, and values
    emitted by callables ``(inputs, constants) -> atom``; a tuple of them,
    or the one output alone (``as_tuple`` false)."""
    builder = Builder()
    constants = Constants(builder)
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        outs = [piece(inputs, constants) if callable(piece) else constants(piece)
                for piece in pieces]
        transformed = builder.build(outs)
    out_tree = flatten(tuple(range(len(outs))) if as_tuple or len(outs) != 1 else 0)[1]
    return staged_with_constants(setup, transformed, out_tree, constants)


def packed_structure(pattern, layout: str) -> np.ndarray:
    """The shape, the length of the first index array, and the index arrays
    of ``pattern`` in ``layout``, in one int64 array: one kernel argument
    and output instead of three (each costs a call about 0.2 us);
    ``unpacked_structure`` reads it."""
    first, second = _structure(pattern, layout)
    return np.concatenate([np.array([*pattern.shape, len(first)], dtype=np.int64),
                           first, second])


def unpacked_structure(packed: np.ndarray):
    """``(first, second, shape)`` from ``packed_structure``'s array."""
    rows, cols, length = (int(n) for n in packed[:3])
    return packed[3:3 + length], packed[3 + length:], (rows, cols)


class SparsityPattern(DiffTransform):
    """Stages the pattern's CSR structure (``packed_structure``) as a
    kernel's outputs, one per argnum."""

    # Nothing is computed: the reference interpreter returns the constants.
    backend = "interpret"

    def __init__(self, func, argnums=0, *, hessian=False):
        super().__init__(func, argnums, False, options=(hessian,))
        self.hessian = hessian
        self.name = "hessian_sparsity" if hessian else "jacobian_sparsity"

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        _check_function(setup, self.name, scalar=self.hessian)
        pieces = [packed_structure(pattern, "csr")
                  for pattern in _patterns(self, setup, self.hessian)]
        return _stage_outputs(setup, pieces, as_tuple=True)


class SparseJacobianKernel(DiffTransform):
    """Stages the compressed Jacobian (or Hessian) entries, then (unless
    ``data_only``) the fixed structure (``packed_structure``), per argnum."""

    def __init__(self, func, argnums=0, *, mode="auto", layout="csr", data_only=False,
                 hessian=False, coloring="auto"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if coloring not in COLORINGS:
            raise ValueError(f"coloring must be one of {COLORINGS}, got {coloring!r}")
        if layout not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {layout!r}")
        if not isinstance(data_only, bool):
            raise TypeError(f"data_only must be a bool, got {data_only!r}")
        super().__init__(func, argnums, False,
                         options=(mode, layout, data_only, hessian, coloring))
        self.mode, self.layout, self.data_only, self.hessian = mode, layout, data_only, hessian
        self.coloring = coloring
        self.name = "sparse_hessian" if hessian else "sparse_jacobian"

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        _check_function(setup, self.name, scalar=self.hessian)
        patterns = _patterns(self, setup, self.hessian)
        if self.hessian:
            plans = [plan_hessian(patterns[0], self.layout, self.coloring, self.name)]
            setup = diff_setup(grad(self.fn, self.argnums), self.argnums, False, self.name,
                               treedef, leaves, specs)
        else:
            plans = [plan_jacobian(pattern, self.mode, self.layout) for pattern in patterns]
        pieces = []
        blocks = [group[0] for group in setup.groups]
        for pattern, plan, position in zip(patterns, plans, blocks):
            pieces.append(_entries_emitter(setup, plan, position))
            if not self.data_only:
                pieces.append(packed_structure(pattern, self.layout))
        staged = _stage_outputs(setup, pieces, as_tuple=not setup.int_argnums)
        # For reading: the colors and mode (per argnum for a tuple).
        staged.compression = plans[0] if setup.int_argnums else tuple(plans)
        return staged


def _entries_emitter(setup, plan, position):
    """The callable emitting one block's entries (see _stage_outputs)."""
    def entries(inputs, constants):
        return emit_entries(setup, plan, inputs, constants, position)[0]
    return entries
