"""The sparsity analysis (compiler/passes/sparsity.py): its patterns never
miss a nonzero of the dense Jacobian or Hessian, on every OP_SPECS row and
on random programs, and equal them except where a zero depends on values
(the rows listed below, each with its reason)."""
import numpy as np
import pytest

import numjac as nj
from numjac.compiler.passes.sparsity import Analysis, jacobian_pattern
from numjac.compiler.passes.sparsity_rules import MAX_TERMS, PatternTooLarge
from tests.op_specs import OP_SPECS
from numjac.transforms.compressed import known_inputs
from tests.sparsity_checks import analysis, hessian_mismatches, jacobian_mismatches, staged_of

# Rows whose dense derivative has zeros that depend on the point, which a
# structural pattern keeps (prefixes of names, with why).
VALUE_DEPENDENT = {
    "maximum": "the derivative goes to the larger operand",
    "minimum": "the same", "fmax": "the same", "fmin": "the same",
    "max": "the derivative goes to the largest element", "min": "the same",
    "amax": "the same", "amin": "the same", "clip": "zero outside the bounds",
    "where": "the condition picks one branch per element",
    "norm-vec-ord-inf": "a max", "norm-vec-ord--inf": "a min",
    "norm-mat-ord-1": "a max of column sums", "norm-mat-ord--1": "a min of them",
    "norm-mat-ord-inf": "a max of row sums", "norm-mat-ord--inf": "a min of them",
    "norm-axis0-ord-inf": "a max", "norm-axes02-ord1": "a max", "norm-axes2-0-ord-inf": "a max",
    "remainder": "-floor(x / y) is 0 where |x| < |y|", "fmod": "the same",
    "ufunc-reduce": "a max times a product",
    "prod-one-zero": "a zero factor", "prod-two-zeros": "zero factors",
    "prod-zeros": "zero factors", "cumprod-one-zero": "a zero factor",
    "cumprod-two-zeros": "zero factors", "cumprod-zeros": "zero factors",
    "var-0d": "x - mean(x) is 0 for one element", "norm-0d": "sqrt(x * x) is |x|, linear",
    "std-axis0": "the std of two elements is |a - b| / 2, linear",
    "matmul-ndarray-left": "a constant matrix counts as dense",
    "take-traced": "traced indices: every index counts",
    "take_along_axis-traced": "the same", "getitem-traced": "the same",
    "loops-": "loops and branches count as dense (the analysis does not enter bodies)",
    # Conservative (an entry may be stored that is always zero), never missing one:
    "sort": "a traced permutation: every index counts", "argpartition-values": "the same",
    "partition-kth": "the same", "median": "the same", "quantile": "the same",
    "percentile": "the same", "interp-values": "traced bracketing indices",
    "nan": "a traced NaN mask: the select's condition is unknown",
    "select": "the condition picks one choice per element", "piecewise": "the same",
    "real-imag-angle": "angle is a select on the sign", "inplace-": "a write is a select or "
    "scatter whose condition or indices the analysis may not know",
    "linspace": "a product with constant float steps counts as dense",
    "convolve-same": "a product with a constant kernel counts as dense",
    "correlate-full": "the same", "corrcoef": "a division by traced norms pairs every entry",
    "gradient-coordinates": "traced spacings", "nan_to_num": "a traced mask",
    "linalg-": "decompositions count as dense, batches of matrices included",
    "scipy-": "the same",
    "signal-": "a contraction with windows of the zero-padded input counts the padding",
    "stats-multivariate_normal": "a Cholesky factor counts as dense",
    "stats-poisson-log": "the terms of k = 0 are linear in mu (xlogy(0, mu) = 0, "
    "log gammaincc(1, mu) = -mu)",
}

DIFFERENTIABLE = [s for s in OP_SPECS if s.differentiable]


def _value_dependent(name):
    return any(name.startswith(prefix) for prefix in VALUE_DEPENDENT)


def _checked(found, name):
    missing = [f for f in found if f[2] == "missing"]
    assert not missing, f"{name}: pattern misses nonzeros: {missing}"
    if not _value_dependent(name):
        assert not found, f"{name}: pattern stores entries that are always zero: {found}"


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.name)
def test_jacobian_pattern_of_every_op_spec_row(spec):
    _checked(jacobian_mismatches(spec.fn, spec.make_args()), spec.name)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.name)
def test_hessian_pattern_of_every_op_spec_row(spec):
    _checked(hessian_mismatches(spec.fn, spec.make_args()), spec.name)


def test_value_dependent_rows_exist():
    names = [s.name for s in DIFFERENTIABLE]
    stale = [p for p in VALUE_DEPENDENT if not any(n.startswith(p) for n in names)]
    assert not stale, f"VALUE_DEPENDENT names no OP_SPECS row: {stale}"


# -- random programs ---------------------------------------------------------------------------

N = 7
_CONSTANT = np.random.default_rng(99).uniform(0.5, 1.5, (N, N))   # no zeros: dense


def _unary(rng):
    shift, permutation = int(rng.integers(1, N)), rng.permutation(N)   # fixed per program
    return [np.sin, np.exp, np.tanh, lambda v: v * v, lambda v: 3.0 * v, np.cumsum,
            lambda v: np.roll(v, shift), lambda v: v[::-1],
            lambda v: v[permutation], lambda v: np.pad(v[1:], (0, 1)),
            lambda v: np.concatenate([v[3:], np.exp(v[:3])]),
            lambda v: np.sum(v) * np.ones(N), lambda v: _CONSTANT @ v,
            lambda v: (v.reshape(1, N) * np.full((2, 1), 2.5)).T[:, 1],
            lambda v: np.where(np.arange(N) % 2 == 0, v, 2.0)]


def _binary():
    return [np.add, np.multiply, np.subtract, lambda a, b: a / (2.0 + b * b),
            lambda a, b: np.concatenate([a[:4], b[4:]]), lambda a, b: a[:, None] @ b[None, :4]
            @ np.ones(4) / 4]


def random_program(seed, steps=6):
    """A random composition of the ops above on vectors of N elements."""
    rng = np.random.default_rng(seed)
    plan = []
    for step in range(steps):
        if step == 0 or rng.random() < 0.5:
            op = int(rng.integers(len(_unary(rng))))
            plan.append(("unary", op, int(rng.integers(step + 1))))
        else:
            plan.append(("binary", int(rng.integers(len(_binary()))),
                         tuple(int(i) for i in rng.choice(step + 1, 2, replace=False))))
    picks = [_unary(np.random.default_rng(seed + k)) for k in range(steps)]

    def f(x):
        values = [x]
        for k, (kind, op, operands) in enumerate(plan):
            if kind == "unary":
                values.append(picks[k][op](values[operands]))
            else:
                a, b = (values[i] for i in operands)
                values.append(_binary()[op](a, b))
        return np.concatenate(values[-2:])
    return f


@pytest.mark.parametrize("seed", range(12))
def test_random_program_jacobian_patterns_are_exact(seed):
    f = random_program(seed)
    x = np.random.default_rng(seed).uniform(0.5, 1.5, N)
    assert jacobian_mismatches(f, [x]) == []


@pytest.mark.parametrize("seed", range(12))
def test_random_program_hessian_patterns_never_miss(seed):
    f = random_program(seed)
    x = np.random.default_rng(seed).uniform(0.5, 1.5, N)
    found = hessian_mismatches(f, [x], seed)
    assert not [m for m in found if m[2] == "missing"]


# -- rules that use known values ---------------------------------------------------------------

def _pattern(f, x, argnum=0):
    staged, result = analysis(f, [x], argnum)
    return result.pattern_of(staged.ir.outputs[0]).toarray().astype(int)


GLOBAL_INDEX = np.array([2, 0])
GLOBAL_MASK = np.array([1, 0, 1])


def test_index_arrays_are_exact():
    # numjac copies an index array when it traces: the kernel's indices are fixed.
    assert _pattern(lambda x: x[[2, 0]], np.ones(3)).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert _pattern(lambda x: x[GLOBAL_INDEX], np.ones(3)).tolist() == [[0, 0, 1], [1, 0, 0]]


def test_global_integer_array_passed_to_the_kernel_is_not_known():
    def f(x):       # GLOBAL_MASK is passed as it is at each call: it may change
        return x * GLOBAL_MASK + x * np.array([1, 0, 1])
    staged = staged_of(f, [np.ones(3)])
    known = known_inputs(staged, f)
    assert [value.tolist() for value in known.values()] == [[1, 0, 1]]
    assert any(capture is GLOBAL_MASK for capture in staged.captures)


def test_traced_index_is_conservative():
    def f(x, i):
        return x[i]
    staged, result = analysis(f, [np.ones(3), np.array([1])], 0)
    assert result.pattern_of(staged.ir.outputs[0]).toarray().tolist() == [[1, 1, 1]]


def test_constant_mask_prunes_products():
    def f(x):
        return np.where(np.arange(4) < 2, x, 0.0) + x[::-1] * (np.arange(4) == 0)
    assert _pattern(f, np.ones(4)).tolist() == [[1, 0, 0, 1], [0, 1, 0, 0], [0] * 4, [0] * 4]


def test_loop_body_is_dense():
    inner = nj.jacfwd(lambda v: v * v, chunk_size=1)

    def f(x):
        return np.diagonal(inner(x))
    assert (_pattern(f, np.ones(3)) == 1).all()


def test_too_many_product_terms_raise():
    n = int(round(MAX_TERMS ** (1 / 3))) + 2
    ir = nj.make_ir(lambda a: a @ a)(np.ones((n, n)))
    with pytest.raises(PatternTooLarge, match="product terms"):
        jacobian_pattern(ir, [0])


def test_budget_stops_the_analysis():
    ir = nj.make_ir(lambda x: np.sum(x) * x)(np.ones(10))
    assert Analysis(ir, [0]).pattern_of(ir.outputs[0]).nnz == 100
    with pytest.raises(PatternTooLarge, match="budget"):
        Analysis(ir, [0], budget=50)


def _stencil_loop(u):
    out = [u[0] * 0.0]
    for i in range(1, len(u) - 1):
        out.append(u[i - 1] - 2 * u[i] + u[i + 1] + u[i] ** 2)
    out.append(u[-1] * 0.0)
    return np.stack(out)


def test_rerolled_python_loop_keeps_its_unrolled_patterns(monkeypatch):
    u = np.linspace(0.0, 1.0, 30)
    energy = lambda u: np.sum(_stencil_loop(u) ** 2)     # noqa: E731
    assert "scan" in str(nj.make_ir(_stencil_loop)(u))
    rolled = (nj.jacobian_sparsity(_stencil_loop)(u), nj.hessian_sparsity(energy)(u))
    monkeypatch.setenv("NUMJAC_REROLL", "0")       # new functions: traced anew
    stencil = lambda u: _stencil_loop(u)               # noqa: E731
    assert "scan" not in str(nj.make_ir(stencil)(u))
    unrolled = (nj.jacobian_sparsity(stencil)(u),
                nj.hessian_sparsity(lambda u: np.sum(_stencil_loop(u) ** 2))(u))
    for a, b in zip(rolled, unrolled):
        assert (a != b).nnz == 0 and a.nnz > 0
    assert rolled[0].nnz == 3 * 28
