"""Products: np.dot, np.matmul (@), np.vdot, np.inner, np.outer,
np.tensordot and np.einsum, all lowered to the one ``dot_general``
primitive (plus masks and sums for einsum's diagonals)."""
from __future__ import annotations

import operator

import numpy as np

from ..compiler.primitives.elementwise import mul
from ..compiler.primitives.linalg import dot_general
from ..compiler.primitives.reductions import reduce_sum
from ..compiler.primitives.structural import (broadcast_in_dim, broadcast_to, eye,
                                              moveaxis, reshape, transpose)
from ..errors import unsupported
from ..tracer import is_traced, to_atom, wrap
from .table import implements
from .ufuncs import reject_ufunc_kwargs, resolved_atoms


def _array_dtype(x):
    # These functions convert Python scalars with np.asarray: no weak scalars.
    return x.dtype if is_traced(x) else np.asarray(x).dtype


def _common_atoms(*operands):
    dtype = np.result_type(*(_array_dtype(x) for x in operands))
    return [to_atom(x, dtype) for x in operands]


def _reject_out(name, out):
    if out is not None:
        raise unsupported(f"numpy.{name}(out=...)",
                          "traced arrays are immutable; use the returned value")


def _flat(x):
    return reshape(x, (x.type.size,))


def _ndim(x):
    return x.type.ndim


# ------------------------------------------------------- dot and friends ----

def _dot_axes(a, b) -> tuple:
    """The axes np.dot and matmul contract: a's last against b's
    second-to-last (or only) one."""
    return _ndim(a) - 1, max(_ndim(b) - 2, 0)


def _dot(a, b):
    """np.dot; a 0-d operand contracts nothing, which is a plain product."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return dot_general(a, b, ((), ()))
    i, j = _dot_axes(a, b)
    return dot_general(a, b, ((i,), (j,)))


def _misaligned(a, b) -> bool:
    """Whether the axes np.dot and matmul contract differ in size."""
    i, j = _dot_axes(a, b)
    return a.type.shape[i] != b.type.shape[j]


def _check_dot_aligned(a, b):
    """NumPy's message for np.dot's operands (not dot_general's)."""
    if _ndim(a) == 0 or _ndim(b) == 0 or not _misaligned(a, b):
        return
    (i, j), sa, sb = _dot_axes(a, b), a.type.shape, b.type.shape
    raise ValueError(f"dot: shapes {sa} and {sb} not aligned: "
                     f"{sa[i]} (dim {i}) != {sb[j]} (dim {j})")


@implements(np.dot)
def dot(a, b, out=None):
    _reject_out("dot", out)
    a, b = _common_atoms(a, b)
    _check_dot_aligned(a, b)
    return wrap(_dot(a, b))


@implements(np.vdot)
def vdot(a, b):
    a, b = _common_atoms(a, b)
    return wrap(dot_general(_flat(a), _flat(b), ((0,), (0,))))


@implements(np.inner)
def inner(a, b):
    a, b = _common_atoms(a, b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return wrap(dot_general(a, b, ((), ())))
    return wrap(dot_general(a, b, ((_ndim(a) - 1,), (_ndim(b) - 1,))))


@implements(np.outer)
def outer(a, b, out=None):
    _reject_out("outer", out)
    a, b = _common_atoms(a, b)
    return wrap(dot_general(_flat(a), _flat(b), ((), ())))


# ---------------------------------------------------------------- matmul ----

def _check_matmul_shapes(a, b):
    """NumPy's messages for matmul's (and ``@``'s) operands, naming their shapes."""
    for k, x in enumerate((a, b)):
        if _ndim(x) == 0:
            raise ValueError(f"matmul: input operand {k} is 0-d; matmul needs operands "
                             "with at least one dimension")
    (i, j), sa, sb = _dot_axes(a, b), a.type.shape, b.type.shape
    if _misaligned(a, b):
        raise ValueError(f"matmul: input operand 1 has a mismatch in its core dimension 0 "
                         f"(size {sb[j]} is different from {sa[i]}): operand shapes {sa} "
                         f"and {sb}")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ValueError(f"matmul: the batch dimensions {sa[:-2]} and {sb[:-2]} of operand "
                         f"shapes {sa} and {sb} do not broadcast together") from None


def _matmul(a, b):
    _check_matmul_shapes(a, b)
    if _ndim(a) == 1 or _ndim(b) <= 2:
        # Only one operand can have batch axes: np.dot's layout is matmul's.
        return _dot(a, b)
    if _ndim(a) == 2:
        # (n, batch..., m): the rows of the unbatched a go after the batch.
        return moveaxis(_dot(a, b), 0, _ndim(b) - 2)
    batch = np.broadcast_shapes(a.type.shape[:-2], b.type.shape[:-2])
    a = broadcast_to(a, batch + a.type.shape[-2:])
    b = broadcast_to(b, batch + b.type.shape[-2:])
    batch_axes = tuple(range(len(batch)))
    return dot_general(a, b, ((len(batch) + 1,), (len(batch),)), (batch_axes, batch_axes))


@implements(np.matmul)
def matmul(a, b, **kwargs):
    reject_ufunc_kwargs(np.matmul, kwargs)
    return wrap(_matmul(*resolved_atoms(np.matmul, (a, b))))


# ------------------------------------------------------------- tensordot ----

def _normalized_axes(axes, ndim):
    axes = list(axes) if isinstance(axes, (tuple, list)) else [axes]
    return tuple(a + ndim if a < 0 else a for a in map(operator.index, axes))


def _tensordot_axes(axes, a_ndim, b_ndim):
    if isinstance(axes, np.ndarray):
        axes = axes.tolist()
    if isinstance(axes, (tuple, list)):
        if len(axes) != 2:
            raise ValueError("tensordot: axes must be an int or a pair of axis sequences")
        return _normalized_axes(axes[0], a_ndim), _normalized_axes(axes[1], b_ndim)
    n = operator.index(axes)
    if not 0 <= n <= min(a_ndim, b_ndim):
        raise ValueError(f"tensordot: cannot contract {n} axes of operands with "
                         f"{a_ndim} and {b_ndim} dimensions")
    return tuple(range(a_ndim - n, a_ndim)), tuple(range(n))


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    a, b = _common_atoms(a, b)
    return wrap(dot_general(a, b, _tensordot_axes(axes, _ndim(a), _ndim(b))))


# ---------------------------------------------------------------- einsum ----
# Labels are letters; the axes an ellipsis stands for get the labels 0, 1, ...
# aligned at the right, so ellipses broadcast against each other.

def _sublist_subscripts(args):
    """np.einsum(x, [0, 1], y, [1, 2], [0, 2]) as (subscripts, operands)."""
    def term(sublist):
        return "".join("..." if s is Ellipsis else _SUBLIST_LETTERS[operator.index(s)]
                       for s in sublist)
    output = "->" + term(args[-1]) if len(args) % 2 else ""
    pairs = args[:len(args) - len(args) % 2]
    return ",".join(map(term, pairs[1::2])) + output, pairs[0::2]


_SUBLIST_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _term_labels(term, ndim, width, where):
    """The labels of a term naming ``ndim`` axes; ``width`` ellipsis axes
    exist in all."""
    head, dots, tail = term.partition("...")
    for letter in head + tail:
        if not letter.isalpha():
            raise ValueError(f"einsum: invalid subscript {letter!r} in {where}; "
                             "subscripts must be letters")
    n_ellipsis = ndim - len(head) - len(tail)
    if n_ellipsis < 0 or (n_ellipsis and not dots):
        raise ValueError(f"einsum: subscripts {term!r} do not fit the {ndim} axes of "
                         f"{where}; '...' must stand for the axes not named")
    return list(head) + list(range(width - n_ellipsis, width)) + list(tail)


def _parse_einsum(subscripts, ndims):
    """(labels of each operand, labels of the output)."""
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: {len(terms)} operand terms in {subscripts!r} for "
                         f"{len(ndims)} operands")
    width = max([n - len(t.replace("...", "")) for t, n in zip(terms, ndims) if "..." in t],
                default=0)
    labels = [_term_labels(t, n, width, f"operand {i}")
              for i, (t, n) in enumerate(zip(terms, ndims))]
    if not arrow:
        letters = [l for term in labels for l in term if isinstance(l, str)]
        return labels, list(range(width)) + sorted(l for l in set(letters)
                                                   if letters.count(l) == 1)
    out = _term_labels(output, len(output.replace("...", "")) + width, width, "the output")
    for label in out:
        if out.count(label) > 1 or not any(label in term for term in labels):
            raise ValueError(f"einsum: output subscript {label!r} is repeated or never "
                             "appears in an input")
    return labels, out


def _take_diagonal(x, labels):
    """Collapse the first repeated label of ``x``: mask with the identity and
    sum, which is linear in ``x`` (no gather needed)."""
    p = next(i for i, l in enumerate(labels) if labels.count(l) > 1)
    q = labels.index(labels[p], p + 1)
    n = x.type.shape[p]
    if x.type.shape[q] != n:
        raise ValueError(f"einsum: axes {p} and {q} of {x.type} for repeated subscript "
                         f"{labels[p]!r} differ in size")
    mask = broadcast_in_dim(eye(x.type.dtype, n), x.type.shape, (p, q))
    return reduce_sum(mul(x, mask), (q,)), labels[:q] + labels[q + 1:]


def _label_sizes(operands):
    sizes = {}
    for x, labels in operands:
        for label, n in zip(labels, x.type.shape):
            if sizes.get(label, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: subscript {label!r} has sizes {sizes[label]} "
                                 f"and {n}, which do not broadcast")
            if n != 1 or label not in sizes:     # a size-0 axis is not a unit one
                sizes[label] = n
    return sizes


def _squeeze_broadcast(x, labels, sizes):
    """Drop the size-1 axes that broadcast against a longer one elsewhere."""
    keep = [i for i, l in enumerate(labels) if x.type.shape[i] == sizes[l]]
    return reshape(x, [x.type.shape[i] for i in keep]), [labels[i] for i in keep]


def _labels_of(operands):
    return {l for _, labels in operands for l in labels}


def _sum_unshared(operands, out_labels):
    """Sum each operand over the labels no other operand or the output has."""
    summed = []
    for i, (x, labels) in enumerate(operands):
        needed = _labels_of(operands[:i] + operands[i + 1:]) | set(out_labels)
        axes = [k for k, l in enumerate(labels) if l not in needed]
        summed.append((reduce_sum(x, axes), [l for l in labels if l in needed]))
    return summed


def _contract_pair(first, second, later):
    """dot_general of two labelled operands; shared labels still needed
    ``later`` become batch axes, the other shared ones are summed."""
    (x, xl), (y, yl) = first, second
    shared = [l for l in xl if l in yl]
    batch = [l for l in shared if l in later]
    summed = [l for l in shared if l not in later]

    def positions(labels, chosen):
        return tuple(labels.index(l) for l in chosen)

    out = dot_general(x, y, (positions(xl, summed), positions(yl, summed)),
                      (positions(xl, batch), positions(yl, batch)))
    return out, batch + [l for l in xl if l not in shared] + [l for l in yl if l not in shared]


def _contract_in_order(operands, path, out_labels):
    """Follow ``path`` (np.einsum_path's steps): each step replaces the
    listed operands with their product, appended at the end."""
    operands = list(operands)
    for step in path:
        picked = [operands[i] for i in sorted(step)]
        operands = [op for i, op in enumerate(operands) if i not in step]
        result = picked[0]
        for k, other in enumerate(picked[1:], start=2):
            later = _labels_of(operands + picked[k:]) | set(out_labels)
            result = _contract_pair(result, other, later)
        operands.append(result)
    (x, labels), = operands
    return transpose(x, [labels.index(l) for l in out_labels])


def _einsum_path(subscripts, atoms, strategy):
    dummies = [np.broadcast_to(np.empty(()), a.type.shape) for a in atoms]
    return np.einsum_path(subscripts, *dummies, optimize=strategy)[0][1:]


_PATH_STRATEGIES = {False: "greedy", True: "greedy", "greedy": "greedy",
                    "optimal": "optimal"}


def _einsum_options(out, optimize, dtype, casting):
    _reject_out("einsum", out)
    if dtype is not None or casting != "safe":
        raise unsupported("numpy.einsum(dtype=..., casting=...)",
                          "convert the operands with .astype instead")
    if not isinstance(optimize, (bool, str)) or optimize not in _PATH_STRATEGIES:
        raise unsupported(f"numpy.einsum(optimize={optimize!r})",
                          "optimize may be False, True, 'greedy' or 'optimal'")
    return _PATH_STRATEGIES[optimize]


@implements(np.einsum)
def einsum(*args, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    # ``order`` only picks the memory layout of NumPy's result: ignored.
    strategy = _einsum_options(out, optimize, dtype, casting)
    if isinstance(args[0], str):
        subscripts, operands = args[0], args[1:]
    else:
        subscripts, operands = _sublist_subscripts(args)
    atoms = _common_atoms(*operands)
    in_labels, out_labels = _parse_einsum(subscripts, [_ndim(a) for a in atoms])
    labelled = []
    for x, labels in zip(atoms, in_labels):
        while len(set(labels)) < len(labels):
            x, labels = _take_diagonal(x, labels)
        labelled.append((x, labels))
    sizes = _label_sizes(labelled)
    labelled = _sum_unshared([_squeeze_broadcast(x, labels, sizes) for x, labels in labelled],
                             out_labels)
    path = _einsum_path(subscripts, atoms, strategy)
    return wrap(_contract_in_order(labelled, path, out_labels))
