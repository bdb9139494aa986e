"""OP_SPECS rows for reductions, scans and their relatives: sum, prod, mean,
var, std, max/amax, min/amin, argmax, argmin, cumsum, cumprod, any, all,
clip, where, the *_like constructors and linalg.norm."""
from dataclasses import dataclass

import numpy as np

from tests.op_specs import OpSpec


@dataclass(frozen=True)
class FixedArgsSpec(OpSpec):
    """A row whose arguments are given values (ties, zeros, NaNs) instead of
    random draws; every seed gets the same arguments."""

    values: tuple = ()

    def make_args(self, seed: int = 0):
        dtypes = self.dtypes or (np.float64,) * len(self.values)
        return [np.array(v, dtype=d) for v, d in zip(self.values, dtypes)]


def fixed(name, fn, *values, **options):
    shapes = tuple(np.shape(v) for v in values)
    return FixedArgsSpec(name, fn, shapes, values=values, **options)


def call(fn, *args, **kwargs):
    """``x -> fn(x, *args, **kwargs)``, named for test ids and tracebacks."""
    def bound(x):
        return fn(x, *args, **kwargs)
    bound.__name__ = f"{fn.__name__}_bound"
    return bound


# Axis variants for (2, 3, 4) inputs: None, int, negative, tuple, keepdims.
_AXES = {
    "": {}, "-axis0": {"axis": 0}, "-axis-1": {"axis": -1}, "-axes02": {"axis": (0, 2)},
    "-axes-1-0": {"axis": (-1, 0)}, "-axis1-keepdims": {"axis": 1, "keepdims": True},
    "-keepdims": {"keepdims": True}, "-axes12-keepdims": {"axis": (1, 2), "keepdims": True},
}
_FLOAT_REDUCTIONS = [np.sum, np.prod, np.mean, np.var, np.std, np.max, np.min]
_BOOL_REDUCTIONS = [np.any, np.all]

_AXIS_ROWS = (
    [OpSpec(f"{f.__name__}{suffix}", call(f, **kw), ((2, 3, 4),))
     for f in _FLOAT_REDUCTIONS for suffix, kw in _AXES.items()]
    + [OpSpec(f"{f.__name__}{suffix}", call(f, **kw), ((2, 3, 4),), dtypes=(np.bool_,),
              differentiable=False)
       for f in _BOOL_REDUCTIONS for suffix, kw in _AXES.items()]
)


def _twice(x):
    """Two equal copies of ``x`` stacked in front: every max or min is a tie
    that perturbations keep, so finite differences stay valid at any order."""
    return x * np.ones((2,) + (1,) * np.ndim(x))


def _max_of_ties(x):
    return np.max(_twice(x), axis=0)


def _min_of_ties(x):
    return np.min(_twice(x))


def _amax_keepdims(x):
    return np.amax(x, axis=1, keepdims=True)


def _amin_method(x):
    return np.amin(x, 0) + x.min(axis=1).sum()


def _sum_methods(x):
    return x.sum(axis=0) * x.mean() - x.std(ddof=1) + x.var()


def _ufunc_reduces(x):
    return np.add.reduce(x, axis=0) + np.maximum.reduce(x) * np.multiply.reduce(x, axis=0)


def _any_of_comparison(x):
    return np.any(x > 0.5, axis=1)


def _all_of_floats(x):
    return np.all(x, axis=0)


_DTYPE_ROWS = [
    OpSpec("sum-int32", np.sum, ((3, 4),), dtypes=(np.int32,), differentiable=False),
    OpSpec("sum-int32-axis0", call(np.sum, axis=0), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("sum-uint8", call(np.sum, axis=-1), ((3, 4),), dtypes=(np.uint8,),
           differentiable=False),
    OpSpec("sum-bool", call(np.sum, axis=1), ((3, 4),), dtypes=(np.bool_,),
           differentiable=False),
    OpSpec("sum-int-dtype-f64", call(np.sum, dtype=np.float64), ((3, 4),), dtypes=(np.int64,),
           differentiable=False),
    OpSpec("sum-f32", call(np.sum, axis=0), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("sum-f32-dtype-f64", call(np.sum, dtype=np.float64), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("prod-int32", call(np.prod, axis=1), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("prod-f32", np.prod, ((3, 4),), dtypes=(np.float32,)),
    OpSpec("mean-int", call(np.mean, axis=0), ((3, 4),), dtypes=(np.int64,),
           differentiable=False),
    OpSpec("mean-bool", np.mean, ((3, 4),), dtypes=(np.bool_,), differentiable=False),
    OpSpec("mean-f32", call(np.mean, axis=-1), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("mean-dtype-f32", call(np.mean, dtype=np.float32), ((3, 4),),
           dtypes=(np.float64,)),
    OpSpec("var-int32", call(np.var, axis=1), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("var-f32", call(np.var, axis=0), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("std-int", np.std, ((3, 4),), dtypes=(np.int64,), differentiable=False),
    OpSpec("std-f32-ddof1", call(np.std, ddof=1), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("var-ddof1-axis0", call(np.var, axis=0, ddof=1), ((3, 4),)),
    OpSpec("var-correction1", call(np.var, axis=-1, correction=1), ((3, 4),)),
    OpSpec("std-ddof2-keepdims", call(np.std, axis=1, ddof=2, keepdims=True), ((3, 4),)),
    OpSpec("max-int32", call(np.max, axis=0), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("min-uint8", np.min, ((3, 4),), dtypes=(np.uint8,), differentiable=False),
    OpSpec("max-f32", call(np.max, axis=-1), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("min-bool", call(np.min, axis=1), ((3, 4),), dtypes=(np.bool_,),
           differentiable=False),
    OpSpec("amax-keepdims", _amax_keepdims, ((3, 4),)),
    OpSpec("amin-and-min-method", _amin_method, ((3, 4),)),
    OpSpec("array-methods", _sum_methods, ((3, 4),)),
    OpSpec("ufunc-reduce", _ufunc_reduces, ((3, 4),)),
    OpSpec("any-int", call(np.any, axis=0), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("all-int-keepdims", call(np.all, keepdims=True), ((3, 4),), dtypes=(np.int64,),
           differentiable=False),
    OpSpec("any-of-comparison", _any_of_comparison, ((3, 4),), differentiable=False),
    OpSpec("all-float", _all_of_floats, ((3, 4),), differentiable=False),
    OpSpec("any-empty-axis0", call(np.any, axis=0), ((0, 3),), dtypes=(np.bool_,),
           differentiable=False),
    OpSpec("all-empty", np.all, ((0, 3),), dtypes=(np.bool_,), differentiable=False),
]

_TIE_ROWS = [
    OpSpec("max-ties", _max_of_ties, ((3, 4),)),
    OpSpec("min-ties", _min_of_ties, ((3, 4),)),
    fixed("max-ties-values", call(np.max, axis=1), [[3.0, 1.0, 3.0, -2.0], [0.5, 0.5, 0.5, 0.5]],
          differentiable=False),
    fixed("min-ties-values", np.min, [[-1.0, 2.0], [4.0, -1.0]], differentiable=False),
    fixed("max-nan", call(np.max, axis=0), [[1.0, np.nan], [np.nan, 2.0], [0.0, 3.0]],
          differentiable=False),
]

_ARG_ROWS = [
    OpSpec(f"{f.__name__}{suffix}", call(f, **kw), ((3, 4),), differentiable=False)
    for f in (np.argmax, np.argmin)
    for suffix, kw in {"": {}, "-axis0": {"axis": 0}, "-axis-1": {"axis": -1},
                       "-axis1-keepdims": {"axis": 1, "keepdims": True},
                       "-keepdims": {"keepdims": True}}.items()
] + [
    OpSpec("argmax-int32", call(np.argmax, axis=1), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("argmin-3d-axis1", call(np.argmin, axis=1), ((2, 3, 4),), differentiable=False),
    fixed("argmax-ties", call(np.argmax, axis=1), [[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]],
          differentiable=False),
    fixed("argmin-ties", np.argmin, [[5.0, -1.0, -1.0], [-1.0, 0.0, 7.0]],
          differentiable=False),
    fixed("argmax-nan", call(np.argmax, axis=1), [[1.0, np.nan, np.nan], [np.inf, 2.0, np.nan]],
          differentiable=False),
    fixed("argmin-nan", np.argmin, [3.0, -1.0, np.nan, np.nan, -5.0], differentiable=False),
]

def _scan_methods(x):
    return x.cumsum(axis=0) + x.cumprod(axis=1)


# One zero and two zeros: the derivative of a product at a zero.
_ONE_ZERO = [1.5, 0.0, -2.0, 0.7]
_TWO_ZEROS = [0.0, 1.5, -2.0, 0.0]

_SCAN_ROWS = [
    OpSpec(f"{f.__name__}{suffix}", call(f, **kw), ((3, 4),))
    for f in (np.cumsum, np.cumprod)
    for suffix, kw in {"": {}, "-axis0": {"axis": 0}, "-axis-1": {"axis": -1}}.items()
] + [
    OpSpec("cumsum-3d-axis1", call(np.cumsum, axis=1), ((2, 3, 4),)),
    OpSpec("cumprod-3d-axis-3", call(np.cumprod, axis=-3), ((2, 3, 4),)),
    OpSpec("cumsum-int32", call(np.cumsum, axis=0), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("cumsum-bool", np.cumsum, ((3, 4),), dtypes=(np.bool_,), differentiable=False),
    OpSpec("cumprod-int8", call(np.cumprod, axis=1), ((3, 4),), dtypes=(np.int8,),
           differentiable=False),
    OpSpec("cumsum-int-dtype-f64", call(np.cumsum, dtype=np.float64), ((3, 4),),
           dtypes=(np.int64,), differentiable=False),
    OpSpec("cumsum-f32", call(np.cumsum, axis=1), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("cumprod-f32", np.cumprod, ((3, 4),), dtypes=(np.float32,)),
    OpSpec("scan-methods", _scan_methods, ((3, 4),)),
]

_ZERO_ROWS = [
    fixed("prod-one-zero", np.prod, _ONE_ZERO),
    fixed("prod-two-zeros", np.prod, _TWO_ZEROS),
    fixed("cumprod-one-zero", np.cumprod, _ONE_ZERO),
    fixed("cumprod-two-zeros", np.cumprod, _TWO_ZEROS),
    fixed("prod-zeros-axis1", call(np.prod, axis=1),
          [_ONE_ZERO, _TWO_ZEROS, [1.0, 2.0, 0.5, 3.0]]),
    fixed("cumprod-zeros-axis0", call(np.cumprod, axis=0),
          [[0.0, 2.0, 0.0], [1.5, 0.0, 0.0], [-2.0, 3.0, 0.5]]),
]

_SCALAR_ROWS = [
    OpSpec(f"{f.__name__}-0d", f, ((),)) for f in
    (np.sum, np.prod, np.mean, np.max, np.min, np.cumsum, np.cumprod, np.linalg.norm)
] + [
    OpSpec("var-0d", np.var, ((),)),
    OpSpec("sum-0d-axis0", call(np.sum, axis=0), ((),)),
    OpSpec("max-0d-axis-1-keepdims", call(np.max, axis=-1, keepdims=True), ((),)),
    OpSpec("argmax-0d", np.argmax, ((),), differentiable=False),
    OpSpec("argmin-0d-axis0", call(np.argmin, axis=0), ((),), differentiable=False),
    OpSpec("cumsum-0d-axis0", call(np.cumsum, axis=0), ((),)),
    OpSpec("any-0d", np.any, ((),), dtypes=(np.bool_,), differentiable=False),
    OpSpec("clip-0d", call(np.clip, -0.5, 0.5), ((),)),
    OpSpec("where-0d", lambda c, x: np.where(c > 0, x, -x), ((), ())),
]


def _clip_arrays(x, low, high):
    return np.clip(x, low, high + 1.0)


def _clip_keywords(x):
    return np.clip(x, min=-0.5, max=None)


def _clip_method(x):
    return x.clip(-1.0, 0.25)


_CLIP_ROWS = [
    OpSpec("clip", call(np.clip, -0.5, 0.5), ((3, 4),)),
    OpSpec("clip-no-lower", call(np.clip, None, 0.3), ((3, 4),)),
    OpSpec("clip-no-upper", call(np.clip, -0.3, None), ((3, 4),)),
    OpSpec("clip-no-bounds", call(np.clip, None, None), ((3, 4),)),
    OpSpec("clip-arrays", _clip_arrays, ((3, 4), (4,), (3, 1))),
    OpSpec("clip-keywords", _clip_keywords, ((3, 4),)),
    OpSpec("clip-method", _clip_method, ((3, 4),)),
    OpSpec("clip-f32", call(np.clip, -0.5, 0.5), ((3, 4),), dtypes=(np.float32,)),
    OpSpec("clip-int-float-bounds", call(np.clip, -1.5, 2.5), ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("clip-int", call(np.clip, -2, 3), ((3, 4),), dtypes=(np.int16,),
           differentiable=False),
    OpSpec("clip-int8-beyond-range", call(np.clip, -1000, 2), ((3, 4),), dtypes=(np.int8,),
           differentiable=False),
]


def _where_scalar_branch(x):
    return np.where(x > 0, x, 0.0)


def _where_broadcast(c, x, y):
    return np.where(c > 0, x, y)


def _where_mixed_ints(x):
    return np.where(x > 0, x, 2.5)


def _where_int_condition(c, x):
    return np.where(c, x, 1)


def _where_python_scalars(x):
    return np.where(x > 0, 1.0, -1.0) * x


_WHERE_ROWS = [
    OpSpec("where", _where_broadcast, ((3, 4), (3, 4), (3, 4))),
    OpSpec("where-broadcast", _where_broadcast, ((3, 1), (4,), (2, 3, 4))),
    OpSpec("where-scalar-branch", _where_scalar_branch, ((3, 4),)),
    OpSpec("where-python-scalars", _where_python_scalars, ((3, 4),)),
    OpSpec("where-f32-scalar", _where_scalar_branch, ((3, 4),), dtypes=(np.float32,)),
    OpSpec("where-int-to-float", _where_mixed_ints, ((3, 4),), dtypes=(np.int32,),
           differentiable=False),
    OpSpec("where-int-condition", _where_int_condition, ((3, 4), (3, 4)),
           dtypes=(np.int64, np.float64)),
]


def _full_like_traced(x, fill):
    return np.full_like(x, fill)


def _full_of_empty_like(x):
    return np.full_like(np.empty_like(x, dtype=np.float32, shape=(2, 5)), 3.0)


def _ones_like_plus(x):
    return np.ones_like(x) + x


_LIKE_ROWS = [
    OpSpec("zeros_like", np.zeros_like, ((3, 4),)),
    OpSpec("zeros_like-int", np.zeros_like, ((3, 4),), dtypes=(np.int32,), differentiable=False),
    OpSpec("zeros_like-dtype-shape", call(np.zeros_like, dtype=np.int8, shape=(2, 5)), ((3, 4),),
           differentiable=False),
    OpSpec("ones_like-plus-x", _ones_like_plus, ((3, 4),)),
    OpSpec("ones_like-shape-int", call(np.ones_like, shape=6), ((3, 4),)),
    OpSpec("ones_like-bool", np.ones_like, ((3, 4),), dtypes=(np.bool_,), differentiable=False),
    OpSpec("full_like", call(np.full_like, 2.5), ((3, 4),)),
    OpSpec("full_like-int-truncates", call(np.full_like, 2.7), ((3, 4),), dtypes=(np.int64,),
           differentiable=False),
    OpSpec("full_like-dtype-f32", call(np.full_like, 0.1, dtype=np.float32), ((3, 4),)),
    OpSpec("full_like-traced-fill", _full_like_traced, ((3, 4), ())),
    OpSpec("full_like-broadcast-fill", _full_like_traced, ((3, 4), (4,))),
    OpSpec("empty_like-shape-dtype", _full_of_empty_like, ((3, 4),)),
]

_VECTOR_ORDS = {"none": None, "2": 2, "1": 1, "inf": np.inf, "-inf": -np.inf, "3": 3}
_MATRIX_ORDS = {"none": None, "fro": "fro", "1": 1, "-1": -1, "inf": np.inf, "-inf": -np.inf}

_NORM_ROWS = (
    [OpSpec(f"norm-vec-ord-{name}", call(np.linalg.norm, ord), ((5,),))
     for name, ord in _VECTOR_ORDS.items()]
    + [OpSpec(f"norm-mat-ord-{name}", call(np.linalg.norm, ord), ((3, 4),))
       for name, ord in _MATRIX_ORDS.items()]
    + [OpSpec(f"norm-mat-ord-{name}-axes10-keepdims",
              call(np.linalg.norm, ord, axis=(1, 0), keepdims=True), ((3, 4),))
       for name, ord in _MATRIX_ORDS.items()]
    + [OpSpec("norm-vec-ord-0", call(np.linalg.norm, 0), ((5,),), differentiable=False),
       OpSpec("norm-vec-ord-half", call(np.linalg.norm, 0.5, axis=0), ((5, 2),),
              domain="positive"),
       OpSpec("norm-vec-ord-minus1", call(np.linalg.norm, -1, axis=-1), ((2, 5),),
              domain="positive"),
       OpSpec("norm-3d", np.linalg.norm, ((2, 3, 4),)),
       OpSpec("norm-3d-keepdims", call(np.linalg.norm, keepdims=True), ((2, 3, 4),)),
       OpSpec("norm-axis-1", call(np.linalg.norm, axis=-1), ((2, 3, 4),)),
       OpSpec("norm-axis0-ord-inf-keepdims", call(np.linalg.norm, np.inf, axis=0, keepdims=True),
              ((2, 3, 4),)),
       OpSpec("norm-axes02-ord1", call(np.linalg.norm, 1, axis=(0, 2)), ((2, 3, 4),)),
       OpSpec("norm-axes2-0-ord-inf", call(np.linalg.norm, np.inf, axis=(2, 0)), ((2, 3, 4),)),
       OpSpec("norm-axes-fro", call(np.linalg.norm, "fro", axis=(-1, 1)), ((2, 3, 4),)),
       OpSpec("norm-int", np.linalg.norm, ((3, 4),), dtypes=(np.int32,), differentiable=False),
       OpSpec("norm-f32", call(np.linalg.norm, axis=1), ((3, 4),), dtypes=(np.float32,)),
       OpSpec("norm-f32-ord-3", call(np.linalg.norm, 3), ((5,),), dtypes=(np.float32,))]
)

SPECS = (_AXIS_ROWS + _DTYPE_ROWS + _TIE_ROWS + _ARG_ROWS + _SCAN_ROWS + _ZERO_ROWS
         + _SCALAR_ROWS + _CLIP_ROWS + _WHERE_ROWS + _LIKE_ROWS + _NORM_ROWS)
