"""Sparsity patterns of Jacobians and Hessians, read from the IR.

An analysis, not a transform: it propagates index sets through the
equations with the rules of ``sparsity_rules.py`` and never evaluates the
function on its inputs.

First order: each value ``v`` gets the 0/1 matrix ``G[v]`` (v's size by the
number of differentiated input elements) of the input elements it depends
on through a nonzero derivative: ``G[out] = sum of deps_i @ G[operand_i]``.
An output's ``G`` is the pattern of its Jacobian.

Second order (the Hessian of a scalar output): a backward sweep marks the
elements the output depends on (``live``); then every equation adds, at
its live elements, the pairs of input elements that meet in a nonlinear
operation: in ``f(a)``, every pair of a's dependencies; in ``a * b`` (and
``dot_general``), a's dependencies with b's in each product term.  Linear
operations add none.  Their union is the Hessian's pattern: whatever a
pair's path to the output, its second derivative is born in such an
operation.

Values the analysis knows (``known``: constant index arrays and what is
computed from them alone) are evaluated with the primitives' NumPy impls,
so that gathers with constant indices and constant masks are exact.
"""
from __future__ import annotations

import numpy as np

from ..ir import IR, Lit, Var
from ..primitives.random import random_primitives
from ..rules import impls
from ..builder import Builder, inline
from ..primitives.base import reshape
from ..primitives.loops import scan_p
from ..primitives.structural import concatenate, slice_axis
from .sparsity_rules import Local, PatternTooLarge, dense_rule, register_sparsity
from .sparsity_rules import sparsity_rules

# Known values larger than this many elements are not evaluated (the
# analysis treats them as unknown, which is conservative).
MAX_KNOWN_SIZE = 1 << 22


class MissingSparsityRule(NotImplementedError):
    """A primitive of the IR has no sparsity rule."""


def _as_pattern(matrix):
    """``matrix`` with every stored entry 1 (counts never grow)."""
    import scipy.sparse as sp   # here, not at the top: importing SciPy costs a fifth of a second
    matrix = sp.csr_array(matrix)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.data[:] = 1.0
    return matrix


class Analysis:
    """First-order dependencies of every value of ``ir`` on the input
    elements at positions ``wrt`` (IR input positions, columns in that
    order), with ``known`` input values by position.  A value depending on
    more than ``budget`` input elements in all raises PatternTooLarge."""

    def __init__(self, ir: IR, wrt, known=None, budget=None):
        self.ir = ir
        self.budget = budget
        self.offsets = np.cumsum([0] + [ir.inputs[p].type.size for p in wrt])
        self.n = int(self.offsets[-1])
        self.deps: dict = {}        # Var -> sparse (size, n), absent when empty
        self.values: dict = {}      # Var -> ndarray for known values
        self.locals: list = []      # (eqn, [Local per output])
        for p, var in enumerate(ir.inputs):
            if known and p in known:
                self.values[var] = np.asarray(known[p])
        import scipy.sparse as sp
        for k, p in enumerate(wrt):
            var = ir.inputs[p]
            self.deps[var] = sp.csr_array(sp.eye_array(var.type.size, self.n,
                                                       k=int(self.offsets[k]), format="csr"))
        for eqn in ir.eqns:
            self._visit(eqn)

    def value(self, atom):
        if isinstance(atom, Lit):
            return np.array(atom.value, dtype=atom.type.dtype)
        return self.values.get(atom)

    def _visit(self, eqn):
        rule = sparsity_rules.get(eqn.prim)
        if rule is None:
            raise MissingSparsityRule(f"no sparsity rule for the primitive {eqn.prim}")
        known = [self.value(a) for a in eqn.inputs]
        active = [isinstance(a, Var) and a in self.deps for a in eqn.inputs]
        if not any(active):
            # Nothing differentiated flows through: no dependencies, no
            # curvature (stacking a network's weights lists none).
            self._evaluate_if_known(eqn, known)
            return
        locals_ = rule(eqn, known, active) if getattr(rule, "takes_active", False) \
            else rule(eqn, known)
        locals_ = list(locals_) if eqn.prim.multiple_results else [locals_]
        self.locals.append((eqn, locals_))
        for var, local in zip(eqn.outs, locals_):
            pattern = self.combined(eqn.inputs, local)
            if pattern is not None:
                if self.budget is not None and pattern.nnz > self.budget:
                    raise PatternTooLarge(f"{var.type} depends on {pattern.nnz} input "
                                          f"elements, over the budget of {self.budget}")
                self.deps[var] = pattern
        self._evaluate_if_known(eqn, known)

    def combined(self, inputs, local: Local, rows=None, operands=None):
        """``sum of deps_i @ G[operand_i]`` over the operands (all, or those
        in ``operands``), restricted to the result elements ``rows``."""
        total = None
        for i, (atom, deps) in enumerate(zip(inputs, local.deps)):
            source = self.deps.get(atom) if isinstance(atom, Var) else None
            if deps is None or source is None or (operands is not None and i not in operands):
                continue
            part = (deps if rows is None else deps[rows]) @ source
            total = part if total is None else total + part
        return None if total is None else _as_pattern(total)

    def _evaluate_if_known(self, eqn, known):
        if (any(v is None for v in known) or eqn.prim in random_primitives
                or eqn.prim not in impls
                or any(v.type.size > MAX_KNOWN_SIZE for v in eqn.outs)):
            return
        try:
            result = impls[eqn.prim](*known, **eqn.params)
        except Exception:   # noqa: BLE001  (an unevaluable value stays unknown)
            return
        results = result if eqn.prim.multiple_results else (result,)
        for var, value in zip(eqn.outs, results):
            self.values[var] = np.asarray(value)

    def pattern_of(self, atom):
        """The (size, n) Jacobian pattern of an output atom."""
        import scipy.sparse as sp
        found = self.deps.get(atom) if isinstance(atom, Var) else None
        return found if found is not None else sp.csr_array((atom.type.size, self.n))

    # -- second order ------------------------------------------------------------------

    def live_elements(self, output) -> dict:
        """Var -> bool array: the elements ``output`` depends on through a
        nonzero derivative."""
        live = {}
        if isinstance(output, Var):
            live[output] = np.ones(output.type.size, dtype=bool)
        for eqn, locals_ in reversed(self.locals):
            for var, local in zip(eqn.outs, locals_):
                mask = live.get(var)
                if mask is None or not mask.any():
                    continue
                for atom, deps in zip(eqn.inputs, local.deps):
                    if deps is None or not isinstance(atom, Var) or atom not in self.deps:
                        continue
                    reached = (deps.T @ mask.astype(np.float64)) > 0
                    live[atom] = live[atom] | reached if atom in live else reached
        return live

    def hessian_pattern(self, output):
        """The (n, n) pattern of the Hessian of the scalar ``output``."""
        import scipy.sparse as sp
        live = self.live_elements(output)
        total = sp.csr_array((self.n, self.n))
        for eqn, locals_ in self.locals:
            for var, local in zip(eqn.outs, locals_):
                if var in live and live[var].any():
                    for pairs in self._interactions(eqn, local, np.flatnonzero(live[var])):
                        total = total + pairs
        return _as_pattern(total + total.T)

    def _interactions(self, eqn, local: Local, rows):
        """(n, n) matrices of the input pairs meeting nonlinearly at ``rows``."""
        if local.nonlinear:
            curved = self.combined(eqn.inputs, local, rows, local.nonlinear)
            every = self.combined(eqn.inputs, local, rows)
            if curved is not None:
                yield curved.T @ every
        if local.bilinear is not None:
            lhs, rhs, (out, left, right) = local.bilinear
            a, b = eqn.inputs[lhs], eqn.inputs[rhs]
            if a in self.deps and b in self.deps:
                keep = np.isin(out, rows)
                yield self.deps[a][left[keep]].T @ self.deps[b][right[keep]]


# -- scans: analysed unrolled ------------------------------------------------------------

# Equations a scan may unroll to for the analysis; a longer one counts as
# dense (every result on every operand), as the other loops do.
MAX_UNROLLED_EQNS = 200_000


def _scan_rule(eqn, known, active):
    """A scan's dependencies, exact: its body analysed once per iteration
    (a Python loop that numjac re-rolled keeps the pattern it had unrolled).
    Curvature is counted between everything an element depends on.  Only
    the ``active`` float operands (those depending on the differentiated
    inputs) get columns: a stack of constant weights would otherwise add
    its every element to the analysis, quadratically."""
    params = eqn.params
    if params["length"] * len(params["body"].eqns) > MAX_UNROLLED_EQNS:
        return dense_rule(eqn, known)
    floats = [i for i, a in enumerate(eqn.inputs)
              if active[i] and np.issubdtype(a.type.dtype, np.floating)]
    unrolled = unrolled_scan(eqn)
    analysis = Analysis(unrolled, floats, {i: v for i, v in enumerate(known) if v is not None})
    bounds = dict(zip(floats, zip(analysis.offsets[:-1], analysis.offsets[1:])))
    locals_ = []
    for out in unrolled.outputs:
        pattern = analysis.pattern_of(out)
        deps = tuple(pattern[:, bounds[i][0]:bounds[i][1]] if i in bounds else None
                     for i in range(len(eqn.inputs)))
        locals_.append(Local(deps, frozenset(floats)))
    return locals_


def unrolled_scan(eqn) -> IR:
    """An IR taking the scan's operands and computing its results with the
    body inlined once per iteration."""
    params = eqn.params
    body, length = params["body"], params["length"]
    n_consts, n_carry = params["num_consts"], params["num_carry"]
    builder = Builder()
    with builder:
        ins = [builder.new_input(a.type) for a in eqn.inputs]
        consts, carries, xs = ins[:n_consts], ins[n_consts:n_consts + n_carry], \
            ins[n_consts + n_carry:]
        steps = range(length - 1, -1, -1) if params["reverse"] else range(length)
        ys = {}
        for k in steps:
            rows = [reshape(slice_axis(x, 0, k, k + 1), x.type.shape[1:]) for x in xs]
            outs = inline(body, consts + carries + rows)
            carries, ys[k] = outs[:n_carry], outs[n_carry:]
        stacked = [concatenate([reshape(ys[k][j], (1,) + ys[k][j].type.shape)
                                for k in range(length)], 0)
                   for j in range(len(body.outputs) - n_carry)] if length else []
        return builder.build(list(carries) + stacked)


_scan_rule.takes_active = True
register_sparsity(scan_p, _scan_rule)


def jacobian_pattern(ir: IR, wrt, known=None, output: int = 0):
    """The pattern of the Jacobian of output ``output`` of ``ir`` with
    respect to the inputs at positions ``wrt``, as a 0/1 CSR array of shape
    (output size, total size of those inputs)."""
    analysis = Analysis(ir, wrt, known)
    return analysis.pattern_of(ir.outputs[output])


def hessian_pattern(ir: IR, wrt, known=None, output: int = 0):
    """The pattern of the Hessian of the scalar output ``output`` of ``ir``
    with respect to the inputs at ``wrt``, as a symmetric 0/1 CSR array."""
    analysis = Analysis(ir, wrt, known)
    return analysis.hessian_pattern(ir.outputs[output])
