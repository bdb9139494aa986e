"""The generated kernels read well: every value they compute is read, each
IR line is commented once per loop nest, no expression is longer than
MAX_EXPRESSION_CHARS; and they still agree with the interpreter."""
import ast
import re

import numpy as np
import pytest

import numjac as nj
from numjac.runtime.codegen.split import MAX_EXPRESSION_CHARS, split_statement
from tests.helpers import check_backends


def shifted_tanh(x):
    return np.tanh(x[1:] - x[:-1]) * x[1:]


def polynomial(x):
    """A Horner chain: fused, one expression of 300+ characters."""
    y = x
    for k in range(12):
        y = y * x + (k + 1.5) * np.sin(x)
    return y


def lorenz96(x):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + 8.0


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def mlp(x, W1, W2):
    return W2 @ np.tanh(W1 @ x)


def logistic_loss(w, x, y):
    return np.sum(np.log1p(np.exp(-y * (x @ w))))


def _vector(n):
    return lambda rng: [rng.normal(size=n)]


def _mlp_args(rng):
    return [rng.normal(size=5), rng.normal(size=(6, 5)), rng.normal(size=(3, 6))]


def scan_loss(xs, h0):
    """A loop: the kernel runs the body (and its derivative's) in real loops."""
    h, ys = nj.scan(lambda h, x: (np.tanh(h[::-1] * 0.5 + x), np.sum(h * x)), h0, xs)
    return np.sum(h * h) + np.sum(ys)


def _rows(rng):
    return [rng.normal(size=4), rng.normal(size=(7, 4)), np.sign(rng.normal(size=7))]


KERNELS = {
    "shifted-tanh-jit": (shifted_tanh, _vector(8)),
    "shifted-tanh-jacrev": (nj.jacrev(shifted_tanh), _vector(8)),
    "shifted-tanh-jacfwd": (nj.jacfwd(shifted_tanh), _vector(8)),
    "shifted-tanh-hessian": (nj.hessian(lambda x: np.sum(shifted_tanh(x))), _vector(8)),
    "shifted-tanh-vmap": (nj.vmap(shifted_tanh), lambda rng: [rng.normal(size=(3, 8))]),
    "polynomial-jit": (polynomial, _vector(8)),
    "polynomial-jacrev": (nj.jacrev(polynomial), _vector(8)),
    "lorenz96-jacrev": (nj.jacrev(lorenz96), _vector(12)),
    "lorenz96-jacfwd-chunked": (nj.jacfwd(lorenz96, chunk_size=5), _vector(12)),
    "rosenbrock-hessian": (nj.hessian(rosenbrock), _vector(6)),
    "softmax-jacrev": (nj.jacrev(softmax), _vector(5)),
    "mlp-jacrev": (nj.jacrev(mlp), _mlp_args),
    "per-example-grads": (nj.vmap(nj.grad(logistic_loss), (None, 0, 0)), _rows),
    "scan-grad": (nj.grad(scan_loss, argnums=(0, 1)), lambda rng: [rng.normal(size=(6, 4)),
                                                                   rng.normal(size=4)]),
    "fori-jacfwd": (nj.jacfwd(lambda x: nj.fori_loop(0, 5, lambda i, y: np.sin(y) * x, x)),
                    _vector(4)),
    "while-vmap": (nj.vmap(lambda x: nj.while_loop(lambda v: v[0] > 0.1, lambda v: v * 0.5,
                                                   x)), lambda rng: [rng.normal(size=(3, 4))]),
}


@pytest.fixture(autouse=True)
def unrolled(monkeypatch):
    """The kernels here are long straight-line IRs, written as Python loops
    (``polynomial``): keep them unrolled (no re-rolling into a scan)."""
    monkeypatch.setenv("NUMJAC_REROLL", "0")


def kernel_of(name):
    f, make_args = KERNELS[name]
    args = make_args(np.random.default_rng(0))
    return f, args, nj.jit(f, backend="numba").lower(*args).source


def unread_names(source) -> set:
    """Names the kernel assigns (arrays: writes into them) but never reads
    or returns.  Loop variables are not counted."""
    kernel = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    written, stores = set(), set()
    for node in ast.walk(kernel):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AugAssign) else [])
        # A swap of two carries' buffers assigns a tuple.
        targets = [t for target in targets
                   for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
        for target in targets:
            while isinstance(target, ast.Subscript):
                target = target.value
            written.add(target.id)
            stores.add(id(target))
    read = {n.id for n in ast.walk(kernel) if isinstance(n, ast.Name) and id(n) not in stores}
    return written - read


def loop_nests(lines, depth=1):
    """The lines of each loop nest (a chunk loop or a scan holds nests of its own)."""
    indent = "    " * depth
    for k, line in enumerate(lines):
        if not (line.startswith(indent + "for ") and not line.startswith(indent + " ")):
            continue
        body = []
        for inner in lines[k + 1:]:
            if inner.strip() and not inner.startswith(indent + " "):
                break
            body.append(inner)
        if line.startswith((indent + "for start", indent + "for step")):
            yield from loop_nests(body, depth + 1)
        else:
            yield [line] + body


def assigned_expressions(source):
    """The right-hand sides of the kernel's assignments."""
    body = source.split("\ndef kernel")[1]
    for line in body.splitlines():
        match = re.match(r"\s*[\w\[\], +\-*]+ \+?= (.*)$", line)
        if match:
            yield match.group(1)


@pytest.mark.parametrize("name", KERNELS)
def test_every_value_is_read(name):
    _, _, source = kernel_of(name)
    assert not unread_names(source), source


def test_dead_loop_nest_is_gone():
    # jacrev of shifted_tanh computed a 7x7 nest nobody read: two nests remain.
    _, _, source = kernel_of("shifted-tanh-jacrev")
    assert len(list(loop_nests(source.splitlines()))) == 2


def test_unread_names_finds_a_dead_value():
    source = "def kernel(a):\n    t = a[0] * 2.0\n    out = empty(3)\n    out[0] = a[1]\n" \
             "    return (a, )\n"
    assert unread_names(source) == {"t", "out"}


@pytest.mark.parametrize("name", KERNELS)
def test_each_ir_comment_once_per_loop_nest(name):
    _, _, source = kernel_of(name)
    for nest in loop_nests(source.splitlines()):
        comments = [line.strip() for line in nest if line.strip().startswith("#")]
        assert len(comments) == len(set(comments)), "\n".join(nest)


def test_mask_comment_block_is_not_repeated():
    # The identity mask (iota, reshape, eq, convert) is read by several
    # statements of one nest: its comment block comes once.
    _, _, source = kernel_of("polynomial-jacrev")
    assert source.split("\ndef kernel")[1].count("= iota[") == 1


@pytest.mark.parametrize("name", KERNELS)
def test_expressions_are_short(name):
    _, _, source = kernel_of(name)
    long = [e for e in assigned_expressions(source) if len(e) > MAX_EXPRESSION_CHARS]
    assert not long, long


def test_long_chain_is_split_into_named_temporaries():
    _, _, source = kernel_of("polynomial-jit")
    # Before, the whole chain was one 320-character statement.
    temporaries = re.findall(r"^\s+(\w+_) = ", source, re.M)
    assert len(temporaries) >= 3
    assert max(map(len, assigned_expressions(source))) <= MAX_EXPRESSION_CHARS


@pytest.mark.parametrize("name", KERNELS)
def test_kernels_agree_with_the_interpreter(name):
    f, args, _ = kernel_of(name)
    check_backends(f, args)


def _run(lines, namespace):
    exec("\n".join("    " * d + t for d, t in lines), namespace)
    return namespace["y"]


def test_split_never_evaluates_an_untaken_branch():
    # a has 4 elements: the branches read a[i + 3] only when it exists.
    expr = ("((a[i + 3] * 2.0 + a[i] * 3.0) if i < 1 else (a[i - 1] * 5.0 - a[i] * 0.5))"
            " + (a[i] * a[i] * 7.0 - (a[i + 1] if i + 1 < 4 else 0.0) * 11.0)")
    counter = iter(range(100))
    lines = split_statement("y", "=", expr, lambda: f"t{next(counter)}", limit=30)
    parts = [t.split(" = ", 1)[1] for _, t in lines if " = " in t]
    assert len(parts) > 3 and max(map(len, parts)) <= 30
    for i in range(4):
        a = [1.5, -2.0, 0.25, 4.0]
        assert _run(lines, {"a": a, "i": i}) == eval(expr, {"a": a, "i": i})


def rolls(x):
    """Rolls of an input and of computed values, along either axis, and a
    concatenation of three slices of one value."""
    y = np.sin(x)
    three = np.concatenate([y[:, 3:], y[:, 1:3], y[:, :1]], axis=1)
    return np.roll(x, 2, axis=0) * np.roll(y + x, -1, axis=1) + three


def test_roll_reads_its_value_once_without_a_branch():
    x = np.random.default_rng(4).normal(size=(3, 5))
    for f in (rolls, nj.jacrev(rolls)):
        check_backends(f, [x])
    source = nj.jit(rolls, backend="numba").lower(x).source
    # One read per concatenation, at an index shifted by a sum of steps;
    # before, a conditional per operand.
    assert " if " not in source and " else " not in source
    assert re.search(r"\[\w+ \+ 1 - 3 \* \(\w+ >= 2\), \w+\]", source)
    assert re.search(r"\w+ \+ 3 - 4 \* \(\w+ >= 2\) - 3 \* \(\w+ >= 4\)\]", source)


def test_concatenation_of_differently_cut_slices_still_chooses():
    # Slices cut differently along the other axis are not one shifted read.
    def f(x):
        return np.concatenate([x[:2, 1:], x[1:, :-1]], axis=0)
    x = np.arange(12.0).reshape(3, 4)
    check_backends(f, [x])
    assert " if " in nj.jit(f, backend="numba").lower(x).source
