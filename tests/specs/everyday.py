"""OP_SPECS rows for the everyday NumPy calls composed of other primitives
(frontend/numpy_api: sorting, statistics, calculus, assembling, rounding,
replaced): sorting and quantiles, NaN reductions, cov, differences and
convolutions, building and splitting arrays, rounding, np.vectorize."""
import numpy as np

from tests.op_specs import OpSpec

# Constant NaN / inf positions: the nan* functions and nan_to_num skip them,
# so the derivative there is zero, as finite differences see it.
_NAN_AT = np.zeros((3, 4))
_NAN_AT[0, 1] = _NAN_AT[2, 3] = np.nan
_SPECIAL_AT = _NAN_AT.copy()
_SPECIAL_AT[1, 0], _SPECIAL_AT[1, 2] = np.inf, -np.inf
_NODES = np.array([-2.0, -0.5, 0.1, 0.7, 2.5])
_KERNEL = np.array([0.5, -1.0, 0.25])
_LONG_KERNEL = np.array([0.5, -1.0, 0.25, 2.0, -0.3, 0.1, 0.7])


def _smooth_ramp(v):
    return np.where(v > 0, v * v, 0.5 * v) + np.sin(v)


_VECTORIZED = np.vectorize(_smooth_ramp)
_VECTORIZED_PAIR = np.vectorize(lambda a, b: a * np.cos(b) - b, otypes=[np.float64])


def _pieces(x):
    return np.piecewise(x, [x < -0.5, x > 0.5], [lambda v: v * v, np.sin, 0.25])


_ROWS = {
    # sorting and order statistics
    "sort": (lambda x: np.sort(x), ((3, 4),)),
    "sort-axis0": (lambda x: np.sort(x, axis=0), ((3, 4),)),
    "sort-flat": (lambda x: np.sort(x, axis=None), ((3, 4),)),
    "partition-kth": (lambda x: np.partition(x, 2)[..., 2], ((3, 4),)),
    "argpartition-values": (lambda x: np.sort(np.take_along_axis(
        x, np.argpartition(x, 1), -1)[..., :2]), ((3, 4),)),
    "median": (lambda x: np.median(x), ((3, 4),)),
    "median-axis": (lambda x: np.median(x, axis=1, keepdims=True), ((3, 5),)),
    "quantile": (lambda x: np.quantile(x, [0.1, 0.5, 0.93], axis=0), ((5, 4),)),
    "percentile": (lambda x: np.percentile(x, 40.0, axis=(0, 1)), ((3, 4, 2),)),
    # NaN-ignoring reductions, cov, corrcoef
    "nansum": (lambda x: np.nansum(x + _NAN_AT, axis=1), ((3, 4),)),
    "nanprod": (lambda x: np.nanprod(x + _NAN_AT, axis=0), ((3, 4),)),
    "nanmax": (lambda x: np.nanmax(x + _NAN_AT, axis=1), ((3, 4),)),
    "nanmin": (lambda x: np.nanmin(x + _NAN_AT), ((3, 4),)),
    "nanmean": (lambda x: np.nanmean(x + _NAN_AT, axis=1), ((3, 4),)),
    "nanvar-ddof": (lambda x: np.nanvar(x + _NAN_AT, axis=1, ddof=1), ((3, 4),)),
    "nanstd": (lambda x: np.nanstd(x + _NAN_AT, axis=0, keepdims=True), ((3, 4),)),
    "var-ddof": (lambda x: np.var(x, axis=0, ddof=2) + np.std(x, ddof=1), ((4, 3),)),
    "cov": (lambda x: np.cov(x), ((3, 5),)),
    "cov-columns": (lambda x, y: np.cov(x, y, rowvar=False, ddof=0), ((5, 2), (5,))),
    "corrcoef": (lambda x: np.corrcoef(x), ((3, 5),)),
    "corrcoef-pair": (lambda x, y: np.corrcoef(x, y), ((5,), (5,))),
    # differences, integrals, products of sequences
    "diff": (lambda x: np.diff(x), ((3, 4),)),
    "diff-n-axis": (lambda x: np.diff(x, n=2, axis=0, prepend=1.0, append=x[:1]), ((3, 4),)),
    "gradient": (lambda x: np.stack(np.gradient(x, 0.5)), ((3, 4),)),
    "gradient-edge2": (lambda x: np.gradient(x, edge_order=2, axis=1), ((3, 4),)),
    "gradient-coordinates": (lambda x: np.gradient(x, _NODES, axis=0), ((5, 2),)),
    "trapezoid": (lambda x: np.trapezoid(x, dx=0.3), ((3, 4),)),
    "trapezoid-x": (lambda x: np.trapezoid(x, _NODES, axis=0), ((5, 2),)),
    "interp": (lambda x: np.interp(x, _NODES, np.sin(_NODES)), ((3, 4),)),
    "interp-values": (lambda f: np.interp(np.linspace(-3, 3, 7), _NODES, f, left=-1.0),
                      ((5,),)),
    "convolve": (lambda a: np.convolve(a, _KERNEL), ((6,),)),
    "convolve-same": (lambda a, v: np.convolve(v, a, "same"), ((6,), (3,))),
    "convolve-valid": (lambda a: np.convolve(a, _LONG_KERNEL, "valid"), ((4,),)),
    "correlate": (lambda a, v: np.correlate(a, v), ((6,), (3,))),
    "correlate-full": (lambda a: np.correlate(a, _LONG_KERNEL, "full"), ((4,),)),
    "correlate-same": (lambda a: np.correlate(_KERNEL, a, "same"), ((5,),)),
    "cross": (lambda a, b: np.cross(a, b), ((4, 3), (3,))),
    "cross-axis": (lambda a, b: np.cross(a, b, axis=0), ((3, 4), (3, 4))),
    "kron": (lambda a, b: np.kron(a, b), ((2, 3), (3,))),
    "vander": (lambda x: np.vander(x), ((4,),)),
    "vander-increasing": (lambda x: np.vander(x, 3, increasing=True), ((5,),)),
    # building and splitting arrays
    "insert": (lambda x: np.insert(x, [1, 3], x[0], axis=0), ((3, 4),)),
    "insert-flat": (lambda x, v: np.insert(x, 2, v), ((3, 4), ())),
    "delete": (lambda x: np.delete(x, 1, axis=1) + 0 * np.delete(x, [0, 5]).sum(), ((3, 4),)),
    "append": (lambda x, v: np.append(x, v), ((3, 4), (2,))),
    "append-axis": (lambda x: np.append(x, x[:1] * 2, axis=0), ((3, 4),)),
    "rot90": (lambda x: np.rot90(x) + np.rot90(x, 3)[::-1], ((3, 3),)),
    "rot90-axes": (lambda x: np.rot90(x, 2, axes=(2, 0)), ((2, 3, 4),)),
    "rollaxis": (lambda x: np.rollaxis(x, 2, 1) + 2 * np.rollaxis(x, 1, 3), ((2, 3, 4),)),
    "real_if_close": (lambda x: np.real_if_close(x), ((3, 4),)),
    "hsplit": (lambda x: np.hsplit(x, [1])[1], ((3, 4),)),
    "vsplit": (lambda x: np.vsplit(x, 3)[2], ((3, 4),)),
    "dsplit": (lambda x: np.dsplit(x, [1, 3])[1], ((2, 2, 4),)),
    "compress": (lambda x: np.compress([True, False, True], x, axis=0), ((3, 4),)),
    "meshgrid": (lambda x, y: np.stack(np.meshgrid(x, y)), ((4,), (3,))),
    "meshgrid-ij-sparse": (lambda x, y: sum(np.meshgrid(x, y, indexing="ij", sparse=True)),
                           ((4,), (3,))),
    "linspace": (lambda a, b: np.linspace(a, b, 5), ((), ())),
    "linspace-arrays": (lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=1),
                        ((3,), (3,))),
    "select": (lambda x: np.select([x > 1, x < -0.5], [x * x, -x], default=0.5), ((3, 4),)),
    "piecewise": (_pieces, ((3, 4),)),
    # elementwise
    "nan_to_num": (lambda x: np.nan_to_num(x + _SPECIAL_AT, posinf=5.0), ((3, 4),)),
    "sinc": (lambda x: np.sinc(x), ((3, 4),)),
    "degrees-radians": (lambda x: np.deg2rad(x) + np.radians(x) + np.rad2deg(x)
                        + np.degrees(x), ((3, 4),)),
    "real-imag-angle": (lambda x: np.real(x) + np.imag(x) + np.angle(x + 5.0, deg=True),
                        ((3, 4),)),
    "vectorize": (_VECTORIZED, ((3, 4),)),
    "vectorize-pair": (lambda x, y: _VECTORIZED_PAIR(x, y), ((3, 4), (4,))),
}

_ZERO_DERIVATIVE = {
    "argsort": (lambda x: np.argsort(x, axis=0), ((3, 4),)),
    "argsort-flat": (lambda x: np.argsort(x, axis=None), ((3, 4),)),
    "searchsorted": (lambda a, v: np.searchsorted(np.sort(a), v), ((5,), (3, 2))),
    "searchsorted-right": (lambda v: np.searchsorted(_NODES, v, side="right"), ((4,),)),
    "round-decimals": (lambda x: np.round(x * 100, 1) + np.around(x * 100, -1), ((3, 4),)),
    "round-method": (lambda x: x.round(), ((3, 4),)),
}

SPECS = (
    [OpSpec(name, fn, shapes) for name, (fn, shapes) in _ROWS.items()]
    + [OpSpec(name, fn, shapes, differentiable=False)
       for name, (fn, shapes) in _ZERO_DERIVATIVE.items()]
)
