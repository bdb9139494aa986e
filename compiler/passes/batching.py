"""The batching pass (vmap) and its chunked form.

``batch_ir(ir, in_batched, size)`` rewrites ``ir`` so that the inputs
marked in ``in_batched`` carry a batch axis of length ``size`` in front.
Every equation with a batched operand is replaced by what its batching rule
emits; the others are copied unchanged, so values that do not vary along
the batch stay unbatched and no work is repeated.  Random draws are the
exception: under ``randomness='different'`` a draw varies along the batch
even with no batched operand, and under 'error' it is an error
(``RandomnessError``, a RuntimeError as in torch.func).

``chunked_batch(ir, in_batched, size, chunk_size)`` computes the same with
a ``chunk_map`` loop that evaluates the batched equations ``chunk_size``
examples at a time.  Equations that do not vary along the batch are hoisted
out of the loop; with ``chunk_size=1`` the loop body is the original IR on
one example (reshaped), so no batching rule is needed.

The ``randomness`` default here is 'same' (a draw outside the batched part,
such as the primal of a Jacobian, is shared); vmap passes its own.
"""
from __future__ import annotations

from ..builder import Builder, current, inline
from ..ir import IR, AType, Lit, Var
from ..primitives.control import START, chunk_map
from ..primitives.indexing import check_index, check_index_p
from ..primitives.random import RandomnessError, eqn_draws
from ..primitives.structural import add_batch_axis, reshape
from ..rules import BatchContext, batch_rules, batching
from .simplify import simplify

RANDOMNESS = ("error", "different", "same")


def with_batch(atype: AType, size: int) -> AType:
    return atype.with_shape((size,) + atype.shape)


def batch_ir(ir: IR, in_batched, size: int, *, randomness="same"):
    """``(batched IR, out_batched)``; batched outputs carry the batch at axis 0."""
    return _build(ir, in_batched, size, lambda ins: batch_into(
        ir, ins, in_batched, BatchContext(randomness, size, size)))


def batch_ir_all(ir: IR, in_batched, size: int, *, randomness="same") -> IR:
    """``batch_ir`` with every output batched (unbatched ones broadcast)."""
    return all_batched(*batch_ir(ir, in_batched, size, randomness=randomness), size)


def chunked_batch(ir: IR, in_batched, size: int, chunk_size, *, randomness="same"):
    """``batch_ir``'s result computed ``chunk_size`` examples at a time
    (no loop when chunk_size is None or covers the batch)."""
    if chunk_size is None or chunk_size >= size:
        return batch_ir(ir, in_batched, size, randomness=randomness)
    varying = _varying(ir, in_batched, randomness)
    return _build(ir, in_batched, size, lambda ins: _chunked_into(
        ir, ins, varying, size, chunk_size, randomness))


def chunked_batch_ir(ir: IR, in_batched, size: int, chunk_size, *, randomness="same") -> IR:
    """``chunked_batch`` with every output batched at axis 0."""
    batched = chunked_batch(ir, in_batched, size, chunk_size, randomness=randomness)
    return all_batched(*batched, size)


def all_batched(ir: IR, out_batched, size: int) -> IR:
    if all(out_batched):
        return ir
    builder = Builder()
    with builder:
        ins = [builder.new_input(v.type) for v in ir.inputs]
        outs = inline(ir, ins)
        return builder.build([o if b else add_batch_axis(o, size)
                              for o, b in zip(outs, out_batched)])


def _build(ir, in_batched, size, emit):
    if len(in_batched) != len(ir.inputs):
        raise ValueError(f"in_batched has {len(in_batched)} entries for {len(ir.inputs)} inputs")
    builder = Builder()
    with builder:
        ins = [builder.new_input(with_batch(v.type, size) if b else v.type)
               for v, b in zip(ir.inputs, in_batched)]
        outs, out_batched = emit(ins)
        return simplify(builder.build(outs)), out_batched


# -- the core: batch the equations of an IR into the active builder -----------

def batch_into(ir: IR, atoms, batched, context: BatchContext):
    """Emit ``ir`` batched into the active builder, its inputs bound to
    ``atoms`` (batched where ``batched``); returns (outputs, out_batched)."""
    env = dict(zip(ir.inputs, zip(atoms, batched)))

    def read(atom):
        return (atom, False) if isinstance(atom, Lit) else env[atom]

    with batching(context):
        for eqn in ir.eqns:
            args, flags = zip(*(read(a) for a in eqn.inputs)) if eqn.inputs else ((), ())
            outs, out_flags = _batch_eqn(eqn, list(args), list(flags), context.randomness)
            env.update(zip(eqn.outs, zip(outs, out_flags)))
    results = [read(a) for a in ir.outputs]
    return [a for a, _ in results], [b for _, b in results]


def _batch_eqn(eqn, args, flags, randomness):
    draws = _check_draws(eqn, randomness)
    if not any(flags) and not draws:
        outs = current().add_eqn(eqn.prim, args, eqn.params, [v.type for v in eqn.outs])
        return list(outs), [False] * len(outs)
    rule = batch_rules.get(eqn.prim)
    if rule is None:
        raise NotImplementedError(f"{eqn.prim} has no batching rule, so it cannot be "
                                  "vmapped (chunk_size=1 needs none)")
    out, out_flags = rule(args, flags, **eqn.params)
    if not eqn.prim.multiple_results:
        return [out], [out_flags]
    if isinstance(out_flags, bool):
        out_flags = [out_flags] * len(out)
    return list(out), list(out_flags)


def _check_draws(eqn, randomness) -> bool:
    """Whether ``eqn`` must be batched for its random draws."""
    if randomness == "same" or not eqn_draws(eqn):
        return False
    if randomness == "error":
        raise RandomnessError(
            "randomness='error' (the default of vmap and jacfwd), but the function draws "
            "random numbers (nj.random); pass randomness='same' for one draw shared by "
            "the whole batch or 'different' for independent draws per example")
    return True


# -- chunking ------------------------------------------------------------------

def _varying(ir, in_batched, randomness) -> set:
    """The vars of ``ir`` that vary along the batch."""
    varying = {v for v, b in zip(ir.inputs, in_batched) if b}
    for eqn in ir.eqns:
        draws = _check_draws(eqn, randomness)
        if draws or any(isinstance(a, Var) and a in varying for a in eqn.inputs):
            varying.update(eqn.outs)
    return varying


def _chunked_into(ir, ins, varying, size, chunk, randomness):
    """Hoist the equations that do not vary; loop over the others."""
    env = dict(zip(ir.inputs, ins))

    def read(atom):
        return atom if isinstance(atom, Lit) else env[atom]

    loop_eqns = []
    for eqn in ir.eqns:
        if eqn.prim is check_index_p and eqn.inputs[0] in env:
            # Checked once over the whole batch, before the loop: also an
            # index that no output reads (no loop may be left to check it).
            env[eqn.outs[0]] = check_index(read(eqn.inputs[0]), **eqn.params)
        elif any(v in varying for v in eqn.outs):
            loop_eqns.append(eqn)
        else:
            outs = current().add_eqn(eqn.prim, [read(a) for a in eqn.inputs], eqn.params,
                                     [v.type for v in eqn.outs])
            env.update(zip(eqn.outs, outs))
    loop_outs = [a for a in ir.outputs if isinstance(a, Var) and a in varying]
    if loop_outs:
        loop = IR(_free_vars(loop_eqns, loop_outs), loop_eqns, loop_outs)
        sliced = [v in varying for v in loop.inputs]
        tail = size % chunk
        results = chunk_map(
            [env[v] for v in loop.inputs], chunk=chunk, size=size, sliced=sliced,
            body=_chunk_body(loop, sliced, chunk, size, randomness),
            tail=_chunk_body(loop, sliced, tail, size, randomness) if tail else None)
        env.update(zip(loop_outs, results))
    return [read(a) for a in ir.outputs], [a in varying for a in ir.outputs]


def _free_vars(eqns, outputs) -> list:
    """Vars the equations read (or return) without defining, in first-use order."""
    defined, free = set(), {}
    for eqn in eqns:
        for a in eqn.inputs:
            if isinstance(a, Var) and a not in defined:
                free.setdefault(a, None)
        defined.update(eqn.outs)
    for a in outputs:
        if a not in defined:
            free.setdefault(a, None)
    return list(free)


def _chunk_body(loop: IR, sliced, rows: int, total: int, randomness) -> IR:
    """(start, pieces...) -> the loop's outputs for ``rows`` examples."""
    builder = Builder()
    start = builder.new_input(START)
    ins = [builder.new_input(with_batch(v.type, rows) if s else v.type)
           for v, s in zip(loop.inputs, sliced)]
    squeeze = rows == 1
    context = BatchContext(randomness, rows, total, start, squeeze)
    with builder:
        if squeeze:   # one example: run the loop's IR itself
            pieces = [reshape(x, x.type.shape[1:]) if s else x for x, s in zip(ins, sliced)]
            outs, _ = batch_into(loop, pieces, [False] * len(pieces), context)
            outs = [reshape(o, (1,) + o.type.shape) for o in outs]
        else:
            outs, flags = batch_into(loop, ins, sliced, context)
            outs = [o if b else add_batch_axis(o, rows) for o, b in zip(outs, flags)]
        return simplify(builder.build(outs))
