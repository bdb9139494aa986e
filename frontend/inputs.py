"""Checks of a call's argument leaves, made before any tracing.

Values that NumPy would compute on differently from numjac's traced arrays
are rejected with an error naming the argument (ndarray subclasses, complex
and other unsupported dtypes, more dimensions than kernels handle), or
converted where the conversion is exact (big-endian arrays to native byte
order).  Python ints beyond int64 are handled by ``leaf_spec`` in signatures:
they stay static values, computed on as NumPy would.
"""
from __future__ import annotations

import numpy as np

from .dask_arrays import is_dask_array
from .numpy_random import check_not_random_state
from .pytree import TreeDef, flatten, unflatten
from .compiler.ir import SUPPORTED_DTYPES
from .tracer import Tracer, checked_dtype, native_byte_order, subclass_error

MAX_NDIM = 32
# More traced Python-scalar leaves than this in one call (a list of floats
# given where an array was meant) would make a kernel with one parameter
# per number, whose compilation grows faster than linearly.
MAX_SCALAR_LEAVES = 64
_INT64 = np.iinfo(np.int64)
_PLAIN = frozenset({float, int, bool, str, Tracer})


def prepared_call(args, kwargs):
    """``(args, kwargs, leaves, treedef)`` of a call, its leaves checked and
    converted (the arguments rebuilt only if a leaf was converted)."""
    leaves, treedef = flatten((args, kwargs))
    changed = False
    for i, leaf in enumerate(leaves):
        kind = type(leaf)
        if kind in _PLAIN or (kind is np.ndarray and leaf.dtype in SUPPORTED_DTYPES
                              and leaf.ndim <= MAX_NDIM):
            continue          # the common cases, kept quick
        prepared = _prepared_leaf(leaf, treedef, i)
        if prepared is not leaf:
            leaves[i], changed = prepared, True
    if changed:
        args, kwargs = unflatten(treedef, leaves)
    return args, kwargs, leaves, treedef


def _prepared_leaf(leaf, treedef, index):
    if isinstance(leaf, Tracer):
        return leaf
    if isinstance(leaf, np.ndarray):
        return _prepared_array(leaf, treedef, index)
    if isinstance(leaf, (np.generic, complex)):
        checked_dtype(np.asarray(leaf).dtype, leaf_name(treedef, index))
    elif is_dask_array(leaf):
        raise TypeError(f"{leaf_name(treedef, index)} is a Dask array: nj.vmap maps Dask "
                        "arrays block by block (docs/distributed.md); other transforms "
                        "take NumPy arrays (call .compute() first)")
    else:
        check_not_random_state(leaf, leaf_name(treedef, index))
    return leaf


def _prepared_array(array, treedef, index):
    if type(array) is np.memmap:      # an ndarray on a file: its values are exact
        array = np.asarray(array)
    elif type(array) is not np.ndarray:
        raise subclass_error(array, leaf_name(treedef, index))
    if array.ndim > MAX_NDIM:
        raise ValueError(f"{leaf_name(treedef, index)} has {array.ndim} dimensions; numjac "
                         f"handles arrays of at most {MAX_NDIM} dimensions")
    array = native_byte_order(array)
    checked_dtype(array.dtype, leaf_name(treedef, index))
    return array


def fits_int64(value) -> bool:
    return _INT64.min <= value <= _INT64.max


def check_scalar_leaf_count(specs, treedef):
    """Reject a call with more than MAX_SCALAR_LEAVES traced Python scalars
    (``specs`` are staging's leaf specs), naming the argument holding most."""
    scalars = [i for i, spec in enumerate(specs) if spec[0] == "scalar"]
    if len(scalars) <= MAX_SCALAR_LEAVES:
        return
    owners = [_owner(treedef, i) for i in scalars]
    busiest = max(set(owners), key=owners.count)
    held = owners.count(busiest)
    where = f"{busiest} holds {held}" if held == len(owners) else \
        f"the call has {len(owners)} ({busiest} holds {held})"
    raise TypeError(
        f"{where} Python numbers; numjac traces each Python number as a separate input "
        f"(at most {MAX_SCALAR_LEAVES} per call), so pass numbers that belong together as "
        "one array: np.asarray(values)")


# -- naming a flat leaf for messages ------------------------------------------------

def leaf_name(treedef: TreeDef, index: int) -> str:
    """``argument 1``, ``argument 0 (its leaf 2)`` or ``keyword argument 'x'``
    for flat leaf ``index`` of a call's ``(args, kwargs)`` treedef."""
    owner = _owner(treedef, index)
    part, position = _child_of(treedef, index)
    child = treedef.children[part].children[position]
    if child.kind == "leaf":
        return owner
    offset = index - _start(treedef, part, position)
    return f"{owner} (its leaf {offset} in flattened order)"


def _owner(treedef, index) -> str:
    part, position = _child_of(treedef, index)
    if part == 0:
        return f"argument {position}"
    return f"keyword argument {treedef.children[1].meta[position]!r}"


def _child_of(treedef, index):
    """(0 for args or 1 for kwargs, position of the argument) of a leaf."""
    for part, node in enumerate(treedef.children):
        for position, child in enumerate(node.children):
            start = _start(treedef, part, position)
            if start <= index < start + child.num_leaves:
                return part, position
    raise IndexError(index)


def _start(treedef, part, position) -> int:
    before = sum(c.num_leaves for c in treedef.children[:part])
    return before + sum(c.num_leaves for c in treedef.children[part].children[:position])
