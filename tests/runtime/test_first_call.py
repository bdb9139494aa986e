"""The first call in a fresh process: with an empty disk cache it compiles,
with the cache warm it compiles nothing (no Numba compilation at all, the
helpers' and Numba's runtime functions included) and gives the same values; and it imports no more of
SciPy than the kernels need (scipy.linalg only for a BLAS product).
Not timed: docs/benchmarks.md has the times (benchmarks/calls.py)."""
import json
import os
import subprocess
import sys

import numpy as np

CHILD = r"""
import json, sys
import numpy as np
import numjac as nj
from numba.core import event
from numba.core.runtime import nrtdynmod

runtime_compiled = []            # Numba's runtime functions compiled (numba_runtime.py)
create_nrt_module = nrtdynmod.create_nrt_module
nrtdynmod.create_nrt_module = lambda ctx: runtime_compiled.append(1) or create_nrt_module(ctx)

def f(x):
    return np.sin(x) * x[0] + np.cumsum(x) ** 2

def layer(w, x):
    return np.tanh(w @ x)          # 48 x 48 x 48: a BLAS product (gemm)

x = np.linspace(0.1, 1.0, 5)
w = np.sin(np.arange(48.0 * 48).reshape(48, 48))
xs = np.cos(np.arange(48.0 * 48).reshape(48, 48))
before = set(sys.modules)
with event.install_recorder("numba:compile") as compiles:
    jac = nj.jacrev(f)(x)
    imported = sorted(m for m in ("scipy.linalg", "scipy.special", "scipy.sparse",
                                  "numjac.runtime.kernel_blas", "numjac.runtime.special_support",
                                  "numjac.runtime.kernel_special", "numba.np.arrayobj",
                                  "numpy.ma")
                      if m in sys.modules and m not in before)
    value = nj.jit(layer)(w, xs)
print(json.dumps({"jac": jac.tolist(), "value": value.tolist(), "imported": imported,
                  "compiles": len(compiles.buffer), "runtime_compiled": len(runtime_compiled)}))
"""


def _fresh_process(cache_dir) -> dict:
    env = dict(os.environ, NUMJAC_CACHE_DIR=str(cache_dir), NUMJAC_BACKEND="numba",
               NUMJAC_COMPILE="blocking")
    env.pop("NUMJAC_DISABLE_DISK_CACHE", None)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                         text=True, timeout=900, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _expected():
    x = np.linspace(0.1, 1.0, 5)
    jac = np.diag(np.cos(x) * x[0]) + np.diag(2 * np.cumsum(x)) @ np.tril(np.ones((5, 5)))
    jac[:, 0] += np.sin(x)
    w = np.sin(np.arange(48.0 * 48).reshape(48, 48))
    xs = np.cos(np.arange(48.0 * 48).reshape(48, 48))
    return jac, np.tanh(w @ xs)


def test_second_fresh_process_loads_everything_from_the_disk_cache(tmp_path):
    jac, value = _expected()
    cold = _fresh_process(tmp_path)
    warm = _fresh_process(tmp_path)
    for run in (cold, warm):
        np.testing.assert_allclose(run["jac"], jac, rtol=1e-12)
        np.testing.assert_allclose(run["value"], value, rtol=1e-12)
    assert cold["compiles"] > 0
    assert warm["compiles"] == 0
    assert (cold["runtime_compiled"], warm["runtime_compiled"]) == (1, 0)
    # Loading a kernel without a product imports none of SciPy's linalg
    # (its BLAS), special or sparse (compiling does: Numba's registries),
    # nor numjac's BLAS glue or special-function helpers, nor Numba's array
    # module (kernel_support.new_array: no environment of it to rebuild) or
    # numpy.ma (numba_backend.typeof_plain_arrays).
    assert warm["imported"] == []


LATE_SCIPY = r"""
import json, sys
import numpy as np
import numjac as nj
assert not {"scipy.linalg", "scipy.special", "scipy.sparse"} & set(sys.modules)

def erf_sum(x):
    import scipy.special          # first imported during the trace
    return scipy.special.erf(x).sum()

import scipy.linalg              # imported after numjac, before the trace

def expm_trace(a):
    return np.trace(scipy.linalg.expm(a))

x = np.array([0.1, -0.4, 0.7])
a = np.array([[0.1, 0.2], [-0.3, 0.05]])
print(json.dumps({"erf": nj.grad(erf_sum)(x).tolist(), "expm": nj.grad(expm_trace)(a).tolist()}))
"""


def test_scipy_imported_after_numjac_is_traced():
    """numjac files SciPy's functions once the user imports SciPy's modules:
    before a trace, or (scipy.special's ufuncs) during it."""
    import scipy.linalg
    env = dict(os.environ, NUMJAC_BACKEND="interpret")
    out = subprocess.run([sys.executable, "-c", LATE_SCIPY], env=env, capture_output=True,
                         text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    x = np.array([0.1, -0.4, 0.7])
    np.testing.assert_allclose(found["erf"], 2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-12)
    a = np.array([[0.1, 0.2], [-0.3, 0.05]])
    # d trace(expm(a)) / da = expm(a)^T
    np.testing.assert_allclose(found["expm"], scipy.linalg.expm(a).T, rtol=1e-10)


def test_import_numjac_imports_neither_numba_nor_scipy_submodules():
    # Both are imported where first needed: a kernel's compile or load
    # (Numba), a SciPy call being traced or a helper using it (SciPy).
    # importlib.metadata (for nj.distributed's version check) brings in email,
    # zipfile, csv, tempfile, socket...: a fifth of numjac's own import.
    probe = ("import sys, numjac; print(sorted(m for m in ('numba', 'scipy.linalg', "
             "'scipy.special', 'scipy.sparse', 'scipy.stats', 'scipy.signal', "
             "'importlib.metadata', 'numjac.runtime.kernel_support') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


GC_PROBE = r"""
import gc, json, sys
from numjac.runtime.numba_backend import import_numba
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(1))
if sys.argv[1] == "disabled":
    gc.disable()
if sys.argv[1] == "frozen":
    gc.freeze()
frozen = gc.get_freeze_count()
numba = import_numba()
# The import frees a few frozen objects; unfreezing them would leave none.
print(json.dumps({"numba": numba is sys.modules["numba"], "collections": len(collections),
                  "enabled": gc.isenabled(),
                  "frozen_kept": gc.get_freeze_count() >= 0.99 * frozen}))
"""


def test_numba_is_imported_with_the_garbage_collector_paused():
    """No collection while Numba is imported (numba_backend.import_numba),
    and the collector left as it was found, a user's frozen objects too."""
    for state in ("enabled", "disabled", "frozen"):
        out = subprocess.run([sys.executable, "-c", GC_PROBE, state], capture_output=True,
                             text=True, check=True).stdout
        found = json.loads(out.strip().splitlines()[-1])
        assert found == {"numba": True, "collections": 0, "enabled": state != "disabled",
                         "frozen_kept": True}
