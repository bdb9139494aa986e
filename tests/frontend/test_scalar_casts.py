"""NumPy's scalar types called on a traced value (np.int64(x), np.float64(x))
raise a ConcretizationError naming the cast that traces, x.astype(np.int64);
float(x) and int(x) say to use x itself or x.astype.

The scalar types are never replaced while tracing (guide.md, "Casts while tracing"):
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
from tests.helpers import check_vmap

# Every name NumPy binds to a concrete numeric (or bool) scalar type.
SCALAR_TYPE_NAMES = sorted(
    name for name in dir(np)
    if isinstance(getattr(np, name, None), type)
    and issubclass(getattr(np, name), (np.number, np.bool_))
    and getattr(np, name) in set(np.sctypeDict.values())
    and np.dtype(getattr(np, name)).kind in "biufc")
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


def through_int(v):
    return np.sum(v.astype(np.int64) * v ** 2)


def through_float32(v):
    return np.sum(v.astype(np.float32).astype(np.float64) ** 3)


def test_the_cast_numjac_traces_is_astype():
    """What the errors suggest, against closed forms: the integer cast has
    zero derivative, the round trip through float32 the identity's."""
    x = np.array([0.3, 1.7, 2.2])
    rounded = x.astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(nj.grad(through_int)(x), 2 * np.trunc(x) * x)
    np.testing.assert_array_equal(nj.hessian(through_int)(x), np.diag(2 * np.trunc(x)))
    np.testing.assert_allclose(nj.jacfwd(through_float32)(x), 3 * rounded ** 2, rtol=1e-15)
    # The second derivative flows back through the float32 cast: float32-rounded.
    np.testing.assert_allclose(nj.hessian(through_float32)(x), np.diag(6 * rounded), rtol=1e-7)
    check_vmap(nj.grad(through_int), 0, (np.stack([x, x + 1.0]),))
    check_vmap(nj.grad(through_float32), 0, (np.stack([x, x + 1.0]),))


def _scalar_type_checks(traced=None) -> dict:
    """What user code, NumPy and pickling do with the scalar types: each
    check is true when np.<name> is NumPy's own type."""
    checks = {}
    for name in SCALAR_TYPE_NAMES:
        t = getattr(np, name)
        checks.update({
            f"np.{name} is np.dtype(np.{name}).type": lambda t=t: t is np.dtype(t).type,
            f"type(np.{name}(1)) is np.{name}": lambda t=t: type(t(1)) is t,
            f"an np.{name} array's element is a np.{name}":
                lambda t=t: type(_ONE.astype(t)[0]) is t,
            f"pickle np.{name}": lambda t=t: pickle.loads(pickle.dumps(t)) is t,
            f"pickle np.{name}(1)": lambda t=t: _pickles(t(1)),
        })
    a = np.arange(3.0)
    checks.update({
        "a.dtype.type is np.float64": lambda: a.dtype.type is np.float64,
        "pickle a.dtype.type": lambda: pickle.loads(pickle.dumps(a.dtype.type)) is a.dtype.type,
        "np.double is np.float64": lambda: np.double is np.float64,
        "np.finfo(np.float32).eps": lambda: np.finfo(np.float32).eps == 2.0 ** -23,
        "np.iinfo(np.int32).max": lambda: np.iinfo(np.int32).max == 2 ** 31 - 1,
        "np.result_type(np.float32, np.int64)":
            lambda: np.result_type(np.float32, np.int64).type is np.float64,
        "np.issubdtype(np.int32, np.signedinteger)":
            lambda: np.issubdtype(np.int32, np.signedinteger),
        "np.select of concrete booleans":
            lambda: np.select([a > 1], [a], default=-1.0).tolist() == [-1.0, -1.0, 2.0],
    })
    if traced is not None:
        checks["traced.dtype.type is np.float64"] = lambda: traced.dtype.type is np.float64
        checks["traced.astype(np.float32).dtype.type is np.float32"] = (
            lambda: traced.astype(np.float32).dtype.type is np.float32)
    return checks


def _pickles(value) -> bool:
    back = pickle.loads(pickle.dumps(value))
    return back == value and np.dtype(type(back)) == np.dtype(type(value))


def _failed(checks: dict) -> list:
    """The checks that are false or raise, with what they raised."""
    failed = []
    for check, holds in checks.items():
        try:
            if not holds():
                failed.append(check)
        except Exception as e:      # noqa: BLE001 (any exception fails the check)
            failed.append(f"{check}: {type(e).__name__}: {e}")
    return failed


def test_scalar_types_are_numpys_own_inside_a_trace():
    failed = []

    def f(x):
        failed.append(_failed(_scalar_type_checks(traced=x)))
        return x * 2.0
    nj.grad(lambda x: np.sum(f(x)))(np.ones(3))
    assert failed == [[]], failed


def test_scalar_types_are_numpys_own_in_another_thread_during_a_trace():
    failed = []

    def check():
        failed.append(_failed(_scalar_type_checks()))

    def f(x):
        other = threading.Thread(target=check)
        other.start()
        other.join()
        return x * 2.0
    nj.jit(f)(np.ones(3))
    assert failed == [[]], failed
