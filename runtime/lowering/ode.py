"""The lowering of ``ode`` (compiler/primitives/ode.py): the Dormand-Prince
5(4) solver of runtime/ode_solver.py, step for step (same tableau, same
order of operations, same step control), written into the kernel around
the right-hand side, whose code is emitted once, inside the loop over the
seven stages.  An exhausted step budget raises RuntimeError in the kernel
as in the interpreter.

The emitted loops: over the output times (arrays allocated by the body
hoisted before it), a ``while`` over the steps of one interval, a ``for``
over the stages (stage state, then the body, then its result stored as
that stage's rate), then the error estimate (a max norm that keeps a NaN)
and the step's acceptance and next size."""
from __future__ import annotations

from ...compiler.primitives.ode import ode_p, split_ode_operands
from .. import ode_solver as dp
from .kinds import Custom, lowers
from .loops import loop_block


class _Solver:
    """Names of the solver's scalars and arrays in the kernel."""

    def __init__(self, cg, types):
        self.cg = cg
        self.types = types
        for name in ("t", "h", "t_end", "direction", "steps", "last", "step", "stage_t", "err",
                     "ratio", "factor", "acc", "i", "s", "j", "c", "a", "e"):
            setattr(self, name, cg.fresh(f"ode_{name}"))
        self.y = [cg.alloc(t, cg.fresh("ode_y")) for t in types]
        self.stage = [cg.alloc(t, cg.fresh("ode_stage")) for t in types]
        self.rates = [cg.alloc(t.with_shape((dp.STAGES,) + t.shape), cg.fresh("ode_k"))
                      for t in types]


def _ode(cg, eqn, ins):
    p = eqn.params
    states, ts, args = split_ode_operands(ins, p["num_states"])
    types = [v.type for v in p["body"].outputs]
    outs = [cg.alloc_var(var) for var in eqn.outs]
    sv = _Solver(cg, types)
    for y, out, value, atype in zip(sv.y, outs, states, types):
        with cg.loops(atype.shape) as idx:
            cg.assign(y.read(idx), value.read(idx))
            cg.assign(out.read(("0",) + idx), y.read(idx))
    for name, table in ((sv.c, dp.NODES), (sv.a, dp.COUPLING), (sv.e, dp.ERROR_WEIGHTS)):
        cg.line(f"{name} = np.array({list(map(float, table))!r})")
    length = eqn.outs[0].type.shape[0]
    cg.line(f"{sv.t} = float({ts.read(('0',))})")
    _first_step(cg, sv, ts, length, p["h0"], p["hmax"])
    with loop_block(cg, f"for {sv.i} in range(1, {length}):"):
        cg.line(f"{sv.t_end} = {ts.read((sv.i,))}")
        cg.line(f"{sv.direction} = 1.0 if {sv.t_end} >= {sv.t} else -1.0")
        cg.line(f"{sv.steps} = 0")
        cg.line(f"while ({sv.t_end} - {sv.t}) * {sv.direction} > 0.0:")
        with cg.indented():
            _step(cg, sv, p, args)
        for y, out, atype in zip(sv.y, outs, types):
            with cg.loops(atype.shape) as idx:
                cg.assign(out.read((sv.i,) + idx), y.read(idx))
    return outs


def _first_step(cg, sv, ts, length, h0, hmax):
    span = f"abs({ts.read((str(length - 1),))} - {ts.read(('0',))})"
    cg.line(f"{sv.h} = {h0!r}" if h0 > 0 else f"{sv.h} = {dp.FIRST_STEP!r} * {span}")
    if hmax > 0:
        cg.line(f"{sv.h} = min({sv.h}, {hmax!r})")


def _step(cg, sv, p, args):
    cg.line(f"if {sv.steps} == {p['mxstep']}:")
    with cg.indented():
        cg.line(f"raise RuntimeError({dp.BUDGET_ERROR!r})")
    cg.line(f"{sv.steps} += 1")
    cg.line(f"{sv.last} = {sv.h} >= abs({sv.t_end} - {sv.t})")
    cg.line(f"{sv.step} = {sv.t_end} - {sv.t} if {sv.last} else {sv.h} * {sv.direction}")
    cg.line(f"for {sv.s} in range({dp.STAGES}):")
    with cg.indented():
        _stage(cg, sv, p["body"], args)
    _error(cg, sv, p["rtol"], p["atol"])
    cg.line(f"if {sv.err} <= 1.0:")
    with cg.indented():
        cg.line(f"{sv.t} = {sv.t_end} if {sv.last} else {sv.t} + {sv.step}")
        for y, stage, atype in zip(sv.y, sv.stage, sv.types):
            with cg.loops(atype.shape) as idx:
                cg.assign(y.read(idx), stage.read(idx))
    _next_step(cg, sv, p["hmax"])


def _stage(cg, sv, body, args):
    """Stage ``s``: its state, the right-hand side there, stored as its rate."""
    for y, stage, rates, atype in zip(sv.y, sv.stage, sv.rates, sv.types):
        with cg.loops(atype.shape) as idx:
            cg.line(f"{sv.acc} = 0.0")
            cg.line(f"for {sv.j} in range({sv.s}):")
            with cg.indented():
                cg.line(f"{sv.acc} += {sv.a}[{sv.s} * {dp.STAGES} + {sv.j}] * "
                        f"{rates.read((sv.j,) + idx)}")
            cg.assign(stage.read(idx), f"{y.read(idx)} + {sv.step} * {sv.acc}")
    cg.line(f"{sv.stage_t} = {sv.t} + {sv.c}[{sv.s}] * {sv.step}")
    env = [cg.bound(a) for a in sv.stage] + [cg.scalar(sv.stage_t)] + [cg.bound(a) for a in args]
    results = cg.emit_ir(body, dict(zip(body.inputs, env)))
    for rates, value, atype in zip(sv.rates, results, sv.types):
        with cg.loops(atype.shape) as idx:
            cg.assign(rates.read((sv.s,) + idx), value.read(idx))


def _error(cg, sv, rtol, atol):
    """The largest scaled error estimate over every state element (NaN kept)."""
    cg.line(f"{sv.err} = 0.0")
    for y, stage, rates, atype in zip(sv.y, sv.stage, sv.rates, sv.types):
        with cg.loops(atype.shape) as idx:
            terms = " + ".join(f"{w!r} * {rates.read((str(k),) + idx)}"
                               for k, w in enumerate(dp.ERROR_WEIGHTS))
            cg.line(f"{sv.ratio} = abs({sv.step} * (0.0 + {terms})) / ({atol!r} + {rtol!r} * "
                    f"max(abs({y.read(idx)}), abs({stage.read(idx)})))")
            cg.line(f"if {sv.ratio} > {sv.err} or {sv.ratio} != {sv.ratio}:")
            with cg.indented():
                cg.line(f"{sv.err} = {sv.ratio}")


def _next_step(cg, sv, hmax):
    """runtime/ode_solver.next_step."""
    cg.line(f"if {sv.err} > 0.0:")
    with cg.indented():
        cg.line(f"{sv.factor} = min({dp.MAX_FACTOR!r}, max({dp.MIN_FACTOR!r}, "
                f"{dp.SAFETY!r} * {sv.err} ** -0.2))")
    cg.line("else:")
    with cg.indented():
        cg.line(f"{sv.factor} = {dp.MAX_FACTOR!r} if {sv.err} == 0.0 else {dp.MIN_FACTOR!r}")
    cg.line(f"if not {sv.err} <= 1.0:")
    with cg.indented():
        cg.line(f"{sv.factor} = min({sv.factor}, 1.0)")
    cg.line(f"{sv.h} = abs({sv.step}) * {sv.factor}")
    if hmax > 0:
        cg.line(f"{sv.h} = min({sv.h}, {hmax!r})")


lowers(ode_p)(Custom(_ode))
