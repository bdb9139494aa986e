"""autograd's tests/test_systematic.py restated for plain NumPy: reductions,
ufuncs, operators and array manipulations, each on many argument
combinations (real-valued cases only; numjac has no complex numbers)."""
import operator

import numpy as np
import pytest

from .harness import binary, binary_distinct, every_combination, normal, statistic, unary

R = normal

STATISTICS = {"max": np.max, "mean": np.mean, "min": np.min, "sum": np.sum, "prod": np.prod,
              "var": np.var, "std": np.std}

UNARY = {
    "sin": (np.sin, None), "abs": (np.abs, (0.1, 4.0)), "absolute": (np.absolute, (0.1, 4.0)),
    "arccosh": (np.arccosh, (1.1, 4.0)), "arcsinh": (np.arcsinh, (-0.9, 0.9)),
    "arctanh": (np.arctanh, (-0.9, 0.9)), "ceil": (np.ceil, (-1.5, 1.5)), "cos": (np.cos, None),
    "cosh": (np.cosh, None), "deg2rad": (np.deg2rad, None),
    "degrees": (lambda x: np.degrees(x) / 50.0, None), "exp": (np.exp, None),
    "exp2": (np.exp2, None), "expm1": (np.expm1, None), "fabs": (np.fabs, None),
    "floor": (np.floor, (-1.5, 1.5)), "log": (np.log, (0.2, 2.0)),
    "log10": (np.log10, (0.2, 2.0)), "log1p": (np.log1p, (0.2, 2.0)),
    "log2": (np.log2, (0.2, 2.0)), "rad2deg": (lambda x: np.rad2deg(x) / 50.0, None),
    "radians": (np.radians, None), "sign": (np.sign, None), "sinh": (np.sinh, None),
    "sqrt": (np.sqrt, (1.0, 3.0)), "square": (np.square, None), "tan": (np.tan, (-1.1, 1.1)),
    "tanh": (np.tanh, None), "real": (np.real, None), "real_if_close": (np.real_if_close, None),
    "imag": (np.imag, None), "conj": (np.conj, None), "conjugate": (np.conjugate, None),
    "angle": (np.angle, None),
}

BINARY = {
    "add": (binary, np.add, {}), "logaddexp": (binary, np.logaddexp, {}),
    "logaddexp2": (binary, np.logaddexp2, {}),
    "remainder": (binary_distinct, np.remainder,
                  {"limits_a": (-0.9, 0.9), "limits_b": (0.7, 1.9)}),
    "true_divide": (binary, np.true_divide, {"limits_b": (0.8, 1.2)}),
    "mod": (binary_distinct, np.mod, {"limits_b": (0.8, 2.1)}),
    "true_divide_neg": (binary, np.true_divide, {"limits_b": (-0.3, -2.0)}),
    "mod_neg": (binary_distinct, np.mod, {"limits_b": (-0.3, -2.0)}),
    "op_mul": (binary, operator.mul, {}), "op_add": (binary, operator.add, {}),
    "op_sub": (binary, operator.sub, {}),
    "op_mod": (binary_distinct, operator.mod, {"limits_b": (0.3, 2.0)}),
    "op_mod_neg": (binary_distinct, operator.mod, {"limits_b": (-0.3, -2.0)}),
}


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_statistic(name):
    statistic(STATISTICS[name])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    fn, limits = UNARY[name]
    unary(fn, *([limits] if limits else []))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name):
    check, fn, limits = BINARY[name]
    check(fn, **limits)


def _check(fn, argnums, *arg_lists, **kwarg_lists):
    return lambda: every_combination(fn, argnums)(*arg_lists, **kwarg_lists)


_PAIRS = [R(1), R(1, 4), R(3, 4)]
_SPLITS = {"vsplit": np.vsplit, "hsplit": np.hsplit}

MISC = {
    "transpose": _check(np.transpose, [0], [R(2, 3, 4)], axes=[
        None, [0, 1, 2], [0, 2, 1], [2, 0, 1], [2, 1, 0], [1, 0, 2], [1, 2, 0]]),
    "moveaxis": _check(np.moveaxis, [0], [R(2, 3, 4)], source=[0, 1, 2],
                       destination=[0, 1, 2]),
    "repeat": _check(np.repeat, [0], [R(2, 3, 4), R(3, 1)], repeats=[0, 1, 2],
                     axis=[None, 0, 1]),
    "diff": lambda: (_check(np.diff, [0], [R(5, 5), R(5, 5, 5)], n=[1, 2], axis=[0, 1])(),
                     _check(np.diff, [0], [R(1), R(1, 1)], axis=[0])(),
                     _check(np.diff, [0], [R(1, 1), R(3, 1)], axis=[1])()),
    "gradient": lambda: (_check(np.gradient, [0], [R(5, 5), R(5, 5, 5)],
                                axis=[None, 0, 1, -1])(),
                         _check(np.gradient, [0], [R(5, 5, 5)], axis=[(0, 1), (0, -1)])()),
    "tile": lambda: (_check(np.tile, [0], [R(2, 1, 3, 1)], reps=[(1, 4, 1, 2)])(),
                     _check(np.tile, [0], [R(1, 2)], reps=[(1, 2), (2, 3), (3, 2, 1)])(),
                     _check(np.tile, [0], [R(1)], reps=[(2,), 2])()),
    "kron": _check(np.kron, [0, 1], [R(5, 5), R(4, 4), R(5), R(5, 1), R(1, 5), R()],
                   [R(3, 3), R(2, 2), R(3), R(1, 3), R(3, 1), R()]),
    "inner": _check(np.inner, [0, 1], [1.5, R(3), R(2, 3)], [0.3, R(3), R(4, 3)]),
    "dot": _check(np.dot, [0, 1], [1.5, R(3), R(2, 3), R(2, 2, 3)],
                  [0.3, R(3), R(3, 4), R(2, 3, 4)]),
    "outer": _check(np.outer, [0, 1], [R(3)], [R(3)]),
    "matmul": _check(np.matmul, [0, 1], [R(3), R(2, 3), R(2, 2, 3)], [R(3), R(3, 4), R(2, 3, 4)]),
    "matmul_broadcast": _check(np.matmul, [0, 1], [R(1, 2, 2)], [R(3, 2, 1)]),
    "tensordot_1": _check(np.tensordot, [0, 1], [R(1, 3), R(2, 3, 2)],
                          [R(3), R(3, 1), R(3, 4, 2)], axes=[[(1,), (0,)]]),
    "tensordot_2": _check(np.tensordot, [0, 1], [R(3), R(3, 1), R(3, 4, 2)],
                          [R(1, 3), R(2, 3, 2)], axes=[[(0,), (1,)]]),
    "tensordot_3": _check(np.tensordot, [0, 1], [R(2, 3), R(2, 3, 4)],
                          [R(1, 2, 3), R(2, 2, 3, 4)], axes=[[(0, 1), (1, 2)], [(1, 0), (2, 1)]]),
    "tensordot_4": _check(np.tensordot, [0, 1], [R(2, 2), R(4, 2, 2)], [R(2, 2), R(2, 2, 4)],
                          axes=[1, 2]),
    "tensordot_5": _check(np.tensordot, [0, 1], [R(4)], [R()], axes=[0]),
    "tensordot_6": _check(np.tensordot, [0, 1], [R(2, 6)], [R(6, 3)], axes=[[[-1], [0]]]),
    "tensordot_7": _check(np.tensordot, [0, 1], [R(2, 6)], [R(6, 3)], axes=[[-1, 0]]),
    "tensordot_8": _check(np.tensordot, [0, 1], [R(2)], [R(2, 2)], axes=[[0, 1]]),
    "maximum": _check(np.maximum, [0, 1], _PAIRS, [R(1), R(1, 4), R(3, 4)]),
    "fmax": _check(np.fmax, [0, 1], _PAIRS, [R(1), R(1, 4), R(3, 4)]),
    "minimum": _check(np.minimum, [0, 1], _PAIRS, [R(1), R(1, 4), R(3, 4)]),
    "fmin": _check(np.fmin, [0, 1], _PAIRS, [R(1), R(1, 4), R(3, 4)]),
    "sort": _check(np.sort, [0], [R(1), R(7)]),
    "partition": _check(np.partition, [0], [R(7), R(14)], kth=[0, 3, 6]),
    "atleast_1d": _check(np.atleast_1d, [0], [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)]),
    "atleast_2d": _check(np.atleast_2d, [0], [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)]),
    "atleast_3d": _check(np.atleast_3d, [0], [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5),
                                              R(2, 4, 3, 5)]),
    "einsum_transpose": _check(np.einsum, [1], ["ij->ji"], [R(1, 1), R(4, 4), R(3, 4)]),
    "einsum_matmult": _check(np.einsum, [1, 2], ["ij,jk->ik"], [R(2, 3)], [R(3, 4)]),
    "einsum_matmult_broadcast": _check(np.einsum, [1, 2], ["...ij,...jk->...ik"],
                                       [R(2, 3), R(2, 2, 3)], [R(3, 4), R(2, 3, 4)]),
    "einsum_matmult_broadcast_leadzero": _check(np.einsum, [1, 2], ["...ij,...jk->...ik"],
                                                [R(0, 2, 3)], [R(0, 3, 4)]),
    "einsum_covsum": _check(np.einsum, [1, 2], ["ijk,lji->lki"], [R(3, 4, 4)], [R(4, 4, 3)]),
    "einsum_ellipses": _check(np.einsum, [1, 2], ["...jk,...lj->...lk", "...,...->..."],
                              [R(4, 4), R(3, 4, 4)], [R(4, 4), R(3, 4, 4)]),
    "einsum_ellipses_tail": _check(np.einsum, [1, 2], ["jk...,lj...->lk..."],
                                   [R(3, 2), R(3, 2, 4)], [R(2, 3), R(2, 3, 4)]),
    "einsum_ellipses_center": _check(np.einsum, [1, 2], ["j...k,lj...->lk..."],
                                     [R(2, 2), R(2, 2, 2)], [R(2, 2), R(2, 2, 2)]),
    "einsum_three_args": _check(np.einsum, [1, 2, 3], ["ijk,lji,lli->lki"], [R(3, 4, 4)],
                                [R(4, 4, 3)], [R(4, 4, 3)]),
    "einsum2_transpose": _check(np.einsum, [0], [R(1, 1), R(4, 4), R(3, 4)], [(0, 1)],
                                [(1, 0)]),
    "einsum2_matmult": _check(np.einsum, [0, 2], [R(2, 3)], [(0, 1)], [R(3, 4)], [(1, 2)],
                              [(0, 2)]),
    "einsum2_matmult_broadcast": _check(np.einsum, [0, 2], [R(2, 3), R(2, 2, 3)],
                                        [(Ellipsis, 0, 1)], [R(3, 4), R(2, 3, 4)],
                                        [(Ellipsis, 1, 2)], [(Ellipsis, 0, 2)]),
    "einsum2_covsum": _check(np.einsum, [0, 2], [R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)],
                             [(3, 1, 0)], [(3, 2, 0)]),
    "einsum2_three_args": _check(np.einsum, [0, 2], [R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)],
                                 [(3, 1, 0)], [R(4, 4, 3)], [(3, 3, 0)], [(3, 2, 0)]),
    "einsum_naked_sum": _check(np.einsum, [1, 2], ["k,nk->"], [R(5)], [R(10, 5)]),
    "einsum_naked_sum2": _check(np.einsum, [1], ["abcd->bd"], [R(3, 2, 3, 2)]),
    "einsum_naked_sum_ellipsis": _check(np.einsum, [1, 2], ["...k,...nk->..."], [R(3, 5)],
                                        [R(3, 10, 5)]),
    "einsum_no_output_indices": _check(np.einsum, [1, 2], ["ij,k"], [R(3, 4)], [R(3)]),
    "trace": _check(np.trace, [0], [R(5, 5), R(4, 5), R(5, 4), R(3, 4, 5)], offset=[-1, 0, 1]),
    "diag": _check(np.diag, [0], [R(5, 5)], k=[-1, 0, 1]),
    "diag_flat": _check(np.diag, [0], [R(5)], k=[-1, 0, 1]),
    "tril": _check(np.tril, [0], [R(5, 5)], k=[-1, 0, 1]),
    "triu": _check(np.triu, [0], [R(5, 5)], k=[-1, 0, 1]),
    "tril_3d": _check(np.tril, [0], [R(5, 5, 4)], k=[-1, 0, 1]),
    "triu_3d": _check(np.triu, [0], [R(5, 5, 4)], k=[-1, 0, 1]),
    "swapaxes": _check(np.swapaxes, [0], [R(3, 4, 5)], axis1=[0, 1, 2], axis2=[0, 1, 2]),
    "rollaxis": _check(np.rollaxis, [0], [R(2, 3, 4)], axis=[0, 1, 2], start=[0, 1, 2]),
    "cross": _check(np.cross, [0, 1], [R(3, 3)], [R(3, 3)], axisa=[-1, 0, 1],
                    axisb=[-1, 0, 1], axisc=[-1, 0, 1], axis=[None, -1, 0, 1]),
    "vsplit_2d": _check(np.vsplit, [0], [R(4, 8)], [4, [1, 2]]),
    "vsplit_3d": _check(np.vsplit, [0], [R(4, 4, 4)], [2, [1, 2]]),
    "hsplit_2d": _check(np.hsplit, [0], [R(4, 8)], [4, [1, 2]]),
    "hsplit_3d": _check(np.hsplit, [0], [R(4, 4, 4)], [2, [1, 2]]),
    "dsplit_3d": _check(np.dsplit, [0], [R(4, 4, 4)], [2, [1, 2]]),
    "split_1d": _check(np.split, [0], [R(1), R(7)], [1], axis=[0]),
    "split_2d": _check(np.split, [0], [R(4, 8)], [4, [1, 2]], axis=[0, 1]),
    "split_3d": _check(np.split, [0], [R(4, 4, 4)], [2, [1, 2]], axis=[0, 1, 2]),
    "array_split_1d": _check(np.array_split, [0], [R(1), R(7)], [1, 3], axis=[0]),
    "array_split_2d": _check(np.array_split, [0], [R(7, 7)], [4, [3, 5]], axis=[0, 1]),
    "array_split_3d": _check(np.array_split, [0], [R(7, 7, 7)], [4, [3, 5]], axis=[0, 1, 2]),
    "concatenate_list": _check(np.concatenate, [0], [(R(1), R(3))], axis=[0]),
    "concatenate_tuple": _check(np.concatenate, [0], [[R(1), R(3)]], axis=[0]),
    "concatenate_2d": _check(np.concatenate, [0], [(R(2, 2), R(2, 2))], axis=[0, 1]),
    "concatenate_3d": _check(np.concatenate, [0], [(R(2, 2, 2), R(2, 2, 2))], axis=[0, 1, 2]),
    "vstack_1d": _check(np.vstack, [0], [R(2), (R(2), R(2))]),
    "vstack_2d": _check(np.vstack, [0], [R(2, 3), (R(2, 4), R(1, 4))]),
    "vstack_3d": _check(np.vstack, [0], [R(2, 3, 4), (R(2, 3, 4), R(5, 3, 4))]),
    "hstack_1d": _check(np.hstack, [0], [R(2), (R(2), R(2))]),
    "hstack_2d": _check(np.hstack, [0], [R(3, 2), (R(3, 4), R(3, 5))]),
    "hstack_3d": _check(np.hstack, [0], [R(2, 3, 4), (R(2, 1, 4), R(2, 5, 4))]),
    "stack_1d": _check(np.stack, [0], [(R(2),), (R(2), R(2))], axis=[0, 1]),
    "row_stack_1d": _check(np.vstack, [0], [R(2), (R(2), R(2))]),
    "row_stack_2d": _check(np.vstack, [0], [R(2, 3), (R(2, 4), R(1, 4))]),
    "column_stack_1d": _check(np.column_stack, [0], [R(2), (R(2), R(2))]),
    "column_stack_2d": _check(np.column_stack, [0], [R(2, 2), (R(2, 2), R(2, 2))]),
    "select": _check(np.select, [1], [[R(3, 4, 5) > 0, R(3, 4, 5) > 0, R(3, 4, 5) > 0]],
                     [[R(3, 4, 5), R(3, 4, 5), R(3, 4, 5)]], default=[0.0, 1.1]),
    "pad": _check(np.pad, [0], [R(2, 2)], [0, 3, (3,), (3, 2), ((3, 2),), ((1, 2), (3, 4)),
                                           ((0, 0), (0, 0))], ["constant"]),
}


XFAIL: dict = {}


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=XFAIL[name], strict=True))
    if name in XFAIL else name for name in MISC])
def test_misc(name):
    MISC[name]()
