"""Types for annotating code that uses numjac (``numjac.typing``).

The transforms' signatures use these; user code rarely needs to name them,
as a type checker infers them, but they are here to annotate a variable or
a function that passes transformed functions around (``Lowered`` is what
``.lower()`` returns, ``IR`` what ``nj.make_ir(f)(x)`` returns):

    from numjac.typing import Transformed

    def residual_jacobian(f: Callable[[NDArray[np.float64]], NDArray[np.float64]]
                          ) -> Transformed[[NDArray[np.float64]], Any]:
        return nj.jacrev(f)
"""
from __future__ import annotations

from typing import Any, Callable, Literal, ParamSpec, Protocol, TypeVar, Union

from .compiler.ir import IR
from .runtime.dispatch import Lowered

__all__ = ["IR", "ArgNums", "Backend", "Dims", "Lowered", "PyTree", "Randomness",
           "Transformed"]

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

#: Nested tuples, lists, dicts and namedtuples of arrays (and None).
PyTree = Any
#: Which positional arguments to differentiate: one index or a tuple of them.
ArgNums = Union[int, tuple[int, ...]]
#: vmap's in_dims and out_dims: an axis, None (not mapped), or a tuple of
#: them (nested like the arguments or outputs).
Dims = Union[int, None, tuple[Any, ...]]
#: How ``nj.random`` draws behave under vmap and jacfwd's batching.
Randomness = Literal["error", "different", "same"]
#: What runs a compiled function: Numba, or the reference interpreter.
Backend = Literal["numba", "interpret"]


class Transformed(Protocol[P, R_co]):
    """A function made by a transform: called like the function it was made
    from (parameters ``P``), it returns ``R_co``; ``.lower(*args)`` returns
    its stages for those arguments (the IR after each pass, the kernel
    source)."""

    __name__: str

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> Lowered: ...

