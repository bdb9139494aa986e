"""Sparsity rules: for each primitive, which elements of its operands each
element of its result depends on, and where its second derivative is
nonzero.  ``compiler/passes/sparsity.py`` propagates index sets through an
IR with them.

``sparsity_rules[p](eqn, known) -> Local`` (a list of them for a
multiple-result primitive).  ``known`` holds, per input of ``eqn``, its
value when the analysis knows it (literals, constant index arrays and what
is computed from them alone), else None.

A ``Local`` says, per operand, the structural derivative of the result
with respect to it, a 0/1 ``scipy.sparse`` matrix of shape (result size,
operand size), or None where no derivative flows (indices, predicates,
piecewise constants).  For second derivatives it says which operands the
result is nonlinear in (``nonlinear``: every pair of their dependencies may
interact, and with the other operands' too), or, for products
(``bilinear``), the terms ``lhs[i] * rhs[k]`` summed into each result
element: only those pairs interact.  The rest is linear.

Rules are exact (the pattern of the Jacobian for generic values) for
elementwise math, broadcasting, slices, reversal, concatenation, padding,
reshapes, transposes, reductions, scans, dot_general, select, and take and
scatter_add with indices known at analysis time; where the indices are
traced, an element depends on every element along the indexed axis
(conservative).  A product with a known zero factor (a constant mask)
drops the zero terms; a select with a known predicate depends on the
chosen branch only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Eqn
from ..primitives import base, elementwise as E, indexing, linalg, reductions as R
from ..primitives import structural as S
from ..primitives.control import chunk_map_p
from ..primitives.loops import cond_p, while_loop_p
from ..primitives.ode import ode_p
from ..primitives import linalg_expm, linalg_solve, linalg_spectral, linalg_sylvester
from ..primitives.random import random_normal_p, random_uniform_p
from ..primitives import special, special_bessel
from ..rules import impls, non_differentiable

sparsity_rules: dict = {}

# The most product terms a dot_general rule lists (a product of two 160 x
# 160 matrices has 4.1e6, about 100 MB of indices); larger ones raise
# PatternTooLarge.
MAX_TERMS = 1 << 22


class PatternTooLarge(ValueError):
    """The analysis would list more entries than it allows itself."""


@dataclass(frozen=True)
class Local:
    """The structure of one equation's derivatives (see the module docstring)."""

    deps: tuple                        # per operand: sparse (out size, operand size) or None
    nonlinear: frozenset = frozenset()  # operand positions with curvature
    bilinear: tuple = None             # (lhs position, rhs position, (out, lhs, rhs) index arrays)


def register_sparsity(prim, rule):
    if prim in sparsity_rules:
        raise ValueError(f"{prim} already has a sparsity rule")
    sparsity_rules[prim] = rule


# -- building blocks -------------------------------------------------------------------------

def ones(rows, cols, shape):
    """The 0/1 matrix with ones at (rows, cols) (repeats count once)."""
    import scipy.sparse as sp   # here, not at the top: importing SciPy costs a fifth of a second
    matrix = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def positions(atype) -> np.ndarray:
    """Each element's flat index, in the shape of ``atype``."""
    return np.arange(atype.size, dtype=np.int64).reshape(atype.shape)


def gather_deps(index_map, source_size: int):
    """Result element o depends on source element ``index_map[o]`` (-1: none)."""
    index_map = np.asarray(index_map, dtype=np.int64).ravel()
    rows = np.flatnonzero(index_map >= 0)
    return ones(rows, index_map[rows], (index_map.size, source_size))


def broadcast_map(operand_type, out_type) -> np.ndarray:
    """Flat operand index read by each result element under broadcasting."""
    lead = (1,) * (len(out_type.shape) - operand_type.ndim)
    return np.broadcast_to(positions(operand_type).reshape(lead + operand_type.shape),
                           out_type.shape).ravel()


def _out_type(eqn: Eqn):
    return eqn.outs[0].type


def no_derivative(eqn, known):
    return Local((None,) * len(eqn.inputs))


# -- elementwise -----------------------------------------------------------------------------

def elementwise_rule(nonlinear=(), differentiable=None):
    """Each result element reads the broadcast operand elements; curvature
    in the ``nonlinear`` operands; ``differentiable`` (default all) lists
    the operands a derivative flows to."""
    def rule(eqn, known):
        out = _out_type(eqn)
        deps = tuple(gather_deps(broadcast_map(a.type, out), a.type.size)
                     if differentiable is None or i in differentiable else None
                     for i, a in enumerate(eqn.inputs))
        return Local(deps, frozenset(nonlinear))
    return rule


def bilinear_local(n_ops, lhs, rhs, terms, out_size, sizes):
    """A product summing the terms ``lhs[l] * rhs[r]`` into result ``o``."""
    o, l, r = terms
    deps = [None] * n_ops
    deps[lhs] = ones(o, l, (out_size, sizes[0]))
    deps[rhs] = ones(o, r, (out_size, sizes[1]))
    return Local(tuple(deps), bilinear=(lhs, rhs, terms))


def _nonzero_terms(terms, factors, known):
    """Drop the terms with a known zero factor (one index array per factor)."""
    keep = np.ones(len(terms[0]), dtype=bool)
    for index, value in zip(factors, known):
        if value is not None:
            keep &= np.ravel(value)[index] != 0
    return tuple(t[keep] for t in terms)


def _mul_rule(eqn, known):
    a, b = eqn.inputs
    out = _out_type(eqn)
    la, lb = broadcast_map(a.type, out), broadcast_map(b.type, out)
    terms = _nonzero_terms((np.arange(out.size), la, lb), (la, lb), known)
    return bilinear_local(2, 0, 1, terms, out.size, (a.type.size, b.type.size))


def _select_rule(eqn, known):
    pred, a, b = eqn.inputs
    out = _out_type(eqn)
    chosen = None if known[0] is None else np.broadcast_to(known[0], out.shape).ravel()
    deps = [None]
    for branch, picked in ((a, True), (b, False)):
        index_map = broadcast_map(branch.type, out)
        if chosen is not None:
            index_map = np.where(chosen == picked, index_map, -1)
        deps.append(gather_deps(index_map, branch.type.size))
    return Local(tuple(deps))


# -- structural: each result element copies one operand element --------------------------

def _copy_rule(eqn, known):
    """A primitive moving elements: its impl applied to the positions."""
    x = eqn.inputs[0]
    return Local((gather_deps(impls[eqn.prim](positions(x.type), **eqn.params), x.type.size),))


def _pad_rule(eqn, known):
    x = eqn.inputs[0]
    params = dict(eqn.params, value=-1)
    return Local((gather_deps(impls[eqn.prim](positions(x.type), **params), x.type.size),))


def _convert_rule(eqn, known):
    x = eqn.inputs[0]
    if not (np.issubdtype(x.type.dtype, np.floating)
            and np.issubdtype(eqn.params["dtype"], np.floating)):
        return no_derivative(eqn, known)
    return Local((gather_deps(positions(x.type), x.type.size),))


def _concatenate_rule(eqn, known):
    deps = []
    for i, x in enumerate(eqn.inputs):
        pieces = [positions(y.type) if j == i else np.full(y.type.shape, -1)
                  for j, y in enumerate(eqn.inputs)]
        deps.append(gather_deps(np.concatenate(pieces, eqn.params["axis"]), x.type.size))
    return Local(tuple(deps))


# -- reductions and scans ------------------------------------------------------------------

def _distinct_pairs(groups, out):
    """Product terms ``x[a] * x[b]``, a != b, of the members ``groups[r]``
    multiplied into result ``out[r]``: where a product's curvature is (its
    second derivative in one factor alone is 0)."""
    a, b = np.nonzero(~np.eye(groups.shape[1], dtype=bool))
    return (np.repeat(out, len(a)), groups[:, a].ravel(), groups[:, b].ravel())


def _product_local(deps, groups, out):
    """A product over groups (members -1 left out): exact curvature, or
    every pair when listing the terms would pass MAX_TERMS."""
    if groups.shape[0] * groups.shape[1] ** 2 > MAX_TERMS:
        return Local((deps,), frozenset((0,)))
    o, a, b = _distinct_pairs(groups, out)
    keep = (a >= 0) & (b >= 0)
    return Local((deps,), bilinear=(0, 0, (o[keep], a[keep], b[keep])))


def reduction_rule(product):
    def rule(eqn, known):
        x = eqn.inputs[0]
        axes, out = eqn.params["axes"], _out_type(eqn)
        kept = tuple(1 if i in axes else n for i, n in enumerate(x.type.shape))
        target = np.broadcast_to(np.arange(out.size).reshape(kept), x.type.shape).ravel()
        deps = ones(target, np.arange(x.type.size), (out.size, x.type.size))
        if not product:
            return Local((deps,))
        order = tuple(i for i in range(x.type.ndim) if i not in axes) + tuple(axes)
        groups = np.transpose(positions(x.type), order).reshape(out.size, -1)
        return _product_local(deps, groups, np.arange(out.size))
    return rule


def scan_rule(product):
    """Running sums and products: element k of a lane reads elements j <= k
    (j >= k in reverse)."""
    def rule(eqn, known):
        x = eqn.inputs[0]
        axis, n = eqn.params["axis"], x.type.shape[eqn.params["axis"]]
        lanes = np.moveaxis(positions(x.type), axis, -1).reshape(-1, n)
        first, second = np.triu_indices(n)              # first <= second
        read, write = (second, first) if eqn.params.get("reverse") else (first, second)
        deps = ones(lanes[:, write].ravel(), lanes[:, read].ravel(), (x.type.size,) * 2)
        if not product:
            return Local((deps,))
        # Element k of a lane is the product of the lane's first k + 1.
        prefix = np.repeat(lanes, n, axis=0).reshape(-1, n, n)
        prefix = np.where(np.tril(np.ones((n, n), dtype=bool)), prefix, -1)
        return _product_local(deps, prefix.reshape(-1, n), lanes.ravel())
    return rule


# -- dot_general ---------------------------------------------------------------------------

def _dot_sizes(eqn):
    """(batch, lhs free, contracted, rhs free) sizes of a dot_general."""
    lhs, rhs = eqn.inputs
    (lc, rc), (lb, rb) = eqn.params["contract"], eqn.params["batch"]

    def size(atype, axes):
        return int(np.prod([atype.shape[a] for a in axes], dtype=np.int64))
    return (size(lhs.type, lb), size(lhs.type, linalg.free_axes(lhs.type.ndim, lc, lb)),
            size(lhs.type, lc), size(rhs.type, linalg.free_axes(rhs.type.ndim, rc, rb)))


def product_terms(eqn) -> int:
    """How many products ``lhs * rhs`` a dot_general sums (what its rule lists)."""
    return int(np.prod(_dot_sizes(eqn), dtype=np.int64))


def _dot_general_rule(eqn, known):
    """Result (b, i, j) sums lhs[b, i, k] * rhs[b, k, j] over k."""
    lhs, rhs = eqn.inputs
    (lc, rc), (lb, rb) = eqn.params["contract"], eqn.params["batch"]
    lf = linalg.free_axes(lhs.type.ndim, lc, lb)
    rf = linalg.free_axes(rhs.type.ndim, rc, rb)
    nb, ni, nk, nj = _dot_sizes(eqn)
    if product_terms(eqn) > MAX_TERMS:
        raise PatternTooLarge(f"dot_general of {lhs.type} and {rhs.type}: "
                              f"{product_terms(eqn)} product terms to list")
    left = np.transpose(positions(lhs.type), lb + lf + lc).reshape(nb, ni, 1, nk)
    right = np.transpose(positions(rhs.type), rb + rf + rc).reshape(nb, 1, nj, nk)
    out = np.arange(nb * ni * nj).reshape(nb, ni, nj, 1)
    shape = (nb, ni, nj, nk)
    terms = tuple(np.broadcast_to(t, shape).ravel() for t in (out, left, right))
    terms = _nonzero_terms(terms, terms[1:], known)
    return bilinear_local(2, 0, 1, terms, nb * ni * nj, (lhs.type.size, rhs.type.size))


# -- gathers and scatters ------------------------------------------------------------------

def _index_pairs(source_type, idx_type, axis: int, known_idx):
    """``(element, source element)`` pairs of ``np.take(source, idx, axis)``:
    at the known indices, or at every index along ``axis`` when they are
    traced (conservative)."""
    if known_idx is not None:
        reads = np.take(positions(source_type), known_idx, axis).reshape(-1, 1)
    else:
        n = source_type.shape[axis]
        every = np.broadcast_to(np.arange(n), idx_type.shape + (n,))
        taken = np.take(positions(source_type), every, axis)
        reads = np.moveaxis(taken, axis + idx_type.ndim, -1).reshape(-1, n)
    return np.repeat(np.arange(reads.shape[0]), reads.shape[1]), reads.ravel()


def _take_rule(eqn, known):
    x, idx = eqn.inputs
    out, read = _index_pairs(x.type, idx.type, eqn.params["axis"], known[1])
    return Local((ones(out, read, (_out_type(eqn).size, x.type.size)), None))


def _scatter_add_rule(eqn, known):
    """The transpose of take: update element u adds into the element take reads."""
    idx, updates = eqn.inputs
    out = _out_type(eqn)
    update, written = _index_pairs(out, idx.type, eqn.params["axis"], known[0])
    return Local((None, ones(written, update, (out.size, updates.type.size))))


def _scatter_rule(eqn, known):
    """Written elements come from the updates (every write counted where
    indices repeat), the others from ``x``; with traced indices every
    element may come from either."""
    x, idx, updates = eqn.inputs
    out = _out_type(eqn)
    update, written = _index_pairs(out, idx.type, eqn.params["axis"], known[1])
    kept = np.arange(out.size)
    if known[1] is not None:
        kept = np.setdiff1d(kept, written)
    return Local((ones(kept, kept, (out.size, x.type.size)), None,
                  ones(written, update, (out.size, updates.type.size))))


# -- loops: conservative ---------------------------------------------------------------------

def dense_rule(eqn, known):
    """Every result element may depend on every operand element, nonlinearly
    (loops, whose bodies the analysis does not enter)."""
    import scipy.sparse as sp
    n_ops = len(eqn.inputs)
    total = sum(v.type.size for v in eqn.outs) * sum(a.type.size for a in eqn.inputs)
    if total > MAX_TERMS:
        raise PatternTooLarge(f"{eqn.prim}: {total} dependencies to list")
    locals_ = []
    for var in eqn.outs:
        deps = tuple(sp.csr_array(np.ones((var.type.size, a.type.size)))
                     if np.issubdtype(a.type.dtype, np.floating) else None
                     for a in eqn.inputs)
        locals_.append(Local(deps, frozenset(range(n_ops))))
    return locals_ if eqn.prim.multiple_results else locals_[0]


# -- the table ---------------------------------------------------------------------------------

_LINEAR_ELEMENTWISE = (E.add_p, E.sub_p, E.neg_p, E.max_p, E.min_p, E.abs_p, E.rem_p,
                       E.fmod_p)
_NONLINEAR_UNARY = (E.exp_p, E.exp2_p, E.expm1_p, E.log_p, E.log2_p, E.log10_p, E.log1p_p,
                    E.sqrt_p, E.cbrt_p, E.sin_p, E.cos_p, E.tan_p, E.asin_p, E.acos_p,
                    E.atan_p, E.sinh_p, E.cosh_p, E.tanh_p, E.asinh_p, E.acosh_p, E.atanh_p)

for _prim in _LINEAR_ELEMENTWISE:
    register_sparsity(_prim, elementwise_rule())
_SPECIAL = (special.lgamma_p, special.gamma_p, special.digamma_p, special.polygamma_p,
            special.erf_p, special.erfc_p, special.erfinv_p, special.erfcinv_p,
            special.log_ndtr_p, special.expit_p)
for _prim in _NONLINEAR_UNARY + _SPECIAL:
    register_sparsity(_prim, elementwise_rule(nonlinear=(0,)))
# Bessel and incomplete gamma/beta functions: curved in every operand (the
# orders and shapes too, though their derivatives are refused).
def _curved_in_every_operand(eqn, known):
    return elementwise_rule(nonlinear=tuple(range(len(eqn.inputs))))(eqn, known)


for _prim in special_bessel.PRIMITIVES:
    register_sparsity(_prim, _curved_in_every_operand)
register_sparsity(E.pow_p, elementwise_rule(nonlinear=(0, 1)))
register_sparsity(E.atan2_p, elementwise_rule(nonlinear=(0, 1)))
register_sparsity(E.div_p, elementwise_rule(nonlinear=(1,)))
register_sparsity(E.copysign_p, elementwise_rule(differentiable=(0,)))
register_sparsity(E.mul_p, _mul_rule)
register_sparsity(E.select_p, _select_rule)
for _prim in (random_uniform_p, random_normal_p):     # a + (b - a) u, loc + scale z
    register_sparsity(_prim, elementwise_rule(differentiable=(2, 3)))

for _prim in (base.reshape_p, base.broadcast_in_dim_p, S.transpose_p, S.slice_p, S.rev_p):
    register_sparsity(_prim, _copy_rule)
register_sparsity(S.pad_p, _pad_rule)
register_sparsity(S.convert_p, _convert_rule)
register_sparsity(S.concatenate_p, _concatenate_rule)

register_sparsity(base.reduce_sum_p, reduction_rule(product=False))
register_sparsity(R.reduce_max_p, reduction_rule(product=False))
register_sparsity(R.reduce_min_p, reduction_rule(product=False))
register_sparsity(R.reduce_prod_p, reduction_rule(product=True))
register_sparsity(R.cumsum_p, scan_rule(product=False))
register_sparsity(R.cumprod_p, scan_rule(product=True))

register_sparsity(linalg.dot_general_p, _dot_general_rule)
register_sparsity(indexing.take_p, _take_rule)
register_sparsity(indexing.scatter_add_p, _scatter_add_rule)
register_sparsity(indexing.scatter_p, _scatter_rule)
for _prim in (chunk_map_p, while_loop_p, cond_p, ode_p):
    register_sparsity(_prim, dense_rule)
# Decompositions and solves: every result element on every operand element.
for _prim in (linalg_solve.triangular_solve_p, linalg_solve.cholesky_p, linalg_solve.lu_p,
              linalg_spectral.eigh_p, linalg_spectral.svd_p, linalg_spectral.qr_p,
              linalg_expm.expm_p, linalg_expm.expm_frechet_p,
              linalg_sylvester.sylvester_p, linalg_sylvester.sqrtm_p):
    register_sparsity(_prim, dense_rule)

# Predicates, piecewise constants, indices, iota, stop_gradient: no derivative.
for _prim in sorted(non_differentiable, key=lambda p: p.name):
    register_sparsity(_prim, no_derivative)
