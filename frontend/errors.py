"""The errors numjac raises on purpose."""


class ConcretizationError(TypeError):
    """A traced value was used where a concrete Python value is needed."""


class UnsupportedOperationError(NotImplementedError):
    """A NumPy function or argument combination numjac cannot trace."""


class UnsupportedDtypeError(UnsupportedOperationError, TypeError):
    """A value of a dtype numjac does not handle (complex, object, str...):
    a TypeError, as NumPy raises for a dtype a function has no loop for."""


class NumpyRandomError(UnsupportedOperationError):
    """numpy.random used inside a traced function, where its numbers would
    be drawn once, while tracing, and frozen into the compiled function."""


# Where a user finds what numjac can trace instead.
COVERAGE_POINTER = "docs/coverage.md lists the NumPy calls numjac supports"


def unsupported(name: str, detail: str = "") -> UnsupportedOperationError:
    message = f"{name} is not supported by numjac"
    if detail:
        message += f": {detail}"
    return UnsupportedOperationError(f"{message} ({COVERAGE_POINTER})")
