"""OP_SPECS rows for x[key]: ints, slices of every step, None, Ellipsis,
integer arrays (concrete and traced, one or several, adjacent or not) and
concrete boolean masks."""
import numpy as np

from tests.op_specs import OpSpec

_MASK = np.array([True, False, True, True])
_MASK_2D = np.array([[True, False, True, False], [False, False, True, True],
                     [True, True, False, False]])

_BASIC = {
    "int": lambda x: x[1],
    "int-neg": lambda x: x[-1],
    "int-int": lambda x: x[1, -2],
    "int-all": lambda x: x[1, 2, 3],
    "int-numpy-scalar": lambda x: x[np.int64(1), :, np.int32(-1)],
    "slice": lambda x: x[1:],
    "slice-stop": lambda x: x[:, :2],
    "slice-step": lambda x: x[:, ::2],
    "slice-neg-bounds": lambda x: x[-2:, 1:-1],
    "slice-beyond": lambda x: x[:, 1:10],
    "slice-empty": lambda x: x[:, 2:1],
    "slice-rev": lambda x: x[::-1],
    "slice-neg-step": lambda x: x[:, ::-2],
    "slice-neg-step-bounds": lambda x: x[:, 2:0:-1, 3:0:-2],
    "slice-neg-step-empty": lambda x: x[:, 0:2:-1],
    "slice-mixed": lambda x: x[1:, ::-2, None],
    "newaxis": lambda x: x[None],
    "newaxis-middle": lambda x: x[:, np.newaxis, 1],
    "newaxis-many": lambda x: x[None, 0, None, ..., None],
    "ellipsis": lambda x: x[..., 1],
    "ellipsis-front": lambda x: x[1, ...],
    "ellipsis-slice": lambda x: x[..., ::-1, 1:],
    "ellipsis-only": lambda x: x[...],
    "empty-tuple": lambda x: x[()],
}

_ADVANCED = {
    "array": lambda x: x[np.array([1, 0, 1])],
    "list": lambda x: x[[1, -2]],
    "list-empty": lambda x: x[[]],
    "array-2d": lambda x: x[np.array([[0, 1], [1, 1]])],
    "array-axis1": lambda x: x[:, [2, 0, -1]],
    "array-last": lambda x: x[..., np.array([3, 0])],
    "array-with-slices": lambda x: x[::-1, [1, 2], 1:3],
    "two-arrays": lambda x: x[[0, 1], [2, 0]],
    "two-arrays-adjacent": lambda x: x[:, [0, 2], [1, 3]],
    "two-arrays-separated": lambda x: x[[0, 1], :, [1, 3]],
    "two-arrays-broadcast": lambda x: x[[[0], [1]], [0, 2, 1]],
    "three-arrays": lambda x: x[[1, 0], [2, 1], [3, -1]],
    "int-and-array-adjacent": lambda x: x[:, 0, [1, 3]],
    "int-and-array-separated": lambda x: x[0, :, [1, 3]],
    "arrays-around-newaxis": lambda x: x[:, [0, 1], None, [1, 2]],
    "arrays-around-ellipsis": lambda x: x[[0, 1], ..., [1, 2]],
    "array-and-newaxis": lambda x: x[None, [1, 0]],
    "mask": lambda x: x[:, np.array([True, False, True])],
    "mask-first": lambda x: x[np.array([False, True])],
    "mask-2d": lambda x: x[:, _MASK_2D],
    "mask-list": lambda x: x[[True, True], 0],
    "mask-and-array": lambda x: x[:, [2, 1, 0], _MASK],
    "mask-none-true": lambda x: x[np.zeros(2, dtype=bool)],
}

SPECS = (
    [OpSpec(f"getitem-{name}", fn, ((2, 3, 4),)) for name, fn in _BASIC.items()]
    + [OpSpec(f"getitem-{name}", fn, ((2, 3, 4),)) for name, fn in _ADVANCED.items()]
    + [OpSpec("getitem-1d-rev", lambda x: x[::-1], ((5,),)),
       OpSpec("getitem-0d-newaxis", lambda x: x[None, ..., None], ((),)),
       OpSpec("getitem-0d-empty-tuple", lambda x: x[()], ((),)),
       OpSpec("getitem-f32", lambda x: x[1:, [0, 2]], ((2, 3),), dtypes=(np.float32,)),
       OpSpec("getitem-int-slice", lambda x: x[::-2], ((5,),), dtypes=(np.int64,),
              differentiable=False),
       OpSpec("getitem-bool-array", lambda x: x[[2, 0]], ((3,),), dtypes=(np.bool_,),
              differentiable=False),
       OpSpec("getitem-mask-of-int", lambda x: x[np.array([True, False, True])], ((3,),),
              dtypes=(np.int32,), differentiable=False),
       OpSpec("getitem-traced", lambda x, i: x[i], ((6, 2), (3,)),
              dtypes=(np.float64, np.int64)),
       OpSpec("getitem-traced-0d", lambda x, i: x[:, i], ((2, 6), ()),
              dtypes=(np.float64, np.int64)),
       OpSpec("getitem-traced-int32", lambda x, i: x[1:, i], ((2, 6), (2, 2)),
              dtypes=(np.float64, np.int32)),
       OpSpec("getitem-traced-two", lambda x, i, j: x[i, :, j], ((6, 2, 6), (3,), (3,)),
              dtypes=(np.float64, np.int64, np.int64)),
       OpSpec("getitem-traced-and-constant", lambda x, i: x[i, [0, 1, 0]], ((6, 2), (3,)),
              dtypes=(np.float64, np.int64)),
       OpSpec("getitem-traced-int8", lambda x, i: x[i], ((6,), (4,)),
              dtypes=(np.float64, np.int8))]
)
