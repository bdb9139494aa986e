"""scipy.integrate inside traced functions.  ``odeint`` on traced initial
values, times or args (or with a right-hand side reading traced values)
binds the ``ode`` primitive (compiler/primitives/ode.py): the right-hand
side is traced once into a sub-IR, solved by an explicit Dormand-Prince
5(4) method with error control at odeint's tolerances, and differentiated
by forward sensitivities (jvp) and the adjoint method (vjp).  Calls that
touch no traced value run SciPy's odeint (their results are constants of
the trace).  ``solve_ivp`` on traced values is refused with an error that
points to odeint.  See docs/guide.md, "ODE solves"."""
from __future__ import annotations

import numpy as np
import scipy.integrate

from ..compiler.primitives.base import reshape
from ..compiler.primitives.ode import TIME, ode
from ..compiler.primitives.structural import concatenate
from ..errors import ConcretizationError, unsupported
from ..loop_tracing import atom_of, closed, trace_body
from ..numpy_api.known import concrete
from ..pytree import flatten, unflatten
from ..replacements import replaced_while_tracing
from ..runtime import ode_solver  # noqa: F401  (the interpreter's ode)
from ..tracer import Tracer, to_atom, wrap

_RTOL = _ATOL = 1.49012e-8       # odeint's defaults
_MXSTEP = 10_000                 # steps between two output times when mxstep=0
# odeint's keywords that change what it returns or where it steps: refused
# when not at their defaults.  Its other keywords (Dfun, col_deriv, ml, mu,
# ixpr, mxhnil, mxordn, mxords, printmessg) tune or report on LSODA's stiff
# method and do not change the solution: an explicit solver ignores them.
_REFUSED = {"full_output": 0, "tcrit": None, "hmin": 0.0}


def _has_tracer(value) -> bool:
    return any(isinstance(leaf, Tracer) for leaf in flatten(value)[0])


@replaced_while_tracing(scipy.integrate, "odeint")
def odeint(original, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None,
           mu=None, rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0,
           mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False):
    args = args if isinstance(args, tuple) else (args,)
    options = dict(rtol=rtol, atol=atol, h0=h0, hmax=hmax, mxstep=mxstep)
    refused = dict(full_output=full_output, tcrit=tcrit, hmin=hmin)
    y0, t, args = concrete((y0, t, args))    # arrays made in the trace, values known
    if not _has_tracer((y0, t, args)):
        try:
            return original(func, y0, t, args, Dfun, col_deriv, full_output, ml, mu, rtol,
                            atol, tcrit, h0, hmax, hmin, ixpr, mxstep, mxhnil, mxordn, mxords,
                            printmessg, tfirst)
        except ConcretizationError:     # the right-hand side reads traced values
            pass
    _refuse_options(refused)
    return _traced_odeint(func, y0, t, args, tfirst, **_solver_options(**options))


def _refuse_options(given):
    changed = [name for name, value in given.items()
               if not (value is None if _REFUSED[name] is None else value == _REFUSED[name])]
    if changed:
        raise unsupported(f"scipy.integrate.odeint with {', '.join(changed)} on traced values",
                          "numjac's odeint returns the solution only, stepping freely between "
                          "output times (rtol, atol, h0, hmax, mxstep and tfirst are honoured)")


def _solver_options(rtol, atol, h0, hmax, mxstep) -> dict:
    options = dict(rtol=_RTOL if rtol is None else rtol, atol=_ATOL if atol is None else atol,
                   h0=h0 or 0.0, hmax=hmax or 0.0, mxstep=mxstep or _MXSTEP)
    for name, value in options.items():
        if np.ndim(value) or isinstance(value, Tracer) or not np.isfinite(value) or value < 0:
            raise TypeError(f"scipy.integrate.odeint: {name} must be a non-negative number "
                            f"(not an array or a traced value) inside a traced function, "
                            f"got {value!r}")
    return options


def _traced_odeint(func, y0, t, args, tfirst, **options):
    state = to_atom(y0, np.float64)
    state = reshape(state, (state.type.size,))
    times = to_atom(t, np.float64)
    if times.type.ndim != 1 or times.type.shape[0] == 0:
        raise TypeError(f"scipy.integrate.odeint: t must be a non-empty 1-D sequence of times, "
                        f"got shape {times.type.shape}")
    leaves, tree = flatten(args)
    traced = [isinstance(leaf, Tracer) for leaf in leaves]
    arg_atoms = [to_atom(leaf) for leaf, is_traced in zip(leaves, traced) if is_traced]

    def rhs(y, time, *traced_args):
        given = iter(traced_args)
        call_args = unflatten(tree, [next(given) if is_traced else leaf
                                     for leaf, is_traced in zip(leaves, traced)])
        return func(time, y, *call_args) if tfirst else func(y, time, *call_args)

    in_types = [state.type, TIME] + [a.type for a in arg_atoms]
    body = trace_body(rhs, in_types, flatten(tuple(range(len(in_types))))[1],
                      "the right-hand side of scipy.integrate.odeint",
                      lambda result: _derivative(result, state.type))
    captured, (ir,) = closed([body])
    ir = type(ir)(ir.inputs[len(captured):] + ir.inputs[:len(captured)], ir.eqns, ir.outputs)
    (ys,) = ode([state], times, arg_atoms + captured, body=ir, **options)
    return wrap(ys)


def _derivative(result, state_type):
    """The right-hand side's result as one float64 vector of the state's
    size (odeint's func may return a list of scalars)."""
    what = "the right-hand side of scipy.integrate.odeint"
    leaves, _ = flatten(result)
    for leaf in leaves:
        atom_of(leaf, what)     # an array or a number, else a TypeError naming the body
    parts = [to_atom(leaf, np.float64) for leaf in leaves]
    flat = [reshape(p, (p.type.size,)) for p in parts]
    vector = flat[0] if len(flat) == 1 else concatenate(flat, 0)
    if vector.type.shape != state_type.shape:
        raise ValueError(f"{what} returned {vector.type.shape[0]} values for a state of "
                         f"{state_type.shape[0]}")
    return [vector], flatten(0)[1]


@replaced_while_tracing(scipy.integrate, "solve_ivp")
def solve_ivp(original, *args, **kwargs):
    error = unsupported(
        "scipy.integrate.solve_ivp on traced values",
        "its solvers call the right-hand side on concrete arrays. Use scipy.integrate.odeint "
        "instead (numjac traces and differentiates it; with tfirst=True it takes "
        "solve_ivp's fun(t, y) and returns the solution at the times t_eval), or write the "
        "integrator with nj.fori_loop or nj.scan")
    args, kwargs = concrete((args, kwargs))
    if _has_tracer((args, kwargs)):
        raise error
    try:
        return original(*args, **kwargs)
    except ConcretizationError:     # the right-hand side reads traced values
        raise error from None
