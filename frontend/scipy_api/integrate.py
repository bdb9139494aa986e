"""scipy.integrate inside traced functions.  ``odeint`` on traced initial
values, times or args (or with a right-hand side reading traced values)
binds the ``ode`` primitive (compiler/primitives/ode.py): the right-hand
side is traced once into a sub-IR, solved by an explicit Dormand-Prince
5(4) method with error control at odeint's tolerances, and differentiated
by forward sensitivities (jvp) and the adjoint method (vjp).
``solve_ivp`` with an explicit Runge-Kutta method and ``t_eval`` runs the
same solve.  Calls that touch no traced value run SciPy (their results are
constants of the trace).  See docs/guide.md, "ODE solves"."""
from __future__ import annotations

import numpy as np
import scipy.integrate
from scipy.integrate._ivp.ivp import OdeResult

from ..compiler.ir import IR
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
    as_separate_arguments = flatten(tuple(range(len(in_types))))[1]   # a tuple tree
    body = trace_body(rhs, in_types, as_separate_arguments,
                      "the right-hand side of scipy.integrate.odeint",
                      lambda result: _derivative(result, state.type))
    captured, (ir,) = closed([body])
    # the ode's body takes (state, t, args): the captured values come last, as args
    ir = IR(ir.inputs[len(captured):] + ir.inputs[:len(captured)], ir.eqns, ir.outputs)
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


# solve_ivp's explicit Runge-Kutta methods map onto the same solver: its
# solution at t_eval is odeint's at (t0, *t_eval), with fun(t, y, *args).
_IVP_METHODS = ("RK45", "DOP853", "RK23")
# Options of the implicit methods, which SciPy itself ignores (with a warning)
# for the explicit ones.
_IVP_IGNORED = ("jac", "jac_sparsity", "lband", "uband", "min_step")


@replaced_while_tracing(scipy.integrate, "solve_ivp")
def solve_ivp(original, fun, t_span, y0, method="RK45", t_eval=None, dense_output=False,
              events=None, vectorized=False, args=None, **options):
    values = concrete((t_span, y0, t_eval, args))
    if not _has_tracer(values):
        try:
            return original(fun, *values[:2], method, values[2], dense_output, events,
                            vectorized, values[3], **options)
        except ConcretizationError:     # the right-hand side reads traced values
            pass
    t_span, y0, t_eval, args = values
    _check_ivp_call(method, t_eval, dense_output, events, vectorized, options)
    times = np.concatenate([np.reshape(t_span[0], (1,)), np.ravel(t_eval)])
    solver = _solver_options(rtol=options.get("rtol", 1e-3), atol=options.get("atol", 1e-6),
                             h0=options.get("first_step"), mxstep=0,
                             hmax=_finite_or_zero(options.get("max_step", np.inf)))
    ys = _traced_odeint(fun, y0, times, () if args is None else tuple(args), True, **solver)
    return OdeResult(t=t_eval, y=ys[1:].T, sol=None, t_events=None, y_events=None, status=0,
                     message="The solver successfully reached the end of the integration "
                             "interval.", success=True)


def _check_ivp_call(method, t_eval, dense_output, events, vectorized, options):
    """Refuse, by name, what the traced solve_ivp cannot do."""
    where = "scipy.integrate.solve_ivp on traced values"
    if method not in _IVP_METHODS:
        raise unsupported(f"{where} with method={method!r}",
                          f"numjac runs an explicit Dormand-Prince solver for the methods "
                          f"{', '.join(_IVP_METHODS)} only; for a stiff problem, pass "
                          "jac=nj.jacfwd(fun, argnums=1) to SciPy's solver on concrete values")
    if t_eval is None:
        raise unsupported(f"{where} without t_eval",
                          "the solver's own time steps depend on the values, so the output's "
                          "shape would too: pass t_eval, the times to return")
    given = dict(dense_output=dense_output, events=events, vectorized=vectorized)
    refused = [name for name, value in given.items() if value not in (None, False)]
    refused += [name for name in options
                if name not in ("rtol", "atol", "first_step", "max_step") + _IVP_IGNORED]
    if refused:
        raise unsupported(f"{where} with {', '.join(refused)}",
                          "numjac's solve_ivp returns the solution at t_eval only")


def _finite_or_zero(value):
    return 0.0 if isinstance(value, (int, float)) and not np.isfinite(value) else value
