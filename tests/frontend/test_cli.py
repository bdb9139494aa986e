"""The ``numjac`` command line."""
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

import numjac as nj
from numjac import cli
from numjac.cli import build_parser, main, split_specs
from numjac.runtime import cache


def test_demo_prints_the_ir_and_matching_results(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "def gray_scott(y, feed, kill):" in out
    assert "ir(a:f64[12], b:f64[], c:f64[]):\n" in out
    assert re.search(r"^  return [a-z]+$", out, re.MULTILINE)
    rows = re.findall(r"^ +(\d+) +(\S+) +(\S+)$", out, re.MULTILINE)
    assert [int(i) for i, _, _ in rows] == list(range(12))
    assert all(abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b))) for _, a, b in rows)
    difference = re.search(r"max \|numjac - NumPy\| = (\S+)", out)
    assert float(difference.group(1)) < 1e-12


@pytest.mark.skipif(not hasattr(nj, "jacrev"), reason="the demo checks jacrev once it exists")
def test_demo_checks_the_jacobian_against_finite_differences(capsys):
    main(["demo"])
    found = re.search(r"Jacobian of shape \(12, 12\); max \|J - central differences\| = (\S+)",
                      capsys.readouterr().out)
    assert found and float(found.group(1)) < 1e-6


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"numjac {importlib.metadata.version('numjac')} from ")
    assert importlib.metadata.version("numjac") == nj.__version__


def help_text(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


# bench forwards --help to python -m benchmarks, whose help has its examples (tested below);
# a new sub-command without an EXAMPLES entry fails every test here (KeyError).
@pytest.mark.parametrize("command", ["demo", "ir", "cache"])
def test_each_subcommands_help_ends_with_examples_that_parse(capsys, command):
    text = help_text(capsys, command)
    examples = text.partition("\nexamples:\n")[2].splitlines()
    assert examples and all(line.startswith("  ") for line in examples)
    for line in examples:
        words = [w for w in shlex.split(line) if not re.fullmatch(r"[A-Z_]+=\S*", w)]
        assert words[:2] == ["numjac", command]
        build_parser().parse_args(words[1:])          # exits with status 2 if it does not


def test_top_level_help_shows_one_example_per_command(capsys):
    text = help_text(capsys)
    for command in ("demo", "ir", "cache", "bench", "--version"):
        assert re.search(rf"^  numjac {command}\b", text, re.MULTILINE), command


def test_a_missing_or_unknown_command_is_a_usage_error(capsys):
    for argv in ([], ["frobnicate"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "usage: numjac" in capsys.readouterr().err


# -- numjac ir -------------------------------------------------------------------------

MODEL = '''
import numpy as np

def f(x):
    return np.sin(x) * x

def loss(x, W):
    return np.sum(np.tanh(W @ x))

def shifted(x, n):
    return np.roll(x, n)

def branchy(x):
    return x if x[0] > 0 else -x

class Model:
    @staticmethod
    def energy(x):
        return np.sum(x * x)

scale = 2.0
'''


@pytest.fixture
def model(tmp_path, monkeypatch):
    """A user's file, and a disk cache of the test's own."""
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def run_ir(capsys, model, func, *options):
    assert main(["ir", f"{model}:{func}", *options]) == 0
    return capsys.readouterr().out


def returned_types(ir_text: str) -> list:
    """The types of the outputs of the top-level IR in a dump."""
    binders = dict(re.findall(r"([a-z]+):(\w+\[[\d,]*\])", ir_text))
    names = re.findall(r"^  return (.*)$", ir_text, re.MULTILINE)[-1].split()
    return [binders[name] for name in names]


def test_ir_prints_the_traced_function(capsys, model):
    out = run_ir(capsys, model, "f", "--args", "f64[4]")
    assert out == ("ir(a:f64[4]):\n  b:f64[4] = sin a\n  c:f64[4] = mul b a\n"
                   "  return c\n")


@pytest.mark.parametrize("transform, func, specs, expected", [
    ("jit", "loss", ["f64[3]", "f64[2,3]"], ["f64[]"]),
    ("grad", "loss", ["f64[3]", "f64[2,3]"], ["f64[3]"]),
    ("jacrev", "f", ["f64[5]"], ["f64[5,5]"]),
    ("jacfwd", "f", ["f32[2,3]"], ["f32[2,3,2,3]"]),
    ("hessian", "Model.energy", ["f64[4]"], ["f64[4,4]"]),
    ("vmap", "loss", ["f64[7,3]", "f64[7,2,3]"], ["f64[7]"]),
])
def test_ir_applies_each_transform(capsys, model, transform, func, specs, expected):
    options = [a for spec in specs for a in ("--args", spec)]
    out = run_ir(capsys, model, func, *options, "--transform", transform)
    assert out.startswith(f"ir(a:{specs[0]}")
    assert returned_types(out) == expected


def test_ir_stages_differ_and_source_is_the_generated_kernel(capsys, model):
    args = ["--args", "f64[3]", "--transform", "jacrev"]
    traced = run_ir(capsys, model, "f", *args, "--stage", "traced")
    optimized = run_ir(capsys, model, "f", *args, "--stage", "optimized")
    assert returned_types(traced) == ["f64[3]"]          # the function itself
    assert returned_types(optimized) == ["f64[3,3]"]     # its Jacobian
    source = run_ir(capsys, model, "f", *args, "--stage", "source")
    assert source.startswith('"""numjac kernel ')
    assert optimized.strip() in source                   # the IR it was generated from
    assert "\ndef kernel(a):\n" in source
    everything = run_ir(capsys, model, "f", *args, "--stage", "all")
    for title in ("# IR: traced", "# IR: transformed", "# IR: optimized",
                  "# generated kernel"):
        assert title in everything


@pytest.mark.parametrize("text, pieces", [
    ("f64[3,4], f32[2], 0.5", ["f64[3,4]", "f32[2]", "0.5"]),
    ("f64[6],0.1", ["f64[6]", "0.1"]),
    (" f64[] , -2 ", ["f64[]", "-2"]),
    ("f64[ 2 , 3 ]", ["f64[ 2 , 3 ]"]),
    ("f64[2,]", ["f64[2,]"]),
    ("f64[2], f64[3", ["f64[2]", "f64[3"]),
    ("f64[3],,1", ["f64[3]", "", "1"]),
])
def test_args_split_at_commas_outside_brackets(text, pieces):
    assert split_specs(text) == pieces


def test_ir_takes_several_specs_in_one_args_flag(capsys, model):
    one_flag = run_ir(capsys, model, "loss", "--args", "f64[3], f64[2,3]")
    repeated = run_ir(capsys, model, "loss", "--args", "f64[3]", "--args", "f64[2,3]")
    assert one_flag == repeated
    assert one_flag.startswith("ir(a:f64[3], b:f64[2,3]):")
    mixed = run_ir(capsys, model, "shifted", "--args", "f64[4],1")
    assert mixed == run_ir(capsys, model, "shifted", "--args", "f64[4]", "--args", "1")


def test_ir_repeated_args_flags_add_their_specs_in_order(capsys, model):
    out = run_ir(capsys, model, "loss", "--args", "f64[5]", "--args", "f64[2,5]",
                 "--transform", "grad")
    assert out.startswith("ir(a:f64[5], b:f64[2,5]):")
    assert returned_types(out) == ["f64[5]"]


def test_ir_usage_line_and_help_say_args_takes_several_specs(capsys):
    text = help_text(capsys, "ir")
    usage = text.partition("\n\n")[0]
    assert "[--args SPEC,...]" in usage
    assert '"f64[3,4], f32[2], 0.5"' in text and "a repeated --args" in text


def test_ir_python_number_arguments_are_passed_as_they_are(capsys, model):
    # np.roll needs the shift's value: the trace specializes on it.
    out = run_ir(capsys, model, "shifted", "--args", "f64[4]", "--args", "1")
    assert out.startswith("ir(a:f64[4]):")
    assert "slice" in out and "concatenate" in out


def test_ir_reports_a_function_that_cannot_be_staged(capsys, model):
    assert main(["ir", f"{model}:branchy", "--args", "f64[3]"]) == 1
    err = capsys.readouterr().err
    assert "jit(" in err and "ConcretizationError" in err and "np.where" in err
    assert main(["ir", f"{model}:f", "--args", "f64[3]", "--transform", "grad"]) == 1
    assert "scalar (0-d) output" in capsys.readouterr().err


@pytest.mark.parametrize("target, options, message", [
    ("{dir}/missing.py:f", [], "no such file: {dir}/missing.py"),
    ("{model}:nope", [], "has no function 'nope'; it defines: branchy, f, loss, shifted"),
    ("{model}:Model.nope", [], "has no function 'Model.nope'"),
    ("{model}:scale", [], "is a float, not a function"),
    ("{model}", [], "expected FILE.py:FUNC"),
    ("{model}:f", ["--args", "f64[4"], "is not an argument spec: expected DTYPE[DIMS]"),
    ("{model}:f", ["--args", "float[4]"], "unknown dtype 'float'"),
    ("{model}:f", ["--args", "f64[2,x]"], "is not an argument spec"),
    ("{model}:f", ["--args", "f64[2,]"], "bad dimensions in 'f64[2,]'"),
    ("{model}:f", ["--args", "f64[2], f64[3"], "'f64[3' is not an argument spec"),
    ("{model}:f", ["--args", "f64[3],,1"], "empty argument spec in 'f64[3],,1'"),
    ("{model}:f", ["--args", "f64[3],"], "empty argument spec in 'f64[3],'"),
    ("{model}:f", ["--args", ""], "empty argument spec in ''"),
    ("{model}:f", ["--transform", "jacobian"], "invalid choice: 'jacobian'"),
    ("{model}:f", ["--stage", "lowered"], "invalid choice: 'lowered'"),
])
def test_ir_usage_errors_exit_with_status_2_and_a_message(capsys, model, target, options,
                                                          message):
    fill = {"model": model, "dir": model.parent}
    with pytest.raises(SystemExit) as info:
        main(["ir", target.format(**fill), *options])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: numjac ir" in err
    assert message.format(**fill) in err


def test_ir_errors_show_no_traceback_from_the_console(model):
    result = subprocess.run([sys.executable, "-m", "numjac.cli", "ir", f"{model}:nope"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "has no function 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


# -- numjac cache --------------------------------------------------------------------------

def fake_entry(directory, key, sizes=(100, 20, 3000)):
    """The files of one kernel: two compiled signatures, and an index file
    as numjac versions before verified entries left in __pycache__."""
    first = directory / f"numjac_kernel_{key}.0123456789abcdef.nbk"
    second = directory / f"numjac_kernel_{key}.fedcba9876543210.nbk"
    legacy = directory / "__pycache__" / f"numjac_kernel_{key}.kernel-3.py311.nbi"
    for path, size in zip((first, second, legacy), sizes):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)


def test_cache_info_and_clear(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    fake_entry(tmp_path, "a" * 32)
    fake_entry(tmp_path, "b" * 32, sizes=(1000, 24, 0))
    (tmp_path / "notes.txt").write_text("not numjac's")
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"directory:  {tmp_path}\n" in out
    assert "kernels:    2\n" in out
    assert "size:       4.0 KiB\n" in out          # 4144 bytes
    assert "disk cache: on\n" in out
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"removed 2 kernel(s), 4.0 KiB, from {tmp_path}\n"
    remaining = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert remaining == ["notes.txt"]
    main(["cache", "info"])
    assert "kernels:    0\nsize:       0 bytes\n" in capsys.readouterr().out


def test_cache_info_says_when_the_disk_cache_is_off(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NUMJAC_DISABLE_DISK_CACHE", "1")
    main(["cache", "info"])
    assert "disk cache: off (NUMJAC_DISABLE_DISK_CACHE is set)" in capsys.readouterr().out


def test_cache_info_says_when_the_folder_is_unusable(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.write_text("a file")
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(folder))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    main(["cache", "info"])
    assert ("disk cache: unusable (it is not a folder): kernels compile in memory"
            in capsys.readouterr().out)


def test_cache_clear_removes_what_a_real_kernel_left(capsys, tmp_path, monkeypatch):
    """Compiles one tiny Numba kernel, so the layout checked above is real."""
    monkeypatch.setenv("NUMJAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NUMJAC_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setattr(cache, "_KERNELS", {})
    x = np.arange(3.0)
    np.testing.assert_allclose(nj.jit(lambda x: x * 3.0 - 1.0, backend="numba")(x), 3 * x - 1)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    info = cache.disk_cache_info()
    assert info.entries == 1 and info.size == sum(p.stat().st_size for p in files) > 0
    main(["cache", "clear"])
    assert "removed 1 kernel(s)" in capsys.readouterr().out
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


# -- numjac bench ----------------------------------------------------------------------------

def test_bench_forwards_its_arguments_to_the_benchmarks(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda argv, env: calls.append(argv) or 0)
    assert main(["bench", "--only", "jacrev", "--no-cold"]) == 0
    assert calls == [[sys.executable, "-m", "benchmarks", "--only", "jacrev", "--no-cold"]]


def test_bench_runs_python_m_benchmarks(capfd):
    assert main(["bench", "--help"]) == 0
    out = capfd.readouterr().out
    assert "usage: python -m benchmarks" in out
    assert "python -m benchmarks --only jacrev" in out        # its examples


def numjac_tree(folder, name="numjac"):
    """A source tree: a pyproject.toml naming the project, and benchmarks/."""
    (folder / "benchmarks").mkdir(parents=True)
    (folder / "benchmarks" / "__main__.py").write_text("")
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    return folder


def test_bench_outside_a_source_tree_says_where_to_run_it(capsys, tmp_path, monkeypatch):
    """As from an installed wheel, which has no benchmarks/ (tests/test_packaging.py
    runs a real one); another project's benchmarks/ is not run either."""
    other = numjac_tree(tmp_path / "other", name="other")
    monkeypatch.setattr(cli, "benchmark_places", lambda: [tmp_path / "site-packages", other])
    monkeypatch.setattr(subprocess, "call", lambda argv, env: pytest.fail("ran benchmarks"))
    with pytest.raises(SystemExit) as info:
        main(["bench", "--only", "jacrev"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "the benchmarks are not part of the installed package" in err
    assert "run numjac bench from the root of a numjac source checkout" in err
    assert f"{tmp_path / 'site-packages'} or {other}" in err


def test_bench_runs_the_benchmarks_of_the_first_numjac_tree(tmp_path, monkeypatch):
    first, second = numjac_tree(tmp_path / "first"), numjac_tree(tmp_path / "second")
    monkeypatch.setattr(cli, "benchmark_places", lambda: [tmp_path / "none", first, second])
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda argv, env: calls.append(env) or 0)
    assert main(["bench"]) == 0
    assert calls[0]["PYTHONPATH"].split(os.pathsep)[0] == str(first)
