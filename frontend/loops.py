"""``nj.scan``, ``nj.fori_loop``, ``nj.while_loop`` and ``nj.cond``: loops
and branches whose body is traced once, as in JAX (``jax.lax``).

Each binds a primitive of compiler/primitives/loops.py holding its body as
a sub-IR, so the body compiles once whatever the trip count, and every
transform applies to it (compiler/passes/loop_rules.py, branch_rules.py).
The tracing of the bodies is in loop_tracing.py.
"""
from __future__ import annotations

import math
from typing import Any, Callable, TypeVar

import numpy as np

from .compiler.primitives import loops as prims
from .compiler.primitives.loops import row_type
from .compiler.builder import is_tracing
from .loop_eager import arrays_of, eager_fori, eager_scan, eager_while
from .loop_tracing import (closed, conformed, flat_atoms, leaf_atoms, predicate_atom,
                           run_traced, trace_body, wrapped)
from .pytree import TreeDef, flatten
from .tracebacks import public_entry
from .tracer import Tracer, to_atom

Carry = TypeVar("Carry")
Result = TypeVar("Result")


def _check_callable(fn, where: str, name: str):
    if not callable(fn):
        raise TypeError(f"{where}: {name} must be callable, got {type(fn).__name__}")


def _pair_tree(first: TreeDef, second: TreeDef) -> TreeDef:
    return TreeDef("tuple", None, [first, second])


# -- scan --------------------------------------------------------------------------------------

@public_entry
def scan(f: Callable[[Carry, Any], tuple[Carry, Any]], init: Carry, xs: Any = None,
         length: int | None = None, reverse: bool = False, *,
         checkpoint: bool | int = False) -> tuple[Carry, Any]:
    """Loop ``f`` over the leading axis of ``xs``, threading a carry.

    The same as this Python loop, with ``f`` traced once and compiled as a
    loop body (so compile time does not grow with ``length``)::

        carry, ys = init, []
        for x in xs:                 # reversed(xs) with reverse=True
            carry, y = f(carry, x)
            ys.append(y)
        return carry, np.stack(ys)   # in the order of xs

    ``init``, ``xs`` and the ``y`` that ``f`` returns may be pytrees
    (tuples, lists, dicts of arrays); ``f`` must return a carry of the
    same structure, shapes and dtypes as ``init``.

    Parameters
    ----------
    f : callable
        ``f(carry, x) -> (carry, y)``; ``x`` is one row of each leaf of
        ``xs`` (None when ``xs`` is None), ``y`` any pytree of arrays (or None).
    init : pytree of arrays
        The initial carry.
    xs : pytree of arrays or None, default None
        Scanned along axis 0; every leaf has ``length`` rows.
    length : int or None, default None
        The number of iterations; needed when ``xs`` is None, checked
        against ``xs`` otherwise.
    reverse : bool, default False
        Run from the last row to the first (``ys`` keeps the order of ``xs``).
    checkpoint : bool or int, default False
        For reverse mode: False stores the carry of every iteration; an
        int ``k`` stores every k-th carry and recomputes the others
        (memory length/k + k carries, one more forward pass); True picks
        ``k`` about the square root of ``length``.

    Returns
    -------
    tuple
        ``(carry, ys)``: the final carry and the ``y`` of every iteration
        stacked along a new axis 0.

    Raises
    ------
    TypeError
        ``f`` is not callable, does not return a pair, or returns a carry
        whose structure, shape or dtype differs from ``init`` (the error
        names the leaf).
    ValueError
        ``xs`` leaves with different lengths or no leading axis, ``length``
        missing, negative or inconsistent with ``xs``, a bad ``checkpoint``.

    Examples
    --------
    >>> def cumulative(xs):
    ...     return nj.scan(lambda c, x: (c + x, c + x), 0.0, xs)
    >>> total, partial = nj.jit(cumulative)(np.arange(4.0))
    >>> float(total), partial.tolist()
    (6.0, [0.0, 1.0, 3.0, 6.0])
    """
    _check_callable(f, "nj.scan", "f")
    if is_tracing():
        return _scan(f, init, xs, length, reverse, checkpoint, "nj.scan's f", "carry")
    x_values, x_tree = arrays_of(xs, "nj.scan's xs")
    _interval(checkpoint, 0)
    steps = _scan_length([x.shape for x in x_values], length)
    if steps == 0:   # the types of the ys come from a trace
        return run_traced(lambda: _scan(f, init, xs, length, reverse, checkpoint,
                                        "nj.scan's f", "carry"))
    return eager_scan(f, init, x_values, x_tree, steps, reverse, "nj.scan's f", "carry")


def _scan(f, init, xs, length, reverse, checkpoint, what, role):
    init_leaves, init_tree = flatten(init)
    x_leaves, x_tree = flatten(xs)
    init_atoms = leaf_atoms(init_leaves, "nj.scan's init")
    x_atoms = leaf_atoms(x_leaves, "nj.scan's xs")
    length = _scan_length([a.type.shape for a in x_atoms], length)
    carry_types = [a.type for a in init_atoms]
    y_tree = []

    def finish(result):
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{what} must return a pair (carry, y), got "
                            f"{type(result).__name__}")
        atoms = conformed(result[0], carry_types, init_tree, what, role)
        y_atoms, tree = flat_atoms(result[1], what)
        y_tree.append(tree)
        return atoms + y_atoms, None
    body = trace_body(f, carry_types + [row_type(a.type) for a in x_atoms],
                      _pair_tree(init_tree, x_tree), what, finish)
    consts, (ir,) = closed([body])
    carries, ys = prims.scan(consts, init_atoms, x_atoms, body=ir, length=length,
                             reverse=bool(reverse), checkpoint=_interval(checkpoint, length))
    return wrapped(carries, init_tree), wrapped(ys, y_tree[0])


def _scan_length(shapes, length) -> int:
    if length is not None and (isinstance(length, bool) or not isinstance(
            length, (int, np.integer))):
        raise TypeError(f"nj.scan: length must be an int or None, got {length!r}")
    if length is not None and length < 0:
        raise ValueError(f"nj.scan: length must be >= 0, got {length}")
    if any(len(shape) == 0 for shape in shapes):
        raise ValueError("nj.scan: every leaf of xs needs a leading axis to scan over, "
                         f"got shapes {shapes}")
    lengths = {shape[0] for shape in shapes} | ({int(length)} if length is not None else set())
    if not lengths:
        raise ValueError("nj.scan: give xs or length (the number of iterations)")
    if len(lengths) > 1:
        raise ValueError(f"nj.scan: the leaves of xs and length disagree on the number of "
                         f"iterations: {sorted(lengths)} (xs shapes {shapes}, "
                         f"length={length})")
    return lengths.pop()


def _interval(checkpoint, length) -> int:
    """The checkpoint param: store every k-th carry (0: every carry)."""
    if checkpoint is True:
        return max(1, math.isqrt(length))
    if checkpoint is False or checkpoint is None:
        return 0
    if not isinstance(checkpoint, (int, np.integer)) or checkpoint < 1:
        raise ValueError(f"checkpoint must be a bool or an int >= 1, got {checkpoint!r}")
    return int(checkpoint)


# -- fori_loop ---------------------------------------------------------------------------------

@public_entry
def fori_loop(lower: int | Any, upper: int | Any, body_fun: Callable[[Any, Carry], Carry],
              init_val: Carry, *, checkpoint: bool | int = False) -> Carry:
    """Run ``val = body_fun(i, val)`` for ``i`` from ``lower`` to ``upper - 1``.

    The same as ``for i in range(lower, upper): val = body_fun(i, val)``
    with ``body_fun`` traced once (``i`` is a traced integer).  With Python
    int bounds it is a ``scan`` of ``upper - lower`` steps (the index is a
    carry), which every transform handles, reverse mode included.  With
    traced bounds (computed from arrays, or a Python int argument of a
    transformed function) it is a ``while_loop``: forward mode only.

    Parameters
    ----------
    lower : int or traced integer
        The first index.
    upper : int or traced integer
        One past the last index; no iteration runs when ``upper <= lower``.
    body_fun : callable
        ``body_fun(i, val) -> val``, returning the structure, shapes and
        dtypes of ``init_val``.
    init_val : pytree of arrays
        The initial value.
    checkpoint : bool or int, default False
        As for ``scan`` (int bounds only).

    Returns
    -------
    pytree of arrays
        The final value.

    Raises
    ------
    TypeError
        ``body_fun`` is not callable or changes the structure, shape or
        dtype of a leaf of ``init_val`` (the error names it); a bound
        that is not an integer.
    ValueError
        ``checkpoint`` with traced bounds or of a bad value.

    Examples
    --------
    >>> def power(x):
    ...     return nj.fori_loop(0, 3, lambda i, y: y * x, np.ones_like(x))
    >>> nj.jit(power)(np.array([2.0, 3.0])).tolist()
    [8.0, 27.0]
    >>> nj.grad(lambda x: power(x).sum())(np.array([2.0, 3.0])).tolist()
    [12.0, 27.0]
    """
    _check_callable(body_fun, "nj.fori_loop", "body_fun")
    what = "nj.fori_loop's body_fun"
    if all([_is_static_int(lower, "lower"), _is_static_int(upper, "upper")]):
        _interval(checkpoint, 0)
        if not is_tracing():
            return eager_fori(int(lower), int(upper), body_fun, init_val, what)
        return _static_fori(int(lower), int(upper), body_fun, init_val, checkpoint, what)
    if checkpoint:
        raise ValueError("nj.fori_loop: checkpoint needs Python int bounds (with traced "
                         "bounds the loop is a while_loop, which reverse mode cannot "
                         "differentiate anyway)")
    return _traced_fori(lower, upper, body_fun, init_val, what)


def _is_static_int(bound, name) -> bool:
    """Whether ``bound`` is a Python (or NumPy) int; raises if it is no integer."""
    dtype = bound.dtype if isinstance(bound, (Tracer, np.ndarray, np.generic)) else (
        np.dtype(type(bound)) if type(bound) in (int, bool, float) else None)
    if isinstance(bound, bool) or dtype is None or dtype.kind not in "iu" or np.ndim(bound):
        raise TypeError(f"nj.fori_loop: {name} must be an integer scalar, got {bound!r}")
    return not isinstance(bound, Tracer)


def _as_python_int(index: Tracer) -> Tracer:
    """The traced index, promoting as the Python int of ``range`` would
    (``y * i`` keeps the dtype of a float32 ``y``)."""
    return Tracer(index.atom, index.builder, weak=True)


def _static_fori(lower, upper, body_fun, init_val, checkpoint, what):
    val_leaves, val_tree = flatten(init_val)
    val_types = [a.type for a in leaf_atoms(val_leaves, "nj.fori_loop's init_val")]

    def step(carry, _):
        i, val = carry
        out = conformed(body_fun(_as_python_int(i), val), val_types, val_tree, what,
                        "init_val")
        return (i + 1, wrapped(out, val_tree)), None
    (_, val), _ = _scan(step, (np.int64(lower), init_val), None, max(upper - lower, 0), False,
                        checkpoint, what, "(index, init_val)")
    return val


def _traced_fori(lower, upper, body_fun, init_val, what):
    dtype = np.result_type(*(b.dtype if isinstance(b, Tracer) else np.asarray(b).dtype
                             for b in (lower, upper)))
    val_leaves, val_tree = flatten(init_val)
    val_types = [a.type for a in leaf_atoms(val_leaves, "nj.fori_loop's init_val")]

    def body(carry):
        i, val = carry
        out = conformed(body_fun(_as_python_int(i), val), val_types, val_tree, what,
                        "init_val")
        return i + np.asarray(1, dtype), wrapped(out, val_tree)
    start = wrapped([to_atom(lower, dtype)], flatten(0)[1])
    _, val = _while(lambda carry: carry[0] < upper, body, (start, init_val), what)
    return val


# -- while_loop --------------------------------------------------------------------------------

@public_entry
def while_loop(cond_fun: Callable[[Carry], Any], body_fun: Callable[[Carry], Carry],
               init_val: Carry) -> Carry:
    """Repeat ``val = body_fun(val)`` while ``cond_fun(val)`` holds.

    The same as ``while cond_fun(val): val = body_fun(val)`` with both
    functions traced once.  The number of iterations is known only when it
    runs, so reverse mode (grad, jacrev) cannot differentiate it: use
    ``fori_loop`` with int bounds or ``scan`` for that; forward mode (jvp,
    jacfwd) and vmap work (under vmap the loop runs until every example's
    ``cond_fun`` fails, each example keeping its value from its last step).

    Parameters
    ----------
    cond_fun : callable
        ``cond_fun(val)`` -> a scalar boolean (a 0-d array).
    body_fun : callable
        ``body_fun(val) -> val``, returning the structure, shapes and
        dtypes of ``init_val``.
    init_val : pytree of arrays
        The initial value.

    Returns
    -------
    pytree of arrays
        The value once ``cond_fun`` fails.

    Raises
    ------
    TypeError
        A function is not callable, ``cond_fun`` returns no scalar, or
        ``body_fun`` changes the structure, shape or dtype of a leaf (the
        error names it).
    NotImplementedError
        Differentiated in reverse mode.

    Examples
    --------
    >>> def halve_until_small(x):
    ...     return nj.while_loop(lambda v: v > 1.0, lambda v: v / 2.0, x)
    >>> float(nj.jit(halve_until_small)(np.array(10.0)))
    0.625
    """
    _check_callable(cond_fun, "nj.while_loop", "cond_fun")
    _check_callable(body_fun, "nj.while_loop", "body_fun")
    if not is_tracing():
        return eager_while(cond_fun, body_fun, init_val)
    return _while(cond_fun, body_fun, init_val, "nj.while_loop")


def _while(cond_fun, body_fun, init_val, where):
    leaves, tree = flatten(init_val)
    init = leaf_atoms(leaves, f"{where}'s init_val")
    types = [a.type for a in init]
    in_tree = TreeDef("tuple", None, [tree])
    cond_what, body_what = f"{where}'s cond_fun", f"{where}'s body_fun"
    cond = trace_body(cond_fun, types, in_tree, cond_what,
                      lambda p: ([predicate_atom(p, cond_what + "'s result")], None))
    body = trace_body(body_fun, types, in_tree, body_what,
                      lambda v: (conformed(v, types, tree, body_what, "init_val"), None))
    consts, (cond_ir, body_ir) = closed([cond, body])
    return wrapped(prims.while_loop(consts, init, cond=cond_ir, body=body_ir), tree)


# -- cond --------------------------------------------------------------------------------------

@public_entry
def cond(pred: Any, true_fun: Callable[..., Result], false_fun: Callable[..., Result],
         *operands: Any) -> Result:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    A concrete ``pred`` (a Python or NumPy bool) calls the branch it picks.
    A traced one traces both branches, which must return the same
    structure, shapes and dtypes, and runs the one ``pred`` picks; under
    vmap with a batched ``pred`` both run and each example takes its
    branch's result (as ``np.where`` would).

    Parameters
    ----------
    pred : bool or scalar array
        The condition (a non-bool scalar is compared with zero).
    true_fun : callable
        Called with ``operands`` when ``pred`` holds.
    false_fun : callable
        Called with ``operands`` otherwise.
    *operands : pytree of arrays
        The branches' arguments.

    Returns
    -------
    pytree of arrays
        The chosen branch's result.

    Raises
    ------
    TypeError
        A branch is not callable, ``pred`` is not a scalar, or the branches
        return different structures, shapes or dtypes (the error names the leaf).

    Examples
    --------
    >>> def safe_log(x):
    ...     return nj.cond(x.sum() > 0, lambda v: np.log(v), lambda v: v * 0.0, x)
    >>> nj.jit(safe_log)(np.array([1.0, np.e])).tolist()
    [0.0, 1.0]
    """
    _check_callable(true_fun, "nj.cond", "true_fun")
    _check_callable(false_fun, "nj.cond", "false_fun")
    if not isinstance(pred, Tracer):
        if np.ndim(pred) != 0:
            raise TypeError(f"nj.cond: pred must be a scalar, got shape {np.shape(pred)}")
        return true_fun(*operands) if pred else false_fun(*operands)
    return _cond(pred, true_fun, false_fun, operands)


def _cond(pred, true_fun, false_fun, operands):
    leaves, tree = flatten(operands)
    atoms = leaf_atoms(leaves, "nj.cond's operands")
    types = [a.type for a in atoms]
    pred_atom = predicate_atom(pred, "nj.cond's pred")
    true = trace_body(true_fun, types, tree, "nj.cond's true_fun",
                      lambda r: flat_atoms(r, "nj.cond's true_fun"))
    true_types = [a.type for a in true.outputs]
    false = trace_body(false_fun, types, tree, "nj.cond's false_fun",
                       lambda r: (conformed(r, true_types, true.out_tree, "nj.cond's false_fun",
                                            "result"), None))
    consts, (true_ir, false_ir) = closed([true, false])
    outs = prims.cond(pred_atom, consts + atoms, true_branch=true_ir, false_branch=false_ir)
    return wrapped(outs, true.out_tree)
