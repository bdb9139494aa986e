"""The errors numjac raises on purpose."""


class ConcretizationError(TypeError):
    """A traced value was used where a concrete Python value is needed.

    While numjac traces a function its arrays hold no numbers, so Python
    control flow on them (``if``, ``while``, ``and``), ``bool()``,
    ``float()``, ``int()`` and ``.item()`` cannot run.  The message says
    where; use ``np.where`` for a data-dependent choice, or make the value
    static (``nj.jit(static_argnums=...)``).  A ``TypeError``.

    Examples
    --------
    >>> def relu(x):
    ...     return x if x > 0 else 0 * x
    >>> nj.jit(relu)(np.array(2.0))
    Traceback (most recent call last):
        ...
    numjac.errors.ConcretizationError: bool() or a Python `if`/`while`/`and`/`or` ...
    >>> nj.jit(lambda x: np.where(x > 0, x, 0 * x))(np.array(2.0))
    array(2.)
    """


class UnsupportedOperationError(NotImplementedError):
    """A NumPy function or argument combination numjac cannot trace.

    The message names the function; docs/coverage.md lists what numjac
    supports.  A ``NotImplementedError``.

    Examples
    --------
    >>> nj.jit(np.fft.fft)(np.ones(4))
    Traceback (most recent call last):
        ...
    numjac.errors.UnsupportedOperationError: numpy.fft.fft is not supported by numjac...
    """


class UnsupportedDtypeError(UnsupportedOperationError, TypeError):
    """A value of a dtype numjac does not handle (complex, object, str...).

    Both an ``UnsupportedOperationError`` and a ``TypeError``, as NumPy
    raises for a dtype a function has no loop for.

    Examples
    --------
    >>> nj.jit(np.sin)(np.ones(2, dtype=complex))
    Traceback (most recent call last):
        ...
    numjac.errors.UnsupportedDtypeError: complex numbers are not supported by numjac...
    """


class NumpyRandomError(UnsupportedOperationError):
    """``numpy.random`` was called inside a traced function.

    Its numbers would be drawn once, while tracing, and frozen into the
    compiled function; ``nj.random`` draws anew on every call instead.  An
    ``UnsupportedOperationError``.

    Examples
    --------
    >>> nj.jit(lambda x: x + np.random.normal())(np.zeros(2))
    Traceback (most recent call last):
        ...
    numjac.errors.NumpyRandomError: numpy.random.normal inside a traced function ...
    >>> nj.jit(lambda x: x + nj.random.normal())(np.zeros(2)).shape
    (2,)
    """


# Where a user finds what numjac can trace instead.
COVERAGE_POINTER = "docs/coverage.md lists the NumPy calls numjac supports"


def unsupported(name: str, detail: str = "") -> UnsupportedOperationError:
    message = f"{name} is not supported by numjac"
    if detail:
        message += f": {detail}"
    return UnsupportedOperationError(f"{message} ({COVERAGE_POINTER})")
