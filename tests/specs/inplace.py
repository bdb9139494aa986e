"""OP_SPECS rows for in-place updates: item and slice assignment, masks,
integer arrays (repeated too), traced indices, augmented assignment, ufunc
out=, np.add.at, np.put, np.fill_diagonal, and writes through views; and
for arrays built from traced values: np.array, np.asarray, np.r_, np.c_."""
import numpy as np

from tests.op_specs import OpSpec

H = 0.1


def pde_rhs(u):
    """The PDE right-hand side of issue 13, written as a user would."""
    du = np.empty_like(u)
    du[1:-1] = (u[2:] - 2 * u[1:-1] + u[:-2]) / H**2
    du[0] = (u[1] - 2 * u[0]) / H**2
    du[-1] = (u[-2] - 2 * u[-1]) / H**2
    return du * u


def laplacian_2d(u):
    out = np.zeros_like(u)
    out[1:-1, 1:-1] = u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4 * u[1:-1, 1:-1]
    return out


def item_and_slices(x):
    out = np.zeros((3, 4), dtype=x.dtype)
    out[0] = x[0] * 2
    out[1, 1:3] = np.sin(x[1, :2])
    out[2, ::-2] = x[2, ::2] ** 2
    out[..., -1] += 1.0
    return out


def mask_and_array(x):
    y = x.copy()
    y[x.shape[0] - 1] = 3.0
    y[np.array([True, False, True, False])] = y[[1, 3]] * 2
    y[[0, 0, 2]] = np.array([1.0, 2.0, 3.0]) * x[:3]    # the last write wins
    return y


def augmented(x):
    y = x * 1.0
    y *= 2
    y[1:] -= x[:-1]
    y[[0, 1]] += x[[2, 3]]
    y /= 1.5 + x ** 2
    y **= 2
    return y


def with_views(x):
    y = np.ones((4, 3)) * x[:, None]
    row = y[1]            # a view: writes show in y, and later reads see y's writes
    row[:] = np.cos(row)
    tail = y[2:]
    tail *= x[2:, None]
    y[3, 0] = 5.0 * x[0]
    return y + tail.sum() + row.sum()


def view_of_view(x):
    y = np.zeros((3, 4))
    inner = y[1:][:, 1:]
    inner[0, :] = x[:3]
    y[2, 3] = x[3]
    return y * inner.sum()


def ufunc_out(x):
    y = np.zeros_like(x)
    np.multiply(x, x, out=y)
    np.add(y, np.exp(x), out=y)
    np.sin(y[:2], out=y[2:])
    return y


def add_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 2, 0, 1], x)
    np.subtract.at(y, np.array([1]), x[0] * x[1])
    return y


def put(x):
    y = np.tile(x, 2)
    np.put(y, [0, 5, -1], x[:2] ** 2)      # values repeat: x0², x1², x0²
    return y


def fill_diagonal(x):
    m = np.outer(x, x)
    np.fill_diagonal(m, np.exp(x))
    return m


def fill_diagonal_wrap(x):
    m = np.zeros((5, 2)) + x[0]
    np.fill_diagonal(m, x[1], wrap=True)
    return m


def copyto_and_fill(x):
    y = np.empty((2, 3))
    y.fill(0.5)
    np.copyto(y, x ** 2, where=x > 0)
    np.copyto(y[1], np.exp(x[0]))
    return y


def traced_index(x, i):
    y = x.copy()
    y[i] = x[0] ** 2
    y[i + 1] += 1.0
    return y


def traced_array_index(x, i):
    y = np.zeros(6)
    y[i] = x
    return y


def traced_mask(x):
    y = x.copy()
    y[x > 0] = 0.5
    return y


def pure_numpy_mask(x):
    # A mask built inside the function keeps its value: indexing with it
    # is a constant gather.
    mask = np.zeros(4, dtype=bool)
    mask[1:3] = True
    return x[mask] * x[~mask]


def int_target(x):
    y = np.zeros(4, dtype=np.int64)
    y[1:] = x[:3]
    return y


def array_of_list(x):
    return np.array([[x[0], 1.0], [x[1] * x[2], np.sin(x[3])]])


def asarray_of_list(x):
    return np.asarray([x[0] ** 2, x[1], 2.0]) * x[2]



def r_(x):
    return np.r_[x[:2], 1.0, x[0] * x[2], 0:2]


def c_(x):
    return np.c_[x, x ** 2, np.ones(3)]


SPECS = [
    OpSpec("inplace-pde-rhs", pde_rhs, ((7,),)),
    OpSpec("inplace-laplacian-2d", laplacian_2d, ((4, 5),)),
    OpSpec("inplace-item-and-slices", item_and_slices, ((3, 4),)),
    OpSpec("inplace-mask-and-array", mask_and_array, ((4,),)),
    OpSpec("inplace-augmented", augmented, ((4,),)),
    OpSpec("inplace-views", with_views, ((4,),)),
    OpSpec("inplace-view-of-view", view_of_view, ((4,),)),
    OpSpec("inplace-ufunc-out", ufunc_out, ((4,),)),
    OpSpec("inplace-add-at", add_at, ((4,),)),
    OpSpec("inplace-put", put, ((3,),)),
    OpSpec("inplace-fill-diagonal", fill_diagonal, ((3,),)),
    OpSpec("inplace-fill-diagonal-wrap", fill_diagonal_wrap, ((2,),)),
    OpSpec("inplace-copyto-and-fill", copyto_and_fill, ((2, 3),)),
    OpSpec("inplace-traced-index", traced_index, ((7,), ()), dtypes=(np.float64, np.int64)),
    OpSpec("inplace-traced-array-index", traced_array_index, ((3,), (3,)),
           dtypes=(np.float64, np.int64)),
    OpSpec("inplace-traced-mask", traced_mask, ((5,),)),
    OpSpec("inplace-known-mask", pure_numpy_mask, ((4,),)),
    OpSpec("inplace-int-target", int_target, ((4,),), dtypes=(np.int64,),
           differentiable=False),
    OpSpec("build-array-of-list", array_of_list, ((4,),)),
    OpSpec("build-asarray-of-list", asarray_of_list, ((3,),)),
    OpSpec("build-r_", r_, ((3,),)),
    OpSpec("build-c_", c_, ((3,),)),
]
