"""Typecheck every IR the test suite builds: the flag is read once when
numjac is imported, so it is set here, before any test module imports it."""
import os
import shutil
import tempfile

os.environ["NUMJAC_CHECK_IR"] = "1"

# Transform tests run on the reference interpreter so the suite does not
# compile hundreds of Numba kernels; tests/runtime/test_backend.py checks Numba
# against it explicitly.
os.environ.setdefault("NUMJAC_BACKEND", "interpret")

# Compiled kernels go to a fresh disk cache, not the user's (set
# NUMJAC_CACHE_DIR to reuse one across runs), removed when the run ends.
if "NUMJAC_CACHE_DIR" not in os.environ:
    _SESSION_CACHE = os.environ["NUMJAC_CACHE_DIR"] = tempfile.mkdtemp(
        prefix="numjac-test-cache-")
else:
    _SESSION_CACHE = None


def pytest_unconfigure(config):
    if _SESSION_CACHE is not None:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)
