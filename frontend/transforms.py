"""The autodiff transforms: grad, value_and_grad, vjp, jvp, linearize,
jacrev, jacfwd, hessian, jacobian.

Each differentiating transform is a ``StagedFunction``: per call signature
it traces ``func``, rewrites the IR with the passes in
compiler/passes/autodiff.py (and the batching pass for Jacobians), and
caches the result.  Inside another trace it inlines, so transforms compose.
"""
from __future__ import annotations


import numpy as np

from .compiler.builder import Builder, inline
from .compiler.ir import AType, Lit, is_float
from .compiler.passes.batching import RANDOMNESS, chunked_batch_ir
from .compiler.passes.autodiff import jvp_eval, linearize_ir, transpose_eval, vjp_eval
from .compiler.passes.simplify import simplify
from .compiler.primitives.elementwise import add, eq
from .compiler.primitives.base import instantiate
from .compiler.rules import Zero
from .compiler.primitives.structural import convert, iota, reshape, transpose
from .pytree import LEAF, TreeDef, flatten, unflatten
from .staging import Staged, StagedFunction, trace
from .tracer import Tracer


# -- argument checks -----------------------------------------------------------

def check_argnums_type(argnums):
    """Validate argnums as far as possible without the arguments."""
    if isinstance(argnums, tuple):
        if not argnums:
            raise ValueError("argnums must be non-empty")
        for n in argnums:
            check_argnums_type(n)
        if len(set(argnums)) != len(argnums):
            raise ValueError(f"argnums must not repeat an argument, got {argnums}")
        return
    if isinstance(argnums, bool) or not isinstance(argnums, int):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")


def normalize_argnums(argnums, nargs: int) -> tuple:
    """Positions of the differentiated arguments (negative ones resolved)."""
    positions = argnums if isinstance(argnums, tuple) else (argnums,)
    resolved = []
    for n in positions:
        if not -nargs <= n < nargs:
            raise ValueError(f"argnums {argnums} is out of range for a function called "
                             f"with {nargs} positional argument(s)")
        resolved.append(n % nargs)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"argnums {argnums} names the same argument twice")
    return tuple(resolved)


def check_chunk_size(chunk_size):
    if chunk_size is not None and (isinstance(chunk_size, bool) or
                                   not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"chunk_size must be None or a positive int, got {chunk_size!r}")


class _OutputChecks:
    """Wraps func: checks has_aux's 2-tuple and that outputs are arrays."""

    def __init__(self, fn, has_aux: bool, transform: str):
        self.fn, self.has_aux, self.transform = fn, has_aux, transform
        self.__wrapped__ = fn

    @property
    def cache_key(self):
        return (self.fn, self.has_aux, self.transform)

    def __eq__(self, other):
        return isinstance(other, _OutputChecks) and other.cache_key == self.cache_key

    def __hash__(self):
        return hash(self.cache_key)

    def __call__(self, *args, **kwargs):
        result = self.fn(*args, **kwargs)
        if self.has_aux:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ValueError(f"{self.transform}(has_aux=True): the function must "
                                 "return a (output, aux) tuple")
            _check_array_leaves(result[0], self.transform, "output")
            _check_array_leaves(result[1], self.transform, "aux")
        else:
            _check_array_leaves(result, self.transform, "output")
        return result


def _check_array_leaves(tree, transform, what):
    leaves, _ = flatten(tree)
    if what == "output" and not leaves:
        raise ValueError(f"{transform}: the function returned no arrays to differentiate")
    for leaf in leaves:
        if not isinstance(leaf, (Tracer, np.ndarray, np.generic)):
            raise TypeError(f"{transform}: every {what} must be an array, got a "
                            f"{type(leaf).__name__} ({leaf!r})")


# -- the common staging of differentiating transforms ---------------------------

class DiffSetup:
    """The traced function and which IR inputs are differentiated."""

    def __init__(self, base: Staged, groups, arg_defs, has_aux, int_argnums):
        self.base = base
        self.ir = base.ir
        self.groups = groups          # per argnum: IR input positions of its leaves
        self.arg_defs = arg_defs      # per argnum: the argument's TreeDef
        self.int_argnums = int_argnums
        if has_aux:
            main_def, aux_def = base.out_tree.children
        else:
            main_def, aux_def = base.out_tree, None
        self.main_def, self.aux_def = main_def, aux_def
        self.n_main = main_def.num_leaves
        self.wrt = [False] * len(base.ir.inputs)
        for group in groups:
            for p in group:
                self.wrt[p] = True
        # The differentiated IR inputs in IR order, the order in which the
        # passes take and return their tangents and cotangents.
        self.positions = [p for p, w in enumerate(self.wrt) if w]

    def aux_outputs(self, outputs):
        return outputs[self.n_main:]

    def per_argnum(self, blocks_for_positions):
        """The argnums structure with each leaf block from a position."""
        trees = [unflatten(d, [blocks_for_positions(p) for p in g])
                 for d, g in zip(self.arg_defs, self.groups)]
        return trees[0] if self.int_argnums else tuple(trees)


def _diff_setup(fn, argnums, has_aux, name, treedef, leaves, specs) -> DiffSetup:
    base = trace(_OutputChecks(fn, has_aux, name), treedef, leaves, specs)
    args_def = treedef.children[0]
    positions = normalize_argnums(argnums, len(args_def.children))
    starts = np.cumsum([0] + [c.num_leaves for c in args_def.children])
    ir_position = {leaf: i for i, leaf in enumerate(base.dynamic)}
    groups, arg_defs = [], []
    for n in positions:
        group = []
        for leaf in range(starts[n], starts[n + 1]):
            if leaf not in ir_position:
                raise TypeError(f"{name}: argument {n} holds a non-array leaf "
                                f"{leaves[leaf]!r}; differentiated arguments must be arrays")
            atype = base.ir.inputs[ir_position[leaf]].type
            if not is_float(atype.dtype):
                raise TypeError(f"{name}: argument {n} has dtype {atype.dtype}; only "
                                "float32 and float64 inputs can be differentiated")
            group.append(ir_position[leaf])
        groups.append(group)
        arg_defs.append(args_def.children[n])
    return DiffSetup(base, groups, arg_defs, has_aux, isinstance(argnums, int))


def _finish(setup: DiffSetup, builder, out_tree_with_positions, flat_outputs) -> Staged:
    """Package a new IR whose outputs are ``flat_outputs`` arranged as the
    pytree ``out_tree_with_positions`` (leaves are indices into them)."""
    indices, out_tree = flatten(out_tree_with_positions)
    transformed = builder.build([flat_outputs[i] for i in indices])
    ir = simplify(transformed)
    staged = Staged(ir, out_tree, setup.base.captures, setup.base.dynamic)
    staged.extra["stages"] = {"traced": setup.ir, "transformed": transformed,
                              "optimized": ir}
    return staged


class _Collector:
    """Collects output atoms and hands out their positions for a pytree."""

    def __init__(self):
        self.atoms = []

    def __call__(self, atom) -> int:
        self.atoms.append(atom)
        return len(self.atoms) - 1


class _DiffTransform(StagedFunction):
    name = "transform"

    def __init__(self, fn, argnums=0, has_aux=False, options=()):
        check_argnums_type(argnums)
        if not isinstance(has_aux, bool):
            raise TypeError(f"has_aux must be a bool, got {has_aux!r}")
        super().__init__(fn, options=(argnums, has_aux) + tuple(options))
        self.argnums, self.has_aux = argnums, has_aux

    def check_args(self, args, kwargs):
        normalize_argnums(self.argnums, len(args))

    def __call__(self, *args, **kwargs):
        # A differentiated Python int is a 0-d float64, as a Python float is.
        if any(type(a) is int for a in args):
            positions = normalize_argnums(self.argnums, len(args))
            args = tuple(float(a) if n in positions and type(a) is int else a
                         for n, a in enumerate(args))
        return super().__call__(*args, **kwargs)

    def setup(self, treedef, leaves, specs) -> DiffSetup:
        return _diff_setup(self.fn, self.argnums, self.has_aux, self.name,
                           treedef, leaves, specs)


# -- grad and value_and_grad -----------------------------------------------------

def _check_scalar_output(setup: DiffSetup, name):
    outs = setup.ir.outputs[:setup.n_main]
    if setup.main_def != LEAF or outs[0].type.shape != ():
        shape = outs[0].type.shape if setup.main_def == LEAF else setup.main_def
        raise ValueError(f"{name}: the function must return a scalar (0-d) output "
                         f"to differentiate, got {shape}")
    if not is_float(outs[0].type.dtype):
        raise TypeError(f"{name}: the output must be a float, got {outs[0].type.dtype}")


def _stage_value_and_grad(transform, treedef, leaves, specs, with_value):
    setup = transform.setup(treedef, leaves, specs)
    _check_scalar_output(setup, transform.name)
    builder = Builder()
    collect = _Collector()
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        value = setup.ir.outputs[0]
        one = Lit(1.0, value.type.dtype)
        outs, cts = vjp_eval(setup.ir, inputs, [one] + _zero_cts(setup), setup.wrt)
        ct_at = dict(zip(setup.positions, cts))
        grads = setup.per_argnum(lambda p: collect(instantiate(ct_at[p])))
        aux = unflatten(setup.aux_def, [collect(a) for a in setup.aux_outputs(outs)]) \
            if setup.aux_def is not None else None
        if not with_value:
            tree = (grads, aux) if transform.has_aux else grads
        else:
            value_index = collect(outs[0])
            tree = (((value_index, aux) if transform.has_aux else value_index), grads)
        return _finish(setup, builder, tree, collect.atoms)


def _zero_cts(setup):
    return [Zero(a.type) for a in setup.ir.outputs[setup.n_main:]]


class grad(_DiffTransform):
    """Gradient of a scalar-output ``func`` with respect to ``argnums``."""

    name = "grad"

    def stage(self, treedef, leaves, specs):
        return _stage_value_and_grad(self, treedef, leaves, specs, with_value=False)


class value_and_grad(_DiffTransform):
    """``(value, grad)``, or ``((value, aux), grad)`` with has_aux."""

    name = "value_and_grad"

    def stage(self, treedef, leaves, specs):
        return _stage_value_and_grad(self, treedef, leaves, specs, with_value=True)


# -- vjp, jvp and linearize --------------------------------------------------------

def _primals_tuple(primals, name):
    if not isinstance(primals, tuple):
        raise TypeError(f"{name}: primals must be a tuple, got {type(primals).__name__}")
    return primals


def _setup_on_primals(fn, has_aux, name, treedef, leaves, specs):
    """Trace ``fn(*primals)`` for a staged call ``(primals, other)``: the
    primal leaves come first; every primal is differentiated."""
    primals_def = treedef.children[0].children[0]
    n = primals_def.num_leaves
    sub_def = TreeDef("tuple", None, [primals_def, TreeDef("dict", (), [])])
    argnums = tuple(range(len(primals_def.children)))
    setup = _diff_setup(fn, argnums, has_aux, name, sub_def, leaves[:n], specs[:n])
    return setup, n


def _inputs_around(builder, setup, extra_types):
    """New IR inputs: the primal inputs, ``extra_types``, then captures.

    Returns (atoms for the traced IR's inputs, atoms for the extras)."""
    n_dyn = len(setup.base.dynamic)
    in_types = [v.type for v in setup.ir.inputs]
    primal = [builder.new_input(t) for t in in_types[:n_dyn]]
    extra = [builder.new_input(t) for t in extra_types]
    captured = [builder.new_input(t) for t in in_types[n_dyn:]]
    return primal + captured, extra


def _staged_with_extras(setup, n_primal_leaves, n_extra, transformed, out_tree):
    extra_leaves = tuple(range(n_primal_leaves, n_primal_leaves + n_extra))
    ir = simplify(transformed)
    staged = Staged(ir, out_tree, setup.base.captures, setup.base.dynamic + extra_leaves)
    staged.extra["stages"] = {"traced": setup.ir, "transformed": transformed,
                              "optimized": ir}
    return staged


class _PushForward(StagedFunction):
    """``pushforward(primals, tangents)``: (out, tangent_out[, aux])."""

    def __init__(self, fn, has_aux):
        super().__init__(fn, options=(has_aux,))
        self.has_aux = has_aux

    def stage(self, treedef, leaves, specs):
        setup, n = _setup_on_primals(self.fn, self.has_aux, "jvp", treedef, leaves, specs)
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
        return _staged_with_extras(setup, n, len(tangent_types), ir, out_tree)


def _check_like(values, reference, what, name):
    """``values`` must have ``reference``'s pytree structure and shapes."""
    leaves, tree = flatten(values)
    ref_leaves, ref_tree = flatten(reference)
    if tree != ref_tree:
        raise ValueError(f"{name}: {what} must have the structure {ref_tree}, got {tree}")
    for i, (leaf, ref) in enumerate(zip(leaves, ref_leaves)):
        if np.shape(leaf) != np.shape(ref):
            raise ValueError(f"{name}: {what} leaf {i} has shape {np.shape(leaf)}, "
                             f"expected {np.shape(ref)}")


def vjp(func, *primals, has_aux=False):
    """``(out, vjp_fn)`` or ``(out, vjp_fn, aux)``; ``vjp_fn(cotangents)``
    returns a tuple with one cotangent per primal, and is reusable and
    vmappable.  The forward pass runs once: ``vjp_fn`` reads its residuals."""
    result, residuals = _PrimalPart(func, has_aux, "vjp")(*primals)
    out, aux = result if has_aux else (result, None)
    pullback = _LinearPart(func, has_aux, transposed=True)

    def vjp_fn(cotangents):
        _check_like(cotangents, out, "cotangents", "vjp_fn")
        return pullback(primals, residuals, cotangents)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(func, primals, tangents, has_aux=False):
    """``(out, tangent_out)`` or ``(out, tangent_out, aux)``."""
    _primals_tuple(primals, "jvp")
    if not isinstance(tangents, tuple):
        raise TypeError(f"jvp: tangents must be a tuple, got {type(tangents).__name__}")
    _check_like(tangents, primals, "tangents", "jvp")
    return _PushForward(func, has_aux)(primals, tangents)


def linearize(func, *primals):
    """``(out, jvp_fn)`` where ``jvp_fn(*tangents)`` is the jvp at primals,
    evaluated from the residuals of one forward pass."""
    out, residuals = _PrimalPart(func, False, "linearize")(*primals)
    pushforward = _LinearPart(func, False, transposed=False)

    def jvp_fn(*tangents):
        _check_like(tangents, primals, "tangents", "linearize's jvp_fn")
        return pushforward(primals, residuals, tangents)
    return out, jvp_fn


class _PrimalPart(StagedFunction):
    """``forward(*primals) -> (func(*primals), residuals)``: the primal half
    of func's linearization at primals (compiler/passes/autodiff.py)."""

    def __init__(self, fn, has_aux, name):
        super().__init__(fn, options=(has_aux, name))
        self.has_aux, self.name = has_aux, name

    def stage(self, treedef, leaves, specs):
        every_arg = tuple(range(len(treedef.children[0].children)))
        setup = _diff_setup(self.fn, every_arg, self.has_aux, self.name, treedef, leaves, specs)
        lin = linearize_ir(setup.ir, setup.wrt)
        n_residuals = len(lin.primal_ir.outputs) - len(setup.ir.outputs)
        out_tree = TreeDef("tuple", None, [setup.base.out_tree,
                                           TreeDef("tuple", None, [LEAF] * n_residuals)])
        return Staged(lin.primal_ir, out_tree, setup.base.captures, setup.base.dynamic)


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
        setup, n = _setup_on_primals(self.fn, self.has_aux, name, treedef, leaves, specs)
        lin = linearize_ir(setup.ir, setup.wrt)
        residual_types = [a.type for a in lin.primal_ir.outputs[len(setup.ir.outputs):]]
        if self.transposed:
            vector_types = [a.type for a in setup.ir.outputs[:setup.n_main]]
        else:
            vector_types = [setup.ir.inputs[p].type for p in setup.positions]
        builder = Builder()
        collect = _Collector()
        with builder:
            _, extras = _inputs_around(builder, setup, residual_types + vector_types)
            residuals, vectors = extras[:len(residual_types)], extras[len(residual_types):]
            if self.transposed:
                tree = _pull_back(setup, lin, residuals, vectors, collect)
            else:
                tree = _push_forward(setup, lin, residuals, vectors, collect)
            indices, out_tree = flatten(tree)
            ir = builder.build([collect.atoms[i] for i in indices])
        return _staged_with_extras(setup, n, len(extras), ir, out_tree)


def _pull_back(setup, lin, residuals, cotangents, collect):
    """The primals' cotangents, as the argnums structure."""
    all_cts = cotangents + _zero_cts(setup)
    in_cts = transpose_eval(lin.linear_ir, residuals, [all_cts[i] for i in lin.linear_outputs])
    ct_at = dict(zip(setup.positions, in_cts))
    return setup.per_argnum(lambda p: collect(instantiate(ct_at[p])))


def _push_forward(setup, lin, residuals, tangents, collect):
    """The output's tangent, as the output pytree."""
    linear = dict(zip(lin.linear_outputs, inline(lin.linear_ir, residuals + tangents)))
    outs = setup.ir.outputs[:setup.n_main]
    touts = [linear[i] if i in linear else instantiate(Zero(a.type)) for i, a in enumerate(outs)]
    return unflatten(setup.main_def, [collect(t) for t in touts])


# -- jacrev, jacfwd, hessian --------------------------------------------------------

def _basis_element(index, offset: int, shape, dtype):
    """The standard basis vector number ``index`` (an i64 scalar atom) of a
    space of ``shape``, as ``dtype`` values; built from iota so that no
    identity matrix is materialized and backends can fold it."""
    size = int(np.prod(shape, dtype=np.int64))
    positions = add(iota(np.int64, (size,), 0), offset) if offset else iota(np.int64, (size,), 0)
    return reshape(convert(eq(positions, index), dtype), shape)


def _basis_batched(per_element_ir, n_inputs, size, chunk_size, randomness="same"):
    """``per_element_ir`` (inputs..., index) batched over index = 0..size-1."""
    return chunked_batch_ir(per_element_ir, [False] * n_inputs + [True], size, chunk_size,
                            randomness=randomness)


def _per_element_ir(setup, body):
    """IR (traced inputs..., index: i64[]) -> body(inputs, index)."""
    builder = Builder()
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        index = builder.new_input(AType(np.int64, ()))
        return simplify(builder.build(body(inputs, index)))


def _jacobian_block(batched_result, out_shape, in_shape, basis_is_output: bool):
    """Reshape a batched derivative into the block ``out_shape + in_shape``.

    jacrev's result is batched over output elements: (n_out, *in_shape);
    jacfwd's over input elements: (n_in, *out_shape), moved to the back."""
    if basis_is_output:
        return reshape(batched_result, tuple(out_shape) + tuple(in_shape))
    ndim = batched_result.type.ndim
    moved = transpose(batched_result, tuple(range(1, ndim)) + (0,))
    return reshape(moved, tuple(out_shape) + tuple(in_shape))


def _check_float_outputs(setup, name):
    for atom in setup.ir.outputs[:setup.n_main]:
        if not is_float(atom.type.dtype):
            raise TypeError(f"{name}: outputs must be float arrays to differentiate, "
                            f"got {atom.type}")


class jacrev(_DiffTransform):
    """Reverse-mode Jacobian: batched vjps over the basis of the outputs."""

    name = "jacrev"

    def __init__(self, func, argnums=0, *, has_aux=False, chunk_size=None):
        check_chunk_size(chunk_size)
        super().__init__(func, argnums, has_aux, options=(chunk_size,))
        self.chunk_size = chunk_size

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        _check_float_outputs(setup, self.name)
        outs = setup.ir.outputs
        positions = setup.positions
        builder = Builder()
        collect = _Collector()
        with builder:
            inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
            blocks = {}
            for k in range(setup.n_main):
                out_type = outs[k].type

                def row_cotangents(row_inputs, index, k=k, out_type=out_type):
                    cts = [Zero(a.type) for a in outs]
                    cts[k] = _basis_element(index, 0, out_type.shape, out_type.dtype)
                    _, in_cts = vjp_eval(setup.ir, row_inputs, cts, setup.wrt)
                    return [instantiate(c) for c in in_cts]
                row_ir = _per_element_ir(setup, row_cotangents)
                batched = _basis_batched(row_ir, len(inputs), out_type.size, self.chunk_size)
                rows = iota(np.int64, (out_type.size,), 0)
                results = inline(batched, inputs + [rows])
                for p, result in zip(positions, results):
                    in_shape = setup.ir.inputs[p].type.shape
                    blocks[k, p] = _jacobian_block(result, out_type.shape, in_shape, True)
            tree = _output_major(setup, blocks, collect, inputs)
            return _finish(setup, builder, tree, collect.atoms)


class jacfwd(_DiffTransform):
    """Forward-mode Jacobian: batched jvps over the basis of the inputs."""

    name = "jacfwd"

    def __init__(self, func, argnums=0, has_aux=False, *, randomness="error",
                 chunk_size=None):
        check_chunk_size(chunk_size)
        if randomness not in RANDOMNESS:
            raise ValueError(f"randomness must be one of {RANDOMNESS}, got {randomness!r}")
        super().__init__(func, argnums, has_aux, options=(randomness, chunk_size))
        self.chunk_size, self.randomness = chunk_size, randomness

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        _check_float_outputs(setup, self.name)
        outs = setup.ir.outputs
        builder = Builder()
        collect = _Collector()
        with builder:
            inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
            blocks = {}
            for p in setup.positions:
                in_type = setup.ir.inputs[p].type

                def column_tangents(col_inputs, index, p=p, in_type=in_type):
                    tangents = [Zero(v.type) for v in setup.ir.inputs]
                    tangents[p] = _basis_element(index, 0, in_type.shape, in_type.dtype)
                    _, touts = jvp_eval(setup.ir, col_inputs, tangents)
                    return [instantiate(t) for t in touts[:setup.n_main]]
                column_ir = _per_element_ir(setup, column_tangents)
                batched = _basis_batched(column_ir, len(inputs), in_type.size,
                                         self.chunk_size, self.randomness)
                columns = iota(np.int64, (in_type.size,), 0)
                results = inline(batched, inputs + [columns])
                for k, result in enumerate(results):
                    blocks[k, p] = _jacobian_block(result, outs[k].type.shape,
                                                   in_type.shape, False)
            tree = _output_major(setup, blocks, collect, inputs)
            return _finish(setup, builder, tree, collect.atoms)


def _output_major(setup, blocks, collect, inputs):
    """The output pytree with each leaf replaced by its argnums structure of
    Jacobian blocks; with has_aux, ``(jacobian, aux)``."""
    per_output = [setup.per_argnum(lambda p, k=k: collect(blocks[k, p]))
                  for k in range(setup.n_main)]
    jac = unflatten(setup.main_def, per_output)
    if setup.aux_def is None:
        return jac
    aux_atoms = setup.aux_outputs(inline(setup.ir, inputs))
    return jac, unflatten(setup.aux_def, [collect(a) for a in aux_atoms])


def hessian(func, argnums=0):
    """The Hessian: ``jacfwd(jacrev(func, argnums), argnums)``."""
    return jacfwd(jacrev(func, argnums), argnums)


# -- stop_gradient and no_grad ----------------------------------------------------

def stop_gradient(x):
    """``x`` unchanged, with no derivative flowing through (pytrees too)."""
    from .compiler.primitives.structural import stop_gradient as stop
    from .pytree import tree_map
    from .tracer import to_atom, wrap

    def stop_leaf(leaf):
        return wrap(stop(to_atom(leaf))) if isinstance(leaf, Tracer) else leaf
    return tree_map(stop_leaf, x)


class no_grad:
    """``with nj.no_grad():`` inside a traced function: values computed in
    the block carry no derivative.  Around a call it has no effect, as in
    torch.func: a transform's result must not depend on outside state."""

    def __enter__(self):
        from .compiler.builder import innermost
        self._builder = innermost()
        if self._builder is not None:
            self._builder.no_grad_depth += 1
        return self

    def __exit__(self, *exc):
        if self._builder is not None:
            self._builder.no_grad_depth -= 1


# -- torch.autograd.functional.jacobian ------------------------------------------------

_STRATEGIES = ("reverse-mode", "forward-mode")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """torch.autograd.functional.jacobian on NumPy arrays.

    ``inputs`` is an array or a tuple of arrays; the result is an array, a
    tuple, or a tuple of tuples ``J[i][j]`` (output i, input j) with shape
    ``out_i.shape + in_j.shape``.  numjac always vectorizes, and its results
    are always differentiable when traced, so ``vectorize`` and
    ``create_graph`` only take part in the option checks.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {_STRATEGIES}, got {strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise ValueError('jacobian: strategy="forward-mode" requires vectorize=True')
    if strict and (vectorize or strategy == "forward-mode"):
        raise ValueError("jacobian: strict=True is not supported with vectorize=True "
                         'or strategy="forward-mode"')
    is_tuple = isinstance(inputs, tuple)
    args = inputs if is_tuple else (inputs,)
    for i, arg in enumerate(args):
        if not isinstance(arg, (np.ndarray, np.generic, Tracer)):
            raise TypeError(f"jacobian: inputs[{i}] must be an array, got {type(arg).__name__}")
    argnums = tuple(range(len(args))) if is_tuple else 0
    if strict:
        _check_strict(func, args)
    transform = jacfwd if strategy == "forward-mode" else jacrev
    return transform(func, argnums)(*args)


def _check_strict(func, args):
    from .api import make_ir
    from .compiler.passes.simplify import dependencies
    ir = make_ir(func)(*args)
    for i, depends in enumerate(dependencies(ir)):
        for j in range(len(args)):
            if j not in depends:
                raise ValueError(f"Output {i} of the user-provided function is independent "
                                 f"of input {j}. This is not allowed in strict mode.")
