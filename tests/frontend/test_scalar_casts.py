"""NumPy's scalar types called on a traced value (np.int64(x), np.float64(x))
raise a ConcretizationError naming the cast that traces, x.astype(np.int64);
float(x) and int(x) say to use x itself or x.astype.

The scalar types are never replaced while tracing (docs/guide.md, "Casts"):
a replacement can compare equal to np.int64 but cannot be it, and code in
the traced function, in NumPy and in other threads tells them apart
(``x.dtype.type is np.int64``, Numba's typing of np.int64, pickling the
type).  These tests hold that: inside a trace and in another thread during
one, np.int64 is NumPy's own type in every respect they check.
"""
import pickle
import threading

import numpy as np
import pytest

import numjac as nj

# Every name NumPy binds to a concrete numeric (or bool) scalar type.
SCALAR_TYPE_NAMES = sorted(
    name for name in dir(np)
    if isinstance(getattr(np, name, None), type)
    and issubclass(getattr(np, name), (np.number, np.bool_))
    and getattr(np, name) in set(np.sctypeDict.values()))
TRACED = ["int64", "int32", "int16", "int8", "uint8", "uint64", "intp", "float64",
          "float32", "float16", "bool_", "double", "single"]

_ONE = np.ones(1)     # made here: np.ones is numjac's inside a trace

TRANSFORMS = {
    "jit": lambda f: nj.jit(f),
    "grad": lambda f: nj.grad(lambda x: np.sum(f(x) * 1.0)),
    "vmap": lambda f: nj.vmap(f),
}


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("shape", [(), (3,)])
@pytest.mark.parametrize("name", TRACED)
def test_scalar_type_of_a_traced_value_names_astype(name, shape, transform):
    scalar_type = getattr(np, name)
    x = np.full((2,) + shape if transform == "vmap" else shape, 2.5)
    with pytest.raises(nj.ConcretizationError) as info:
        TRANSFORMS[transform](lambda v: scalar_type(v))(x)
    message = str(info.value)
    assert f"x.astype(np.{np.dtype(scalar_type).name})" in message, message
    assert "stays traced" in message and "test_scalar_casts.py" in message, message


def test_scalar_type_numjac_cannot_trace_says_so():
    with pytest.raises(nj.ConcretizationError, match="numjac does not trace complex128"):
        nj.jit(lambda v: np.complex128(v))(np.ones(2))


@pytest.mark.parametrize("convert", [float, int])
def test_float_and_int_of_a_traced_value_suggest_x_or_astype(convert):
    with pytest.raises(nj.ConcretizationError) as info:
        nj.grad(lambda v: convert(v) * v)(np.array(2.0))
    message = str(info.value)
    assert f"{convert.__name__}()" in message, message
    assert "use x itself or x.astype(np." in message, message


def test_the_cast_numjac_traces_is_astype():
    """What the errors suggest: the integer cast has zero derivative, the
    round trip through float32 the derivative of astype."""
    x = np.array([0.3, 1.7, 2.2])
    assert nj.grad(lambda v: np.sum(v.astype(np.int64) * v))(x).tolist() == [0.0, 1.0, 2.0]
    got = nj.grad(lambda v: np.sum(v.astype(np.float32).astype(np.float64) ** 2))(x)
    np.testing.assert_allclose(got, 2 * x.astype(np.float32), rtol=1e-7)


def _scalar_type_facts(traced=None) -> dict:
    """Checks user code, NumPy and pickling make of the scalar types: each
    True when np.<name> is NumPy's own type."""
    facts = {}
    for name in SCALAR_TYPE_NAMES:
        t = getattr(np, name)
        own = np.dtype(t).type
        facts[f"np.{name} is np.dtype(np.{name}).type"] = t is own
        facts[f"type(np.{name}(1)) is np.{name}"] = type(t(1)) is t
        facts[f"an np.{name} array's element is a np.{name}"] = type(_ONE.astype(t)[0]) is t
        facts[f"pickle np.{name}"] = pickle.loads(pickle.dumps(t)) is t
        value = pickle.loads(pickle.dumps(t(1)))
        facts[f"pickle np.{name}(1)"] = value == 1 and np.dtype(type(value)) == np.dtype(t)
    a = np.arange(3.0)
    facts["a.dtype.type is np.float64"] = a.dtype.type is np.float64
    facts["np.double is np.float64"] = np.double is np.float64
    facts["np.finfo(np.float32).eps"] = np.finfo(np.float32).eps == np.float32(2.0 ** -23)
    facts["np.iinfo(np.int32).max"] = np.iinfo(np.int32).max == 2 ** 31 - 1
    facts["np.result_type(np.float32, np.int64)"] = np.result_type(
        np.float32, np.int64).type is np.float64
    facts["np.issubdtype(np.int32, np.signedinteger)"] = np.issubdtype(
        np.int32, np.signedinteger)
    facts["np.select on concrete booleans"] = np.select(
        [a > 1], [a], default=-1.0).tolist() == [-1.0, -1.0, 2.0]
    if traced is not None:
        facts["traced.dtype.type is np.float64"] = traced.dtype.type is np.float64
        facts["traced.astype(np.float32).dtype.type is np.float32"] = (
            traced.astype(np.float32).dtype.type is np.float32)
    return facts


def _failed(facts: dict) -> list:
    return [check for check, holds in facts.items() if not holds]


def test_scalar_types_are_numpys_own_inside_a_trace():
    facts = {}

    def f(x):
        facts.update(_scalar_type_facts(traced=x))
        return x * 2.0
    nj.grad(lambda x: np.sum(f(x)))(np.ones(3))
    assert facts and not _failed(facts), _failed(facts)


def test_scalar_types_are_numpys_own_in_another_thread_during_a_trace():
    facts = {}

    def check():
        facts.update(_scalar_type_facts())

    def f(x):
        other = threading.Thread(target=check)
        other.start()
        other.join()
        return x * 2.0
    nj.jit(f)(np.ones(3))
    assert facts and not _failed(facts), _failed(facts)
