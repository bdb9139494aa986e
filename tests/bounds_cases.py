"""Out-of-range indices under every transform, shared by
tests/frontend/test_bounds.py (interpreter) and tests/runtime/test_bounds.py
(Numba): each case must raise NumPy's IndexError when the kernel runs,
never return a value."""
import numpy as np
import pytest

import numjac as nj

X1 = np.arange(4.0) + 1.0                  # x[i] along axis 0 of size 4
X2 = np.arange(12.0).reshape(4, 3) + 1.0


def _write(x, i):
    y = x * 2.0
    y[i] = x[0]
    return y


def _gathers():
    """(name, f(x, i), x, an index out of range, the expected message)."""
    axis0 = "index {} is out of bounds for axis 0 with size 4"
    return [
        ("int", lambda x, i: x[i], X1, 5, axis0.format(5)),
        ("int row", lambda x, i: x[i], X2, 7, axis0.format(7)),
        ("int below -n", lambda x, i: x[i], X1, -5, axis0.format(-5)),
        ("int 10**10", lambda x, i: x[i], X1, 10**10, axis0.format(10**10)),
        ("array", lambda x, i: x[i], X1, np.array([1, 5]), axis0.format(5)),
        ("array axis 1", lambda x, i: x[:, i], X2, np.array([0, 3]),
         "index 3 is out of bounds for axis 1 with size 3"),
        # The flat index 0 * 3 + 4 = 4 is inside x: each axis is checked.
        ("two arrays", lambda x, i: x[np.zeros_like(i), i], X2, np.array([4]),
         "index 4 is out of bounds for axis 1 with size 3"),
        ("np.take", lambda x, i: np.take(x, i), X1, np.array([-6]), axis0.format(-6)),
        ("np.take axis", lambda x, i: np.take(x, i, axis=0), X2, np.array([[4]]),
         axis0.format(4)),
        ("take_along_axis", lambda x, i: np.take_along_axis(x, i, axis=0), X2,
         np.array([[0, 4, 1]]), axis0.format(4)),
        ("uint64", lambda x, i: x[i], X1, np.array([2**64 - 1], np.uint64),
         axis0.format(2**64 - 1)),
        ("write", _write, X1, 4, axis0.format(4)),
        ("write array", _write, X2, np.array([0, -5]), axis0.format(-5)),
        # NumPy raises though the gathered value is unused: so does numjac.
        ("unused gather", lambda x, i: (x[i], x * 2.0)[1], X1, 4, axis0.format(4)),
    ]


GATHERS = [pytest.param(*case[1:], id=case[0]) for case in _gathers()]


def _loss(f):
    return lambda x, i: np.sum(f(x, i) ** 2)


def _transforms():
    """(name, run(f, x, i)): f under each transform, called once."""
    def vmap_x(f, x, i, **kw):
        return nj.vmap(lambda x: f(x, i), **kw)(np.stack([x, x]))

    def vmap_i(f, x, i, **kw):
        return nj.vmap(f, in_dims=(None, 0), **kw)(x, np.stack([np.asarray(i)] * 2))
    return [
        ("jit", lambda f, x, i: nj.jit(f)(x, i)),
        ("grad", lambda f, x, i: nj.grad(_loss(f))(x, i)),
        ("vjp", lambda f, x, i: nj.vjp(lambda x: f(x, i), x)),
        ("jvp", lambda f, x, i: nj.jvp(lambda x: f(x, i), (x,), (np.ones_like(x),))),
        ("linearize", lambda f, x, i: nj.linearize(lambda x: f(x, i), x)),
        ("vmap x", vmap_x),
        ("vmap index", vmap_i),
        ("vmap chunked", lambda f, x, i: vmap_i(f, x, i, chunk_size=1)),
        ("vmap both", lambda f, x, i: nj.vmap(f)(np.stack([x, x]), np.stack([i, i]))),
        ("jacrev", lambda f, x, i: nj.jacrev(f)(x, i)),
        ("jacfwd", lambda f, x, i: nj.jacfwd(f)(x, i)),
        ("jacrev chunked", lambda f, x, i: nj.jacrev(f, chunk_size=1)(x, i)),
        ("hessian", lambda f, x, i: nj.hessian(_loss(f))(x, i)),
    ]


TRANSFORMS = [pytest.param(run, id=name) for name, run in _transforms()]


def assert_out_of_bounds(run, f, x, index, message):
    with pytest.raises(IndexError) as raised:
        run(f, x, index)
    assert str(raised.value) == message
