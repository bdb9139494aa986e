"""Every OP_SPECS row traced and run through nj.jit agrees with NumPy."""
import numpy as np
import pytest

import numjac as nj
from tests.op_specs import OP_SPECS


@pytest.mark.parametrize("spec", OP_SPECS, ids=lambda s: s.name)
def test_jit_matches_numpy(spec):
    args = spec.make_args()
    expected = spec.fn(*args)
    got = nj.jit(spec.fn)(*args)
    tolerance = spec.extra.get("against_numpy", {"rtol": 1e-6 if "f32" in spec.name else 1e-12})
    np.testing.assert_allclose(got, expected, **tolerance)
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    assert np.shape(got) == np.shape(expected)
