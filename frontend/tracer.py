"""Tracer objects: stand-ins for arrays that record NumPy calls into an IR.

A Tracer wraps an atom of the builder it belongs to.  NumPy routes ufuncs,
array functions and indexing on it to the coverage table (``numpy_api``,
which installs a ``NumpyDispatch`` here when imported); operators and
methods go through the same NumPy functions, so there is one handler per
operation.  Anything that needs the concrete value raises
``ConcretizationError``, or asks the enclosing ``jit`` to specialize on a
Python-scalar argument.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .compiler import builder as _builder
from .compiler.ir import SUPPORTED_DTYPES, AType, Lit
from .compiler.primitives.structural import convert, stop_gradient
from .errors import (ConcretizationError, UnsupportedDtypeError, UnsupportedOperationError,
                     unsupported_attribute)
from .user_code import math_advice, user_location


class NeedsSpecialization(Exception):
    """Raised while tracing when the concrete value of a Python scalar is
    needed; the trace that owns the tracer (``builder``) retraces with that
    scalar as a constant.  ``source`` is the argument's flat leaf index, or
    the place (a guards.Slot) of a float the function reads."""

    def __init__(self, source, builder):
        super().__init__(source)
        self.source = source
        self.builder = builder


@dataclass(frozen=True)
class NumpyDispatch:
    """The coverage table's entry points, where Tracers route NumPy's
    protocols.  numpy_api installs them when it is imported, so that the
    handlers import the tracer and never the reverse."""

    ufunc: Callable       # (ufunc, method, inputs, kwargs) -> result
    function: Callable    # (func, args, kwargs) -> result
    getitem: Callable     # (tracer, key) -> result
    setitem: Callable     # (tracer, key, value) -> None: writes into the tracer
    stale_view_error: Callable    # (tracer) -> the error a read of a stale view raises


_numpy: NumpyDispatch | None = None


def install_numpy_dispatch(dispatch: NumpyDispatch):
    global _numpy
    _numpy = dispatch


class Tracer:
    __slots__ = ("_atom", "builder", "weak", "writable", "view", "views", "known",
                 "__weakref__")
    __array_priority__ = 1000

    def __init__(self, atom, builder, weak=False, writable=False):
        self._atom = atom
        self.builder = builder
        # Stands for a Python float/int: promotes weakly, as that scalar would.
        self.weak = weak
        # Made inside the traced function (not an argument): may be written.
        self.writable = writable
        self.view = None       # a View when this array shares its base's elements
        self.views = None      # weak references to the Tracers viewing this one
        # The value, while it is known: an array made by np.zeros & co inside
        # the traced function, and written with known values only.
        self.known = None

    @property
    def atom(self):
        if self._atom is None:          # a known value not used in the IR yet
            return to_atom(self.known)
        if self.view is not None and self.view.stale:
            raise _numpy.stale_view_error(self)
        return self._atom

    def rebind(self, atom):
        """Make ``atom`` (of this array's type) its value: a write into it
        or into the array it views changed it."""
        self._atom = atom

    # -- array attributes ---------------------------------------------------
    @property
    def type(self) -> AType:
        if self._atom is None:
            return AType(self.known.dtype, self.known.shape)
        return self._atom.type

    @property
    def shape(self):
        return self.type.shape

    @property
    def ndim(self):
        return self.type.ndim

    @property
    def size(self):
        return self.type.size

    @property
    def dtype(self):
        return self.type.dtype

    @property
    def T(self):
        return np.transpose(self)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        return f"Tracer({self.type})"

    __hash__ = object.__hash__

    # -- NumPy protocols ----------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _numpy.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        try:
            return _numpy.function(func, args, kwargs)
        except UnsupportedOperationError:
            # np.linspace(0, t, n) with t a Python float (argument or read
            # from a closure): trace again with t's value, if that is all.
            _specialize_scalars(list(args) + list(kwargs.values()))
            raise

    def __array__(self, dtype=None, copy=None):
        # np.int64(x) asks for int64 here: NumPy's scalar types convert in C,
        # and numjac does not replace them (docs/guide.md, "Casts while tracing").
        name = "float64" if dtype is None else np.dtype(dtype).name
        self._concretize(_array_conversion(dtype), self._scalar_hint(name))
        return np.array(self.known, dtype=dtype, copy=True)

    # -- concretization -----------------------------------------------------
    def _concretize(self, what: str, advice: str = ""):
        """Return if the value is known (``self.known``), else raise."""
        if self.known is not None:
            return
        if not _builder.is_active(self.builder):
            raise _outside_its_trace()
        sources = self.builder.sources.get(self.atom)
        if sources:
            raise NeedsSpecialization(min(sources, key=repr), self.builder)
        raise ConcretizationError(
            f"{what} needs the value of a traced array {self.type}, which is not "
            f"known while tracing (at {user_location()}). For a data-dependent "
            "choice use np.where(cond, a, b) instead of Python `if`; pass values "
            "that must be concrete as static arguments (nj.jit(static_argnums=...))."
            + advice)

    def _scalar_hint(self, name: str = "float64") -> str:
        if self.ndim or np.dtype(name) not in SUPPORTED_DTYPES:
            return ""
        return (f" To keep a 0-d value traced where float(x), int(x) or np.{name}(x) would "
                f"make a scalar, use x itself or x.astype(np.{name}).")

    def __bool__(self):
        self._concretize("bool() or a Python `if`/`while`/`and`/`or`")
        return bool(self.known[()])

    def __float__(self):
        self._concretize("float(), a function of the math module or storing it into a "
                         "NumPy array (a[i] = value: write into a traced array instead, "
                         "a = np.array(a))", math_advice() + self._scalar_hint())
        return float(self.known[()])

    def __int__(self):
        self._concretize("int()", self._scalar_hint("int64"))
        return int(self.known[()])

    def __index__(self):
        self._concretize("using it as an index, axis or size")
        return operator.index(self.known[()])

    def __complex__(self):
        self._concretize("complex()")
        return complex(self.known[()])

    def __round__(self, ndigits=None):
        self._concretize("round()")
        return round(self.known[()], ndigits)

    def __format__(self, spec):
        # A Python float read while tracing (f"{t}") formats as its value.
        if spec or self.builder.sources.get(self.atom):
            self._concretize(f"formatting it with {spec!r}")
        return repr(self)

    def item(self, *args):
        self._concretize(".item()")
        return self.known.item(*args)

    def tolist(self):
        self._concretize(".tolist()")
        return self.known.tolist()

    # -- indexing -------------------------------------------------------------
    def __getitem__(self, key):
        return _numpy.getitem(self, key)

    def __setitem__(self, key, value):
        _numpy.setitem(self, key, value)

    # -- methods --------------------------------------------------------------
    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return np.reshape(self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)) or not axes:
            axes = axes[0] if axes else None
        return np.transpose(self, axes)

    def astype(self, dtype, copy=True):
        return wrap(convert(to_atom(self), checked_dtype(dtype, "astype")))

    def copy(self, order="C"):
        return np.copy(self)

    def flatten(self, order="C"):
        return np.ravel(self, order=order)

    def __getattr__(self, name):
        # Reached only for names the class lacks: an ndarray method or
        # attribute numjac does not trace (dunder probes stay plain misses).
        if name.startswith("__"):
            raise AttributeError(name)
        raise unsupported_attribute(name)

    @property
    def real(self):
        return np.real(self)

    @property
    def imag(self):
        return np.imag(self)

    def fill(self, value):
        self[...] = value


def _specialize_scalars(values):
    """Ask for the value of the Python scalars among ``values`` (and in
    lists or tuples there), when every traced value there is one."""
    tracers = [v for v in values if isinstance(v, Tracer)]
    tracers += [x for v in values if isinstance(v, (list, tuple))
                for x in v if isinstance(x, Tracer)]
    sourced = [t for t in tracers if t.builder.sources.get(t.atom)]
    if sourced and len(sourced) == len(tracers):
        sourced[0]._concretize("a NumPy function numjac does not trace")


def _numpy_method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    method.__doc__ = f"Same as numpy.{fn.__name__}(x, ...)."
    return method


_METHODS = {
    "sum": np.sum, "mean": np.mean, "var": np.var, "std": np.std,
    "max": np.max, "min": np.min, "prod": np.prod, "argmax": np.argmax,
    "argmin": np.argmin, "cumsum": np.cumsum, "cumprod": np.cumprod,
    "dot": np.dot, "ravel": np.ravel, "squeeze": np.squeeze, "clip": np.clip,
    "swapaxes": np.swapaxes, "diagonal": np.diagonal, "trace": np.trace,
    "repeat": np.repeat, "round": np.round, "any": np.any, "all": np.all,
    "take": np.take, "conj": np.conjugate, "conjugate": np.conjugate,
    "argsort": np.argsort, "nonzero": np.nonzero, "searchsorted": np.searchsorted,
}
for _name, _fn in _METHODS.items():
    setattr(Tracer, _name, _numpy_method(_fn))


def _binary_operator(ufunc):
    def forward(self, other):
        return ufunc(self, other)

    def reflected(self, other):
        return ufunc(other, self)
    return forward, reflected


_BINARY_OPERATORS = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply,
    "truediv": np.true_divide, "floordiv": np.floor_divide, "mod": np.remainder,
    "pow": np.power, "matmul": np.matmul, "and": np.bitwise_and,
    "or": np.bitwise_or, "xor": np.bitwise_xor,
}
for _name, _ufunc in _BINARY_OPERATORS.items():
    _fwd, _ref = _binary_operator(_ufunc)
    setattr(Tracer, f"__{_name}__", _fwd)
    setattr(Tracer, f"__r{_name}__", _ref)

_COMPARISONS = {"lt": np.less, "le": np.less_equal, "gt": np.greater,
                "ge": np.greater_equal, "eq": np.equal, "ne": np.not_equal}
for _name, _ufunc in _COMPARISONS.items():
    setattr(Tracer, f"__{_name}__", _binary_operator(_ufunc)[0])

def _inplace_operator(ufunc):
    def inplace(self, other):
        # NumPy scalars (what a 0-d result stands for) are immutable: `s += 1`
        # rebinds s.  Arrays are updated in place, seen through every alias.
        if self.ndim == 0 and self.view is None and not self.views:
            return ufunc(self, other)
        return ufunc(self, other, out=self)
    return inplace


for _name, _ufunc in _BINARY_OPERATORS.items():
    setattr(Tracer, f"__i{_name}__", _inplace_operator(_ufunc))

_UNARY_OPERATORS = {"neg": np.negative, "pos": np.positive, "abs": np.absolute,
                    "invert": np.invert}
for _name, _ufunc in _UNARY_OPERATORS.items():
    setattr(Tracer, f"__{_name}__", _numpy_method(_ufunc))


# -- conversions between user values and atoms --------------------------------

def checked_dtype(dtype, where: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in SUPPORTED_DTYPES:
        raise dtype_error(dtype, where)
    return dtype


def dtype_error(dtype, where: str) -> UnsupportedDtypeError:
    kind = "complex numbers are" if dtype.kind == "c" else f"dtype {dtype} is"
    return UnsupportedDtypeError(
        f"{kind} not supported by numjac ({dtype} in {where}): numjac handles bool, "
        "integer and float16/32/64 arrays")


def subclass_error(array, where: str) -> TypeError:
    kind = type(array)
    return TypeError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, a subclass of numpy.ndarray "
        "whose operations may differ from ndarray's (np.matrix multiplies as matrices, "
        "masked arrays keep masks); numjac traces plain arrays only: pass np.asarray(x) "
        "(or x.filled(...) for a masked array)")


def native_byte_order(array: np.ndarray) -> np.ndarray:
    """``array``, converted to the machine's byte order if it is not in it
    (NumPy computes on big-endian data correctly; kernels need native)."""
    if array.dtype.isnative:
        return array
    return array.astype(array.dtype.newbyteorder("="))


def is_traced(x) -> bool:
    return isinstance(x, Tracer)


def to_atom(x, dtype=None):
    """The atom for ``x`` in the active builder, converted to ``dtype``.

    Tracers of an enclosing trace and NumPy arrays are captured as extra
    inputs; scalars become literals.
    """
    atom = _atom_of(x)
    if isinstance(atom, Lit):
        return _literal_as(atom, atom.type.dtype if dtype is None else np.dtype(dtype))
    if dtype is None or atom.type.dtype == dtype:
        return atom
    return convert(atom, dtype)


def _literal_as(lit, dtype):
    """``lit`` as a literal of ``dtype``; a Python int that does not fit
    raises NumPy's OverflowError (not a wrapped value or a Numba error)."""
    value = lit.value
    if type(value) is int and (dtype == object or dtype.kind in "iu"):
        bounds = np.iinfo(np.int64 if dtype == object else dtype)
        if not bounds.min <= value <= bounds.max:
            raise OverflowError(f"Python integer {value} out of bounds for "
                                f"{'int64' if dtype == object else dtype} (numjac "
                                "traces Python ints as 64-bit integers)")
    if dtype == lit.type.dtype:
        return lit
    return Lit(value, dtype)


def _array_conversion(dtype) -> str:
    """What ``__array__`` was asked for, and the call that traces instead."""
    if dtype is None:
        return ("converting it to a NumPy array (or storing it into a NumPy array: "
                "a[...] = value; to build an array from traced values use np.stack)")
    dtype = np.dtype(dtype)
    cast = (f"x.astype(np.{dtype.name}) stays traced" if dtype in SUPPORTED_DTYPES
            else f"numjac does not trace {dtype.name} values")
    return (f"converting it to NumPy's {dtype.name} (np.{dtype.name}(x): {cast}; or "
            f"storing it into a NumPy {dtype.name} array: a[...] = value; to build an "
            "array from traced values use np.stack)")


def _atom_of(x):
    current = _active_builder()
    if isinstance(x, Tracer):
        if x._atom is None:     # a known value, a constant in any trace
            return _atom_of(x.known)
        if x.builder is current or isinstance(x.atom, Lit):
            return x.atom
        if not _builder.is_active(x.builder):
            raise ConcretizationError(
                f"a traced value {x.type} escaped from the function that made it "
                "(stored in a global or a closure?) and was used in a later trace")
        return current.capture(x, x.type)
    if isinstance(x, (bool, int, float)):
        return Lit(x, np.result_type(x))
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
        raise subclass_error(x, "an array used in a traced function")
    array = np.asarray(x)
    if isinstance(array, Tracer):       # a list holding Tracers, stacked
        return _atom_of(array)
    array = native_byte_order(array)
    if array.dtype == object:
        raise TypeError(f"cannot use a value of type {type(x).__name__} as an array")
    dtype = checked_dtype(array.dtype, "an array used in a traced function")
    if array.ndim == 0:
        return Lit(array.item(), dtype)
    return current.capture(array, AType(dtype, array.shape))


def wrap(atom) -> Tracer:
    current = _active_builder()
    if current.no_grad_depth and not isinstance(atom, Lit):
        atom = stop_gradient(atom)
    return Tracer(atom, current, writable=True)


def _active_builder():
    """This thread's innermost builder; an operation on a Tracer when this
    thread is not tracing means the Tracer belongs to a finished trace or
    to another thread's."""
    current = _builder.innermost()
    if current is None:
        raise _outside_its_trace()
    return current


def _outside_its_trace() -> ConcretizationError:
    return ConcretizationError(
        "an operation on a traced value ran outside the trace that made it (at "
        f"{user_location()}): the value escaped from its function (stored in a global "
        "or a closure?), or this thread ran a function while another thread was "
        "tracing it, which lends its closure variables holding floats to the trace "
        "(see 'Threads' in docs/guide.md)")


_WEAK_TYPES = {"f": float, "i": int}


def dtype_for_promotion(x):
    """What NumPy's promotion sees: weak Python scalar types stay types."""
    if isinstance(x, Tracer):
        # A traced Python float/int argument promotes weakly, like the
        # Python scalar it stands for (x_f32 * t stays float32).
        if x.weak and x.dtype != np.bool_:
            return _WEAK_TYPES.get(x.dtype.kind, x.dtype)
        return x.dtype
    if isinstance(x, bool):
        # Python bool promotes like np.bool_ (and resolve_dtypes rejects the type).
        return np.dtype(np.bool_)
    if type(x) in (int, float):     # not np.float64, a float subclass but not weak
        return type(x)
    return np.asarray(x).dtype
