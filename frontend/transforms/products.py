"""``vjp``, ``jvp`` and ``linearize``: Jacobian-vector products, as
functions of the primals (jvp) or evaluated from the residuals of one
forward pass (vjp_fn, linearize's jvp_fn)."""
from __future__ import annotations

from typing import Any, Callable, Literal, overload

from ..compiler.builder import Builder, inline
from ..compiler.passes.autodiff import jvp_eval, linearize_ir, transpose_eval
from ..compiler.primitives.base import instantiate
from ..compiler.rules import Zero
from ..pytree import LEAF, TreeDef, flatten, unflatten
from ..staging import Staged, StagedFunction
from ..tracebacks import public_entry
from .arguments import check_callable, check_like, check_primals_tuple
from .differentiation import Collector, diff_setup, setup_on_primals, transformed_staged


@overload
def vjp(func: Callable[..., Any], *primals: Any, has_aux: Literal[False] = False
        ) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]: ...
@overload
def vjp(func: Callable[..., Any], *primals: Any, has_aux: Literal[True]
        ) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]: ...
@overload
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool
        ) -> tuple[Any, ...]: ...
@public_entry
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """The output of ``func`` and its vector-Jacobian product function.

    As torch.func.vjp.  The forward pass runs once, now; ``vjp_fn`` reads what it saved, so
    each call of it costs only the backward pass.

    Parameters
    ----------
    func : callable
        A function of arrays (pytrees of arrays) returning arrays; with
        ``has_aux``, a pair ``(output, aux)``.
    *primals : array_like or pytree
        The point: ``func(*primals)``.  Every primal is differentiated and
        must hold floats.
    has_aux : bool, default False
        ``func`` returns ``(output, aux)``; aux is returned as it is.

    Returns
    -------
    tuple
        ``(output, vjp_fn)``, or ``(output, vjp_fn, aux)`` with ``has_aux``.
        ``vjp_fn(cotangents)`` takes cotangents of the output's structure
        and shapes and returns a tuple with one cotangent per primal, of
        that primal's shape.  It can be called again, and vmapped.

    Raises
    ------
    TypeError
        ``func`` is not callable, a primal is an integer, or an output is
        not an array.
    ValueError
        ``has_aux`` is set and ``func`` does not return a pair; from
        ``vjp_fn``, cotangents whose structure or shapes differ from the
        output's.

    See Also
    --------
    jvp : the forward-mode product.
    grad : the vjp of a scalar output with cotangent 1.

    Examples
    --------
    >>> x = np.array([0.0, 1.0])
    >>> out, vjp_fn = nj.vjp(lambda x: x ** 2, x)
    >>> (ct,) = vjp_fn(np.array([1.0, 10.0]))
    >>> ct.tolist()
    [0.0, 20.0]
    >>> rows = nj.vmap(vjp_fn)(np.eye(2))[0]     # the Jacobian, row by row
    >>> rows.tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """
    check_callable(func, "vjp")
    result, residuals = _PrimalPart(func, has_aux, "vjp")(*primals)
    out, aux = result if has_aux else (result, None)
    pullback = _LinearPart(func, has_aux, transposed=True)

    @public_entry
    def vjp_fn(cotangents):
        check_like(cotangents, out, "cotangents", "vjp_fn")
        return pullback(primals, residuals, cotangents)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


@overload
def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...],
        has_aux: Literal[False] = False) -> tuple[Any, Any]: ...
@overload
def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...],
        has_aux: Literal[True]) -> tuple[Any, Any, Any]: ...
@overload
def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...],
        has_aux: bool) -> tuple[Any, ...]: ...
@public_entry
def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...],
        has_aux: bool = False) -> tuple[Any, ...]:
    """The output of ``func`` and its Jacobian-vector product, as torch.func.jvp.

    Parameters
    ----------
    func : callable
        A function of arrays (pytrees of arrays) returning arrays; with
        ``has_aux``, a pair ``(output, aux)``.
    primals : tuple
        The point: ``func(*primals)``.  Every primal is differentiated and
        must hold floats.
    tangents : tuple
        One tangent per primal, of its structure and shapes.
    has_aux : bool, default False
        ``func`` returns ``(output, aux)``; aux is returned as it is.

    Returns
    -------
    tuple
        ``(output, tangent_out)``, or ``(output, tangent_out, aux)`` with
        ``has_aux``; ``tangent_out`` has the output's structure and shapes.

    Raises
    ------
    TypeError
        ``func`` is not callable, ``primals`` or ``tangents`` is not a
        tuple, a primal is an integer, or an output is not an array.
    ValueError
        ``tangents`` differ from ``primals`` in structure or shapes, or
        ``has_aux`` is set and ``func`` does not return a pair.

    See Also
    --------
    linearize : many jvps at one point, sharing the forward pass.
    vjp : the reverse-mode product.

    Examples
    --------
    >>> x = np.array([0.0, 1.0])
    >>> out, tangent = nj.jvp(lambda x: x ** 2, (x,), (np.array([1.0, 10.0]),))
    >>> out.tolist(), tangent.tolist()
    ([0.0, 1.0], [0.0, 20.0])
    """
    check_callable(func, "jvp")
    check_primals_tuple(primals, "jvp")
    if not isinstance(tangents, tuple):
        raise TypeError(f"jvp: tangents must be a tuple, got {type(tangents).__name__}")
    check_like(tangents, primals, "tangents", "jvp")
    return _PushForward(func, has_aux)(primals, tangents)


@public_entry
def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """The output of ``func`` and its Jacobian-vector product function.

    As torch.func.linearize.  The forward pass runs once, now; ``jvp_fn`` reads what it saved, so
    each call of it costs only the linear part.

    Parameters
    ----------
    func : callable
        A function of arrays (pytrees of arrays) returning arrays.
    *primals : array_like or pytree
        The point: ``func(*primals)``.  Every primal is differentiated and
        must hold floats.

    Returns
    -------
    tuple
        ``(output, jvp_fn)``: ``jvp_fn(*tangents)``, with one tangent per
        primal of its structure and shapes, returns the output's tangent,
        of the output's structure and shapes.

    Raises
    ------
    TypeError
        ``func`` is not callable, a primal is an integer, or an output is
        not an array.
    ValueError
        From ``jvp_fn``, tangents whose structure or shapes differ from the
        primals'.

    See Also
    --------
    jvp : one product, computed with the output.

    Examples
    --------
    >>> out, jvp_fn = nj.linearize(np.sin, np.array([0.0, np.pi]))
    >>> jvp_fn(np.array([2.0, 3.0])).tolist()
    [2.0, -3.0]
    """
    check_callable(func, "linearize")
    out, residuals = _PrimalPart(func, False, "linearize")(*primals)
    pushforward = _LinearPart(func, False, transposed=False)

    @public_entry
    def jvp_fn(*tangents):
        check_like(tangents, primals, "tangents", "linearize's jvp_fn")
        return pushforward(primals, residuals, tangents)
    return out, jvp_fn


def _inputs_around(builder, setup, extra_types):
    """New IR inputs: the primal inputs, ``extra_types``, then captures.

    Returns (atoms for the traced IR's inputs, atoms for the extras)."""
    n_dyn = len(setup.base.dynamic)
    in_types = [v.type for v in setup.ir.inputs]
    primal = [builder.new_input(t) for t in in_types[:n_dyn]]
    extra = [builder.new_input(t) for t in extra_types]
    captured = [builder.new_input(t) for t in in_types[n_dyn:]]
    return primal + captured, extra


def _with_extra_leaves(setup, n_primal_leaves, n_extra, transformed, out_tree):
    """The Staged of ``transformed``, whose inputs after the primals are the
    ``n_extra`` leaves of the call that follow them."""
    extra_leaves = range(n_primal_leaves, n_primal_leaves + n_extra)
    return transformed_staged(setup, transformed, out_tree, extra_leaves)


class _PushForward(StagedFunction):
    """``pushforward(primals, tangents)``: (out, tangent_out[, aux])."""

    def __init__(self, fn, has_aux):
        super().__init__(fn, options=(has_aux,))
        self.has_aux = has_aux

    def stage(self, treedef, leaves, specs):
        setup, n = setup_on_primals(self.fn, self.has_aux, "jvp", treedef, leaves, specs)
        tangent_types = [setup.ir.inputs[p].type for p in setup.positions]
        builder = Builder()
        with builder:
            inputs, tangents = _inputs_around(builder, setup, tangent_types)
            it = iter(tangents)
            all_tangents = [next(it) if w else Zero(v.type)
                            for v, w in zip(setup.ir.inputs, setup.wrt)]
            outs, touts = jvp_eval(setup.ir, inputs, all_tangents)
            main = outs[:setup.n_main]
            touts = [instantiate(t) for t in touts[:setup.n_main]]
            flat = main + touts + list(setup.aux_outputs(outs))
            ir = builder.build(flat)
        parts = [setup.main_def, setup.main_def] + ([setup.aux_def] if self.has_aux else [])
        out_tree = TreeDef("tuple", None, parts)
        return _with_extra_leaves(setup, n, len(tangent_types), ir, out_tree)


class _PrimalPart(StagedFunction):
    """``forward(*primals) -> (func(*primals), residuals)``: the primal half
    of func's linearization at primals (compiler/passes/autodiff.py)."""

    def __init__(self, fn, has_aux, name):
        super().__init__(fn, options=(has_aux, name))
        self.has_aux, self.name = has_aux, name

    def stage(self, treedef, leaves, specs):
        every_arg = tuple(range(len(treedef.children[0].children)))
        setup = diff_setup(self.fn, every_arg, self.has_aux, self.name, treedef, leaves, specs)
        lin = linearize_ir(setup.ir, setup.wrt)
        n_residuals = len(lin.primal_ir.outputs) - len(setup.ir.outputs)
        out_tree = TreeDef("tuple", None, [setup.base.out_tree,
                                           TreeDef("tuple", None, [LEAF] * n_residuals)])
        stages = {"traced": setup.base.stages["traced"], "transformed": lin.primal_ir}
        return Staged(lin.primal_ir, out_tree, setup.base.captures, setup.base.dynamic,
                      stages=stages, guards=setup.base.guards)


class _LinearPart(StagedFunction):
    """``linear(primals, residuals, vectors)``: the tangent half of func's
    linearization at primals, from the residuals ``_PrimalPart`` returned.
    Tangents of the primals give the output's tangent (linearize); with
    ``transposed``, cotangents of the output give one cotangent per primal
    (vjp)."""

    def __init__(self, fn, has_aux, transposed):
        super().__init__(fn, options=(has_aux, transposed))
        self.has_aux, self.transposed = has_aux, transposed

    def stage(self, treedef, leaves, specs):
        name = "vjp" if self.transposed else "linearize"
        setup, n = setup_on_primals(self.fn, self.has_aux, name, treedef, leaves, specs)
        lin = linearize_ir(setup.ir, setup.wrt)
        residual_types = [a.type for a in lin.primal_ir.outputs[len(setup.ir.outputs):]]
        if self.transposed:
            vector_types = [a.type for a in setup.ir.outputs[:setup.n_main]]
        else:
            vector_types = [setup.ir.inputs[p].type for p in setup.positions]
        builder = Builder()
        collect = Collector()
        with builder:
            _, extras = _inputs_around(builder, setup, residual_types + vector_types)
            residuals, vectors = extras[:len(residual_types)], extras[len(residual_types):]
            if self.transposed:
                tree = _pull_back(setup, lin, residuals, vectors, collect)
            else:
                tree = _push_forward(setup, lin, residuals, vectors, collect)
            indices, out_tree = flatten(tree)
            ir = builder.build([collect.atoms[i] for i in indices])
        return _with_extra_leaves(setup, n, len(extras), ir, out_tree)


def _pull_back(setup, lin, residuals, cotangents, collect):
    """The primals' cotangents, as the argnums structure."""
    all_cts = cotangents + setup.aux_zero_cotangents()
    in_cts = transpose_eval(lin.linear_ir, residuals, [all_cts[i] for i in lin.linear_outputs])
    ct_at = dict(zip(setup.positions, in_cts))
    return setup.per_argnum(lambda p: collect(instantiate(ct_at[p])))


def _push_forward(setup, lin, residuals, tangents, collect):
    """The output's tangent, as the output pytree."""
    linear = dict(zip(lin.linear_outputs, inline(lin.linear_ir, residuals + tangents)))
    outs = setup.ir.outputs[:setup.n_main]
    touts = [linear[i] if i in linear else instantiate(Zero(a.type)) for i, a in enumerate(outs)]
    return unflatten(setup.main_def, [collect(t) for t in touts])
