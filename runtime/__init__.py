"""numjac.runtime: the reference interpreter, Numba code generation and the
compile caches."""
