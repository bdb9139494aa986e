"""``nj.vmap`` of Dask arrays: one kernel call per block, lazily.

A Dask array argument is mapped block by block along its batch axis (the
blocks of every Dask argument are first aligned on that axis, and made
whole along the others); a NumPy argument batched too is cut to the same
rows.  Each block is one task calling the kernel of the vmapped function at
that block's size (runtime/remote.py: generated source named by its hash,
compiled once per worker), and each output is a Dask array with the same
blocks along its batch axis, computed when the user computes it (by the
scheduler of ``nj.distributed``'s client, or Dask's default one).
"""
from __future__ import annotations

import numpy as np

from .pytree import flatten, unflatten
from .runtime.remote import remote_kernel


def is_dask_array(value) -> bool:
    return type(value).__module__.startswith("dask.") and hasattr(value, "blocks")


def has_dask_arrays(args, kwargs) -> bool:
    leaves, _ = flatten((args, kwargs))
    return any(is_dask_array(leaf) for leaf in leaves)


def vmap_blocks(vmapped, args, kwargs):
    """``vmapped(*args, **kwargs)`` block by block, as lazy Dask arrays."""
    import dask
    import dask.array as da
    _check_dims(vmapped)
    leaves, treedef = flatten((args, kwargs))
    batched = _batched_leaves(vmapped, leaves, treedef)
    rows = _aligned_rows(leaves, batched)
    leaves = [_aligned(leaf, rows) if is_dask_array(leaf) else leaf for leaf in leaves]
    outs, calls, start = [], {}, 0
    for index, count in enumerate(rows):
        block = [_block(leaf, index, start, count) if i in batched else leaf
                 for i, leaf in enumerate(leaves)]
        if count not in calls:      # blocks of one size share one kernel
            calls[count] = _block_call(vmapped, block, treedef)
        call, out_tree, out_types = calls[count]
        delayed = dask.delayed(call, pure=True)(*[block[i] for i in call.dynamic])
        outs.append([da.from_delayed(delayed[k], t.shape, t.dtype)
                     for k, t in enumerate(out_types)])
        start += count
    stacked = [da.concatenate(per_output, axis=0) for per_output in zip(*outs)]
    return unflatten(out_tree, stacked)


class _BlockCall:
    """What a block's task runs: the kernel on the block's leaves and the
    captures (closure arrays) of the trace."""

    def __init__(self, kernel, dynamic, captures):
        self.kernel, self.dynamic, self.captures = kernel, dynamic, captures

    def __call__(self, *arrays):
        return self.kernel(*[np.asarray(a) for a in arrays], *self.captures)


def _block_call(vmapped, block, treedef):
    """The task of one block, with the output tree and types."""
    shaped = [np.zeros(leaf.shape, leaf.dtype) if is_dynamic_block(leaf) else leaf
              for leaf in block]
    args, kwargs = unflatten(treedef, shaped)
    staged = vmapped.staged_for(args, shaped, treedef)
    if staged.rng_slot is not None or staged.passthrough:
        raise NotImplementedError(f"{vmapped.label} of Dask arrays: random draws and "
                                  "non-array outputs are not supported block by block")
    captures = staged.kernel_arguments(shaped)[len(staged.dynamic):]
    call = _BlockCall(remote_kernel(staged.ir, vmapped.label), staged.dynamic, captures)
    return call, staged.out_tree, staged.ir.out_types


def is_dynamic_block(leaf) -> bool:
    return is_dask_array(leaf) or isinstance(leaf, np.ndarray)


def _check_dims(vmapped):
    if vmapped.out_dims != 0 or vmapped.chunk_size is not None:
        raise ValueError(f"{vmapped.label} of Dask arrays: out_dims must be 0 and "
                         "chunk_size None (the blocks are the chunks)")


def _batched_leaves(vmapped, leaves, treedef) -> set:
    """The flat indices of the leaves batched along axis 0 (every Dask one)."""
    args, _ = unflatten(treedef, list(range(len(leaves))))
    in_dims = vmapped.in_dims
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    if len(dims) != len(args) or any(d not in (0, None) for d in dims):
        raise ValueError(f"{vmapped.label} of Dask arrays: in_dims must be 0 or None, or "
                         f"a tuple of them per argument (batch axis first), got {in_dims!r}")
    batched = {i for arg, d in zip(args, dims) if d == 0 for i in flatten(arg)[0]
               if is_dynamic_block(leaves[i])}
    if any(is_dask_array(leaf) and i not in batched for i, leaf in enumerate(leaves)):
        raise ValueError(f"{vmapped.label}: every Dask array argument must be batched "
                         "along axis 0 (its in_dims 0)")
    return batched


def _aligned_rows(leaves, batched) -> tuple:
    """The block sizes along the batch axis: the first Dask argument's."""
    first = next(leaf for i, leaf in enumerate(leaves) if i in batched and is_dask_array(leaf))
    sizes = {leaf.shape[0] for i, leaf in enumerate(leaves) if i in batched}
    if len(sizes) != 1:
        raise ValueError(f"vmap of Dask arrays: batch sizes differ: {sorted(sizes)}")
    return first.chunks[0]


def _aligned(array, rows):
    return array.rechunk((rows,) + tuple(-1 for _ in array.shape[1:]))


def _block(leaf, index, start, count):
    if is_dask_array(leaf):
        return leaf.blocks[index]
    return leaf[start:start + count]
