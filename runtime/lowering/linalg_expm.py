"""Lowerings of compiler/primitives/linalg_expm.py: the matrix exponential
by scaling and squaring with the degree-13 Pade approximant (Higham, "The
scaling and squaring method for the matrix exponential revisited", 2005),
per matrix of the stack, in float64; ``expm_frechet`` as the upper right
block of the exponential of ``[[A, E], [0, A]]``.  (The interpreter calls
SciPy, which picks lower degrees for small norms: both agree to rounding.)
"""
from __future__ import annotations

from ...compiler.primitives.linalg_expm import expm_frechet_p, expm_p
from .expressions import F64, cast_expr
from .kinds import Custom, lowers
from .linalg_decompositions import float64_copy, loop, matrix_at, store_matrix

# Higham's Pade coefficients b_0..b_13 and the norm up to which degree 13
# needs no scaling.
PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
          1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
          33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
THETA13 = 5.371920351148152


def _combination(terms):
    return " + ".join(f"{PADE13[k]!r} * {name}" for k, name in terms)


def emit_expm(cg, matrix, n) -> str:
    """Lines computing expm of the float64 C-contiguous ``matrix`` (n x n);
    returns the name of the result."""
    name = cg.fresh("e")
    norm, squarings = f"{name}_norm", f"{name}_s"
    x, x2, x4, x6 = (f"{name}_x{k}" for k in ("", 2, 4, 6))
    u, v, eye = f"{name}_u", f"{name}_v", f"{name}_eye"
    cg.line(f"{norm} = np.abs({matrix}).sum(axis=0).max() if {n} else 0.0")
    cg.assign(squarings, f"int(math.ceil(math.log2({norm} / {THETA13!r}))) "
                         f"if {norm} > {THETA13!r} else 0")
    cg.line(f"{x} = {matrix} * (0.5 ** {squarings})")
    cg.line(f"{x2} = np.dot({x}, {x})")
    cg.line(f"{x4} = np.dot({x2}, {x2})")
    cg.line(f"{x6} = np.dot({x4}, {x2})")
    cg.line(f"{eye} = np.eye({n})")
    inner_u = _combination([(13, x6), (11, x4), (9, x2)])
    outer_u = _combination([(7, x6), (5, x4), (3, x2), (1, eye)])
    cg.assign(u, f"np.dot({x}, np.dot({x6}, {inner_u}) + {outer_u})")
    inner_v = _combination([(12, x6), (10, x4), (8, x2)])
    outer_v = _combination([(6, x6), (4, x4), (2, x2), (0, eye)])
    cg.assign(v, f"np.dot({x6}, {inner_v}) + {outer_v}")
    # solve returns a Fortran-ordered array; the squarings need one type
    cg.line(f"{name} = np.ascontiguousarray(np.linalg.solve({v} - {u}, {v} + {u}))")
    with loop(cg, cg.fresh("q"), squarings):
        cg.line(f"{name} = np.dot({name}, {name})")
    return name


def _expm(cg, eqn, ins):
    atype = eqn.inputs[0].type
    wide = float64_copy(cg, ins[0], atype)
    out = cg.alloc_var(eqn.outs[0])
    with cg.loops(atype.shape[:-2]) as batch_idx:
        result = emit_expm(cg, matrix_at(wide.name, batch_idx), atype.shape[-1])
        store_matrix(cg, out, eqn.outs[0], result, batch_idx)
    return [out]


def _expm_frechet(cg, eqn, ins):
    a, e = ins
    atype = eqn.inputs[0].type
    n = atype.shape[-1]
    out = cg.alloc_var(eqn.outs[0])
    block = cg.alloc(atype.with_dtype(F64).with_shape((2 * n, 2 * n)), cg.fresh("block"),
                     fill=0.0).name
    with cg.loops(atype.shape[:-2]) as batch_idx:
        with loop(cg, cg.fresh("r"), n) as i:
            with loop(cg, cg.fresh("c"), n) as j:
                entry = batch_idx + (i, j)
                a_ij = cast_expr(a.read(entry), F64, atype.dtype)
                cg.line(f"{block}[{i}, {j}] = {a_ij}")
                cg.line(f"{block}[{i} + {n}, {j} + {n}] = {a_ij}")
                cg.line(f"{block}[{i}, {j} + {n}] = {cast_expr(e.read(entry), F64, atype.dtype)}")
        result = emit_expm(cg, block, 2 * n)
        store_matrix(cg, out, eqn.outs[0], f"{result}[:{n}, {n}:]", batch_idx)
    return [out]


lowers(expm_p)(Custom(_expm))
lowers(expm_frechet_p)(Custom(_expm_frechet))
