"""Sparse Jacobians and Hessians as users call them:
``nj.jacobian_sparsity``, ``nj.hessian_sparsity``, ``nj.sparse_jacobian``
and ``nj.sparse_hessian`` (the staging is in
transforms/sparse_jacobians.py; docs/sparse.md is the guide)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal

import numpy as np

from .compiler.builder import is_tracing
from .tracebacks import public_entry
from .transforms.arguments import check_callable
from .transforms.sparse_jacobians import (SparseJacobianKernel, SparsityPattern,
                                         unpacked_structure)

if TYPE_CHECKING:
    import scipy.sparse as sp   # at run time imported on use: it costs a fifth of a second

Format = Literal["csr", "csc", "coo"]
Mode = Literal["auto", "forward", "reverse"]
Coloring = Literal["auto", "star", "acyclic"]


class SparseResult:
    """Calls a staged kernel returning, per argnum, the data (unless
    ``pattern_only``) and the structure (one constant array:
    transforms/sparse_jacobians.py, ``packed_structure``), and builds the
    scipy.sparse array; ``.lower(*args)`` gives its stages.

    Per structure one array is built, with read-only index arrays of the
    smallest index dtype SciPy would choose; each call hands out a shallow
    copy of it holding the new data.  SciPy's constructor would check and
    convert the index arrays on every call (about 25 us for 8,000
    entries); the copy costs well under 1 us, and the shared indices,
    being read-only, cannot be corrupted."""

    def __init__(self, kernel, layout: str, pattern_only: bool = False):
        self.kernel, self.layout, self.pattern_only = kernel, layout, pattern_only
        self.__name__ = kernel.name
        self.__wrapped__ = kernel
        self.templates: dict = {}   # id(structure array) -> (that array, template)
        self.one_block = isinstance(kernel.argnums, int)
        self.per_block = 1 if pattern_only else 2

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if is_tracing():
            raise TypeError(f"{self.kernel.name} returns a scipy.sparse array, which cannot "
                            "be traced: inside jit, vmap or a derivative use "
                            f"{self.kernel.name}(..., data_only=True)")
        outs = self.kernel(*args, **kwargs)
        if self.one_block:
            return self.block(*outs)
        # A tuple of argnums: a tuple of arrays, as jacrev gives a tuple of blocks.
        n = self.per_block
        return tuple(self.block(*outs[k:k + n]) for k in range(0, len(outs), n))

    def block(self, *outs):
        """The array of one argnum from its kernel outputs."""
        if self.pattern_only:
            template = self.template(outs[0])
            return with_data(template, np.ones(len(template.data), dtype=bool))
        data, structure = outs
        return with_data(self.template(structure), data)

    def template(self, structure):
        """The array of this structure (the kernel returns the same constant
        array on every call of one entry: its identity is the key)."""
        kept = self.templates.get(id(structure))
        if kept is None or kept[0] is not structure:
            first, second, shape = unpacked_structure(structure)
            kept = (structure, structure_template(self.layout, first, second, shape))
            self.templates[id(structure)] = kept
        return kept[1]

    def lower(self, *args: Any, **kwargs: Any):
        return self.kernel.lower(*args, **kwargs)


def structure_template(layout: str, first, second, shape):
    """A scipy.sparse array of ``layout`` with these index arrays (copied,
    in SciPy's index dtype, read-only) and no data yet."""
    import scipy.sparse as sp
    # Copies: the kernel's arrays are (views of) a constant it is called with.
    first, second = first.copy(), second.copy()
    data = np.zeros(len(first))
    if layout == "coo":
        array = sp.coo_array((data, (first, second)), shape=shape)
        index_arrays = array.coords
    else:
        build = sp.csc_array if layout == "csc" else sp.csr_array
        array = build((data, first, second), shape=shape)
        array.has_sorted_indices = True     # the kernel's structure is sorted
        index_arrays = (array.indices, array.indptr)
    for index in index_arrays:
        index.flags.writeable = False
    return array


def with_data(template, data):
    """A new array sharing ``template``'s (read-only) structure, holding
    ``data``: a shallow copy, as ``copy.copy`` makes, without its detour
    through pickling's protocol."""
    array = object.__new__(type(template))
    array.__dict__.update(template.__dict__)
    array.data = data
    return array


@public_entry
def jacobian_sparsity(func: Callable[..., Any], argnums: int = 0) -> Callable[..., sp.csr_array]:
    """The structural sparsity pattern of the Jacobian, read from the IR.

    The pattern is found by propagating index sets through the traced
    function, not by evaluating it: entry (i, j) is stored when output
    element i depends on input element j through a derivative that is not
    identically zero.  It is exact for elementwise math, broadcasting,
    slices, concatenation, padding, ``np.roll``, reshapes, transposes,
    reductions, products (``@``, ``einsum``), ``np.where`` and indexing with
    index arrays written in the function; it is conservative (an entry may
    be stored whose value is always 0, none is ever missing) where indices
    are computed from the arguments, where a constant matrix multiplies
    (every entry of it counts), and inside loops (``chunk_size``).

    Parameters
    ----------
    func : callable
        Takes arrays and returns one float array.
    argnums : int or tuple of ints, default 0
        The positional argument to differentiate (one float array), or
        several: then a tuple of patterns, one per argument.

    Returns
    -------
    callable
        Called like ``func``, it returns a ``scipy.sparse.csr_array`` of
        bools, shape ``(output size, input size)`` (arrays flattened in C
        order), usable as SciPy's ``jac_sparsity`` (a tuple of them for a
        tuple of argnums).  Traced once per call signature, then cached.

    Raises
    ------
    TypeError
        ``func`` is not callable, ``argnums`` names no float array, or the
        output is not one float array.
    NotImplementedError
        A primitive of the function has no sparsity rule.

    See Also
    --------
    sparse_jacobian : the Jacobian's values in this structure.
    hessian_sparsity : the same for second derivatives.

    Examples
    --------
    >>> def f(x):
    ...     return x[1:] * x[:-1]
    >>> nj.jacobian_sparsity(f)(np.ones(4)).toarray().astype(int)
    array([[1, 1, 0, 0],
           [0, 1, 1, 0],
           [0, 0, 1, 1]])
    """
    check_callable(func, "jacobian_sparsity")
    return SparseResult(SparsityPattern(func, argnums), "csr", pattern_only=True)


@public_entry
def hessian_sparsity(func: Callable[..., Any], argnums: int = 0) -> Callable[..., sp.csr_array]:
    """The structural sparsity pattern of the Hessian of a scalar function.

    Found by a second-order propagation through the IR: entry (j, k) is
    stored when input elements j and k meet in a nonlinear operation (a
    product, ``sin``, a power, ...) whose result the output depends on.
    Linear operations add no entries, so a sum of terms each coupling
    neighbours gives a banded pattern.  Exact and conservative in the same
    places as ``jacobian_sparsity``.

    Parameters
    ----------
    func : callable
        Takes arrays and returns a 0-d float array.
    argnums : int, default 0
        The positional argument to differentiate (one float array).

    Returns
    -------
    callable
        Called like ``func``, it returns a symmetric ``scipy.sparse.csr_array``
        of bools of shape ``(n, n)``, n the argument's size.

    Raises
    ------
    TypeError, NotImplementedError
        As ``jacobian_sparsity``.
    ValueError
        The output is not 0-d.

    Examples
    --------
    >>> def rosenbrock(x):
    ...     return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> nj.hessian_sparsity(rosenbrock)(np.ones(4)).toarray().astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 0],
           [0, 1, 1, 1],
           [0, 0, 1, 1]])
    """
    check_callable(func, "hessian_sparsity")
    return SparseResult(SparsityPattern(func, argnums, hessian=True), "csr", pattern_only=True)


def _kernel_or_result(kernel, layout, data_only):
    return kernel if data_only else SparseResult(kernel, layout)


@public_entry
def sparse_jacobian(func: Callable[..., Any], argnums: int = 0, *, mode: Mode = "auto",
                    format: Format = "csr", data_only: bool = False) -> Callable[..., Any]:
    """The Jacobian as a ``scipy.sparse`` array, computed compressed.

    Per call signature numjac finds the pattern (``jacobian_sparsity``),
    colors its columns (for forward mode: columns sharing no row get one
    color) or its rows (reverse mode), and compiles one kernel computing a
    jvp (or vjp) per color, batched, and gathering the entries into the
    data array of a fixed structure.  A banded Jacobian of any size costs a
    handful of derivative evaluations.

    Parameters
    ----------
    func : callable
        A function of arrays returning one float array.
    argnums : int or tuple of ints, default 0
        Which positional argument (a float array) the columns stand for; a
        tuple gives a tuple of arrays, one per argument (as ``jacrev`` gives
        a tuple of blocks), each block colored and computed on its own, in
        one kernel.
    mode : {"auto", "forward", "reverse"}, default "auto"
        Forward mode with a column coloring, reverse mode with a row
        coloring, or whichever needs fewer colors (forward on a tie).
    format : {"csr", "csc", "coo"}, default "csr"
        The scipy.sparse format returned (and the order of ``data_only``'s
        entries).
    data_only : bool, default False
        Return the entries only, a 1-d array in the order of the format's
        ``.data`` (``jacobian_sparsity(func)(*args)`` converted to the
        format gives the structure).  This form is a numjac transform: it
        works inside ``nj.jit`` and ``nj.vmap`` and has ``.lower()``.

    Returns
    -------
    callable
        Called like ``func``: a ``scipy.sparse`` array of shape ``(output
        size, input size)``, or with ``data_only`` the entries (tuples of
        them for a tuple of argnums).  Each call returns a new array with
        its own ``data``; its index arrays are shared between the calls of
        one signature and read-only (copy the
        array, ``J.copy()``, before changing its structure in place, as
        ``eliminate_zeros`` does).

    Raises
    ------
    TypeError
        ``func`` is not callable, ``argnums`` names no float array, the
        output is not one float array, or the sparse form is called inside a
        trace (use ``data_only=True`` there).
    ValueError
        An unknown ``mode`` or ``format``.
    NotImplementedError
        A primitive of the function has no sparsity rule.

    See Also
    --------
    jacobian_sparsity : the pattern alone.
    sparse_hessian : the symmetric case, with a star coloring.

    Examples
    --------
    >>> def f(x):
    ...     return x[1:] * x[:-1]
    >>> J = nj.sparse_jacobian(f)(np.array([1.0, 2.0, 3.0]))
    >>> J.toarray().tolist()
    [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]]
    >>> nj.sparse_jacobian(f, data_only=True)(np.array([1.0, 2.0, 3.0])).tolist()
    [2.0, 1.0, 3.0, 2.0]
    """
    check_callable(func, "sparse_jacobian")
    kernel = SparseJacobianKernel(func, argnums, mode=mode, layout=format, data_only=data_only)
    return _kernel_or_result(kernel, format, data_only)


@public_entry
def sparse_hessian(func: Callable[..., Any], argnums: int = 0, *, format: Format = "csr",
                   data_only: bool = False, coloring: Coloring = "auto") -> Callable[..., Any]:
    """The Hessian of a scalar function as a ``scipy.sparse`` array.

    The pattern comes from ``hessian_sparsity``; the compressed Hessian is
    computed as forward-mode derivatives of the gradient, one per color of
    the pattern, in one compiled kernel.  A star coloring (every path of
    four variables sees three colors) lets each entry be read from one of
    its two symmetric places; an acyclic coloring (every cycle sees three
    colors) often needs fewer colors, and each entry is then solved for
    along the tree its two colors form (a short signed sum, fixed per
    signature).

    Parameters
    ----------
    func : callable
        A function of arrays returning a scalar (a 0-d float array).
    argnums : int, default 0
        Which positional argument (a float array) the Hessian is of.
    format : {"csr", "csc", "coo"}, default "csr"
        The scipy.sparse format returned.
    data_only : bool, default False
        Return the entries only (in the order of ``hessian_sparsity``'s
        pattern in that format), as a numjac transform.
    coloring : {"auto", "star", "acyclic"}, default "auto"
        "auto" takes the acyclic coloring when it has fewer colors and its
        entries are sums of at most 4 compressed values on average, else
        the star coloring (a tridiagonal pattern: 3 star colors read
        directly, rather than 2 acyclic ones whose sums grow with n).

    Returns
    -------
    callable
        Called like ``func``: a symmetric ``scipy.sparse`` array of shape
        ``(n, n)``, or with ``data_only`` the entries.

    Raises
    ------
    TypeError, ValueError, NotImplementedError
        As ``sparse_jacobian``; TypeError also for a tuple of argnums.
    ValueError
        The output is not 0-d.  The Hessians of a vector function (torch's
        ``hessian`` returns an (m, n, n) array) do not fit a scipy.sparse
        array: ``nj.sparse_jacobian(nj.jacrev(f))`` gives them stacked,
        rows ``i*n`` to ``i*n + n - 1`` holding element i's Hessian; a
        weighted sum (a Lagrangian ``lambda x: w @ f(x)``) is a scalar.

    Examples
    --------
    >>> def f(x):
    ...     return np.sum(x[1:] ** 2 * x[:-1])
    >>> nj.sparse_hessian(f)(np.array([1.0, 2.0, 3.0])).toarray().tolist()
    [[0.0, 4.0, 0.0], [4.0, 2.0, 6.0], [0.0, 6.0, 4.0]]
    """
    check_callable(func, "sparse_hessian")
    kernel = SparseJacobianKernel(func, argnums, layout=format, data_only=data_only,
                                  hessian=True, coloring=coloring)
    return _kernel_or_result(kernel, format, data_only)
