"""nj.random: the counter-based algorithm, eager and traced draws, and the
three vmap randomness modes."""
import math

import numpy as np
import pytest

import numjac as nj
from numjac.compiler.primitives.random import RandomnessError

R = nj.random
_M = 2 ** 64 - 1
_GAMMA = 0x9E3779B97F4A7C15


# -- the algorithm, written out with Python ints (what a backend must reproduce) ------

def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M
    return z ^ (z >> 31)


def _splitmix(state, i):
    return _mix((state + (i + 1) * _GAMMA) & _M)


def _key(seed, draw_number):
    return _splitmix(_mix(seed), draw_number)


def _uniform(seed, draw_number, j):
    return (_splitmix(_key(seed, draw_number), j) >> 11) * 2.0 ** -53


def _normal(seed, draw_number, j):
    key = _key(seed, draw_number)
    u1 = ((_splitmix(key, 2 * j) >> 11) + 1) * 2.0 ** -53
    u2 = (_splitmix(key, 2 * j + 1) >> 11) * 2.0 ** -53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def test_eager_draws_follow_the_documented_algorithm():
    R.seed(12345)
    u = R.uniform(size=(2, 3))
    z = R.normal(size=(4,))
    assert u.dtype == np.float64 and u.shape == (2, 3)
    np.testing.assert_array_equal(u.ravel(), [_uniform(12345, 0, j) for j in range(6)])
    np.testing.assert_allclose(z, [_normal(12345, 1, j) for j in range(4)], rtol=1e-14)


def test_seed_repeats_and_successive_draws_differ():
    R.seed(3)
    a, b = R.normal(size=(5,)), R.normal(size=(5,))
    R.seed(3)
    np.testing.assert_array_equal(R.normal(size=(5,)), a)
    assert not np.array_equal(a, b)
    R.seed(4)
    assert not np.array_equal(R.normal(size=(5,)), a)


def test_parameters_broadcast():
    loc, scale = np.arange(3.0), np.array([[1.0], [2.0]])
    R.seed(0)
    x = R.normal(loc=loc, scale=scale)
    R.seed(0)
    z = R.normal(size=(2, 3))
    assert x.shape == (2, 3)
    np.testing.assert_allclose(x, loc + scale * z, rtol=1e-15)
    R.seed(0)
    u = R.uniform(low=-1.0, high=np.array([1.0, 3.0]), size=(4, 2))
    assert u.shape == (4, 2) and np.all(u >= -1.0) and np.all(u < [1.0, 3.0])


def test_distributions_look_right():
    R.seed(1)
    z = R.normal(size=(20000,))
    u = R.uniform(size=(20000,))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert 0.0 <= u.min() and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01


def test_bad_arguments():
    with pytest.raises(ValueError, match="seed"):
        R.seed(-1)
    with pytest.raises(ValueError, match="size"):
        R.normal(size=(2, -1))
    with pytest.raises(ValueError):
        R.normal(size=(2,), loc=np.ones(3))


# -- inside traced functions ------------------------------------------------------------

def _two_draws():
    return R.normal(size=(3,)), R.uniform(size=(2,))


def test_jit_draws_the_eager_numbers_and_new_ones_each_call():
    R.seed(5)
    eager = _two_draws() + _two_draws()
    f = nj.jit(_two_draws)
    R.seed(5)
    first, second = f(), f()
    for got, want in zip(first + second, eager):
        np.testing.assert_array_equal(got, want)
    R.seed(5)
    np.testing.assert_array_equal(f()[0], eager[0])


def test_state_is_a_runtime_input_of_the_ir():
    ir = nj.make_ir(lambda x: x + R.normal(size=(2,)))(np.zeros(2))
    assert [str(t) for t in ir.in_types] == ["f64[2]", "u64[]"]
    assert "random_normal[draw=0, extent=2, shape=(2,), strides=(1,)]" in str(ir)


def test_inlined_staged_functions_continue_the_sequence():
    inner = nj.jit(lambda: R.uniform(size=(3,)))
    outer = nj.jit(lambda x: (R.normal(size=(2,)) + x, inner(), inner(), R.normal()))
    R.seed(9)
    want = (R.normal(size=(2,)), R.uniform(size=(3,)), R.uniform(size=(3,)), R.normal())
    R.seed(9)
    for got, w in zip(outer(np.zeros(2)), want):
        np.testing.assert_array_equal(got, w)


def test_reparameterized_gradients():
    def loss(mu, sigma):
        return np.sum(R.normal(size=(3,), loc=mu, scale=sigma) ** 2)
    mu, sigma = np.array([0.5, -1.0, 2.0]), np.array(1.5)
    R.seed(2)
    g_mu, g_sigma = nj.grad(loss, argnums=(0, 1))(mu, sigma)
    R.seed(2)
    z = R.normal(size=(3,))
    x = mu + sigma * z
    np.testing.assert_allclose(g_mu, 2 * x, rtol=1e-14)
    np.testing.assert_allclose(g_sigma, np.sum(2 * x * z), rtol=1e-14)
    R.seed(2)
    _, tangent = nj.jvp(lambda h: R.uniform(low=1.0, high=h, size=(2,)), (np.array(3.0),),
                        (np.array(1.0),))
    R.seed(2)
    np.testing.assert_allclose(tangent, R.uniform(size=(2,)), rtol=1e-15)


# -- vmap randomness modes ---------------------------------------------------------------

def _noisy(x):
    return x + R.normal(size=(3,))


def test_error_mode_raises_runtime_error():
    with pytest.raises(RuntimeError, match="randomness='error'"):
        nj.vmap(_noisy)(np.zeros((4, 3)))
    assert issubclass(RandomnessError, RuntimeError)
    inner_same = nj.vmap(_noisy, randomness="same")
    with pytest.raises(RuntimeError, match="randomness='error'"):
        nj.vmap(inner_same)(np.zeros((2, 4, 3)))


@pytest.mark.parametrize("chunk_size", [None, 1, 2, 3, 10])
def test_same_mode_draws_once(chunk_size):
    R.seed(0)
    out = nj.vmap(_noisy, randomness="same", chunk_size=chunk_size)(np.zeros((5, 3)))
    R.seed(0)
    np.testing.assert_array_equal(out, np.broadcast_to(R.normal(size=(3,)), (5, 3)))


@pytest.mark.parametrize("chunk_size", [None, 1, 2, 3, 10])
def test_different_mode_is_one_draw_of_the_batch_shape(chunk_size):
    R.seed(0)
    out = nj.vmap(_noisy, randomness="different", chunk_size=chunk_size)(np.zeros((5, 3)))
    R.seed(0)
    np.testing.assert_array_equal(out, R.normal(size=(5, 3)))
    assert len({tuple(row) for row in out}) == 5         # every example differs
    np.testing.assert_array_equal(R.normal(), _after_draws(1))   # one draw consumed


def _after_draws(n):
    R.seed(0)
    for _ in range(n):
        R.normal()
    return R.normal()


def test_different_mode_with_batched_and_unbatched_parameters():
    loc = np.arange(4.0)
    R.seed(1)
    out = nj.vmap(lambda m, s: R.normal(size=(2,), loc=m, scale=s), (0, None),
                  randomness="different", chunk_size=3)(loc, np.array([1.0, 10.0]))
    R.seed(1)
    z = R.normal(size=(4, 2))
    np.testing.assert_allclose(out, loc[:, None] + np.array([1.0, 10.0]) * z, rtol=1e-15)


def test_same_mode_rejects_batched_parameters():
    with pytest.raises(RuntimeError, match="batched distribution parameter"):
        nj.vmap(lambda m: R.normal(loc=m), randomness="same")(np.arange(3.0))


@pytest.mark.parametrize("inner_chunk, outer_chunk", [(None, None), (2, None), (None, 2),
                                                      (1, 3), (3, 1), (2, 2)])
def test_nested_different_is_one_draw_of_both_batch_axes(inner_chunk, outer_chunk):
    inner = nj.vmap(lambda v: v + R.uniform(size=(2,)), randomness="different",
                    chunk_size=inner_chunk)
    f = nj.vmap(inner, randomness="different", chunk_size=outer_chunk)
    R.seed(7)
    out = f(np.zeros((4, 3, 2)))
    R.seed(7)
    np.testing.assert_array_equal(out, R.uniform(size=(4, 3, 2)))


def test_nested_same_inside_different():
    inner = nj.vmap(lambda v: v + R.uniform(size=(2,)), randomness="same")
    R.seed(7)
    out = nj.vmap(inner, randomness="different", chunk_size=2)(np.zeros((3, 4, 2)))
    R.seed(7)
    draws = R.uniform(size=(3, 2))
    np.testing.assert_array_equal(out, np.broadcast_to(draws[:, None], (3, 4, 2)))


def test_jitted_vmap_gives_new_numbers_per_call():
    f = nj.jit(nj.vmap(_noisy, randomness="different", chunk_size=2))
    R.seed(0)
    a, b = f(np.zeros((3, 3))), f(np.zeros((3, 3)))
    R.seed(0)
    np.testing.assert_array_equal(f(np.zeros((3, 3))), a)
    assert not np.array_equal(a, b)
