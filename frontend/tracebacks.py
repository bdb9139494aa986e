"""Tracebacks that end at the user's line: numjac's own frames removed.

An error that reaches the user through one of numjac's entry points (a
transformed function's call, ``vjp``, ``make_ir``...) would otherwise show
a dozen frames of tracing machinery between the user's call and the line
of their function that caused it.  ``hide_internal_frames`` rebuilds the
error's traceback without the frames of numjac's modules (and of the code
it generates); the entry point then re-raises the same exception object
with a bare ``raise``, which adds no frame of its own, so the type, the
message and the chained causes are the ones raised.

Which errors: those numjac raises for a user's mistake (the TypeError,
ValueError, IndexError, NotImplementedError and ArithmeticError families,
which hold ConcretizationError and UnsupportedOperationError), and every
error raised outside numjac (in the user's function, in NumPy).  Any other
error raised by numjac's own code (an AssertionError in a pass, say) is a
bug in numjac and keeps every frame, for the bug report.

``NUMJAC_TRACEBACK=full`` in the environment (read when an error passes,
so it can be set at any time) keeps every frame of every error.
"""
from __future__ import annotations

import functools
import os
import types
from typing import Callable, ParamSpec, TypeVar

from .compiler.builder import is_tracing

# What numjac raises for a mistake in how it was called or in the traced code.
USER_ERRORS = (TypeError, ValueError, IndexError, NotImplementedError, ArithmeticError)

P = ParamSpec("P")
R = TypeVar("R")


def hide_internal_frames(error: BaseException) -> None:
    """Remove numjac's frames from the traceback of ``error`` and of the
    errors chained to it, where they are a user's error (see the module
    docstring), unless NUMJAC_TRACEBACK=full.  Inside a trace it does
    nothing: the outermost entry point filters the whole traceback once."""
    if os.environ.get("NUMJAC_TRACEBACK") == "full" or is_tracing():
        return
    for chained in _chain(error):
        if _is_users_error(chained):
            _filter(chained)


def public_entry(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate an entry point so the errors it passes on are filtered by
    ``hide_internal_frames``.  (StagedFunction.__call__, the hot path, has
    the same try block inline: one function call less.)"""
    @functools.wraps(fn)
    def entry(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            hide_internal_frames(error)
            raise   # bare: the filtered traceback, with no frame of this function
    return entry


def is_internal(frame: types.FrameType) -> bool:
    """A frame of numjac's modules or of the code numjac generates."""
    module = frame.f_globals.get("__name__") or ""
    return (module == "numjac" or module.startswith("numjac.")
            or frame.f_code.co_filename.startswith("<numjac "))


def _chain(error: BaseException) -> list:
    """``error`` and its causes and contexts, each once."""
    found, pending = [], [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        pending += [current.__cause__, current.__context__]
    return found


def _is_users_error(error: BaseException) -> bool:
    """Raised for a user's mistake, or raised outside numjac."""
    if isinstance(error, USER_ERRORS):
        return True
    innermost = None
    tb = error.__traceback__
    while tb is not None:
        innermost, tb = tb, tb.tb_next
    return innermost is None or not is_internal(innermost.tb_frame)


def _filter(error: BaseException) -> None:
    """Give ``error`` a traceback without numjac's frames."""
    kept = []
    tb = error.__traceback__
    while tb is not None:
        if not is_internal(tb.tb_frame):
            kept.append(tb)
        tb = tb.tb_next
    filtered = None
    for tb in reversed(kept):     # new objects: the old chain may be shared
        filtered = types.TracebackType(filtered, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
    error.with_traceback(filtered)
