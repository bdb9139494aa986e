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


class UnsupportedAttributeError(UnsupportedOperationError, AttributeError):
    """An ndarray method or attribute traced arrays do not have.

    Both an ``UnsupportedOperationError`` and an ``AttributeError``, so
    that ``hasattr(x, name)`` stays False.

    Examples
    --------
    >>> nj.jit(lambda x: x.ptp())(np.ones(2))
    Traceback (most recent call last):
        ...
    numjac.errors.UnsupportedAttributeError: numpy.ndarray.ptp is not supported by numjac...
    """


# Where a user finds what numjac can trace instead.
COVERAGE_POINTER = "docs/coverage.md lists the NumPy calls numjac supports"


# Why a call whose output's shape depends on its input's values cannot be
# traced (compiled functions have fixed shapes), and what to write instead.
_DATA_DEPENDENT = ("its output's shape depends on the values of its input, which are not "
                   "known while tracing (numjac compiles for fixed shapes)")
_KEEP_SHAPE = ("to keep the shape fixed, select with the three-argument np.where(cond, x, 0) "
               "(a mask multiply), or compute the indices outside the traced function with "
               "NumPy and pass them in")

# The supported way to do what an unsupported call does, by the call's name.
SUGGESTIONS = {
    "numpy.nonzero": f"{_DATA_DEPENDENT}; {_KEEP_SHAPE}",
    "numpy.argwhere": f"{_DATA_DEPENDENT}; {_KEEP_SHAPE}",
    "numpy.flatnonzero": f"{_DATA_DEPENDENT}; {_KEEP_SHAPE}",
    "numpy.extract": f"{_DATA_DEPENDENT}; {_KEEP_SHAPE}",
    "numpy.unique": f"{_DATA_DEPENDENT}; np.sort keeps every element (duplicates "
                    "included), or find the unique values outside the traced function",
    "numpy.unique_values": f"{_DATA_DEPENDENT}; np.sort keeps every element",
    "numpy.histogram": f"{_DATA_DEPENDENT} when the bins are; compute it outside the traced "
                       "function",
    "numpy.bincount": f"{_DATA_DEPENDENT}; with a known number of bins k, use "
                      "np.sum(x[:, None] == np.arange(k), axis=0)",
    "numpy.count_nonzero": "use np.sum(x != 0)",
    "numpy.ptp": "use np.max(x, axis) - np.min(x, axis)",
    "numpy.isclose": "use np.abs(a - b) <= atol + rtol * np.abs(b)",
    "numpy.allclose": "use np.all(np.abs(a - b) <= atol + rtol * np.abs(b)) (its value is "
                      "traced: branch on it with np.where)",
    "numpy.logspace": "use base ** np.linspace(start, stop, num)",
    "numpy.geomspace": "use np.exp(np.linspace(np.log(start), np.log(stop), num))",
    "numpy.average": "use np.sum(w * x, axis) / np.sum(w, axis), or np.mean",
    "numpy.cumulative_sum": "use np.cumsum",
    "numpy.cumulative_prod": "use np.cumprod",
    "numpy.nancumsum": "use np.cumsum(np.where(np.isnan(x), 0, x))",
    "numpy.nancumprod": "use np.cumprod(np.where(np.isnan(x), 1, x))",
    "numpy.nanmedian": "use np.median on data without NaN (np.nan_to_num or np.where first)",
    "numpy.nanquantile": "use np.quantile on data without NaN",
    "numpy.nanpercentile": "use np.percentile on data without NaN",
    "numpy.nanargmax": "use np.argmax(np.where(np.isnan(x), -np.inf, x))",
    "numpy.nanargmin": "use np.argmin(np.where(np.isnan(x), np.inf, x))",
    "numpy.ediff1d": "use np.diff(np.ravel(x))",
    "numpy.lexsort": "use np.argsort of a single key",
    "numpy.polyval": "use Horner's rule: y = 0 * x; then y = y * x + c for each coefficient c",
    "numpy.fix": "use np.trunc",
    "numpy.heaviside": "use np.where(x < 0, 0.0, np.where(x > 0, 1.0, h0))",
    "numpy.i0": "use scipy.special.i0 outside the traced function, or a series in np.exp",
    "numpy.matrix_transpose": "use np.swapaxes(x, -1, -2)",
    "numpy.ndarray.sort": "x.sort() sorts in place; write x = np.sort(x)",
    "numpy.ndarray.fill": "x.fill(v) writes in place; write x = np.full_like(x, v)",
    "numpy.ndarray.ptp": "use np.max(x, axis) - np.min(x, axis)",
    "numpy.ndarray.tobytes": "it needs the values; call it on the result outside the traced "
                             "function",
    "scipy.special._zeta": "scipy.special.zeta(s, x) for an integer s >= 2 is "
                           "(-1)**s * scipy.special.polygamma(s - 1, x) / math.factorial(s - 1)",
}


def unsupported(name: str, detail: str = "") -> UnsupportedOperationError:
    """The error for ``name`` (numpy.X, scipy.special.X, a method), with
    ``detail`` or else the suggestion SUGGESTIONS holds for it."""
    message = f"{name} is not supported by numjac"
    detail = detail or SUGGESTIONS.get(name, "")
    if detail:
        message += f": {detail}"
    return UnsupportedOperationError(f"{message} ({COVERAGE_POINTER})")


def unsupported_attribute(name: str) -> UnsupportedAttributeError:
    """The error for ``x.name`` on a traced array, as ``unsupported`` words it."""
    return UnsupportedAttributeError(str(unsupported(f"numpy.ndarray.{name}")))
