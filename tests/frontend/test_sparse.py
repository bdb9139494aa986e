"""nj.jacobian_sparsity, nj.hessian_sparsity, nj.sparse_jacobian and
nj.sparse_hessian, and dense jacfwd / jacrev / hessian going through the
compressed path: sparse results equal the dense ones, in every format and
mode, once per signature, and compose with jit and vmap."""
import numpy as np
import pytest
import scipy.sparse as sp

import numjac as nj
from numjac.transforms.compressed import DENSE_HOOK_MIN_BASIS
from tests.helpers import check_backends, check_vmap
from tests.sparsity_checks import PLAIN


def brusselator(y):
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    coupling = u * u * v
    padded = np.concatenate([np.ones(1), u, np.ones(1)])
    lap = padded[2:] - 2 * padded[1:-1] + padded[:-2]
    return np.concatenate([1 + coupling - 4 * u + lap, 3 * u - coupling + 0.5 * np.roll(v, 1)])


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def arrow(x):
    """One output reads every input, the others one each: reverse mode wins."""
    return np.concatenate([np.sum(np.sin(x))[None], x[1:] ** 2])


def grid(x):
    """A 2-D stencil on a (4, 5) array."""
    inner = x[1:-1, 1:-1]
    lap = x[:-2, 1:-1] + x[2:, 1:-1] + x[1:-1, :-2] + x[1:-1, 2:] - 4 * inner
    return lap + inner ** 3


Y = np.random.default_rng(0).uniform(0.5, 1.5, 80)


def dense(f, x):
    return np.asarray(nj.jacfwd(f, chunk_size=PLAIN)(x)).reshape(-1, x.size)


@pytest.mark.parametrize("f,x", [(brusselator, Y), (arrow, Y), (grid, Y[:20].reshape(4, 5))],
                         ids=["brusselator", "arrow", "grid"])
@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
@pytest.mark.parametrize("layout", ["csr", "csc", "coo"])
def test_sparse_jacobian_equals_dense(f, x, mode, layout):
    jac = nj.sparse_jacobian(f, mode=mode, format=layout)(x)
    assert jac.format == layout
    np.testing.assert_allclose(jac.toarray(), dense(f, x), rtol=1e-13, atol=1e-13)
    pattern = nj.jacobian_sparsity(f)(x)
    assert isinstance(pattern, sp.csr_array) and pattern.dtype == bool
    assert (pattern != (sp.csr_array(jac) != 0)).nnz == 0
    data = nj.sparse_jacobian(f, mode=mode, format=layout, data_only=True)(x)
    np.testing.assert_array_equal(data, jac.data)


def test_auto_mode_takes_the_fewer_colors():
    forward = nj.sparse_jacobian(brusselator).kernel
    reverse = nj.sparse_jacobian(arrow).kernel
    assert forward.lower(Y).stages["optimized"] is not None
    assert _plan(forward, Y).forward
    assert not _plan(reverse, Y).forward and _plan(reverse, Y).n_colors == 2


def _plan(kernel, x):
    from numjac.inputs import prepared_call
    args, _, leaves, treedef = prepared_call((x,), {})
    return kernel.staged_for(args, leaves, treedef).compression


def test_sparse_hessian_equals_dense():
    hess = nj.sparse_hessian(rosenbrock)(Y)
    plain = nj.jacfwd(nj.jacrev(rosenbrock), chunk_size=PLAIN)
    np.testing.assert_allclose(hess.toarray(), plain(Y), rtol=1e-13)
    assert _plan(nj.sparse_hessian(rosenbrock).kernel, Y).n_colors == 3
    pattern = nj.hessian_sparsity(rosenbrock)(Y)
    assert pattern.nnz == 3 * Y.size - 2
    assert (abs(pattern - pattern.T)).nnz == 0


def test_sparse_hessian_of_a_coupled_function():
    def energy(x):
        return np.sum(np.cos(x) * np.roll(x, 2)) + np.sum(x[::3]) ** 2
    x = Y[:12]
    expected = nj.jacfwd(nj.jacrev(energy), chunk_size=PLAIN)(x)
    for layout in ("csr", "csc", "coo"):
        np.testing.assert_allclose(nj.sparse_hessian(energy, format=layout)(x).toarray(),
                                   expected, rtol=1e-12, atol=1e-12)


def grid_energy(x):
    """Neighbours on an 8 x 8 grid coupled along rows, columns and one
    diagonal: its Hessian needs fewer acyclic colors than star colors."""
    g = x.reshape(8, 8)
    return (np.sum((g[1:, :] * g[:-1, :]) ** 2) + np.sum((g[:, 1:] - g[:, :-1]) ** 2 * g[:, 1:])
            + np.sum(g[1:, 1:] * g[:-1, :-1]) + np.sum(np.sin(x)))


@pytest.mark.parametrize("layout", ["csr", "csc", "coo"])
def test_acyclic_coloring_gives_the_hessian_with_fewer_colors(layout):
    x = np.random.default_rng(3).normal(size=64)
    expected = nj.jacfwd(nj.jacrev(grid_energy), chunk_size=PLAIN)(x)
    plans = {}
    for method in ("star", "acyclic", "auto"):
        hessian = nj.sparse_hessian(grid_energy, format=layout, coloring=method)
        np.testing.assert_allclose(hessian(x).toarray(), expected, rtol=1e-12, atol=1e-12)
        plans[method] = _plan(hessian.kernel, x)
    assert plans["acyclic"].n_colors < plans["star"].n_colors
    assert plans["acyclic"].recovery is not None and plans["star"].recovery is None
    data = nj.sparse_hessian(grid_energy, format=layout, coloring="acyclic", data_only=True)
    star = nj.sparse_hessian(grid_energy, format=layout)(x)
    np.testing.assert_allclose(nj.jit(data)(x), star.data, rtol=1e-12, atol=1e-12)


def test_auto_coloring_keeps_star_where_acyclic_sums_grow():
    """Rosenbrock's tridiagonal Hessian: 2 acyclic colors, but along one
    two-colored path; auto keeps the 3 star colors, and an explicit acyclic
    coloring of a long path is refused by name."""
    assert _plan(nj.sparse_hessian(rosenbrock).kernel, Y).recovery is None
    with pytest.raises(ValueError, match="coloring='acyclic'.*use coloring='star'"):
        nj.sparse_hessian(rosenbrock, coloring="acyclic")(np.ones(2000))


def test_traced_once_per_signature():
    traces = []

    def f(x):
        traces.append(1)
        return brusselator(x)
    jac = nj.sparse_jacobian(f)
    for _ in range(3):
        jac(Y)
    jac(Y + 1.0)
    assert len(traces) == 1
    jac(np.ones(10))
    assert len(traces) == 2


def test_closure_change_restages_the_pattern():
    shift = 1

    def f(x):
        return x * np.roll(x, shift)
    first = nj.sparse_jacobian(f)(Y[:6]).toarray()
    shift = 2
    second = nj.sparse_jacobian(f)(Y[:6]).toarray()
    np.testing.assert_allclose(second, dense(f, Y[:6]))
    assert not np.array_equal(first != 0, second != 0)


@pytest.mark.parametrize("layout", ["csr", "csc", "coo"])
def test_results_share_a_read_only_structure(layout):
    """Each call's array has its own data and the one structure, which no
    user can corrupt: writing into its index arrays raises."""
    jacobian = nj.sparse_jacobian(brusselator, format=layout)
    first, second = jacobian(Y), jacobian(Y * 0.5)
    index_arrays = first.coords if layout == "coo" else (first.indices, first.indptr)
    for index in index_arrays:
        with pytest.raises(ValueError, match="read-only"):
            index[:1] = 0
    assert not np.shares_memory(first.data, second.data)
    np.testing.assert_allclose(first.toarray(), dense(brusselator, Y))
    np.testing.assert_allclose(second.toarray(), dense(brusselator, Y * 0.5))
    first.data[:] = 0.0     # its own data: the next result is unchanged
    np.testing.assert_allclose(jacobian(Y).toarray(), dense(brusselator, Y))
    changed = first.copy()
    changed.eliminate_zeros()      # a structural change in place, on a copy
    assert changed.nnz == 0


def test_data_only_composes_with_vmap_and_jit():
    data = nj.sparse_jacobian(brusselator, data_only=True)
    batch = np.stack([Y, Y * 0.5, Y + 0.1])
    np.testing.assert_array_equal(nj.vmap(data)(batch), np.stack([data(y) for y in batch]))
    np.testing.assert_allclose(nj.jit(lambda y: 2.0 * data(y))(Y), 2.0 * data(Y))
    hess_data = nj.sparse_hessian(rosenbrock, data_only=True)
    np.testing.assert_allclose(nj.vmap(hess_data)(batch)[1], hess_data(batch[1]))


def test_sparse_result_inside_a_trace_is_refused():
    with pytest.raises(TypeError, match="data_only=True"):
        nj.jit(lambda y: nj.sparse_jacobian(brusselator)(y).sum())(Y)


def test_other_arguments_and_argnums():
    def f(t, y, scale):
        return scale * brusselator(y) + t
    jac = nj.sparse_jacobian(f, argnums=1)(0.5, Y, 2.0)
    np.testing.assert_allclose(jac.toarray(), 2.0 * dense(brusselator, Y), rtol=1e-13)


def two_fields(u, v, rate):
    return np.concatenate([u[1:] * v[:-1] - rate * u[:-1], np.sin(u) * v ** 2])


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
@pytest.mark.parametrize("layout", ["csr", "csc", "coo"])
def test_several_argnums_give_a_tuple_of_blocks(mode, layout):
    """As jacrev with a tuple of argnums gives a tuple of blocks; the
    patterns come as a tuple too, and data_only gives a tuple of entries."""
    u, v = Y[:6], Y[6:12] + 0.5
    argnums = (1, 0)
    blocks = nj.sparse_jacobian(two_fields, argnums, mode=mode, format=layout)(u, v, 0.3)
    dense_blocks = nj.jacrev(two_fields, argnums)(u, v, 0.3)
    patterns = nj.jacobian_sparsity(two_fields, argnums)(u, v, 0.3)
    data = nj.sparse_jacobian(two_fields, argnums, mode=mode, format=layout,
                              data_only=True)(u, v, 0.3)
    assert isinstance(blocks, tuple) and len(blocks) == 2 and len(data) == 2
    for block, reference, pattern, entries in zip(blocks, dense_blocks, patterns, data):
        assert block.format == layout
        np.testing.assert_allclose(block.toarray(), reference, rtol=1e-13)
        assert not np.any(reference[pattern.toarray() == 0])
        np.testing.assert_array_equal(entries, block.data)
    (one,) = nj.sparse_jacobian(two_fields, (0,))(u, v, 0.3)
    np.testing.assert_allclose(one.toarray(), dense_blocks[1], rtol=1e-13)


def test_hessians_of_a_vector_function_as_the_error_says():
    """The error for a vector output names sparse_jacobian(jacrev(f)): its
    rows i*n..i*n+n-1 are element i's Hessian."""
    def f(x):
        return x[1:] ** 2 * x[:-1]
    x = Y[:7]
    stacked = nj.sparse_jacobian(nj.jacrev(f))(x).toarray().reshape(6, 7, 7)
    for i in range(6):
        np.testing.assert_allclose(stacked[i], nj.hessian(lambda z: f(z)[i])(x), rtol=1e-13)


@pytest.mark.parametrize("call,error,match", [
    (lambda: nj.sparse_jacobian(brusselator, mode="sideways"), ValueError, "mode"),
    (lambda: nj.sparse_jacobian(brusselator, format="dok"), ValueError, "format"),
    (lambda: nj.sparse_jacobian(brusselator, data_only=1), TypeError, "data_only"),
    (lambda: nj.sparse_hessian(rosenbrock, coloring="greedy"), ValueError, "coloring"),
    (lambda: nj.sparse_jacobian(None), TypeError, "callable"),
    (lambda: nj.sparse_hessian(brusselator)(Y), ValueError, "scalar"),
    (lambda: nj.hessian_sparsity(brusselator)(Y), ValueError, "scalar"),
    (lambda: nj.sparse_jacobian(lambda x: (x, x))(Y), TypeError, "one array"),
    (lambda: nj.jacobian_sparsity(lambda a: a["x"], argnums=0)({"x": Y, "y": Y}), TypeError,
     "one array argument"),
    (lambda: nj.sparse_hessian(lambda a, b: np.sum(a * b), argnums=(0, 1))(Y, Y), TypeError,
     "argnums must be an int"),
    (lambda: nj.sparse_hessian(lambda x: x * x)(Y), ValueError,
     r"got shape \(80,\).*sparse_jacobian\(nj.jacrev\(f\)\)"),
    (lambda: nj.sparse_jacobian(lambda x: x > 0)(Y), TypeError, "float"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_empty_pattern():
    jac = nj.sparse_jacobian(lambda x: np.zeros(3) + np.floor(x[:3]))(Y)
    assert jac.shape == (3, Y.size) and jac.nnz == 0


# -- dense Jacobians through the compressed path ---------------------------------------------

SCATTER = "scatter_add"     # how the compressed path writes the entries into zeros

def test_dense_jacobians_of_sparse_functions_are_compressed():
    for transform in (nj.jacfwd, nj.jacrev):
        lowered = transform(brusselator).lower(Y)
        assert SCATTER in str(lowered.stages["optimized"])
        np.testing.assert_allclose(transform(brusselator)(Y), dense(brusselator, Y), rtol=1e-13)
    hess = nj.hessian(rosenbrock)
    assert SCATTER in str(hess.lower(Y).stages["optimized"])
    np.testing.assert_allclose(hess(Y), nj.jacfwd(nj.jacrev(rosenbrock), chunk_size=PLAIN)(Y),
                               rtol=1e-13)


def test_small_or_dense_jacobians_are_not_compressed():
    small = Y[:DENSE_HOOK_MIN_BASIS - 2]
    assert SCATTER not in str(nj.jacfwd(brusselator).lower(small).stages["optimized"])
    assert SCATTER not in str(
        nj.jacfwd(lambda x: np.sum(x) * x).lower(Y).stages["optimized"])


def test_dense_hook_starts_at_its_minimum_basis():
    def lorenz96(x):
        return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0
    x = Y[:DENSE_HOOK_MIN_BASIS]
    assert SCATTER in str(nj.jacfwd(lorenz96).lower(x).stages["optimized"])
    np.testing.assert_array_equal(nj.jacfwd(lorenz96)(x),
                                  nj.jacfwd(lorenz96, chunk_size=PLAIN)(x))


def test_dense_hook_passes_the_closure_arrays_of_each_call():
    """The staged constants follow the captures the guards return: a
    closure array rebound or changed in place is read as it is now."""
    weights = np.linspace(1.0, 2.0, Y.size - 1)

    def f(x):
        return weights * x[1:] * x[:-1]
    jacobian = nj.jacfwd(f)
    assert SCATTER in str(jacobian.lower(Y).stages["optimized"])
    np.testing.assert_allclose(jacobian(Y), dense(f, Y))
    weights = weights * 3.0
    np.testing.assert_allclose(jacobian(Y), dense(f, Y))
    weights[:5] = -1.0
    np.testing.assert_allclose(jacobian(Y), dense(f, Y))


def lorenz96(x):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0


def finite_difference_jacobian(f, x, step=1e-6):
    columns = [(f(x + step * e) - f(x - step * e)) / (2 * step) for e in np.eye(x.size)]
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("f,transform", [(lorenz96, nj.jacfwd), (brusselator, nj.jacrev),
                                         (rosenbrock, nj.hessian)],
                         ids=["lorenz96-jacfwd", "brusselator-jacrev", "rosenbrock-hessian"])
def test_dense_hook_writes_the_compressed_product_straight_into_the_output(f, transform):
    """No array of entries between the compressed product and the dense
    output (no gather): each element is added into its place.  Rosenbrock's
    coloring leaves two compressed elements without an entry (the spare
    slot past the output's end); Lorenz-96's fills every element."""
    x = Y[:DENSE_HOOK_MIN_BASIS]
    optimized = str(transform(f).lower(x).stages["optimized"])
    assert SCATTER in optimized and "take" not in optimized
    plain = transform(f, chunk_size=PLAIN) if transform is not nj.hessian else \
        nj.jacfwd(nj.jacrev(f), chunk_size=PLAIN)
    np.testing.assert_allclose(transform(f)(x), plain(x), rtol=1e-13, atol=1e-13)
    check_backends(transform(f), (x,))


def test_dense_hook_computes_the_primal_values_before_the_seeded_ones():
    """Equations that do not read the staged constants (the seeds) come
    first, so the colored loop can be one nest writing the output."""
    from numjac.compiler.typecheck import typecheck
    x = Y[:DENSE_HOOK_MIN_BASIS]
    ir = nj.jacfwd(lorenz96).lower(x).stages["optimized"]
    typecheck(ir)
    seeded, reads = set(ir.inputs[1:]), []
    for eqn in ir.eqns:
        reads.append(any(a in seeded for a in eqn.inputs))
        if reads[-1]:
            seeded.update(eqn.outs)
    assert any(reads) and not all(reads)
    assert reads == sorted(reads)       # no primal equation after a seeded one
    np.testing.assert_allclose(nj.jacfwd(lorenz96)(x), nj.jacfwd(lorenz96, chunk_size=PLAIN)(x),
                               rtol=1e-14, atol=1e-14)


def test_dense_hook_against_finite_differences_and_under_vmap():
    x = Y[:DENSE_HOOK_MIN_BASIS]
    np.testing.assert_allclose(nj.jacfwd(lorenz96)(x), finite_difference_jacobian(lorenz96, x),
                               rtol=1e-7, atol=1e-7)
    gradient = nj.grad(rosenbrock)
    np.testing.assert_allclose(nj.hessian(rosenbrock)(x),
                               finite_difference_jacobian(gradient, x), rtol=1e-6, atol=1e-5)
    batch = np.stack([x, x[::-1], 2.0 * x])
    check_vmap(nj.jacfwd(lorenz96), 0, (batch,))
    check_vmap(nj.hessian(rosenbrock), 0, (batch,))


def test_an_output_reshaped_from_the_start_of_a_kernel_array_is_a_view():
    """The spare slot's output: the leading part of a flat array the
    kernel made, returned as a view of it, values as the interpreter's."""
    def head(x):
        return np.cumsum(x)[:6].reshape(2, 3)
    out = check_backends(head, (Y[:8],))
    assert "[:6].reshape((2, 3))" in nj.jit(head).lower(Y[:8]).source
    np.testing.assert_allclose(out, np.cumsum(Y[:8])[:6].reshape(2, 3))


def test_compressed_kernels_agree_with_the_interpreter_on_numba():
    check_backends(nj.sparse_jacobian(brusselator, data_only=True), (Y,))
    check_backends(nj.sparse_hessian(rosenbrock, data_only=True), (Y,))
    check_backends(nj.sparse_hessian(grid_energy, coloring="acyclic", data_only=True),
                   (np.linspace(-1.0, 1.0, 64),))
    check_backends(nj.sparse_jacobian(two_fields, (0, 1), data_only=True),
                   (Y[:6], Y[6:12], 0.3))
    check_backends(nj.jacfwd(brusselator), (Y,))
    check_backends(nj.hessian(rosenbrock), (Y,))


def test_primitive_without_a_rule(monkeypatch):
    from numjac.compiler.passes import sparsity_rules
    from numjac.compiler.primitives.elementwise import sin_p
    monkeypatch.delitem(sparsity_rules.sparsity_rules, sin_p)

    def f(x):
        return np.sin(x[1:]) * x[:-1]
    with pytest.raises(NotImplementedError, match="no sparsity rule for the primitive sin"):
        nj.sparse_jacobian(f)(Y)
    # The dense Jacobian falls back to one derivative per basis vector.
    assert SCATTER not in str(nj.jacfwd(f).lower(Y).stages["optimized"])
    np.testing.assert_allclose(nj.jacfwd(f)(Y), dense(f, Y))


def test_large_dense_products():
    a = np.random.default_rng(1).normal(size=(300, 300))

    def f(x):
        return a @ x
    # The dense Jacobian skips the analysis (the product alone is dense) ...
    assert SCATTER not in str(nj.jacfwd(f).lower(a[0]).stages["optimized"])
    # ... and the sparse one says why it cannot find a pattern.
    with pytest.raises(ValueError, match="too large to find"):
        nj.sparse_jacobian(lambda m: m @ m)(np.ones((170, 170)))
