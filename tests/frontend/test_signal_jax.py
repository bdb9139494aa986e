"""scipy.signal's convolutions against jax.scipy.signal's: values, the
gradient of a scalar function of them, and a Hessian-vector product, on the
same inputs (each case written once for a scipy.signal-like module).

JAX is in the test extra (as the reference, never in the default install);
a bare install without it skips these tests, with that reason."""
import pytest
import scipy.signal

from tests.jax_checks import assert_matches_jax, import_jax
from tests.op_specs import make_args

jax = import_jax()
jss = jax.scipy.signal

# name -> (case(signal, x), shape): the kernel is a part of x itself.
CASES = {
    "convolve-full-1d": (lambda sig, x: sig.convolve(x, x[:3] * 2), (6,)),
    "convolve-same-2d": (lambda sig, x: sig.convolve(x, x[:2, :3], mode="same"), (4, 5)),
    "convolve-valid-3d": (lambda sig, x: sig.convolve(x, x[:2, 1:, :2], mode="valid"),
                          (3, 3, 4)),
    "correlate-same-2d": (lambda sig, x: sig.correlate(x, x[1:3, :2], mode="same"), (4, 5)),
    "correlate-full-1d": (lambda sig, x: sig.correlate(x, x[1:4]), (6,)),
    "convolve2d-full": (lambda sig, x: sig.convolve2d(x, x[:2, :3]), (4, 5)),
    "correlate2d-valid": (lambda sig, x: sig.correlate2d(x, x[:3, :2], mode="valid"), (4, 5)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_derivatives_match_jax(name):
    case, shape = CASES[name]
    (x,) = make_args((shape,))
    assert_matches_jax(jax, lambda a: case(scipy.signal, a), lambda a: case(jss, a), x)
