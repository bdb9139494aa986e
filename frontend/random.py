"""``nj.random``: reproducible random numbers that work eagerly, inside
traced functions and under vmap.

The generator is counter based (the algorithm is spelled out in
compiler/primitives/random.py): the global state is ``mix(seed)`` and a
counter of the draws made since ``seed``; the n-th draw has the key
``splitmix(mix(seed), n)`` and its elements are a pure function of that key
and the element index.  Every call of ``normal``/``uniform`` is one draw.

- Eagerly (no function being traced) a draw returns a NumPy array and
  advances the counter by one.
- Inside a traced function the state enters the IR as a runtime input
  ``u64[]`` holding ``mix(seed) + counter * GAMMA`` (the "rng" operand of
  the draw equations; its value is taken at call time, so a jitted function
  gives new numbers on each call and repeats them after ``seed`` is called
  again).  The k-th draw of the function is ``draw=k``; a call advances the
  counter by the number of draws, so ``jit(f)`` draws exactly the numbers
  the eager ``f`` would.  A staged function inlined into another trace gets
  the outer state advanced by the outer draws made so far.

The initial seed is 0, so a fresh process is reproducible too.

Threads share the one generator: each eager draw, and each call of a
staged function for all its draws, reserves its counter values atomically.
No two draws in the process get the same key, and the draws of all threads
together use the counter values one thread would have used; which thread
gets which depends on the scheduling.
"""
from __future__ import annotations

import operator
import threading
import weakref
from typing import Sequence, SupportsIndex, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .compiler import builder as _builder
from .compiler.ir import AType, Lit
from .compiler.primitives import random as R
from .compiler.primitives.elementwise import add
from .compiler.rules import impls
from .tracer import to_atom, wrap

__all__ = ["normal", "seed", "uniform"]

#: The ``size`` of a draw: a shape, one length, or None for a scalar.
Size = Union[SupportsIndex, Sequence[SupportsIndex], None]

_MASK = (1 << 64) - 1
_U64 = np.dtype(np.uint64)
_F64 = np.dtype(np.float64)
_RNG_TYPE = AType(_U64, ())


class _State:
    key = 0        # mix(seed)
    counter = 0    # draws since seed()
    lock = threading.Lock()   # held while key and counter are read or moved


class RngInput:
    """Stands for the global state among a trace's captured values (one per
    trace); the staged function replaces it by the state's value when it
    runs, and advances the counter by ``draws``, the trace's draw count."""

    __slots__ = ("draws",)

    def __init__(self):
        self.draws = 0

    def __repr__(self):
        return f"<numjac random state, {self.draws} draws>"


class _ThreadTraces(threading.local):
    def __init__(self):
        # The state input of each of this thread's traces in progress,
        # keyed by its builder.
        self.states = weakref.WeakKeyDictionary()


_TRACES = _ThreadTraces()


def seed(s: SupportsIndex) -> None:
    """Restart the global generator of ``nj.random`` from a seed.

    Draws after ``seed(s)`` are the same in every process and on every
    backend (Numba or the interpreter), eagerly or inside a compiled
    function.  A fresh process starts as if ``seed(0)`` had been called.

    Parameters
    ----------
    s : int
        The seed, in ``[0, 2**64)``.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        ``s`` is negative or not below ``2**64``.
    TypeError
        ``s`` is not an integer.

    Examples
    --------
    >>> nj.random.seed(42)
    >>> a = nj.random.uniform(size=3)
    >>> nj.random.seed(42)
    >>> bool(np.all(nj.random.uniform(size=3) == a))
    True
    """
    s = operator.index(s)
    if not 0 <= s <= _MASK:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {s}")
    key = int(R.mix(np.array([s], _U64))[0])
    with _State.lock:
        _State.key, _State.counter = key, 0


def _take(draws: int) -> np.ndarray:
    """The state value for the next ``draws`` draws, which it reserves."""
    with _State.lock:
        value = (_State.key + _State.counter * R.GAMMA) & _MASK
        _State.counter += draws
    return np.array(value, _U64)


def _reserve(draws: int):
    """Reserve ``draws`` draws in the active trace: (state var, draws before)."""
    builder = _builder.current()
    states = _TRACES.states
    state = states.get(builder)
    if state is None:
        state = states[builder] = RngInput()
    used, state.draws = state.draws, state.draws + draws
    return builder.capture(state, _RNG_TYPE), used


def state_slot(captures):
    """Where a staged function's captured values hold the state, or None."""
    for i, value in enumerate(captures):
        if isinstance(value, RngInput):
            return i
    return None


def fill_state(captures, slot: int, traced: bool) -> list:
    """The captured values with the state filled in for one call: its value
    now, or (``traced``: the function is inlined into the active trace) the
    trace's own state advanced past its draws so far."""
    draws = captures[slot].draws
    if traced:
        rng, used = _reserve(draws)
        value = wrap(add(rng, Lit((used * R.GAMMA) & _MASK, _U64)) if used else rng)
    else:
        value = _take(draws)
    return captures[:slot] + [value] + captures[slot + 1:]


# -- the distributions ------------------------------------------------------------

def normal(size: Size = (), loc: ArrayLike = 0.0, scale: ArrayLike = 1.0
           ) -> NDArray[np.float64]:
    """Samples of the normal distribution of mean ``loc`` and deviation ``scale``.

    Works eagerly (returning a NumPy array) and inside functions that numjac
    traces, where each call of the compiled function draws new numbers, the
    same ones the function would draw eagerly.  Under ``vmap`` the
    ``randomness`` option decides whether examples share draws.

    Parameters
    ----------
    size : int, tuple of int or None, default ()
        The shape of the draw, broadcast with those of ``loc`` and
        ``scale``; None or () draws one number.
    loc : array_like, default 0.0
        The mean.
    scale : array_like, default 1.0
        The standard deviation.

    Returns
    -------
    ndarray of float64
        Of shape ``broadcast_shapes(size, shape(loc), shape(scale))``.

    Raises
    ------
    ValueError
        ``size`` has a negative entry, or the shapes do not broadcast.
    TypeError
        ``size`` holds a non-integer.

    Examples
    --------
    >>> nj.random.seed(0)
    >>> nj.random.normal(size=(2, 3)).shape
    (2, 3)
    >>> nj.random.normal(loc=np.array([0.0, 100.0]), scale=1e-9).round().tolist()
    [0.0, 100.0]
    """
    return _draw(R.random_normal_p, "normal", size, loc, scale)


def uniform(low: ArrayLike = 0.0, high: ArrayLike = 1.0, size: Size = ()
            ) -> NDArray[np.float64]:
    """Samples of the uniform distribution on ``[low, high)``.

    Works eagerly and inside traced functions, as ``normal`` does.

    Parameters
    ----------
    low : array_like, default 0.0
        The lower bound, included.
    high : array_like, default 1.0
        The upper bound, excluded.
    size : int, tuple of int or None, default ()
        The shape of the draw, broadcast with those of ``low`` and ``high``;
        None or () draws one number.

    Returns
    -------
    ndarray of float64
        Of shape ``broadcast_shapes(size, shape(low), shape(high))``.

    Raises
    ------
    ValueError
        ``size`` has a negative entry, or the shapes do not broadcast.
    TypeError
        ``size`` holds a non-integer.

    Examples
    --------
    >>> nj.random.seed(0)
    >>> u = nj.random.uniform(low=-1.0, high=1.0, size=1000)
    >>> bool(np.all((-1.0 <= u) & (u < 1.0)))
    True
    >>> @nj.jit
    ... def noisy(x):
    ...     return x + nj.random.uniform(size=x.shape)
    >>> bool(np.any(noisy(np.zeros(3)) != noisy(np.zeros(3))))
    True
    """
    return _draw(R.random_uniform_p, "uniform", size, low, high)


def _draw(prim, name, size, a, b):
    shape = np.broadcast_shapes(_size(name, size), _shape_of(a), _shape_of(b))
    if not _builder.is_tracing():
        value = impls[prim](_take(1), np.uint64(0), np.asarray(a, _F64), np.asarray(b, _F64),
                            **R.fresh_params(shape, 0))
        return np.asarray(value, _F64)
    rng, number = _reserve(1)
    return wrap(R.draw(prim, rng, to_atom(a, _F64), to_atom(b, _F64), shape, number))


def _size(name, size) -> tuple:
    if size is None:
        return ()
    dims = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    dims = tuple(operator.index(d) for d in dims)
    if any(d < 0 for d in dims):
        raise ValueError(f"nj.random.{name}: size must not be negative, got {size}")
    return dims


def _shape_of(x) -> tuple:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


seed(0)
