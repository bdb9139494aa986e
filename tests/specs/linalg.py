"""OP_SPECS rows for products: dot, matmul (@), vdot, inner, outer,
tensordot and einsum."""
import numpy as np

from tests.op_specs import OpSpec


def _einsum(subscripts, **options):
    def fn(*operands):
        return np.einsum(subscripts, *operands, **options)
    return fn


def _tensordot(axes):
    def fn(a, b):
        return np.tensordot(a, b, axes=axes)
    return fn


def _matmul_operator(a, b):
    return a @ b


def _dot_method(a, b):
    return a.dot(b)


def _constant_times(x):
    # An ndarray on the left: ndarray.__matmul__ defers to the traced operand.
    return np.arange(6.0).reshape(2, 3) @ x


def _dot_int_constant(x):
    return np.dot(x, np.arange(3))


def _einsum_sublists(a, b):
    return np.einsum(a, [0, 1], b, [1, 2], [0, 2])


def _einsum_sublists_implicit(a, b):
    return np.einsum(a, [Ellipsis, 1], b, [1, 2])


_DOT_SHAPES = {
    "vec-vec": ((3,), (3,)), "mat-vec": ((2, 3), (3,)), "vec-mat": ((3,), (3, 4)),
    "mat-mat": ((2, 3), (3, 4)), "scalar-mat": ((), (3, 4)), "mat-scalar": ((2, 3), ()),
    "scalar-scalar": ((), ()), "nd-nd": ((2, 3, 4), (5, 4, 2)), "nd-vec": ((2, 3, 4), (4,)),
    "vec-nd": ((3,), (2, 3, 4)), "nd-mat": ((2, 3, 4), (4, 5)),
}

_MATMUL_SHAPES = {
    "vec-vec": ((3,), (3,)), "vec-mat": ((3,), (3, 4)), "mat-vec": ((2, 3), (3,)),
    "mat-mat": ((2, 3), (3, 4)), "batch-mat": ((5, 2, 3), (3, 4)),
    "mat-batch": ((2, 3), (5, 3, 4)), "vec-batch": ((3,), (5, 3, 4)),
    "batch-vec": ((5, 2, 3), (3,)), "batch-batch": ((5, 2, 3), (5, 3, 4)),
    "broadcast": ((2, 1, 3, 4), (5, 4, 2)), "broadcast-unit": ((1, 3, 4), (5, 4, 2)),
    "broadcast-both": ((2, 1, 3, 4), (1, 6, 4, 2)),
}

_TENSORDOT = {
    "default": (2, ((2, 3, 4), (3, 4, 5))), "axes1": (1, ((2, 3), (3, 4))),
    "axes0": (0, ((2,), (3,))), "pairs": (([0, 2], [2, 0]), ((2, 3, 4), (4, 5, 2))),
    "int-pair": ((1, 0), ((2, 3), (3, 4))), "negative": (([-1], [0]), ((2, 3), (3, 4))),
    "axes3": (3, ((2, 3, 4), (2, 3, 4))),
}

_EINSUM = {
    "matmul": ("ij,jk->ik", ((2, 3), (3, 4))),
    "implicit-matmul": ("ij,jk", ((2, 3), (3, 4))),
    "batched": ("bij,bjk->bik", ((2, 3, 4), (2, 4, 5))),
    "trace": ("ii", ((3, 3),)),
    "diagonal": ("ii->i", ((3, 3),)),
    "diagonal-sum": ("iij->j", ((3, 3, 2),)),
    "outer": ("i,j->ij", ((2,), (3,))),
    "transpose": ("ij->ji", ((2, 3),)),
    "implicit-transpose": ("ji", ((2, 3),)),
    "ellipsis-matmul": ("...ij,...jk->...ik", ((2, 1, 3, 4), (5, 4, 2))),
    "ellipsis-dot": ("...i,...i->...", ((4, 3), (3,))),
    "chain": ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 5))),
    "three-way": ("ijk,jl,lk->i", ((2, 3, 4), (3, 5), (5, 4))),
    "outer3": ("i,j,k", ((2,), (3,), (4,))),
    "sum": ("ij->", ((2, 3),)),
    "row-sums": ("ij->i", ((2, 3),)),
    "inner": ("i,i", ((3,), (3,))),
    "broadcast-unit": ("ij,ij->ij", ((2, 3), (1, 3))),
    "upper-first": ("ij,jA", ((2, 3), (3, 5))),
    "scalar": ("i,->i", ((3,), ())),
}

SPECS = (
    [OpSpec(f"dot-{k}", np.dot, shapes) for k, shapes in _DOT_SHAPES.items()]
    + [OpSpec(f"matmul-{k}", np.matmul, shapes) for k, shapes in _MATMUL_SHAPES.items()]
    + [OpSpec(f"tensordot-{k}", _tensordot(axes), shapes)
       for k, (axes, shapes) in _TENSORDOT.items()]
    + [OpSpec(f"einsum-{k}", _einsum(s), shapes) for k, (s, shapes) in _EINSUM.items()]
    + [OpSpec("dot-method", _dot_method, ((2, 3), (3,))),
       OpSpec("matmul-operator", _matmul_operator, ((5, 2, 3), (3, 4))),
       OpSpec("matmul-ndarray-left", _constant_times, ((3, 4),)),
       OpSpec("dot-int-constant", _dot_int_constant, ((2, 3),)),
       OpSpec("vdot", np.vdot, ((2, 3), (3, 2))),
       OpSpec("vdot-vec", np.vdot, ((4,), (4,))),
       OpSpec("inner", np.inner, ((2, 3), (4, 3))),
       OpSpec("inner-vec", np.inner, ((3,), (3,))),
       OpSpec("inner-scalar", np.inner, ((), (2, 3))),
       OpSpec("outer", np.outer, ((3,), (4,))),
       OpSpec("outer-flattens", np.outer, ((2, 2), (3,))),
       OpSpec("einsum-sublists", _einsum_sublists, ((2, 3), (3, 4))),
       OpSpec("einsum-sublists-implicit", _einsum_sublists_implicit, ((2, 3), (3, 4))),
       OpSpec("einsum-optimal", _einsum("ij,jk,kl->il", optimize="optimal"),
              ((2, 3), (3, 4), (4, 5))),
       OpSpec("einsum-optimize-true", _einsum("ij,jk,kl", optimize=True),
              ((4, 3), (3, 2), (2, 5))),
       # float32 rows: positive entries, so no cancellation blurs the rtol
       OpSpec("dot-f32", np.dot, ((2, 3), (3, 4)), domain="positive",
              dtypes=(np.float32, np.float32)),
       OpSpec("matmul-f32-broadcast", np.matmul, ((2, 1, 3, 4), (5, 4, 2)),
              domain="positive", dtypes=(np.float32, np.float32)),
       OpSpec("einsum-f32-chain", _einsum("ij,jk,kl->il"), ((2, 3), (3, 4), (4, 5)),
              domain="positive", dtypes=(np.float32,) * 3),
       OpSpec("tensordot-f32", _tensordot(1), ((2, 3), (3, 4)), domain="positive",
              dtypes=(np.float32, np.float32)),
       OpSpec("dot-mixed-f32-f64", np.dot, ((2, 3), (3,)), dtypes=(np.float32, np.float64)),
       # integer rows keep NumPy's integer result dtype
       OpSpec("dot-int", np.dot, ((3, 4), (4,)), dtypes=(np.int64, np.int64),
              differentiable=False),
       OpSpec("matmul-int32-batch", np.matmul, ((2, 3, 4), (4, 2)),
              dtypes=(np.int32, np.int32), differentiable=False),
       OpSpec("einsum-int-trace", _einsum("ii"), ((3, 3),), dtypes=(np.int32,),
              differentiable=False),
       OpSpec("einsum-int-mixed", _einsum("ij,j->i"), ((2, 3), (3,)),
              dtypes=(np.int32, np.int64), differentiable=False),
       OpSpec("tensordot-int", _tensordot(1), ((2, 3), (3,)), dtypes=(np.int64, np.int32),
              differentiable=False),
       OpSpec("outer-int-float", np.outer, ((3,), (2,)), dtypes=(np.int32, np.float32),
              differentiable=False)]
)
