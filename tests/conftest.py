"""Typecheck every IR the test suite builds: the flag is read once when
numjac is imported, so it is set here, before any test module imports it."""
import os

os.environ["NUMJAC_CHECK_IR"] = "1"
