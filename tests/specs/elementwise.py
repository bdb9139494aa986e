"""OP_SPECS rows for ufuncs and elementwise operators."""
import numpy as np

from tests.op_specs import OpSpec

_UNARY_REAL = [np.sin, np.cos, np.tan, np.arctan, np.sinh, np.cosh, np.tanh,
               np.arcsinh, np.exp, np.exp2, np.expm1, np.negative, np.square,
               np.cbrt, np.absolute]
_UNARY_POSITIVE = [np.log, np.log2, np.log10, np.log1p, np.sqrt, np.reciprocal]
_UNARY_UNIT = [np.arcsin, np.arccos, np.arctanh]
_BINARY = [np.add, np.subtract, np.multiply, np.true_divide, np.maximum,
           np.minimum, np.fmax, np.fmin, np.arctan2, np.copysign, np.hypot, np.logaddexp,
           np.logaddexp2]
_PIECEWISE = [np.floor, np.ceil, np.rint, np.trunc, np.sign]
_PREDICATES = [np.isfinite, np.isnan]
_COMPARISONS = [np.equal, np.not_equal, np.less, np.less_equal, np.greater,
                np.greater_equal]

SPECS = (
    [OpSpec(f.__name__, f, ((3, 4),)) for f in _UNARY_REAL]
    + [OpSpec(f.__name__, f, ((3, 4),), domain="positive") for f in _UNARY_POSITIVE]
    + [OpSpec(f.__name__, f, ((3, 4),), domain="unit") for f in _UNARY_UNIT]
    + [OpSpec("arccosh", np.arccosh, ((3, 4),), domain="above1")]
    + [OpSpec(f.__name__, f, ((3, 4), (4,))) for f in _BINARY]
    + [OpSpec("power", np.power, ((3, 4), (3, 1)), domain="positive"),
       OpSpec("float_power", np.float_power, ((4,), (3, 4)), domain="positive"),
       OpSpec("remainder", np.remainder, ((3, 4), (4,)), domain="positive"),
       OpSpec("fmod", np.fmod, ((3, 4), (4,)), domain="positive"),
       OpSpec("pow-scalar", lambda x: x ** 3, ((5,),)),
       OpSpec("scalar-arith", lambda x: 2.0 * x - 1 / (x * x + 1.5), ((2, 3),)),
       OpSpec("floor_divide", np.floor_divide, ((3, 4), (4,)), domain="positive",
              differentiable=False)]
    + [OpSpec(f.__name__, f, ((3, 4),), differentiable=False) for f in _PIECEWISE + _PREDICATES]
    + [OpSpec(f.__name__, f, ((3, 4), (4,)), differentiable=False) for f in _COMPARISONS]
    + [OpSpec("logical", lambda a, b: np.logical_xor(np.logical_and(a > 0, b > 0),
                                                     np.logical_not(a > b) | (b < 0)),
              ((3, 4), (3, 4)), differentiable=False),
       OpSpec("int-add", np.add, ((3,), (3,)), dtypes=(np.int64, np.int32),
              differentiable=False),
       OpSpec("int-truediv", np.true_divide, ((3,), (3,)), dtypes=(np.int64, np.int64),
              domain="positive", differentiable=False),
       OpSpec("f32-scalar", lambda x: x * 2.5 + 1, ((4,),), dtypes=(np.float32,)),
       OpSpec("mixed-f32-f64", np.multiply, ((4,), (4,)), dtypes=(np.float32, np.float64)),
       OpSpec("fabs-conjugate-positive",
              lambda x: np.fabs(x) + np.conjugate(x) - np.positive(x), ((3, 4),)),
       OpSpec("isinf", lambda x: np.isinf(x / (x > 0)), ((3, 4),), differentiable=False),
       OpSpec("bitwise-on-bool", lambda a, b: np.bitwise_and(a > 0, ~(b > 0))
              ^ np.logical_or(a > b, b > 1), ((3, 4), (4,)), differentiable=False),
       OpSpec("static-attributes",
              lambda x: np.reshape(x, np.shape(x)[::-1]) * np.size(x)
              * (2.0 if np.iscomplexobj(x) or not np.isrealobj(x) else 1.0), ((3, 4),))]
)
