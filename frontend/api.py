"""``nj.jit`` and ``nj.make_ir``."""
from __future__ import annotations

from typing import Any, Callable

from .compiler.ir import IR
from .inputs import prepared_call
from .runtime.dispatch import backend_name
from .pytree import argument_leaf_ranges
from .staging import StagedFunction
from .tracebacks import public_entry


class jit(StagedFunction):
    """Compile ``func`` once per call signature and cache the kernel.

    ``static_argnums`` names positional arguments whose values (not just
    types) are part of the signature; they must be hashable.  ``backend``
    is "numba" or "interpret" (the reference interpreter); by default the
    ``NUMJAC_BACKEND`` environment variable decides, else Numba.
    """

    def __init__(self, func, *, static_argnums=(), backend=None):
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        static_argnums = tuple(static_argnums)
        for n in static_argnums:
            if not isinstance(n, int) or isinstance(n, bool):
                raise TypeError(f"static_argnums must hold ints, got {n!r}")
        options = (("static_argnums", static_argnums),)
        if backend is not None:
            options += (("backend", backend_name(backend)),)
        super().__init__(func, options=options)
        self.static_argnums = static_argnums
        self.backend = backend

    def static_leaves(self, args, treedef):
        ranges = argument_leaf_ranges(args)
        static = set()
        for n in self.static_argnums:
            if not -len(args) <= n < len(args):
                raise ValueError(f"static_argnums entry {n} is out of range for "
                                 f"{len(args)} positional arguments")
            static.update(ranges[n])
        return frozenset(static)


class make_ir:
    """The traced IR of a function, for reading: ``make_ir(func)(*args)``.

    Traces ``func`` for these arguments as ``jit`` would, without
    compiling, and returns the IR after clean-up; ``print`` shows its text
    form (docs/ir.md).  For the IR after every pass and the kernel source,
    use ``.lower(*args)`` on a transformed function.

    Parameters
    ----------
    func : callable
        A function of NumPy arrays (and pytrees of them), or a transformed
        one (``nj.jacrev(f)``: the IR of the Jacobian).
    static_argnums : int or tuple of int, default ()
        Positional arguments whose values are traced as constants, as for
        ``jit``.

    Returns
    -------
    callable
        Called with ``func``'s arguments, it returns the ``IR``: its
        inputs are the array arguments' leaves (then captured arrays), its
        outputs the flattened outputs.

    Raises
    ------
    TypeError
        ``func`` is not callable or ``static_argnums`` holds a non-int.
    ConcretizationError
        ``func`` uses a traced value as a Python bool, int or float.
    UnsupportedOperationError
        ``func`` calls NumPy in a way numjac cannot trace.

    Examples
    --------
    >>> print(nj.make_ir(lambda x: np.sin(x) * 2.0)(np.zeros(3)))
    ir(a:f64[3]):
      b:f64[3] = sin a
      c:f64[3] = mul b 2.0
      return c
    """

    def __init__(self, func: Callable[..., Any], *,
                 static_argnums: int | tuple[int, ...] = ()) -> None:
        self.staged_function = jit(func, static_argnums=static_argnums)

    @public_entry
    def __call__(self, *args: Any, **kwargs: Any) -> IR:
        args, kwargs, leaves, treedef = prepared_call(args, kwargs)
        return self.staged_function.staged_for(args, leaves, treedef).ir
