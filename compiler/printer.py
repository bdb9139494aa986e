"""The one deterministic text form of an IR (dumps, golden tests, cache keys).

Variables are named by first appearance (a, b, ..., z, ba, bb, ...), params
are sorted by name, and IR-valued params are printed as indented blocks
under their equation.  The grammar is documented in docs/ir.md.  The
printer sits below ``compiler.ir``, whose ``IR.__str__`` calls it: it reads
IRs and equations through their fields (and ``Eqn.sub_irs``) only.
"""
from __future__ import annotations

import numpy as np

from .atoms import Lit, dtype_name

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _name_for(index: int) -> str:
    digits = []
    while True:
        index, rem = divmod(index, 26)
        digits.append(_LETTERS[rem])
        if index == 0:
            break
    return "".join(reversed(digits))


class Namer:
    def __init__(self):
        self.names = {}

    def __call__(self, var) -> str:
        if isinstance(var, Lit):
            return format_literal(var)
        if var not in self.names:
            self.names[var] = _name_for(len(self.names))
        return self.names[var]

    def binder(self, var) -> str:
        return f"{self(var)}:{var.type}"


def format_literal(lit: Lit) -> str:
    value = lit.value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def format_param(value) -> str:
    if isinstance(value, np.dtype) or isinstance(value, type):
        return dtype_name(value)
    if isinstance(value, tuple):
        inner = ", ".join(format_param(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def format_eqn(eqn, namer, indent: str) -> list:
    outs = ", ".join(namer.binder(v) for v in eqn.outs)
    nested = eqn.sub_irs
    plain = sorted((k, v) for k, v in eqn.params.items() if k not in nested)
    params = ", ".join(f"{k}={format_param(v)}" for k, v in plain)
    head = eqn.prim.name + (f"[{params}]" if params else "")
    args = " ".join(namer(a) for a in eqn.inputs)
    lines = [f"{indent}{outs} = {head}" + (f" {args}" if args else "")]
    for key, sub in sorted(nested.items()):
        lines.extend(format_ir(sub, namer, indent + "  ", key))
    return lines


def format_ir(ir, namer, indent: str, title: str) -> list:
    binders = ", ".join(namer.binder(v) for v in ir.inputs)
    lines = [f"{indent}{title}({binders}):"]
    for eqn in ir.eqns:
        lines.extend(format_eqn(eqn, namer, indent + "  "))
    outs = ", ".join(namer(a) for a in ir.outputs)
    lines.append(f"{indent}  return" + (f" {outs}" if outs else ""))
    return lines


def print_ir(ir) -> str:
    return "\n".join(format_ir(ir, Namer(), "", "ir"))


def print_eqn(eqn, context) -> str:
    """``eqn`` with the names it has in the dump of ``context`` (for errors)."""
    namer = Namer()
    format_ir(context, namer, "", "ir")
    return "\n".join(format_eqn(eqn, namer, ""))
