"""The derivatives as users call them: ``nj.grad``, ``nj.value_and_grad``,
``nj.jacrev``, ``nj.jacfwd`` and ``nj.hessian`` (public.py says how these
functions are made)."""
from __future__ import annotations

from typing import Any, Callable, ParamSpec, overload

from . import transforms
from .public import NO_FUNC, applied, shown_as_first_overload
from .tracebacks import public_entry
from .typing import Randomness, Transformed

P = ParamSpec("P")


@overload
def grad(func: Callable[P, Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Transformed[P, Any]: ...
@overload
def grad(*, argnums: int | tuple[int, ...] = 0, has_aux: bool = False
         ) -> Callable[[Callable[P, Any]], Transformed[P, Any]]: ...
@public_entry
@shown_as_first_overload
def grad(func: Any = NO_FUNC, argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Any:
    """The gradient of a function with a scalar output, as torch.func.grad.

    Parameters
    ----------
    func : callable
        Returns a 0-d float array (or, with ``has_aux``, a pair
        ``(output, aux)``).  Omitted, ``grad(**options)`` returns a decorator.
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate; negative ones count from
        the end.  Each must hold floats (float arrays, NumPy float scalars,
        Python floats).
    has_aux : bool, default False
        ``func`` returns ``(output, aux)``; aux is returned as it is.

    Returns
    -------
    Transformed
        Called like ``func``, it returns the gradient: for an int
        ``argnums``, one array (or pytree) of the argument's shape and
        structure; for a tuple, a tuple of them.  With ``has_aux``,
        ``(gradient, aux)``.

    Raises
    ------
    ValueError
        The output is not 0-d, ``argnums`` is empty, repeats an argument or
        is out of range, or ``has_aux`` is set and ``func`` does not return
        a pair.
    TypeError
        ``func`` is not callable, ``argnums`` is not an int or a tuple of
        ints, ``has_aux`` is not a bool, a differentiated argument is an
        integer (a Python int included), or an output is not an array.

    See Also
    --------
    value_and_grad : the value too.
    jacrev : the Jacobian of a function with any outputs.

    Examples
    --------
    >>> def loss(w, x):
    ...     return np.sum((x * w) ** 2)
    >>> x = np.array([1.0, 2.0])
    >>> nj.grad(loss)(np.array([1.0, 1.0]), x).tolist()
    [2.0, 8.0]
    >>> gw, gx = nj.grad(loss, argnums=(0, 1))(np.array([1.0, 1.0]), x)
    >>> gx.tolist()
    [2.0, 4.0]
    """
    return applied(transforms.grad, func, argnums, has_aux)


@overload
def value_and_grad(func: Callable[P, Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Transformed[P, tuple[Any, Any]]: ...
@overload
def value_and_grad(*, argnums: int | tuple[int, ...] = 0, has_aux: bool = False
                   ) -> Callable[[Callable[P, Any]], Transformed[P, tuple[Any, Any]]]: ...
@public_entry
@shown_as_first_overload
def value_and_grad(func: Any = NO_FUNC, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Any:
    """The value and the gradient of a function with a scalar output.

    One traced function computes both, sharing the forward pass.

    Parameters
    ----------
    func : callable
        Returns a 0-d float array (or, with ``has_aux``, a pair
        ``(output, aux)``).  Omitted, ``value_and_grad(**options)`` returns
        a decorator.
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate, as for ``grad``.
    has_aux : bool, default False
        ``func`` returns ``(output, aux)``; aux is returned as it is.

    Returns
    -------
    Transformed
        Called like ``func``, it returns ``(value, gradient)``: the value a
        0-d array, the gradient as ``grad`` gives it.  With ``has_aux``,
        ``((value, aux), gradient)``.

    Raises
    ------
    ValueError
        As for ``grad``: a non-scalar output, bad ``argnums``, ``has_aux``
        without a pair.
    TypeError
        As for ``grad``: ``func`` not callable, an integer argument to
        differentiate, a non-array output.

    See Also
    --------
    grad : the gradient alone.

    Examples
    --------
    >>> value, g = nj.value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    >>> float(value), g.tolist()
    (5.0, [2.0, 4.0])
    >>> @nj.value_and_grad(has_aux=True)
    ... def f(x):
    ...     return np.sum(np.sin(x)), np.cos(x)
    >>> (value, aux), g = f(np.zeros(2))
    >>> float(value), aux.tolist(), g.tolist()
    (0.0, [1.0, 1.0], [1.0, 1.0])
    """
    return applied(transforms.value_and_grad, func, argnums, has_aux)


@overload
def jacrev(func: Callable[P, Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None) -> Transformed[P, Any]: ...
@overload
def jacrev(*, argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
           chunk_size: int | None = None
           ) -> Callable[[Callable[P, Any]], Transformed[P, Any]]: ...
@public_entry
@shown_as_first_overload
def jacrev(func: Any = NO_FUNC, argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None) -> Any:
    """The Jacobian by reverse mode, as torch.func.jacrev computes it.

    One vjp per output element, all batched into one kernel.  Prefer it to
    ``jacfwd`` when the outputs have fewer elements than the differentiated
    inputs.

    Parameters
    ----------
    func : callable
        Returns float arrays (a pytree of them; with ``has_aux``, a pair
        ``(output, aux)``).  Omitted, ``jacrev(**options)`` returns a
        decorator.
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate; negative ones count from
        the end.
    has_aux : bool, default False
        ``func`` returns ``(output, aux)``; aux is returned as it is.
    chunk_size : int or None, default None
        Compute that many rows at a time to bound memory (1: one vjp at a
        time, no batching); None computes all rows at once.

    Returns
    -------
    Transformed
        Called like ``func``, it returns the Jacobian.  For an output of
        shape ``O`` and an input of shape ``I`` the block has shape
        ``O + I``.  Nesting is output-major: the output's structure, and in
        each output leaf the argnums structure (the bare block for an int,
        a tuple of blocks for a tuple).  With ``has_aux``,
        ``(jacobian, aux)``.

    Raises
    ------
    ValueError
        ``argnums`` is empty, repeats an argument or is out of range,
        ``chunk_size`` is not positive, or ``has_aux`` is set and ``func``
        does not return a pair.
    TypeError
        ``func`` is not callable, a differentiated argument is an integer,
        or an output is not a float array.

    See Also
    --------
    jacfwd : the same Jacobian by forward mode.
    hessian : second derivatives.

    Examples
    --------
    >>> x = np.array([0.0, 1.0])
    >>> nj.jacrev(np.sin)(x)
    array([[1.        , 0.        ],
           [0.        , 0.54030231]])
    >>> @nj.jacrev(argnums=(0, 1))
    ... def f(a, b):
    ...     return a * b
    >>> ja, jb = f(x, np.array([2.0, 3.0]))
    >>> ja.tolist(), jb.shape
    ([[2.0, 0.0], [0.0, 3.0]], (2, 2))
    """
    return applied(transforms.jacrev, func, argnums, has_aux=has_aux, chunk_size=chunk_size)


@overload
def jacfwd(func: Callable[P, Any], argnums: int | tuple[int, ...] = 0,
           has_aux: bool = False, *, randomness: Randomness = "error",
           chunk_size: int | None = None) -> Transformed[P, Any]: ...
@overload
def jacfwd(*, argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
           randomness: Randomness = "error", chunk_size: int | None = None
           ) -> Callable[[Callable[P, Any]], Transformed[P, Any]]: ...
@public_entry
@shown_as_first_overload
def jacfwd(func: Any = NO_FUNC, argnums: int | tuple[int, ...] = 0,
           has_aux: bool = False, *, randomness: Randomness = "error",
           chunk_size: int | None = None) -> Any:
    """The Jacobian by forward mode, as torch.func.jacfwd computes it.

    One jvp per input element, all batched into one kernel.  Prefer it to
    ``jacrev`` when the differentiated inputs have fewer elements than the
    outputs.

    Parameters
    ----------
    func : callable
        Returns float arrays (a pytree of them; with ``has_aux``, a pair
        ``(output, aux)``).  Omitted, ``jacfwd(**options)`` returns a
        decorator.
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate; negative ones count from
        the end.
    has_aux : bool, default False
        ``func`` returns ``(output, aux)``; aux is returned as it is.
    randomness : {"error", "different", "same"}, default "error"
        What ``nj.random`` draws inside ``func`` do across the batch of
        jvps, as for ``vmap``.
    chunk_size : int or None, default None
        Compute that many columns at a time to bound memory; None computes
        all columns at once.

    Returns
    -------
    Transformed
        Called like ``func``, it returns the Jacobian in the layout of
        ``jacrev``: a block of shape ``O + I`` for an output of shape ``O``
        and an input of shape ``I``, output-major.  With ``has_aux``,
        ``(jacobian, aux)``.

    Raises
    ------
    ValueError
        Bad ``argnums``, ``chunk_size`` or ``randomness``, or ``has_aux``
        without a pair.
    TypeError
        ``func`` is not callable, a differentiated argument is an integer,
        or an output is not a float array.

    See Also
    --------
    jacrev : the same Jacobian by reverse mode.

    Examples
    --------
    >>> def f(x):
    ...     return np.stack([x[0] * x[1], x[0] + x[1], x[1] ** 2])
    >>> nj.jacfwd(f)(np.array([2.0, 3.0])).tolist()
    [[3.0, 2.0], [1.0, 1.0], [0.0, 6.0]]
    """
    return applied(transforms.jacfwd, func, argnums, has_aux,
                   randomness=randomness, chunk_size=chunk_size)


@overload
def hessian(func: Callable[P, Any], argnums: int | tuple[int, ...] = 0
            ) -> Transformed[P, Any]: ...
@overload
def hessian(*, argnums: int | tuple[int, ...] = 0
            ) -> Callable[[Callable[P, Any]], Transformed[P, Any]]: ...
@public_entry
@shown_as_first_overload
def hessian(func: Any = NO_FUNC, argnums: int | tuple[int, ...] = 0) -> Any:
    """The Hessian, as torch.func.hessian computes it.

    It is ``jacfwd(jacrev(func, argnums), argnums)``.

    Parameters
    ----------
    func : callable
        Returns float arrays; usually a 0-d one.  Omitted,
        ``hessian(**options)`` returns a decorator.
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate twice.

    Returns
    -------
    Transformed
        Called like ``func``, it returns the second derivatives: for an
        output of shape ``O`` and an input of shape ``I``, a block of shape
        ``O + I + I``; for a tuple ``argnums``, ``H[i][j]`` (a tuple of
        tuples) has shape ``O + I_i + I_j``.

    Raises
    ------
    ValueError
        Bad ``argnums``.
    TypeError
        ``func`` is not callable, a differentiated argument is an integer,
        or an output is not a float array.

    Examples
    --------
    >>> def f(x):
    ...     return x[0] ** 2 * x[1]
    >>> nj.hessian(f)(np.array([1.0, 2.0])).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    return applied(transforms.hessian, func, argnums)
