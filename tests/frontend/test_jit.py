"""nj.jit: same numbers as NumPy, one trace per signature, and clear errors."""
import logging
from collections import namedtuple

import numpy as np
import pytest

import numjac as nj
from numjac.pytree import flatten

State = namedtuple("State", ["position", "velocity"])


def counting(fn):
    """``fn`` plus a list that grows by one each time it runs (is traced)."""
    runs = []

    def counted(*args, **kwargs):
        runs.append(1)
        return fn(*args, **kwargs)
    return counted, runs


def mixture_terms(x, mu, log_sigma, weight, temperature):
    """Tempered log-densities of a 1-D Gaussian mixture, point by component."""
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    log_norm = -0.5 * np.log(2.0 * np.pi) - log_sigma
    log_pdf = log_norm - 0.5 * np.square(z)
    log_w = np.log(weight) - np.log1p(weight)
    scaled = (log_pdf + log_w) / temperature
    soft = np.logaddexp(scaled, 0.0)
    outlier = np.abs(z) > 3.0
    tail = np.exp(-np.maximum(np.abs(z) - 3.0, 0.0))
    smooth = np.tanh(scaled) * tail + (1.0 - tail) * np.arctan(scaled)
    spread = np.hypot(z, sigma) ** 1.5
    ratio = np.fmax(spread, 1e-3) / (1.0 + np.cosh(z / 4.0))
    counts = (z > 0).astype(np.int64) + 2 * outlier
    weighted = smooth * ratio - np.expm1(-soft)
    peak = np.minimum(weighted, 10.0) * np.cbrt(ratio)
    return {"terms": peak, "counts": counts, "soft": soft.astype(np.float32)}


def mixture_args():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 1))
    mu, log_sigma = rng.normal(size=4), 0.3 * rng.normal(size=4)
    weight = rng.uniform(0.2, 1.0, size=4)
    return x, mu, log_sigma, weight, 0.7


def test_twenty_line_function_gives_numpys_numbers():
    args = mixture_args()
    expected = mixture_terms(*args)
    got = nj.jit(mixture_terms)(*args)
    assert list(got) == ["terms", "counts", "soft"]
    for key in expected:
        assert type(got[key]) is np.ndarray
        assert got[key].dtype == expected[key].dtype and got[key].shape == expected[key].shape
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(got["terms"], expected["terms"], rtol=1e-13, atol=1e-15)


# -- one trace per signature ----------------------------------------------------

def test_same_signature_is_traced_once():
    f, runs = counting(lambda x, y: np.sin(x) * y)
    jitted = nj.jit(f)
    for i in range(4):
        x, y = np.full(3, float(i)), np.arange(3.0)
        np.testing.assert_allclose(jitted(x, y), np.sin(x) * y)
    assert len(runs) == 1


@pytest.mark.parametrize("first, second", [
    ((np.ones(3),), (np.ones(4),)),
    ((np.ones(3),), (np.ones((3, 1)),)),
    ((np.ones(3),), (np.ones(3, np.float32),)),
    (((np.ones(3), np.ones(3)),), ([np.ones(3), np.ones(3)],)),
    (({"a": np.ones(3)},), ({"b": np.ones(3)},)),
    ((State(np.ones(3), np.ones(3)),), ((np.ones(3), np.ones(3)),)),
    ((np.ones(3),), (np.ones(3), None)),
])
def test_new_shape_dtype_or_structure_retraces(first, second):
    f, runs = counting(lambda tree, extra=None: np.negative(flatten(tree)[0][0]))
    jitted = nj.jit(f)
    jitted(*first)
    jitted(*first)
    assert len(runs) == 1
    jitted(*second)
    assert len(runs) == 2
    jitted(*first)
    assert len(runs) == 2


def test_changing_python_float_never_retraces():
    f, runs = counting(lambda t, y: np.cos(t) * y - t)
    jitted = nj.jit(f)
    y = np.arange(3.0)
    for t in np.linspace(0.0, 1.0, 7):
        np.testing.assert_allclose(jitted(float(t), y), np.cos(t) * y - t)
    assert len(runs) == 1


def test_int_argument_used_as_axis_specializes_per_value(caplog):
    f, runs = counting(lambda x, k: np.sum(x, axis=k))
    jitted = nj.jit(f)
    x = np.arange(6.0).reshape(2, 3)
    with caplog.at_level(logging.INFO, logger="numjac"):
        np.testing.assert_allclose(jitted(x, 0), x.sum(axis=0))
    assert "specializing" in caplog.text
    traced = len(runs)
    np.testing.assert_allclose(jitted(x, 0), x.sum(axis=0))
    assert len(runs) == traced
    np.testing.assert_allclose(jitted(x, 1), x.sum(axis=1))
    np.testing.assert_allclose(jitted(x, 1), x.sum(axis=1))
    assert len(runs) == traced + 1


def test_int_argument_used_as_loop_count_specializes_per_value():
    def doubled(x, k):
        for _ in range(k):
            x = x * 2.0
        return x

    f, runs = counting(doubled)
    jitted = nj.jit(f)
    x = np.ones(2)
    np.testing.assert_allclose(jitted(x, 3), 8.0 * x)
    traced = len(runs)
    np.testing.assert_allclose(jitted(x, 3), 8.0 * x)
    np.testing.assert_allclose(jitted(x, 1), 2.0 * x)
    assert len(runs) == traced + 1


def test_static_argnums_bakes_the_value_in():
    def scaled(x, scale, mode):
        return np.sin(x) * scale if mode == "sin" else np.cos(x) * scale

    f, runs = counting(scaled)
    jitted = nj.jit(f, static_argnums=(1,))
    x = np.arange(3.0)
    np.testing.assert_allclose(jitted(x, 2.5, "sin"), np.sin(x) * 2.5)
    np.testing.assert_allclose(jitted(x, 2.5, "cos"), np.cos(x) * 2.5)
    np.testing.assert_allclose(jitted(x, 2.5, "sin"), np.sin(x) * 2.5)
    assert len(runs) == 2
    np.testing.assert_allclose(jitted(x, 3.0, "sin"), np.sin(x) * 3.0)
    assert len(runs) == 3
    ir = nj.make_ir(scaled, static_argnums=1)(x, 2.5, "sin")
    assert len(ir.inputs) == 1 and "mul b 2.5" in str(ir)


def test_static_argnums_errors():
    with pytest.raises(TypeError, match="static_argnums"):
        nj.jit(np.sin, static_argnums=("x",))
    with pytest.raises(ValueError, match="static_argnums entry 3 is out of range"):
        nj.jit(lambda x: x, static_argnums=3)(np.ones(2))


def test_recreating_jit_in_a_loop_reuses_the_trace():
    f, runs = counting(lambda x: np.exp(x) - 1.0)
    for _ in range(5):
        np.testing.assert_allclose(nj.jit(f)(np.ones(3)), np.expm1(np.ones(3)))
    assert len(runs) == 1


def test_keyword_arguments_are_traced_too():
    def affine(x, *, scale=1.0, shift=None):
        return x * scale if shift is None else x * scale + shift

    f, runs = counting(affine)
    jitted = nj.jit(f)
    x = np.arange(3.0)
    np.testing.assert_allclose(jitted(x, scale=2.0), 2.0 * x)
    np.testing.assert_allclose(jitted(x, scale=3.0), 3.0 * x)
    assert len(runs) == 1
    np.testing.assert_allclose(jitted(x, scale=2.0, shift=np.ones(3)), 2.0 * x + 1.0)
    np.testing.assert_allclose(jitted(x), x)
    assert len(runs) == 3


def test_pytree_arguments_and_outputs():
    def step(state, params):
        dt = params["dt"]
        accel = -params["k"] * state.position
        new = State(state.position + dt * state.velocity, state.velocity + dt * accel)
        return new, [np.square(new.velocity).astype(np.float32), None]

    state = State(np.array([1.0, 0.5]), np.array([0.0, 0.2]))
    params = {"k": np.array([2.0, 3.0]), "dt": 0.1}
    got = nj.jit(step)(state, params)
    expected = step(state, params)
    assert isinstance(got[0], State) and isinstance(got[1], list) and got[1][1] is None
    for g, e in zip((*got[0], got[1][0]), (*expected[0], expected[1][0])):
        assert type(g) is np.ndarray and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-7)


def test_scalar_outputs_are_0d_arrays():
    out = nj.jit(lambda x, t: (np.sin(t), x * t))(np.ones(2), 0.5)
    assert type(out[0]) is np.ndarray and out[0].shape == () and out[0].dtype == np.float64
    np.testing.assert_allclose(out[0], np.sin(0.5))


@pytest.mark.parametrize("fn", [
    lambda x: np.float64(2.0) * x,
    lambda x: 2.0 * x,
    lambda x: (x > 0) & True,
    lambda x: x * True,
    lambda x: np.int64(3) * (x > 0),
], ids=["np-float64", "py-float", "py-bool-and", "py-bool-mul", "np-int64"])
def test_scalar_operands_promote_as_in_numpy(fn):
    x = np.linspace(-1.0, 1.0, 3, dtype=np.float32)
    got, expected = nj.jit(fn)(x), fn(x)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_closure_over_an_array_is_an_input():
    table = np.linspace(0.0, 1.0, 4)

    def lookup(x):
        return np.sin(x + table)

    ir = nj.make_ir(lookup)(np.ones(4))
    assert [str(t) for t in ir.in_types] == ["f64[4]", "f64[4]"]
    x = np.arange(4.0)
    np.testing.assert_allclose(nj.jit(lookup)(x), np.sin(x + table))


def test_nested_jit_inlines_the_inner_trace():
    offset = np.array([1.0, 2.0, 3.0])
    inner_f, inner_runs = counting(lambda y: np.tanh(y) + offset)
    inner = nj.jit(inner_f)

    def outer(x):
        return inner(x * 2.0) * inner(x)

    x = np.linspace(-1.0, 1.0, 3)
    expected = (np.tanh(2.0 * x) + offset) * (np.tanh(x) + offset)
    np.testing.assert_allclose(nj.jit(outer)(x), expected)
    assert len(inner_runs) == 1
    text = str(nj.make_ir(outer)(x))
    assert text.count("tanh") == 2 and text.startswith("ir(a:f64[3], b:f64[3]):")
    np.testing.assert_allclose(inner(x), np.tanh(x) + offset)


# -- errors ---------------------------------------------------------------------------

def branchy(x):
    if x > 0:
        return x
    return -x


def test_python_if_on_a_traced_value_says_where_and_suggests_where():
    with pytest.raises(nj.ConcretizationError) as info:
        nj.jit(branchy)(np.ones(3))
    location = f"{branchy.__code__.co_filename}:{branchy.__code__.co_firstlineno + 1}"
    assert location in str(info.value)
    assert "np.where" in str(info.value)
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("fn, what", [
    (lambda x: float(x), "float()"),
    (lambda x: int(x), "int()"),
    (lambda x: x.item(), ".item()"),
    (lambda x: bool(x), "bool()"),
    (lambda x: np.float64(x), "np.float64(x)"),
], ids=["float", "int", "item", "bool", "float64"])
def test_concrete_value_of_a_traced_array_is_an_error(fn, what):
    with pytest.raises(nj.ConcretizationError) as info:
        nj.jit(fn)(np.ones(()))
    message = str(info.value)
    assert what in message and "np.where" in message
    assert f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}" in message


def test_a_tracer_that_escapes_its_trace_is_an_error():
    leaked = []
    nj.make_ir(lambda x: leaked.append(x) or x)(np.ones(2))
    with pytest.raises(nj.ConcretizationError, match="escaped"):
        nj.jit(lambda y: y + leaked[0])(np.ones(2))


@pytest.mark.parametrize("fn, name", [
    (np.fft.fft, "numpy.fft.fft"),
    (np.unique, "numpy.unique"),
    (np.add.accumulate, "numpy.add.accumulate"),
], ids=["fft", "unique", "ufunc-method"])
def test_unsupported_numpy_function_is_named(fn, name):
    with pytest.raises(nj.UnsupportedOperationError, match=name.replace(".", r"\.")) as info:
        nj.jit(fn)(np.ones(3))
    assert isinstance(info.value, NotImplementedError)


def test_string_output_and_non_callable_are_type_errors():
    with pytest.raises(TypeError, match="output 1 .* is a str"):
        nj.jit(lambda x: (x, "done"))(np.ones(2))
    with pytest.raises(TypeError, match="func must be callable"):
        nj.jit(np.ones(3))


def test_python_if_on_a_scalar_argument_or_closure_float_specializes():
    y = np.ones(3)
    choose = nj.jit(lambda y, t: y * 2 if t > 0 else y)
    np.testing.assert_allclose(choose(y, 1.0), 2 * y)
    np.testing.assert_allclose(choose(y, -1.0), y)

    def make(t):
        def f(y):
            return y * t if t > 0.8 else y
        return f
    np.testing.assert_allclose(nj.jit(make(0.9))(y), 0.9 * y)
    np.testing.assert_allclose(nj.jit(make(0.1))(y), y)
    # a value that also depends on an array cannot be made concrete
    with pytest.raises(nj.ConcretizationError, match="np.where"):
        nj.jit(lambda y, t: y if np.sum(y) * t > 0 else -y)(y, 1.0)


def test_enclosing_scalar_made_concrete_inside_a_nested_jit():
    x = np.arange(6.0).reshape(2, 3)
    outer = nj.jit(lambda x, k: nj.jit(lambda y: np.sum(y, axis=k))(x))
    np.testing.assert_allclose(outer(x, 1), x.sum(axis=1))
    np.testing.assert_allclose(outer(x, 0), x.sum(axis=0))


def test_closure_float_promotes_weakly_and_changes_with_a_fresh_closure():
    x32 = np.ones(3, np.float32)

    def scaled_by(t):
        return lambda y: y * t
    assert nj.jit(scaled_by(0.5))(x32).dtype == np.float32
    np.testing.assert_allclose(nj.jit(scaled_by(2.0))(x32), 2 * x32)


def test_a_lambda_written_in_a_loop_does_not_stay_in_the_cache():
    import gc
    import weakref
    y = np.ones(3)
    refs = []
    for t in (0.5, 1.5):
        f = lambda v: np.sin(v) * t     # noqa: E731 - a fresh function each time
        refs.append(weakref.ref(f))
        nj.jacfwd(f)(y)
        nj.jit(nj.grad(lambda v: np.sum(f(v))))(y)
    del f
    gc.collect()
    assert [r() for r in refs] == [None, None]


SHIFT = 1


def shifted(y):
    return y * SHIFT + 0.5


def test_the_repeated_call_shortcut_follows_signatures_and_restaging():
    """A call with the last one-array signature skips the signature key
    (StagedFunction._last); other signatures, Python scalars and a restage
    after a guarded global changed are each answered as themselves."""
    global SHIFT
    g = nj.jit(shifted)
    x, y, s = np.arange(3.0), np.arange(4, dtype=np.float32), 2.0
    for _ in range(3):
        for arg in (x, x, y, s, x):
            got = g(arg)
            np.testing.assert_array_equal(got, np.asarray(arg) * SHIFT + 0.5)
            assert got.dtype == (np.asarray(arg) * 1 + np.float32(0.5)).dtype
    SHIFT = 3
    try:
        np.testing.assert_array_equal(g(x), x * 3 + 0.5)
        np.testing.assert_array_equal(g(x), x * 3 + 0.5)
        # The shortcut holds the runner staged anew, not the stale one.
        assert g._last[2] is g._fast[(np.ndarray, x.dtype, x.shape)]
    finally:
        SHIFT = 1
    np.testing.assert_array_equal(g(x), x + 0.5)
