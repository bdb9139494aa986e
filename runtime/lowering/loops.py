"""The lowering of compiler/primitives/loops.py: ``scan`` and ``while_loop``
become one Python loop in the kernel with the body's code inside it, and
``cond`` an ``if``/``else``; so each body is emitted, and compiled, once
whatever the trip count.

The carries live in arrays allocated before the loop; each iteration
copies the body's results over them once all are computed (see _update:
a result may read the old carries, as a swap of two carries does), or
swaps buffers with a result in an array of the body's own.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from ...compiler.primitives.loops import cond_p, scan_p, split_scan_operands, while_loop_p
from .kinds import Custom, Readable, lowers

_LOCAL = re.compile(r"[A-Za-z_]\w*")   # a local variable holding a computed scalar
_ALLOCATION = re.compile(r"\s*\w+ = empty\(")


class Row(Readable):
    """Row ``index`` (an expression) of an outer value, axis 0 dropped: the
    slice of an xs operand a scan iteration reads."""

    ready = 0      # as Value: readable from the first group of the body on
    free = False   # reads memory

    def __init__(self, value, index: str):
        self.value, self.index = value, index

    def read(self, idx) -> str:
        return self.value.read((self.index,) + tuple(idx))


@contextmanager
def _block(cg, head: str, loop=False):
    """The statement ``head`` and an indented block (``pass`` if left
    empty).  A ``loop``'s allocations are hoisted before it."""
    header = len(cg.lines)
    cg.line(head)
    with cg.indented():
        yield
        if len(cg.lines) == header + 1:
            cg.line("pass")
    if loop:
        _hoist_allocations(cg, header)


def loop_block(cg, head: str):
    """The loop statement ``head`` and its indented block, the arrays it
    allocates hoisted before it (for the lowerings of other loops: ode)."""
    return _block(cg, head, loop=True)


def _hoist_allocations(cg, header: int):
    """Move the arrays the loop body allocates (``empty``, of fixed shapes)
    before the loop: made once, reused by every iteration, which writes
    them before reading them (the invariant workspace arrays rely on too)."""
    lines = cg.lines
    moved = [k for k in range(header + 1, len(lines)) if _ALLOCATION.match(lines[k])]
    if not moved:
        return
    indent = lines[header][:len(lines[header]) - len(lines[header].lstrip())]
    hoisted = set(moved)
    order = moved + [k for k in range(header, len(lines)) if k not in hoisted]
    place = {old: header + new for new, old in enumerate(order)}
    lines[header:] = [indent + lines[k].lstrip() if k in hoisted else lines[k] for k in order]
    cg.allocations = [(place.get(k, k), name, atype) for k, name, atype in cg.allocations]


def _copy(cg, target, value, atype, row=None):
    """``target[...] = value`` over ``atype``'s shape (into row ``row`` of
    ``target`` if given)."""
    with cg.loops(atype.shape) as idx:
        cg.assign(target.read(((row,) if row else ()) + idx), value.read(idx))


def _carry_arrays(cg, eqn, init):
    """The carry arrays (named after the results), holding ``init``."""
    carries = [cg.alloc_var(var) for var in eqn.outs[:len(init)]]
    for array, value, var in zip(carries, init, eqn.outs):
        _copy(cg, array, value, var.type)
    return carries


def _update(cg, carries, results, types, fresh):
    """Carries := results.  A result in an array the body allocated
    (``fresh``: name -> AType) and no other result is in swaps buffers with
    its carry, so nothing is copied (the old carry's buffer is the next
    iteration's for that result).  Another result in an array or a local
    of the body's own is copied straight over its carry; any other (a carry
    passed through, a view or expression reading the carries) is first
    saved in a local (0-d) or an array, before any carry changes."""
    names = [getattr(cg.array_of(value), "name", None) for value in results]
    swapped = [fresh.get(name) == atype and names.count(name) == 1
               for name, atype in zip(names, types)]
    ready = [None if swap else _saved(cg, value, atype, carries)
             for value, atype, swap in zip(results, types, swapped)]
    for carry, value, atype, swap in zip(carries, ready, types, swapped):
        if not swap:
            _copy(cg, carry, value, atype)
    for carry, name, swap in zip(carries, names, swapped):
        if swap:
            cg.line(f"{carry.name}, {name} = {name}, {carry.name}")
            # Either buffer may leave the kernel: not a workspace argument.
            cg.viewed.update((carry.name, name))


def _allocated_since(cg, start) -> dict:
    """Name -> AType of the arrays allocated since ``cg.allocations[start]``."""
    return {name: atype for _, name, atype in cg.allocations[start:]}


def _saved(cg, value, atype, carries):
    array = cg.array_of(value)
    if array is not None and all(array.name != c.name for c in carries):
        return array
    if atype.shape:
        return cg.materialize(value, atype, cg.fresh("next"))
    expr = value.read(())
    if not _LOCAL.fullmatch(expr):
        name = cg.fresh("next")
        cg.line(f"{name} = {expr}")
        expr = name
    return cg.scalar(expr)


def _scan(cg, eqn, ins):
    params = eqn.params
    body, length, num_carry = params["body"], params["length"], params["num_carry"]
    consts, init, xs = split_scan_operands(ins, params["num_consts"], num_carry)
    carries = _carry_arrays(cg, eqn, init)
    ys = [cg.alloc_var(var) for var in eqn.outs[num_carry:]]
    step = cg.fresh("step")
    steps = f"range({length} - 1, -1, -1)" if params["reverse"] else f"range({length})"
    with _block(cg, f"for {step} in {steps}:", loop=True):
        env = [cg.bound(v) for v in consts + carries] + [Row(x, step) for x in xs]
        start = len(cg.allocations)
        results = cg.emit_ir(body, dict(zip(body.inputs, env)))
        for y, value, atom in zip(ys, results[num_carry:], body.outputs[num_carry:]):
            _copy(cg, y, value, atom.type, step)
        _update(cg, carries, results[:num_carry], [v.type for v in eqn.outs[:num_carry]],
                _allocated_since(cg, start))
    return carries + ys


def _while_loop(cg, eqn, ins):
    params = eqn.params
    consts, init = ins[:params["num_consts"]], ins[params["num_consts"]:]
    carries = _carry_arrays(cg, eqn, init)
    env = [cg.bound(v) for v in consts + carries]
    with _block(cg, "while True:", loop=True):
        (pred,) = cg.emit_ir(params["cond"], dict(zip(params["cond"].inputs, env)))
        cg.line(f"if not {pred.read(())}:")
        with cg.indented():
            cg.line("break")
        start = len(cg.allocations)
        results = cg.emit_ir(params["body"], dict(zip(params["body"].inputs, env)))
        _update(cg, carries, results, [v.type for v in eqn.outs], _allocated_since(cg, start))
    return carries


def _cond(cg, eqn, ins):
    pred, operands = ins[0], [cg.bound(v) for v in ins[1:]]
    outs = [cg.alloc_var(var) for var in eqn.outs]
    for head, branch in ((f"if {pred.read(())}:", "true_branch"), ("else:", "false_branch")):
        with _block(cg, head):
            sub = eqn.params[branch]
            results = cg.emit_ir(sub, dict(zip(sub.inputs, operands)))
            for out, value, var in zip(outs, results, eqn.outs):
                _copy(cg, out, value, var.type)
    return outs


lowers(scan_p)(Custom(_scan))
lowers(while_loop_p)(Custom(_while_loop))
lowers(cond_p)(Custom(_cond))
