"""Patterns from the sparsity analysis next to the nonzeros of dense
derivatives, for any traced function (the OP_SPECS rows, random programs).

The dense references are computed with ``chunk_size`` set, which keeps
jacfwd and jacrev on their plain batched path: without it a large sparse
Jacobian would itself go through the compressed path, which reads only the
entries the pattern stores, and could not show a missing one."""
from __future__ import annotations

import numpy as np

import numjac as nj
from numjac.compiler.ir import is_float
from numjac.compiler.passes.sparsity import Analysis
from numjac.inputs import prepared_call
from numjac.pytree import flatten
from numjac.transforms.compressed import known_inputs

PLAIN = 10 ** 9       # a chunk_size covering any basis: the plain batched path


def staged_of(fn, args):
    jitted = nj.jit(fn)
    args, kwargs, leaves, treedef = prepared_call(tuple(args), {})
    return jitted.staged_for(args, leaves, treedef)


def analysis(fn, args, argnum):
    staged = staged_of(fn, args)
    return staged, Analysis(staged.ir, [argnum], known_inputs(staged, fn))


def float_argnums(args):
    return [i for i, a in enumerate(args) if is_float(np.asarray(a).dtype)]


def dense_jacobians(fn, args, argnum):
    """Per output leaf, its Jacobian as a (output size, input size) matrix."""
    blocks = flatten(nj.jacfwd(fn, argnums=argnum, chunk_size=PLAIN)(*args))[0]
    n = np.asarray(args[argnum]).size
    return [np.asarray(b).reshape(-1, n) for b in blocks]


def jacobian_mismatches(fn, args):
    """[(argnum, output, 'missing' | 'extra', count)] where the pattern and
    the dense Jacobian's nonzeros differ (missing is a bug, extra is
    conservative)."""
    found = []
    for argnum in float_argnums(args):
        staged, result = analysis(fn, args, argnum)
        for k, dense in enumerate(dense_jacobians(fn, args, argnum)):
            pattern = result.pattern_of(staged.ir.outputs[k]).toarray() != 0
            found += _differences(argnum, k, pattern, dense != 0)
    return found


def weighted_sum(fn, weights):
    """``sum_k <w_k, out_k>``: its Hessian holds every output's curvature."""
    def scalar(*args):
        outs = flatten(fn(*args))[0]
        return sum(np.sum(o * w) for o, w in zip(outs, weights))
    return scalar


def hessian_mismatches(fn, args, seed=0):
    rng = np.random.default_rng(seed)
    outs = flatten(nj.jit(fn)(*args))[0]
    h = weighted_sum(fn, [rng.normal(size=np.shape(o)) for o in outs])
    found = []
    for argnum in float_argnums(args):
        staged, result = analysis(h, args, argnum)
        pattern = result.hessian_pattern(staged.ir.outputs[0]).toarray() != 0
        n = np.asarray(args[argnum]).size
        inner = nj.jacrev(h, argnums=argnum, chunk_size=PLAIN)
        dense = np.asarray(nj.jacfwd(inner, argnums=argnum, chunk_size=PLAIN)(*args))
        found += _differences(argnum, 0, pattern, dense.reshape(n, n) != 0)
    return found


def _differences(argnum, k, pattern, nonzero):
    found = []
    missing = int(np.sum(nonzero & ~pattern))
    extra = int(np.sum(pattern & ~nonzero))
    if missing:
        found.append((argnum, k, "missing", missing))
    if extra:
        found.append((argnum, k, "extra", extra))
    return found
