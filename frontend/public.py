"""The transforms as users call them: ``nj.jit`` and ``nj.vmap`` here,
the derivatives in public_derivatives.py.

Each is a typed, documented function that builds the ``StagedFunction``
doing the work (api.py, vmap.py, transforms/).  Called with options only it
returns a decorator (``@nj.jacrev(argnums=1)``); the overloads say so to a
type checker, and ``help()`` shows the first one, the call with ``func``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, ParamSpec, TypeVar, get_overloads, overload

from . import api
from . import vmap as vmapping
from .tracebacks import public_entry
from .typing import Backend, Dims, Randomness, Transformed

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


class _NoFunc:
    """The default of ``func``: omitted, the transform returns a decorator
    (a default of None would make ``nj.jacrev(None)`` a decorator, not the
    TypeError it should be)."""

    def __repr__(self) -> str:
        return "<decorator>"


NO_FUNC: Any = _NoFunc()


def applied(transform: Callable[..., Any], func: Any, *args: Any, **options: Any) -> Any:
    """``transform(func, *args, **options)``, or with ``func`` omitted the
    decorator that applies it."""
    if func is NO_FUNC:
        return public_entry(lambda f: transform(f, *args, **options))
    return transform(func, *args, **options)


def shown_as_first_overload(fn: F) -> F:
    """``help(fn)`` and ``inspect.signature(fn)`` show the call with ``func``."""
    fn.__signature__ = inspect.signature(get_overloads(fn)[0])  # type: ignore[attr-defined]
    return fn


@overload
def jit(func: Callable[P, R], *, static_argnums: int | tuple[int, ...] = (),
        backend: Backend | None = None) -> Transformed[P, R]: ...
@overload
def jit(*, static_argnums: int | tuple[int, ...] = (), backend: Backend | None = None
        ) -> Callable[[Callable[P, R]], Transformed[P, R]]: ...
@public_entry
@shown_as_first_overload
def jit(func: Any = NO_FUNC, *, static_argnums: int | tuple[int, ...] = (),
        backend: Backend | None = None) -> Any:
    """Compile ``func`` once per call signature and reuse the kernel.

    The first call with new argument types traces ``func`` on NumPy arrays
    into numjac's IR, optimizes it and compiles it (with Numba unless the
    backend says otherwise); later calls with the same structure, dtypes and
    shapes run the cached kernel.  A Python float or int argument is traced
    as a 0-d value, so a changing value does not recompile.

    Parameters
    ----------
    func : callable
        A function of NumPy arrays (and pytrees of them) returning arrays.
        Omitted, ``jit(**options)`` returns a decorator.
    static_argnums : int or tuple of int, default ()
        Positional arguments whose values, not only their types, are part of
        the signature: each new value compiles anew.  They must be hashable.
    backend : {"numba", "interpret"} or None, default None
        What runs the IR: "interpret" is the reference interpreter.  None
        reads the ``NUMJAC_BACKEND`` environment variable, else "numba".

    Returns
    -------
    Transformed
        Called like ``func``, it returns ``func``'s outputs as NumPy arrays
        in the same structure (a scalar output as a 0-d array).
        ``.lower(*args)`` returns the stages (IRs and kernel source).

    Raises
    ------
    TypeError
        ``func`` is not callable or ``static_argnums`` holds a non-int; at
        call time, an argument that is neither an array nor hashable.
    ValueError
        An unknown backend; at call time, a ``static_argnums`` entry out of
        range.
    ConcretizationError
        ``func`` uses a traced value as a Python bool, int or float.
    UnsupportedOperationError
        ``func`` calls NumPy in a way numjac cannot trace.

    See Also
    --------
    make_ir : the traced IR without compiling.

    Examples
    --------
    >>> def f(x, y):
    ...     return np.sin(x) * y
    >>> nj.jit(f)(np.array([0.0, np.pi / 2]), 2.0).tolist()
    [0.0, 2.0]
    >>> @nj.jit(static_argnums=1)
    ... def power(x, n):
    ...     return x ** n
    >>> power(np.array([2.0, 3.0]), 3).tolist()
    [8.0, 27.0]
    """
    return applied(api.jit, func, static_argnums=static_argnums, backend=backend)


@overload
def vmap(func: Callable[..., Any], in_dims: Dims = 0, out_dims: Dims = 0,
         randomness: Randomness = "error", *, chunk_size: int | None = None
         ) -> Transformed[..., Any]: ...
@overload
def vmap(*, in_dims: Dims = 0, out_dims: Dims = 0, randomness: Randomness = "error",
         chunk_size: int | None = None) -> Callable[[Callable[..., Any]],
                                                    Transformed[..., Any]]: ...
@public_entry
@shown_as_first_overload
def vmap(func: Any = NO_FUNC, in_dims: Dims = 0, out_dims: Dims = 0,
         randomness: Randomness = "error", *, chunk_size: int | None = None) -> Any:
    """Map ``func`` over an axis of its arguments, as torch.func.vmap does.

    ``func`` is written for one example; the result takes a batch of them
    (the axis ``in_dims`` of each argument) and returns the batch of results
    (the axis ``out_dims`` of each output), computed in one kernel.

    Parameters
    ----------
    func : callable
        A function of arrays and pytrees of arrays.  Omitted,
        ``vmap(**options)`` returns a decorator.
    in_dims : int, None or tuple, default 0
        The mapped axis of each positional argument: one int or None for all
        of them, or a tuple with one entry per positional argument, each an
        int, None (not mapped) or a structure matching that argument.
        Negative axes count from the end.  Keyword arguments are never
        mapped.
    out_dims : int, None or tuple, default 0
        Where the batch axis goes in each output, in the same forms.  None
        only for an output that does not vary along the batch.
    randomness : {"error", "different", "same"}, default "error"
        What ``nj.random`` draws inside ``func`` do: "error" raises,
        "same" draws once for the whole batch, "different" draws
        independently for each example.
    chunk_size : int or None, default None
        Compute that many examples at a time (a loop of chunks) to bound
        memory; None maps all at once.

    Returns
    -------
    Transformed
        Takes batched arguments; each output has the batch size ``B`` at
        its out_dim: an output of shape ``S`` per example has ``B`` inserted
        into ``S`` there.

    Raises
    ------
    ValueError
        ``in_dims`` or ``out_dims`` do not fit the arguments or outputs,
        the mapped arguments disagree on the batch size, no argument is
        mapped, ``randomness`` is unknown, ``chunk_size`` is not positive,
        or an output with out_dim None varies along the batch.
    TypeError
        ``func`` is not callable, or a non-array output has an int out_dim.

    Examples
    --------
    >>> def dot(a, b):
    ...     return np.sum(a * b)
    >>> a = np.arange(6.0).reshape(3, 2)
    >>> nj.vmap(dot)(a, a).tolist()
    [1.0, 13.0, 41.0]
    >>> nj.vmap(dot, in_dims=(0, None))(a, np.array([1.0, -1.0])).tolist()
    [-1.0, -1.0, -1.0]
    >>> nj.vmap(np.sin, out_dims=1)(np.zeros((3, 2))).shape
    (2, 3)
    """
    return applied(vmapping.vmap, func, in_dims, out_dims, randomness,
                    chunk_size=chunk_size)
