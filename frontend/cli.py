"""The ``numjac`` command line: ``numjac demo`` (more subcommands to come).

Each subcommand is a function ``run(args) -> exit status`` registered on
its own argparse sub-parser, so new ones are one function and one line.
"""
from __future__ import annotations

import argparse
import inspect
import sys

import numpy as np

import numjac as nj


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


# -- the parser ---------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numjac", description="Function-transform autodiff for plain NumPy code.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="trace a NumPy function, print its IR, run it")
    demo.set_defaults(run=run_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
