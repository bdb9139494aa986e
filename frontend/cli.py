"""The ``numjac`` command line.

    numjac demo                                   trace, print and run a small example
    numjac ir FILE.py:FUNC --args "f64[40], 0.5" [--transform jacrev] [--stage source]
    numjac cache info | clear | prune [--max-bytes SIZE]   the disk cache of kernels
    numjac bench [ARGS...]                        python -m benchmarks ARGS...
    numjac --version                              the installed version

Each subcommand is a function ``run(args) -> exit status`` registered on
its own argparse sub-parser, so new ones are one function and one line.
Mistakes in the command line (a missing file or function, a bad argument
spec) are usage errors: a message and exit status 2, no traceback.
"""
from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import inspect
import os
import platform
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np

import numjac as nj
from .compiler.ir import DTYPE_BY_NAME, AType
from .runtime import cache
from .runtime.kernel_store import parse_size
from .runtime.dispatch import Lowered


# -- numjac demo ------------------------------------------------------------

def gray_scott(y, feed, kill):
    """Right-hand side of the 1-D Gray-Scott reaction-diffusion system on a
    periodic grid; ``y`` holds the two concentrations u and v end to end."""
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    diffusion_u, diffusion_v = 2e-5, 1e-5
    h = 1.0 / n
    laplace_u = (np.roll(u, 1) - 2.0 * u + np.roll(u, -1)) / h**2
    laplace_v = (np.roll(v, 1) - 2.0 * v + np.roll(v, -1)) / h**2
    reaction = u * v * v
    du = diffusion_u * laplace_u - reaction + feed * (1.0 - u)
    dv = diffusion_v * laplace_v + reaction - (feed + kill) * v
    return np.concatenate([du, dv])


def demo_state(n: int = 6):
    """A smooth initial state: u near 1, v a bump in the middle."""
    grid = np.linspace(0.0, 1.0, n, endpoint=False)
    bump = np.exp(-40.0 * (grid - 0.5) ** 2)
    return np.concatenate([1.0 - 0.5 * bump, 0.25 * bump])


def central_differences(f, y, eps=1e-6):
    """The Jacobian of ``f`` at ``y`` by central differences, column by column."""
    columns = []
    for j in range(y.size):
        step = np.zeros_like(y)
        step[j] = eps
        columns.append((f(y + step) - f(y - step)) / (2 * eps))
    return np.stack(columns, axis=-1)


def run_demo(args) -> int:
    y, feed, kill = demo_state(), 0.04, 0.06
    print("numjac demo: a NumPy function, its IR, and its compiled result\n")
    print(inspect.getsource(gray_scott))
    print(f"nj.make_ir(gray_scott)(y, {feed}, {kill}) with y: f64[{y.size}]\n")
    print(nj.make_ir(gray_scott)(y, feed, kill), end="\n\n")
    got = nj.jit(gray_scott)(y, feed, kill)
    expected = gray_scott(y, feed, kill)
    print(f"{'i':>3} {'nj.jit(gray_scott)':>22} {'NumPy':>22}")
    for i, (a, b) in enumerate(zip(got, expected)):
        print(f"{i:>3} {a:>22.15g} {b:>22.15g}")
    print(f"max |numjac - NumPy| = {np.max(np.abs(got - expected)):.3g}")
    if hasattr(nj, "jacrev"):
        jacobian = nj.jacrev(gray_scott)(y, feed, kill)
        reference = central_differences(lambda z: gray_scott(z, feed, kill), y)
        error = np.max(np.abs(jacobian - reference))
        print(f"\nnj.jacrev(gray_scott): Jacobian of shape {jacobian.shape}; "
              f"max |J - central differences| = {error:.3g}")
    return 0


class UsageError(Exception):
    """A mistake in the command line: reported as a usage error (exit status 2)."""


# -- numjac ir ---------------------------------------------------------------

ARG_GRAMMAR = (f"DTYPE[DIMS] with DTYPE one of {', '.join(DTYPE_BY_NAME)} and DIMS "
               "comma-separated sizes (f64[40], f32[3,4]; f64[] is 0-d), "
               "or a Python number (2, 0.5) passed as it is")
_ARRAY_SPEC = re.compile(r"(\w+)\[([\d,\s]*)\]")

TRANSFORMS = {"jit": nj.jit, "jacrev": nj.jacrev, "jacfwd": nj.jacfwd, "grad": nj.grad,
              "hessian": nj.hessian, "vmap": nj.vmap}
STAGES = tuple(Lowered.STAGES) + ("all",)


def argument_spec(text: str):
    """An ``--args`` value: an AType, or a Python int/float/bool."""
    match = _ARRAY_SPEC.fullmatch(text.strip())
    if match is None:
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = None
        if type(value) in (bool, int, float):
            return value
        raise argparse.ArgumentTypeError(f"{text!r} is not an argument spec: "
                                         f"expected {ARG_GRAMMAR}")
    name, dims = match.groups()
    if name not in DTYPE_BY_NAME:
        raise argparse.ArgumentTypeError(
            f"unknown dtype {name!r} in {text!r}: expected {ARG_GRAMMAR}")
    sizes = [d.strip() for d in dims.split(",")] if dims.strip() else []
    if not all(d.isdigit() for d in sizes):
        raise argparse.ArgumentTypeError(f"bad dimensions in {text!r}: expected {ARG_GRAMMAR}")
    return AType(DTYPE_BY_NAME[name], tuple(int(d) for d in sizes))


def split_specs(text: str) -> list:
    """'f64[3,4], f32[2], 0.5' -> ['f64[3,4]', 'f32[2]', '0.5']: a comma
    inside brackets separates a shape's sizes, one outside separates arguments."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces]


def argument_specs(text: str) -> list:
    """One ``--args`` value: the specs of one or more arguments, comma-separated."""
    pieces = split_specs(text)
    if "" in pieces:
        raise argparse.ArgumentTypeError(
            f"empty argument spec in {text!r}: expected comma-separated specs, each "
            f"{ARG_GRAMMAR}")
    return [argument_spec(piece) for piece in pieces]


def example_argument(spec, rng):
    """A value for a spec: arrays hold random values away from the edges of
    common domains (log, sqrt, division); the IR depends only on the types."""
    if not isinstance(spec, AType):
        return spec
    if spec.dtype == np.bool_:
        return rng.random(spec.shape) < 0.5
    if spec.dtype.kind in "iu":
        return rng.integers(1, 4, spec.shape).astype(spec.dtype)
    return rng.uniform(0.5, 1.5, spec.shape).astype(spec.dtype)


def load_function(target: str):
    """FILE.py:FUNC -> the function (FUNC may be dotted, as in obj.method):
    the file is imported as a module named after it, with its directory on
    sys.path for its own imports."""
    path_text, colon, name = target.rpartition(":")
    if not colon or not path_text or not name:
        raise UsageError(f"expected FILE.py:FUNC, got {target!r}")
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    module_name = re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None:
        raise UsageError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    directory = str(path.resolve().parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec.loader.exec_module(module)
    value = module
    for part in name.split("."):
        if not hasattr(value, part):
            defined = sorted(k for k, v in vars(module).items()
                             if inspect.isfunction(v) and v.__module__ == module_name)
            raise UsageError(f"{path} has no function {name!r}; it defines: "
                             f"{', '.join(defined) or 'no functions'}")
        value = getattr(value, part)
    if not callable(value):
        raise UsageError(f"{path}:{name} is a {type(value).__name__}, not a function")
    return value


def lower(function, transform: str, specs):
    rng = np.random.default_rng(0)
    args = [example_argument(spec, rng) for spec in specs]
    return TRANSFORMS[transform](function).lower(*args)


def stage_text(lowered, stage: str) -> str:
    return str(lowered if stage == "all" else lowered.stage(stage))


def run_ir(args) -> int:
    function = load_function(args.target)
    try:
        lowered = lower(function, args.transform, args.args)
    except (nj.ConcretizationError, nj.UnsupportedOperationError, ValueError,
            TypeError) as error:
        print(f"numjac ir: {args.transform}({args.target}) could not be staged for "
              f"{', '.join(map(str, args.args)) or 'no arguments'}:\n"
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    try:
        text = stage_text(lowered, args.stage)
    except ValueError as error:     # a stage this transform does not have
        print(f"numjac ir: {error}", file=sys.stderr)
        return 1
    print(text)
    return 0


def stages_help() -> str:
    """The --stage names with what each shows, for the help text."""
    described = dict(Lowered.STAGES, all="every stage the transform has, each IR printed "
                                         "once (a repeated one as 'same as ...')")
    return "\n".join(textwrap.fill(what, 79, initial_indent=f"  {name:<12} ",
                                    subsequent_indent=" " * 15)
                     for name, what in described.items())


# -- numjac cache ---------------------------------------------------------------

def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    unit = 1
    while unit < 4 and size >= 1024 ** (unit + 1):
        unit += 1
    return f"{size / 1024**unit:.1f} {'KMGT'[unit - 1]}iB"


def size_argument(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run_cache(args) -> int:
    info = cache.disk_cache_info()
    if args.max_bytes is not None and args.action != "prune":
        raise UsageError("--max-bytes goes with prune")
    if args.action == "clear":
        removed = cache.clear_disk_cache()
        print(f"removed {removed} kernel(s), {format_size(info.size)}, from {info.directory}")
        return 0
    if args.action == "prune":
        return run_cache_prune(args.max_bytes)
    state = "off (NUMJAC_DISABLE_DISK_CACHE is set)" if info.disabled else "on"
    if info.problem and not info.disabled:
        state = f"unusable ({info.problem}): kernels compile in memory"
    print(f"directory:  {info.directory}\n"
          f"kernels:    {info.entries}\n"
          f"size:       {format_size(info.size)}\n"
          f"size cap:   {format_size(info.max_bytes)} (NUMJAC_CACHE_MAX_BYTES)\n"
          f"disk cache: {state}")
    return 0


def run_cache_prune(max_bytes) -> int:
    removed = cache.prune_disk_cache(max_bytes)
    for path, size in removed:
        print(f"removed {path.name} ({format_size(size)})")
    limit = cache.disk_cache_info().max_bytes if max_bytes is None else max_bytes
    print(f"pruned {len(removed)} file(s), {format_size(sum(s for _, s in removed))}, "
          f"from {cache.configured_cache_dir()} (least recently used first, "
          f"to at most {format_size(limit)})")
    return 0


# -- numjac bench -----------------------------------------------------------------

def benchmark_places() -> list:
    """Where ``numjac bench`` looks for benchmarks/, which is not part of the
    installed package: the source tree numjac runs from (a checkout installed
    with ``pip install -e``), then the current folder (the root of a checkout
    or an unpacked sdist, numjac installed in any way)."""
    return [Path(__file__).resolve().parent.parent, Path.cwd()]


def has_numjac_benchmarks(folder: Path) -> bool:
    """A numjac source tree with its benchmarks, not another project's."""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    except (OSError, tomllib.TOMLDecodeError, KeyError):
        return False
    return (project.get("name") == "numjac"
            and (folder / "benchmarks" / "__main__.py").is_file())


def run_bench(args) -> int:
    """``python -m benchmarks`` from the first place that has numjac's."""
    places = benchmark_places()
    root = next(filter(has_numjac_benchmarks, places), None)
    if root is None:
        raise UsageError(
            "the benchmarks are not part of the installed package: run numjac bench from "
            "the root of a numjac source checkout or unpacked sdist (no numjac "
            f"benchmarks/ in {' or '.join(map(str, dict.fromkeys(places)))})")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return subprocess.call([sys.executable, "-m", "benchmarks", *args.rest], env=env)


# -- the parser ---------------------------------------------------------------

EXAMPLES = {
    "demo": ["numjac demo"],
    "ir": ['numjac ir model.py:step --args "f64[6], 0.1" --transform jacrev',
           "numjac ir model.py:f --args f64[40]",
           'numjac ir model.py:loss --args "f64[3], f64[2,3]" --transform grad --stage all',
           "numjac ir model.py:Model.energy --args f64[4] --transform hessian "
           "--stage source"],
    "cache": ["numjac cache info", "numjac cache prune --max-bytes 200M",
              "NUMJAC_CACHE_DIR=/tmp/kernels numjac cache clear"],
    "bench": ["numjac bench --only jacrev", "numjac bench --help"],
}


def examples_block(lines) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def add_examples(commands) -> None:
    """Ends each sub-command's help with its examples from EXAMPLES (line
    breaks kept: its description is wrapped here, paragraph by paragraph).
    bench has no help of its own: python -m benchmarks --help shows its."""
    for name, command in commands.choices.items():
        if not command.add_help:
            continue
        paragraphs = (command.description or "").split("\n\n")
        command.description = "\n\n".join(textwrap.fill(p, 79) for p in paragraphs)
        command.epilog = "\n\n".join(filter(None, [command.epilog,
                                                    examples_block(EXAMPLES[name])]))
        command.formatter_class = argparse.RawDescriptionHelpFormatter


def version_text() -> str:
    """The installed version, and which copy of numjac runs on which Python."""
    try:
        version = importlib.metadata.version("numjac")
    except importlib.metadata.PackageNotFoundError:     # run from a tree never installed
        version = f"{nj.__version__} (not installed)"
    return (f"numjac {version} from {Path(nj.__file__).parent} "
            f"(Python {platform.python_version()})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numjac", description="Function-transform autodiff for plain NumPy code.",
        epilog=examples_block([lines[0] for lines in EXAMPLES.values()] + ["numjac --version"])
        + "\n\n'numjac COMMAND --help' shows a command's options and more examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="trace a NumPy function, print its IR, run it",
        description="Trace a small reaction-diffusion right-hand side, print its source and "
                    "IR, and compare nj.jit's result with NumPy's and nj.jacrev's Jacobian "
                    "with central differences.")
    demo.set_defaults(run=run_demo, parser=demo)

    ir = commands.add_parser(
        "ir", help="print the IR or generated kernel of a function in a file",
        description="Stage FUNC from FILE.py for arguments of the given types and\n"
                    "print one stage of its pipeline, or all of them.",
        epilog=f"stages (--stage), in pipeline order; a transform has some of them:\n"
               f"{stages_help()}\n\n" + textwrap.fill(
                   f"Each spec in --args is {ARG_GRAMMAR}. vmap maps axis 0 of every argument.",
                   79),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ir.add_argument("target", metavar="FILE.py:FUNC")
    ir.add_argument("--args", action="extend", type=argument_specs, default=[],
                    metavar="SPEC,...",
                    help='the arguments\' specs in order, comma-separated: "f64[3,4], f32[2], '
                         '0.5" (a comma inside brackets is the shape\'s); a repeated --args '
                         'adds its specs after the earlier ones')
    ir.add_argument("--transform", choices=TRANSFORMS, default="jit",
                    help="the transform to stage (default: jit, the function itself)")
    ir.add_argument("--stage", choices=STAGES, default="optimized", metavar="STAGE",
                    help=f"one of {', '.join(STAGES)} (default: optimized; listed below)")
    ir.set_defaults(run=run_ir, parser=ir)

    cache_parser = commands.add_parser(
        "cache", help="show or clear the disk cache of compiled kernels",
        description="info: where the disk cache of compiled kernels is, how many kernels "
                    "it holds and their size; clear: delete them; prune: delete the least "
                    "recently used ones until the cache fits its size cap, or --max-bytes "
                    "(NUMJAC_CACHE_DIR moves the cache, NUMJAC_DISABLE_DISK_CACHE=1 turns it "
                    "off, NUMJAC_CACHE_MAX_BYTES sets the cap, default 1G).")
    cache_parser.add_argument("action", choices=("info", "clear", "prune"))
    cache_parser.add_argument("--max-bytes", type=size_argument, metavar="SIZE",
                              help="prune to this size: bytes, or e.g. 500M, 2G")
    cache_parser.set_defaults(run=run_cache, parser=cache_parser)

    bench = commands.add_parser(
        "bench", add_help=False, help="run the benchmarks (python -m benchmarks ARGS...)")
    bench.set_defaults(run=run_bench, parser=bench, forwards_rest=True)
    add_examples(commands)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "forwards_rest", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    try:
        return args.run(args)
    except UsageError as error:
        args.parser.error(str(error))


if __name__ == "__main__":
    sys.exit(main())
