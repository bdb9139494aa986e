"""The values an equation reads, and their types: ``AType`` (``dtype[shape]``),
``Var`` (an SSA variable) and ``Lit`` (a scalar literal), with the short
dtype names the printer and the CLI use.  ``compiler.ir`` builds equations
and IRs from them and re-exports them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_DTYPE_NAMES = {
    np.dtype(np.float64): "f64", np.dtype(np.float32): "f32",
    np.dtype(np.float16): "f16", np.dtype(np.int64): "i64",
    np.dtype(np.int32): "i32", np.dtype(np.int16): "i16",
    np.dtype(np.int8): "i8", np.dtype(np.uint64): "u64",
    np.dtype(np.uint32): "u32", np.dtype(np.uint16): "u16",
    np.dtype(np.uint8): "u8", np.dtype(np.bool_): "bool",
}
SUPPORTED_DTYPES = frozenset(_DTYPE_NAMES)
DTYPE_BY_NAME = {name: dtype for dtype, name in _DTYPE_NAMES.items()}


def dtype_name(dtype) -> str:
    return _DTYPE_NAMES[np.dtype(dtype)]


@dataclass(frozen=True)
class AType:
    """The static type of an array value: ``dtype[shape]``."""

    dtype: np.dtype
    shape: tuple

    def __post_init__(self):
        object.__setattr__(self, "dtype", np.dtype(self.dtype))
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def with_shape(self, shape) -> "AType":
        return AType(self.dtype, shape)

    def with_dtype(self, dtype) -> "AType":
        return AType(dtype, self.shape)

    def __str__(self) -> str:
        return f"{dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    __repr__ = __str__


def is_float(dtype) -> bool:
    return np.issubdtype(np.dtype(dtype), np.floating)


class Var:
    """An SSA variable.  Identity is the object itself; names are given
    only when printing."""

    __slots__ = ("type",)

    def __init__(self, atype: AType):
        self.type = atype

    def __repr__(self) -> str:
        return f"Var({self.type})"


class Lit:
    """A scalar literal with a 0-d type."""

    __slots__ = ("value", "type")

    def __init__(self, value, dtype):
        dtype = np.dtype(dtype)
        self.value = np.array(value, dtype=dtype).item()
        self.type = AType(dtype, ())

    def __repr__(self) -> str:
        return f"Lit({self.value!r}:{self.type})"

    def __eq__(self, other):
        return (isinstance(other, Lit) and self.type == other.type
                and repr(self.value) == repr(other.value))

    def __hash__(self):
        return hash((repr(self.value), self.type))


Atom = Var | Lit
