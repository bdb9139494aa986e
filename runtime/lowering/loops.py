"""The lowering of compiler/primitives/loops.py: ``scan`` and ``while_loop``
become one Python loop in the kernel with the body's code inside it, and
``cond`` an ``if``/``else``; so each body is emitted, and compiled, once
whatever the trip count.

The carries live in arrays allocated before the loop.  Each iteration
computes the new carries into a second set of arrays and then copies them
over the first: the body's results may still read the old carries (a
swap of two carries, say) until every one is computed.
"""
from __future__ import annotations

from contextlib import contextmanager

from ...compiler.primitives.loops import cond_p, scan_p, split_scan_operands, while_loop_p
from .kinds import Custom, lowers


class Row:
    """Row ``index`` (an expression) of an outer value, axis 0 dropped: the
    slice of an xs operand a scan iteration reads."""

    ready = 0      # as Value: readable from the first group of the body on
    free = False   # reads memory

    def __init__(self, value, index: str):
        self.value, self.index = value, index

    def read(self, idx) -> str:
        return self.value.read((self.index,) + tuple(idx))


@contextmanager
def _block(cg, head: str):
    """The statement ``head`` and an indented block (``pass`` if left empty)."""
    cg.line(head)
    start = len(cg.lines)
    with cg.indented():
        yield
        if len(cg.lines) == start:
            cg.line("pass")


def _copy(cg, target, value, atype, row=None):
    """``target[...] = value`` over ``atype``'s shape (into row ``row`` of
    ``target`` if given)."""
    with cg.loops(atype.shape) as idx:
        cg.assign(target.read(((row,) if row else ()) + idx), value.read(idx))


def _carry_arrays(cg, eqn, init):
    """The carry arrays (named after the results), holding ``init``, and the
    arrays each iteration's new carries go to first."""
    carries = [cg.alloc_var(var) for var in eqn.outs[:len(init)]]
    for array, value, var in zip(carries, init, eqn.outs):
        _copy(cg, array, value, var.type)
    following = [cg.alloc(var.type, cg.fresh(f"{cg.var_name(var)}_next"))
                 for var in eqn.outs[:len(init)]]
    return carries, following


def _update(cg, carries, following, results, types):
    """Carries := results, through the ``following`` arrays."""
    for array, value, atype in zip(following, results, types):
        _copy(cg, array, value, atype)
    for array, value, atype in zip(carries, following, types):
        _copy(cg, array, value, atype)


def _scan(cg, eqn, ins):
    params = eqn.params
    body, length, num_carry = params["body"], params["length"], params["num_carry"]
    consts, init, xs = split_scan_operands(ins, params["num_consts"], num_carry)
    carries, following = _carry_arrays(cg, eqn, init)
    ys = [cg.alloc_var(var) for var in eqn.outs[num_carry:]]
    step = cg.fresh("step")
    steps = f"range({length} - 1, -1, -1)" if params["reverse"] else f"range({length})"
    with _block(cg, f"for {step} in {steps}:"):
        env = [cg.bound(v) for v in consts + carries] + [Row(x, step) for x in xs]
        results = cg.emit_ir(body, dict(zip(body.inputs, env)))
        for y, value, atom in zip(ys, results[num_carry:], body.outputs[num_carry:]):
            _copy(cg, y, value, atom.type, step)
        _update(cg, carries, following, results[:num_carry],
                [v.type for v in eqn.outs[:num_carry]])
    return carries + ys


def _while_loop(cg, eqn, ins):
    params = eqn.params
    consts, init = ins[:params["num_consts"]], ins[params["num_consts"]:]
    carries, following = _carry_arrays(cg, eqn, init)
    env = [cg.bound(v) for v in consts + carries]
    with _block(cg, "while True:"):
        (pred,) = cg.emit_ir(params["cond"], dict(zip(params["cond"].inputs, env)))
        cg.line(f"if not {pred.read(())}:")
        with cg.indented():
            cg.line("break")
        results = cg.emit_ir(params["body"], dict(zip(params["body"].inputs, env)))
        _update(cg, carries, following, results, [v.type for v in eqn.outs])
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
