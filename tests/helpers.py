"""Shared test helpers (see DESIGN.md "Testing helpers")."""
from __future__ import annotations

import textwrap

import numpy as np

import numjac as nj
from numjac.compiler.typecheck import typecheck


def assert_ir(f, args, expected_text: str):
    """The dump of ``nj.make_ir(f)(*args)`` is exactly ``expected_text``
    (dedented, surrounding blank lines ignored), and the IR typechecks."""
    ir = nj.make_ir(f)(*args)
    typecheck(ir)
    expected = textwrap.dedent(expected_text).strip("\n")
    got = str(ir)
    assert got == expected, f"IR dump differs.\n--- expected\n{expected}\n--- got\n{got}"


# -- derivatives against finite differences --------------------------------------

def _tree_leaves(tree):
    from numjac.pytree import flatten
    return [np.asarray(leaf, dtype=np.float64) for leaf in flatten(tree)[0]]


def _random_like(tree, rng):
    from numjac.pytree import tree_map
    return tree_map(lambda a: rng.normal(size=np.shape(a)).astype(np.asarray(a).dtype), tree)


def _inner(a, b):
    return sum(float(np.sum(x * y)) for x, y in zip(_tree_leaves(a), _tree_leaves(b)))


def numerical_jvp(f, args, tangents, eps=1e-6):
    """Central finite difference of ``f`` at ``args`` along ``tangents``."""
    plus = f(*[a + eps * t for a, t in zip(args, tangents)])
    minus = f(*[a - eps * t for a, t in zip(args, tangents)])
    return [(p - m) / (2 * eps) for p, m in zip(_tree_leaves(plus), _tree_leaves(minus))]


def _assert_close(got, expected, what, rtol, atol):
    for g, e in zip(_tree_leaves(got), _tree_leaves(expected)):
        scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol * scale, err_msg=what)


def check_jvp(f, args, rng, rtol=1e-5, atol=1e-6):
    tangents = tuple(_random_like(a, rng) for a in args)
    _, got = nj.jvp(f, tuple(args), tangents)
    _assert_close(got, numerical_jvp(f, args, tangents), "jvp vs finite differences",
                  rtol, atol)


def check_vjp(f, args, rng, rtol=1e-5, atol=1e-6):
    """<u, J v> (finite differences) == <J^T u, v> (vjp)."""
    out, vjp_fn = nj.vjp(f, *args)
    u = _random_like(out, rng)
    tangents = tuple(_random_like(a, rng) for a in args)
    lhs = sum(float(np.sum(a * b)) for a, b in
              zip(_tree_leaves(u), numerical_jvp(f, args, tangents)))
    rhs = _inner(vjp_fn(u), tangents)
    np.testing.assert_allclose(rhs, lhs, rtol=rtol, atol=atol * max(1.0, abs(lhs)),
                               err_msg="vjp vs finite differences")


def check_grads(f, args, order=2, modes=("fwd", "rev"), seed=0):
    """Derivatives of ``f`` to ``order`` in each mode against central finite
    differences in seeded random directions.  Order k checks the derivative
    of the order-(k-1) directional derivative, traced through numjac."""
    rng = np.random.default_rng(seed)
    args = tuple(np.asarray(a) for a in args)
    for mode in modes:
        (check_jvp if mode == "fwd" else check_vjp)(f, args, rng)
    if order > 1:
        for mode in modes:
            check_grads(_directional(f, args, mode, rng), args, order - 1, modes, seed + 1)


def _directional(f, args, mode, rng):
    """A function of the same args: f's jvp (fwd) or vjp (rev) in a fixed
    random direction."""
    if mode == "fwd":
        tangents = tuple(_random_like(a, rng) for a in args)
        return lambda *xs: nj.jvp(f, xs, tangents)[1]
    u = _random_like(f(*args), rng)
    return lambda *xs: nj.vjp(f, *xs)[1](u)


# -- vmap against a Python loop -------------------------------------------------------

def vmap_by_loop(f, in_dims, args, out_dims=0, kwargs=None):
    """What ``vmap(f, in_dims, out_dims)(*args, **kwargs)`` means: ``f`` on
    each example in a Python loop, the results stacked with np.stack."""
    from numjac.pytree import broadcast_prefix, flatten, unflatten
    kwargs = kwargs or {}
    leaves, treedef = flatten(tuple(args))
    per_arg = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    dims = [d for arg, arg_dims in zip(args, per_arg) for d in broadcast_prefix(arg_dims, arg)]
    size = next(np.shape(x)[d] for x, d in zip(leaves, dims) if d is not None)
    results = []
    for b in range(size):
        example = [x if d is None else np.take(x, b, axis=d) for x, d in zip(leaves, dims)]
        results.append(f(*unflatten(treedef, example), **kwargs))
    out_leaves, out_tree = flatten(results[0])
    stacked = []
    for i, d in enumerate(broadcast_prefix(out_dims, results[0])):
        column = [flatten(r)[0][i] for r in results]
        stacked.append(column[0] if d is None else np.stack(column, axis=d))
    return unflatten(out_tree, stacked)


def check_vmap(f, in_dims, args, out_dims=0, *, kwargs=None, rtol=1e-12, atol=1e-13, **kw):
    """``nj.vmap(f, in_dims, out_dims, **kw)`` (kw: randomness, chunk_size)
    agrees with ``vmap_by_loop``: structure, shapes, dtypes and values."""
    from numjac.pytree import flatten
    got = nj.vmap(f, in_dims, out_dims, **kw)(*args, **(kwargs or {}))
    expected = vmap_by_loop(f, in_dims, args, out_dims, kwargs)
    got_leaves, got_tree = flatten(got)
    expected_leaves, expected_tree = flatten(expected)
    assert got_tree == expected_tree, f"output structure {got_tree} != {expected_tree}"
    for i, (g, e) in enumerate(zip(got_leaves, expected_leaves)):
        if not isinstance(e, (np.ndarray, np.generic)):
            assert g == e, f"passed-through output {i}: {g!r} != {e!r}"
            continue
        g, e = np.asarray(g), np.asarray(e)
        assert g.shape == e.shape and g.dtype == e.dtype, \
            f"output {i}: {g.dtype}{list(g.shape)} != {e.dtype}{list(e.shape)}"
        tol = dict(rtol=1e-5, atol=1e-6) if e.dtype == np.float32 else dict(rtol=rtol, atol=atol)
        np.testing.assert_allclose(g, e, err_msg=f"output {i}", **tol)
    return got


# -- backends ------------------------------------------------------------------

def check_backends(f, args, *, rtol=1e-10, atol=1e-12):
    """``f`` (a NumPy function or any transform of one) compiled with Numba
    agrees with the reference interpreter: output structure, dtypes, shapes
    and values (float32 to float32 accuracy).  Returns the Numba outputs.

    In the "background" compile mode the first Numba call may be answered
    by the interpreter while the kernel compiles: the kernel's results are
    checked too, after ``wait_for_compiles``."""
    expected = nj.jit(f, backend="interpret")(*args)
    compiled = nj.jit(f, backend="numba")
    first = compiled(*args)
    assert nj.wait_for_compiles(timeout=1800), "a background compile did not end"
    _assert_agree(first, expected, rtol, atol)
    return _assert_agree(compiled(*args), expected, rtol, atol)


def _assert_agree(got, expected, rtol, atol):
    from numjac.pytree import flatten
    got_leaves, got_tree = flatten(got)
    expected_leaves, expected_tree = flatten(expected)
    assert got_tree == expected_tree, f"output structure {got_tree} != {expected_tree}"
    for i, (g, e) in enumerate(zip(got_leaves, expected_leaves)):
        assert type(g) is np.ndarray, f"output {i} is a {type(g).__name__}, not an array"
        assert g.shape == e.shape and g.dtype == e.dtype, \
            f"output {i}: {g.dtype}{list(g.shape)} != {e.dtype}{list(e.shape)}"
        if e.dtype.kind not in "fc":
            np.testing.assert_array_equal(g, e, err_msg=f"output {i}")
            continue
        tol = dict(rtol=1e-5, atol=1e-6) if e.dtype == np.float32 else dict(rtol=rtol, atol=atol)
        scale = max(1.0, float(np.max(np.abs(e[np.isfinite(e)]), initial=0.0)))
        np.testing.assert_allclose(g, e, rtol=tol["rtol"], atol=tol["atol"] * scale,
                                   err_msg=f"output {i}")
    return got
