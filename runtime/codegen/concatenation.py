"""A concatenation of many operands, stored: each operand copied into its
slice of a new array.  Read by index arithmetic (its Folded lowering) it
would be one nested choice per operand, in every reader and for every
element: a ``np.stack`` of 500 scalars would nest 500 deep."""
from __future__ import annotations

from ..lowering import along, plus

# Concatenations of more operands than this are stored, not folded.
MAX_FOLDED_OPERANDS = 8


def stored_concatenation(cg, eqn, ins) -> list:
    """Copy each operand into its slice (loops over its axes longer than 1)."""
    out = cg.alloc_var(eqn.outs[0])
    axis, offset = eqn.params["axis"], 0
    for value, atom in zip(ins, eqn.inputs):
        shape = atom.type.shape
        with cg.loops(shape, [a for a, n in enumerate(shape) if n != 1]) as idx:
            idx = tuple("0" if i is None else i for i in idx)
            cg.assign(out.read(along(idx, axis, plus(idx[axis], offset))), value.read(idx))
        offset += shape[axis]
    return [out]
