"""``nj.vmap``: torch.func.vmap on NumPy functions.

Per call signature, vmap traces ``func`` on one example (each mapped
argument with its in_dim removed), batches the IR with the batching pass
(compiler/passes/batching.py; ``chunk_size`` makes it a ``chunk_map``
loop), and wraps it in transposes that bring each in_dim to axis 0 first
and axis 0 to each out_dim last.  Like every transform it caches per
signature, inlines inside other traces and composes with itself and jit.

Arguments are checked before tracing: ``in_dims``, ``out_dims``,
``randomness`` and ``chunk_size`` when vmap is constructed, the fit of
in_dims to the arguments when a new signature is staged.  Only the fit of
out_dims to the outputs needs the trace.
"""
from __future__ import annotations

import numpy as np

from .compiler.builder import Builder, inline
from .compiler.ir import AType
from .compiler.passes.batching import RANDOMNESS, chunked_batch
from .compiler.passes.simplify import simplify
from .compiler.primitives.structural import add_batch_axis, moveaxis
from .pytree import broadcast_prefix, flatten, unflatten
from .staging import Staged, StagedFunction, trace
from .tracer import Tracer
from .transforms.arguments import check_chunk_size
from .dask_arrays import has_dask_arrays, vmap_blocks


def check_randomness(randomness):
    if not isinstance(randomness, str) or randomness not in RANDOMNESS:
        raise ValueError(f"randomness must be one of {RANDOMNESS}, got {randomness!r}")


def _check_dims(dims, name: str, top: bool = True):
    """An int, None, or (inside the top tuple) tuples, lists and dicts of them."""
    if dims is None or (isinstance(dims, int) and not isinstance(dims, bool)):
        return
    containers = (tuple,) if top else (tuple, list, dict)
    if not isinstance(dims, containers):
        raise ValueError(f"vmap: {name} must be an int, None or a (nested) tuple of them "
                         f"matching the {'arguments' if name == 'in_dims' else 'outputs'}, "
                         f"got {dims!r} ({type(dims).__name__})")
    for child in (dims.values() if isinstance(dims, dict) else dims):
        _check_dims(child, name, top=False)


def _dims_key(dims):
    """A hashable stand-in for in_dims/out_dims (dicts are not hashable)."""
    leaves, treedef = flatten(dims)
    return tuple(leaves), treedef


class vmap(StagedFunction):
    """Map ``func`` over the ``in_dims`` axes of its arguments.

    ``in_dims``: int, None, or a tuple with one entry per positional
    argument, each an int, None or a structure matching that argument;
    negative dims count from the end, None leaves an argument unbatched.
    Keyword arguments are never batched.  ``out_dims``: where the batch
    axis goes in each output (None only for outputs that do not depend on
    the batch; a non-array output passes through where it is None).
    ``randomness``: 'error', 'same' or 'different' for nj.random draws.
    ``chunk_size``: evaluate that many examples at a time.
    """

    def __init__(self, func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
        _check_dims(in_dims, "in_dims")
        _check_dims(out_dims, "out_dims")
        check_randomness(randomness)
        check_chunk_size(chunk_size)
        options = (("in_dims", _dims_key(in_dims)), ("out_dims", _dims_key(out_dims)),
                   ("randomness", randomness), ("chunk_size", chunk_size))
        super().__init__(func, options=options)
        self.in_dims, self.out_dims = in_dims, out_dims
        self.randomness, self.chunk_size = randomness, chunk_size

    def call_staged(self, args, kwargs):
        if has_dask_arrays(args, kwargs):
            return vmap_blocks(self, args, kwargs)
        return super().call_staged(args, kwargs)

    def stage(self, treedef, leaves, specs):
        args, _ = unflatten(treedef, leaves)
        paths = _leaf_paths(args) + [None] * (len(leaves) - treedef.children[0].num_leaves)
        dims = _leaf_in_dims(self.__name__, self.in_dims, args, specs, paths)
        size = _batch_size(self.__name__, dims, specs, paths)
        per_example = [("array", _without(s[1], d)) if d is not None else s
                       for s, d in zip(specs, dims)]
        outputs = _OutDims(self.__name__, self.out_dims)
        inner = trace(self.fn, treedef, leaves, per_example, passthrough=outputs)
        in_batched = [dims[i] is not None for i in inner.dynamic]
        in_batched += [False] * (len(inner.ir.inputs) - len(in_batched))
        batched, out_batched = chunked_batch(inner.ir, in_batched, size, self.chunk_size,
                                             randomness=self.randomness)
        outputs.check_batched(out_batched)
        ir = _moving_batch_axes(batched, [specs[i][1] for i in inner.dynamic],
                                [dims[i] for i in inner.dynamic], out_batched,
                                outputs.ir_dims, size)
        stages = {"traced": inner.stages["traced"], "batched": batched, "optimized": ir}
        return Staged(ir, inner.out_tree, inner.captures, inner.dynamic,
                      passthrough=inner.passthrough, stages=stages, guards=inner.guards)


def _moving_batch_axes(batched, arg_types, in_dims, out_batched, out_dims, size):
    """``batched`` (batch axes at 0) taking its batched arguments of
    ``arg_types`` with the batch at ``in_dims`` and returning it at
    ``out_dims``; the inputs after the arguments are its captures."""
    builder = Builder()
    with builder:
        ins = [builder.new_input(t) for t in arg_types]
        ins += [builder.new_input(t) for t in batched.in_types[len(ins):]]
        moved = [x if d is None else moveaxis(x, d, 0) for x, d in zip(ins, in_dims)]
        outs = inline(batched, moved + ins[len(in_dims):])
        return simplify(builder.build([_place(o, b, d, size) for o, b, d in
                                       zip(outs, out_batched, out_dims)]))


def _without(atype: AType, axis: int) -> AType:
    return atype.with_shape(atype.shape[:axis] + atype.shape[axis + 1:])


def _place(out, batched: bool, out_dim, size: int):
    """An output with its batch axis moved from 0 to ``out_dim``."""
    if out_dim is None:
        return out
    if not batched:
        out = add_batch_axis(out, size)
    return moveaxis(out, 0, out_dim)


# -- in_dims ---------------------------------------------------------------------------

def _paths(tree, prefix: str) -> list:
    """A readable name for each leaf of ``tree``, in flatten order."""
    if tree is None:
        return []
    if isinstance(tree, dict):
        return [p for k in tree for p in _paths(tree[k], f"{prefix}[{k!r}]")]
    if isinstance(tree, (tuple, list)):
        return [p for i, c in enumerate(tree) for p in _paths(c, f"{prefix}[{i}]")]
    return [prefix]


def _leaf_paths(args) -> list:
    return [p for i, arg in enumerate(args) for p in _paths(arg, f"argument {i}")]


def _leaf_in_dims(name, in_dims, args, specs, paths) -> list:
    """The in_dim of every argument leaf (keyword ones: None), checked
    against the arguments and made non-negative."""
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"vmap({name}): in_dims has {len(in_dims)} entries but {name} was "
                         f"called with {len(args)} positional argument(s); give one in_dim "
                         "per positional argument (keyword arguments are not batched)")
    per_arg = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    dims = []
    for i, (arg, arg_dims) in enumerate(zip(args, per_arg)):
        try:
            dims += broadcast_prefix(arg_dims, arg, exact_sequences=True)
        except ValueError as err:
            raise ValueError(f"vmap({name}): in_dims entry {arg_dims!r} does not match the "
                             f"structure of argument {i}: {err}") from None
    dims += [None] * (len(specs) - len(dims))
    return [_checked_dim(name, d, spec, path) for d, spec, path in zip(dims, specs, paths)]


def _checked_dim(name, dim, spec, path):
    if dim is None:
        return None
    if spec[0] != "array":
        what = type(spec[1]).__name__ if spec[0] == "value" else "Python scalar"
        raise ValueError(f"vmap({name}): in_dim {dim} given for {path}, a {what}; only "
                         "arrays can be mapped over, use None for it")
    ndim = spec[1].ndim
    if not -ndim <= dim < ndim:
        raise ValueError(f"vmap({name}): in_dim {dim} is out of range for {path} of shape "
                         f"{spec[1].shape} (an in_dim must be in [{-ndim}, {ndim}))")
    return dim % ndim


def _batch_size(name, dims, specs, paths) -> int:
    sizes = {path: (spec[1].shape[d], d)
             for spec, d, path in zip(specs, dims, paths) if d is not None}
    if not sizes:
        raise ValueError(f"vmap({name}): no input is batched: every in_dim is None or the "
                         "function got no array arguments; map over at least one array")
    distinct = {n for n, _ in sizes.values()}
    if len(distinct) > 1:
        listed = ", ".join(f"{p}: {n} (in_dim {d})" for p, (n, d) in sizes.items())
        raise ValueError(f"vmap({name}): the mapped inputs have different sizes along "
                         f"their in_dims: {listed}")
    return distinct.pop()


# -- out_dims --------------------------------------------------------------------------

class _OutDims:
    """Checks out_dims against the traced outputs (trace's passthrough hook)
    and keeps the out_dim of each IR output."""

    def __init__(self, name, out_dims):
        self.name, self.out_dims = name, out_dims
        self.ir_dims = []       # the out_dim of each IR output (non-negative or None)
        self.leaf_index = []    # the output leaf of each IR output

    def __call__(self, out_leaves, out_tree) -> dict:
        out_dims = self.out_dims
        if out_tree.kind == "leaf" and isinstance(out_dims, tuple) and len(out_dims) == 1:
            out_dims = out_dims[0]     # torch.func accepts (d,) for a single output
        try:
            dims = broadcast_prefix(out_dims, unflatten(out_tree, out_leaves))
        except ValueError as err:
            raise ValueError(f"vmap({self.name}): out_dims {self.out_dims!r} does not match "
                             f"the structure of the outputs {out_tree}: {err}") from None
        passthrough = {}
        for i, (leaf, dim) in enumerate(zip(out_leaves, dims)):
            if isinstance(leaf, (Tracer, np.ndarray, np.generic)):
                self.ir_dims.append(self._checked(i, dim, leaf.ndim + 1))
            elif dim is None:
                passthrough[i] = leaf
            else:
                raise TypeError(f"vmap({self.name}): output {i} is a {type(leaf).__name__} "
                                f"({leaf!r}), not an array; only arrays can be batched "
                                "(a non-array output needs out_dim None)")
        self.leaf_index = [i for i in range(len(out_leaves)) if i not in passthrough]
        return passthrough

    def _checked(self, index, dim, ndim):
        if dim is not None and not -ndim <= dim < ndim:
            raise ValueError(f"vmap({self.name}): out_dim {dim} is out of range for output "
                             f"{index}, which has {ndim} dimensions with the batch axis")
        return None if dim is None else dim % ndim

    def check_batched(self, out_batched):
        for index, dim, batched in zip(self.leaf_index, self.ir_dims, out_batched):
            if dim is None and batched:
                raise ValueError(f"vmap({self.name}): out_dims is None for output {index}, "
                                 "but it varies along the batch; give it an int out_dim")
