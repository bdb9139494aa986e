"""OP_SPECS rows for the Bessel and incomplete gamma/beta functions of
scipy.special (compiler/primitives/special_bessel.py).  Their derivatives
are in x only, so each row holds the order or shape parameters constant
and maps its argument into the function's domain."""
import numpy as np
import scipy.special as sc

from tests.op_specs import OpSpec

_ORDERS = np.array([0.0, 1.0, 2.5, 4.0])     # along the last axis of (3, 4)


def _of_x(name, *parameters, scale=3.0):
    """x -> scipy.special.<name>(*parameters, scale * x)."""
    ufunc = getattr(sc, name)

    def fn(x):
        return ufunc(*parameters, scale * x)
    fn.__name__ = f"{name}_of_x"
    return fn


_REAL_AXIS = ("j0", "j1", "i0", "i1", "i0e", "i1e")           # defined for every real x
_POSITIVE = {"y0": (), "y1": (), "jv": (_ORDERS,), "yv": (_ORDERS,), "yn": (3,),
             "iv": (_ORDERS,), "ive": (_ORDERS,), "kv": (_ORDERS,), "kve": (_ORDERS,),
             "gammainc": (_ORDERS + 0.5,), "gammaincc": (_ORDERS + 0.5,),
             "betainc": (_ORDERS + 0.5, 1.5), "betaincc": (1.5, _ORDERS + 0.5),
             "gammaincinv": (_ORDERS + 0.5,), "gammainccinv": (_ORDERS + 0.5,),
             "betaincinv": (_ORDERS + 0.5, 1.5), "betainccinv": (1.5, _ORDERS + 0.5),
             "stdtr": (_ORDERS + 0.5,), "stdtrit": (_ORDERS + 0.5,)}

def _scale(name):
    """Into (0, 1) for betainc's x and the inverses' probabilities (stdtrit too)."""
    return 0.45 if name.startswith("betainc") or name.endswith(("inv", "it")) else 3.0


SPECS = (
    [OpSpec(f"special-{name}", _of_x(name), ((3, 4),)) for name in _REAL_AXIS]
    + [OpSpec(f"special-{name}-positive", _of_x(name, *parameters, scale=_scale(name)),
              ((3, 4),), domain="positive")
       for name, parameters in _POSITIVE.items()]
    + [OpSpec("special-jn-integer-order", _of_x("jn", 2), ((3, 4),), domain="positive"),
       OpSpec("special-iv-negative-x", _of_x("iv", 2.0, scale=-3.0), ((3, 4),),
              domain="positive")]
)
