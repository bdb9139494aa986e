"""``nj.jit`` and ``nj.make_ir``."""
from __future__ import annotations

from .inputs import prepared_call
from .runtime.dispatch import backend_name
from .staging import StagedFunction, argument_leaf_ranges
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
    """``make_ir(func)(*args)``: the traced IR of ``func`` for these args."""

    def __init__(self, func, **options):
        self.staged_function = jit(func, **options)

    @public_entry
    def __call__(self, *args, **kwargs):
        args, kwargs, leaves, treedef = prepared_call(args, kwargs)
        return self.staged_function.staged_for(args, leaves, treedef).ir
