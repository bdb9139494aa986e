"""Counter-based random draws: ``random_uniform`` and ``random_normal``.

A draw is a pure function of its operands, computed with wrapping 64-bit
unsigned integer arithmetic, so that every backend reproduces the same
numbers in a plain loop.  With ``GAMMA = 0x9E3779B97F4A7C15``::

    mix(z):  z ^= z >> 30; z *= 0xBF58476D1CE4E5B9
             z ^= z >> 27; z *= 0x94D049BB133111EB; return z ^ (z >> 31)
    splitmix(state, i) = mix(state + (i + 1) * GAMMA)     (SplitMix64's i-th output)

The equation ``random_*[draw=d, extent=e, shape=S, strides=T] rng offset a b``
(``rng`` and ``offset`` are ``u64[]``, ``a`` and ``b`` f64 broadcasting to S)
gives the element at multi-index ``(i_0, i_1, ...)`` of its f64[S] result as:

    key = splitmix(rng, d)
    j   = offset + i_0 * T[0] + i_1 * T[1] + ...           (the element's index)
    uniform: u  = (splitmix(key, j) >> 11) * 2**-53          in [0, 1)
             out = a + (b - a) * u                           (a, b = low, high)
    normal:  u1 = ((splitmix(key, 2 j) >> 11) + 1) * 2**-53  in (0, 1]
             u2 = (splitmix(key, 2 j + 1) >> 11) * 2**-53
             out = a + b * sqrt(-2 log u1) cos(2 pi u2)      (a, b = loc, scale)

A fresh draw of shape S has C-order strides T, offset 0 and ``extent``
prod(S): the number of element indices one example owns.  The batching rule
with randomness 'different' prepends a batch axis of stride ``extent`` and
multiplies ``extent`` by the batch size, so a batched draw gives exactly the
numbers of one draw of shape (batch,) + S; a chunk of the batch starting at
example ``s`` adds ``s * extent`` to ``offset``.  (numjac.random supplies
``rng`` from the seed and a draw counter: see frontend/random.py.)

The batching rules here need more than their operands (the randomness mode,
which part of the batch is being built): they read the ``BatchContext`` that
the batching pass publishes (``compiler.rules.batch_context()``).
"""
from __future__ import annotations

import math

import numpy as np

from ..atoms import AType, Lit
from ..builder import bind
from ..ir import IR
from ..rules import Primitive, batch_context, register
from .base import defjvp, move_batch_axis_for_rank
from .elementwise import add, mul, sub
from .structural import convert

GAMMA = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_U64 = np.dtype(np.uint64)
_F64 = np.dtype(np.float64)


def mix(z):
    """SplitMix64's finalizer on a uint64 array (at least 1-d: NumPy warns
    about wrapping on scalars, never on arrays)."""
    z = (z ^ (z >> 30)) * _MIX1
    z = (z ^ (z >> 27)) * _MIX2
    return z ^ (z >> 31)


def splitmix(state, i):
    return mix(state + (i + 1) * GAMMA)


def c_strides(shape) -> tuple:
    """Element strides of a C-ordered array of ``shape``."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _element_index(offset, shape, strides):
    """The flat (1-d) uint64 element indices of a draw."""
    index = np.asarray(offset, _U64).reshape((1,) * len(shape))
    for axis, (n, stride) in enumerate(zip(shape, strides)):
        steps = np.arange(n, dtype=_U64) * np.uint64(stride)
        index = index + steps.reshape((1,) * axis + (n,) + (1,) * (len(shape) - axis - 1))
    return np.broadcast_to(index, shape).reshape(-1)


def _unit(bits):
    """Floats in [0, 1) from the top 53 bits."""
    return (bits >> 11).astype(_F64) * 2.0 ** -53


def _draw_key(rng, draw):
    return splitmix(np.asarray(rng, _U64).reshape(1), np.full(1, draw, _U64))


def standard_uniform(rng, offset, *, shape, strides, draw):
    key = _draw_key(rng, draw)
    j = _element_index(offset, shape, strides)
    return _unit(splitmix(key, j)).reshape(shape)


def standard_normal(rng, offset, *, shape, strides, draw):
    key = _draw_key(rng, draw)
    j = _element_index(offset, shape, strides)
    u1 = _unit(splitmix(key, 2 * j)) + 2.0 ** -53
    u2 = _unit(splitmix(key, 2 * j + 1))
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)).reshape(shape)


# -- which IRs draw --------------------------------------------------------------

random_primitives: set = set()


def draws_random(ir: IR) -> bool:
    """Whether ``ir`` (or a sub-IR of one of its equations) draws."""
    return any(eqn_draws(eqn) for eqn in ir.eqns)


def eqn_draws(eqn) -> bool:
    return eqn.prim in random_primitives or any(map(draws_random, eqn.sub_irs.values()))


class RandomnessError(RuntimeError):
    """A random draw that the batching mode forbids (torch raises RuntimeError too)."""


# -- the draw primitives ---------------------------------------------------------

def _draw_shape(rng, offset, a, b, *, shape, strides, extent, draw):
    if rng != AType(_U64, ()) or offset != AType(_U64, ()):
        raise TypeError(f"random key and offset must be u64[], got {rng} and {offset}")
    if a.dtype != _F64 or b.dtype != _F64:
        raise TypeError(f"random distribution parameters must be f64, got {a} and {b}")
    if np.broadcast_shapes(a.shape, b.shape, shape) != tuple(shape):
        raise ValueError(f"parameters {a} and {b} do not broadcast to the draw shape {shape}")
    if len(strides) != len(shape):
        raise ValueError(f"strides {strides} do not match the draw shape {shape}")
    return AType(_F64, shape)


def _draw_batch(prim):
    """Batching of a draw: 'same' shares it (and rejects batched
    parameters), 'different' widens it over the batch (see the docstring)."""
    def batch_rule(args, batched, *, shape, strides, extent, draw):
        rng, offset, a, b = args
        context = batch_context()
        if batched[0] or batched[1]:
            raise RandomnessError(f"{prim}: the random key cannot be batched")
        if context.randomness != "different":
            raise RandomnessError(
                f"vmap(randomness={context.randomness!r}): {prim} got a batched "
                "distribution parameter; with 'same' the draw is shared by the whole "
                "batch, so its parameters cannot vary along it (use 'different')")
        if context.start is not None:
            skipped = mul(convert(context.start, _U64), Lit(extent, _U64))
            offset = skipped if offset == Lit(0, _U64) else add(offset, skipped)
        params = dict(draw=draw, extent=context.total * extent)
        if context.squeeze:
            return bind(prim, rng, offset, a, b, shape=shape, strides=strides, **params), False
        a, b = (move_batch_axis_for_rank(x, f, len(shape)) for x, f in zip((a, b), batched[2:]))
        return bind(prim, rng, offset, a, b, shape=(context.size,) + tuple(shape),
                    strides=(extent,) + tuple(strides), **params), True
    batch_rule.__name__ = f"{prim.name}_batch"
    return batch_rule


def draw_primitive(name, impl):
    prim = Primitive(name)
    register(prim, shape=_draw_shape, impl=impl, batch=_draw_batch(prim))
    random_primitives.add(prim)
    return prim


def fresh_params(shape, draw_number: int) -> dict:
    """The params of draw number ``draw_number`` of a function, of ``shape``."""
    shape = tuple(int(n) for n in shape)
    return dict(shape=shape, strides=c_strides(shape), extent=math.prod(shape),
                draw=int(draw_number))


def draw(prim, rng, a, b, shape, draw_number: int):
    return bind(prim, rng, Lit(0, _U64), a, b, **fresh_params(shape, draw_number))


def _standard(prim, rng, offset, params):
    """The same draw with a = 0, b = 1: the standard variate."""
    return bind(prim, rng, offset, Lit(0.0, _F64), Lit(1.0, _F64), **params)


def _shift_tangent(t, ans, rng, offset, a, b, **params):
    return t

# ---------------------------------------------------------------- uniform ----

def _uniform_impl(rng, offset, low, high, *, shape, strides, extent, draw):
    u = standard_uniform(rng, offset, shape=shape, strides=strides, draw=draw)
    return low + (high - low) * u
random_uniform_p = draw_primitive("random_uniform", _uniform_impl)
def _uniform_low_tangent(t, ans, rng, offset, low, high, **params):
    return mul(t, sub(1.0, _standard(random_uniform_p, rng, offset, params)))
def _uniform_high_tangent(t, ans, rng, offset, low, high, **params):
    return mul(t, _standard(random_uniform_p, rng, offset, params))
defjvp(random_uniform_p, None, None, _uniform_low_tangent, _uniform_high_tangent)

# ----------------------------------------------------------------- normal ----

def _normal_impl(rng, offset, loc, scale, *, shape, strides, extent, draw):
    z = standard_normal(rng, offset, shape=shape, strides=strides, draw=draw)
    return loc + scale * z
random_normal_p = draw_primitive("random_normal", _normal_impl)
def _normal_scale_tangent(t, ans, rng, offset, loc, scale, **params):
    return mul(t, _standard(random_normal_p, rng, offset, params))
defjvp(random_normal_p, None, None, _shift_tangent, _normal_scale_tangent)
