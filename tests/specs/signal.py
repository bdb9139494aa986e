"""OP_SPECS rows for scipy.signal.convolve, correlate, convolve2d and
correlate2d (frontend/scipy_api/signal.py: a gather of windows and a
contraction), every mode, 1-d to 3-d.  SciPy is called as
``scipy.signal.name`` at call time, as numjac requires."""
import scipy.signal

from tests.op_specs import OpSpec


def _signal(name, mode):
    def call(in1, in2):
        return getattr(scipy.signal, name)(in1, in2, mode=mode)
    return call


_SHAPES = {"1d": ((5,), (3,)), "2d": ((4, 3), (2, 3)), "3d": ((3, 4, 2), (2, 2, 2)),
           "2d-larger-second": ((2, 3), (3, 4))}

SPECS = [
    OpSpec(f"signal-{name}-{mode}-{dims}", _signal(name, mode), shapes)
    for name in ("convolve", "correlate")
    for mode in ("full", "same", "valid")
    for dims, shapes in _SHAPES.items()
] + [
    OpSpec(f"signal-{name}-{mode}", _signal(name, mode), ((4, 5), (3, 2)))
    for name in ("convolve2d", "correlate2d")
    for mode in ("full", "same", "valid")
]
