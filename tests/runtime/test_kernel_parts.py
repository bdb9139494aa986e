"""Long kernels cut into parts (runtime/codegen/functions.py): the split
kernel computes what the whole one and the interpreter compute, identical
runs share one part (compiled once, in memory and on disk), and a
concatenation of many operands is stored rather than nested.

The size limits are lowered here so that small programs, quick to compile,
are split."""
import logging

import numpy as np
import pytest

import numjac as nj
from numjac.runtime import cache, kernel_store, numba_backend
from numjac.runtime.codegen import functions
from numjac.runtime.codegen.functions import PART_MARKER, split_body
from tests.helpers import check_backends

RNG = np.random.default_rng(7)
WEIGHTS = [(RNG.normal(size=(6, 6)) / 3, RNG.normal(size=6)) for _ in range(8)]


def mlp(x):
    for w, b in WEIGHTS:
        x = np.tanh(w @ x + b)
    return x


def integrator(x):
    """Explicit Euler steps of a right-hand side with a reduction."""
    for _ in range(6):
        x = x + 0.01 * (np.roll(x, 1) * np.sin(x) - np.sum(x * x) * x)
    return x


def stacked(x):
    n = x.shape[0]
    return np.stack([(x[(i + 1) % n] - x[i - 2]) * x[i - 1] - x[i] for i in range(n)])


@pytest.fixture
def small_parts(monkeypatch):
    """Split every kernel of more than 12 lines into parts of 4 to 12."""
    monkeypatch.setattr(functions, "SPLIT_LINES", 12)
    monkeypatch.setattr(functions, "PART_MIN_LINES", 4)
    monkeypatch.setattr(functions, "PART_MAX_LINES", 12)


def source(f, *args):
    return nj.jit(f, backend="numba").lower(*args).source


def calls(text):
    kernel = text.split("\n" + PART_MARKER)[0]
    return [line.split("= ")[-1].split("(")[0].strip()
            for line in kernel.splitlines() if "part_" in line and "(" in line
            and not line.startswith(("from", "#"))]


@pytest.mark.parametrize("f, x", [
    (mlp, RNG.normal(size=6)),
    (nj.jacrev(mlp), RNG.normal(size=6)),
    (nj.jacfwd(integrator), RNG.normal(size=5)),
    (nj.grad(lambda x: np.sum(integrator(x) ** 2)), RNG.normal(size=5)),
    (nj.hessian(lambda x: np.sum(integrator(x) ** 3)), RNG.normal(size=4)),
], ids=["mlp-jit", "mlp-jacrev", "integrator-jacfwd", "integrator-grad",
        "integrator-hessian"])
def test_split_kernel_agrees_with_whole_kernel_and_interpreter(small_parts, f, x):
    split = source(f, x)
    assert calls(split), "the kernel was not split"
    got = check_backends(f, [x])
    functions.SPLIT_LINES = 10**9          # undone by monkeypatch with the fixture
    cache._KERNELS.clear()
    assert PART_MARKER not in source(f, x)
    np.testing.assert_allclose(got, nj.jit(f, backend="numba")(x), rtol=1e-13, atol=1e-13)


@pytest.fixture
def unrolled(monkeypatch):
    """The layers traced unrolled (re-rolling would fold them into one
    scan): functions traced under it must be new wrappers, not cached."""
    monkeypatch.setenv("NUMJAC_REROLL", "0")


def test_repeated_layers_share_one_part(small_parts, unrolled):
    text = source(nj.jacrev(lambda x: mlp(x)), WEIGHTS[0][1])
    sites = calls(text)
    assert len(set(sites)) < len(sites) / 2, sites
    assert text.count(PART_MARKER) == len(set(sites))


def test_a_part_compiles_once_for_every_kernel_using_it(small_parts, unrolled, monkeypatch):
    monkeypatch.setattr(cache, "_KERNELS", {})
    x = RNG.normal(size=6)
    layers = lambda x: mlp(x)      # noqa: E731  (a new wrapper, traced unrolled)
    nj.jit(layers, backend="numba")(x)
    shared = set(calls(source(layers, x)))
    deeper = nj.jit(lambda x: mlp(mlp(x)), backend="numba")
    np.testing.assert_allclose(deeper(x), mlp(mlp(x)), rtol=1e-12)
    reused = shared & set(calls(source(lambda x: mlp(mlp(x)), x)))
    assert reused
    for name in reused:
        part = numba_backend.shared_part(name, "unused: made already").part
        assert len(part.overloads) == 1


def test_parts_round_trip_through_the_disk_cache(small_parts, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    # Compiled here, so that the files are there when the call returns
    # (the kernel is estimated at about a second: it may go to the background).
    monkeypatch.setenv("NUMJAC_COMPILE", "blocking")
    monkeypatch.setattr(cache, "_KERNELS", {})
    monkeypatch.setattr(numba_backend, "_PARTS", {})
    x = RNG.normal(size=5)
    # New functions each time: a staged function keeps its compiled kernel.
    first = nj.jit(nj.jacfwd(lambda x: integrator(x)), backend="numba")(x)
    names = {p.name.split(".")[0] for p in tmp_path.glob(f"*{kernel_store.SUFFIX}")}
    assert any(n.startswith(kernel_store.PREFIX + kernel_store.PART) for n in names)
    assert kernel_store.entry_keys(tmp_path) and all(
        not k.startswith(kernel_store.PART) for k in kernel_store.entry_keys(tmp_path))
    # A new process, as far as numjac and Numba can tell: nothing in memory.
    cache._KERNELS.clear()
    numba_backend._PARTS.clear()
    with caplog.at_level(logging.INFO, logger="numjac"):
        again = nj.jit(nj.jacfwd(lambda x: integrator(x)), backend="numba")(x)
    np.testing.assert_array_equal(again, first)
    assert any("disk cache hit" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def _library(kernel):
    """The code library of ``kernel``'s one compiled (or loaded) overload."""
    return next(iter(kernel.dispatcher.overloads.values())).library


def test_kernel_calls_its_parts_by_symbol(small_parts, monkeypatch):
    # Compiled here, not loaded from the disk cache.
    monkeypatch.setenv("NUMJAC_DISABLE_DISK_CACHE", "1")
    monkeypatch.setattr(cache, "_KERNELS", {})
    monkeypatch.setattr(numba_backend, "_PARTS", {})
    x = RNG.normal(size=5)
    f = nj.jacfwd(integrator)
    kernel = cache.numba_kernel(nj.jit(f, backend="numba").lower(x).ir)
    np.testing.assert_allclose(kernel(x)[0], nj.jit(f, backend="interpret")(x), rtol=1e-12)
    library = _library(kernel)
    # Its module declares the parts (LLVM's JIT finds their machine code):
    # Numba would have linked their code in, to optimize and compile again.
    symbols = [symbol for _, _, symbol in library.parts]
    assert len(symbols) == len(set(calls(kernel.source)))
    defined = {f.name for f in library.get_defined_functions()}
    assert symbols and not defined & set(symbols)


def test_cached_kernel_whose_part_compiled_anew_compiles_too(small_parts, tmp_path,
                                                              monkeypatch, caplog):
    """A cached kernel calls its parts by their symbols of then; a part
    compiled anew (its entry evicted) has another, and loading the kernel
    would leave a call LLVM cannot resolve (a fatal error): it compiles."""
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setattr(cache, "_KERNELS", {})
    monkeypatch.setattr(numba_backend, "_PARTS", {})
    x = RNG.normal(size=5)
    ir = nj.jit(nj.jacfwd(integrator), backend="numba").lower(x).ir
    first = cache.numba_kernel(ir)(x)
    for path in tmp_path.glob(f"{kernel_store.PREFIX}{kernel_store.PART}*"):
        path.unlink()
    cache._KERNELS.clear()
    numba_backend._PARTS.clear()
    with caplog.at_level(logging.INFO, logger="numjac"):
        np.testing.assert_array_equal(cache.numba_kernel(ir)(x), first)
    assert any("disk cache miss" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # Saved again, calling the new parts: the next process loads it.
    cache._KERNELS.clear()
    numba_backend._PARTS.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="numjac"):
        np.testing.assert_array_equal(cache.numba_kernel(ir)(x), first)
    assert any("disk cache hit" in r.getMessage() for r in caplog.records)


def test_liveness_across_statements(monkeypatch):
    """A scalar accumulated across top-level statements is passed in and
    returned; loop indices, redefined by every loop, are not."""
    monkeypatch.setattr(functions, "SPLIT_LINES", 2)
    monkeypatch.setattr(functions, "PART_MIN_LINES", 2)
    monkeypatch.setattr(functions, "PART_MAX_LINES", 4)
    loops = [f"    for i0 in range(3):\n        s += x[i0] * {k}.0" for k in range(6)]
    lines = "\n".join(["    s = 0.0", *loops, "    t = s * 2.0", "    return (t, )"])
    body, parts = split_body(lines.split("\n"), ["x"], set())
    assert len(parts) >= 2
    kernel = "def kernel(x):\n" + "\n".join(body)
    namespace = {"math": None}
    for part in parts:
        module = {}
        exec(part, module)   # noqa: S102 - a generated module, run as numba_backend does
        namespace[functions.part_name(part)] = module["part"]
    exec(kernel, namespace)  # noqa: S102
    x = np.arange(3.0)
    assert namespace["kernel"](x) == (2.0 * 3.0 * sum(range(6)),)
    assert "i0" not in "".join(line.split("=")[0] for line in body if "part_" in line)


def test_many_operand_concatenation_is_stored(monkeypatch):
    monkeypatch.setenv("NUMJAC_REROLL", "0")    # keep the 40 operands of the stack
    x = RNG.normal(size=40)
    code = [line for line in source(stacked, x).split("def kernel")[1].splitlines()
            if not line.lstrip().startswith("#")]
    assert not [line for line in code if " if " in line]
    check_backends(stacked, [x])
    check_backends(nj.jacfwd(stacked), [x])
    check_backends(nj.jacrev(stacked), [x])
