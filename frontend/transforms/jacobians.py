"""``jacrev``, ``jacfwd``, ``hessian`` and torch's functional ``jacobian``.

A Jacobian is a derivative batched over a basis: jacrev pulls back every
basis vector of each output leaf (a vjp per row), jacfwd pushes forward
every basis vector of each differentiated input (a jvp per column).  Both
run one staging, ``stage_jacobian``; a ``JacobianMode`` says whose basis it
walks and which pass it runs per basis vector.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

import numpy as np
from numpy.typing import NDArray

from ..api import make_ir
from ..compiler.builder import Builder, inline
from ..compiler.ir import AType, is_float
from ..compiler.passes.autodiff import jvp_eval, vjp_eval
from ..compiler.passes.batching import RANDOMNESS, chunked_batch_ir
from ..compiler.passes.simplify import dependencies, simplify
from ..compiler.primitives.elementwise import eq
from ..compiler.primitives.base import instantiate
from ..compiler.primitives.structural import convert, iota, reshape, transpose
from ..compiler.rules import Zero
from ..pytree import unflatten
from ..tracebacks import public_entry
from ..tracer import Tracer
from .arguments import check_callable, check_chunk_size
from .compressed import dense_from_compressed
from .differentiation import Collector, DiffSetup, DiffTransform, finish


@dataclass(frozen=True)
class JacobianMode:
    """What sets jacrev and jacfwd apart.

    ``basis_spaces(setup)`` lists ``(seed, AType, block keys)``: each space
    whose basis is batched, and the ``(output k, input position p)`` block
    that each result of its derivative fills.  ``derivative(setup, inputs,
    seed, basis_vector)`` returns those results for one basis vector.  A
    result is batched over the basis, so its first axis is the seed's
    (flattened): an output's for rows, an input's for columns."""

    basis_spaces: Callable
    derivative: Callable
    basis_is_output: bool


def _output_spaces(setup: DiffSetup) -> list:
    return [(k, atom.type, [(k, p) for p in setup.positions])
            for k, atom in enumerate(setup.ir.outputs[:setup.n_main])]


def _pulled_back(setup: DiffSetup, inputs, k: int, basis_vector) -> list:
    """The differentiated inputs' cotangents for a cotangent of output k."""
    cotangents = [Zero(a.type) for a in setup.ir.outputs]
    cotangents[k] = basis_vector
    _, in_cotangents = vjp_eval(setup.ir, inputs, cotangents, setup.wrt)
    return [instantiate(c) for c in in_cotangents]


def _input_spaces(setup: DiffSetup) -> list:
    return [(p, setup.ir.inputs[p].type, [(k, p) for k in range(setup.n_main)])
            for p in setup.positions]


def _pushed_forward(setup: DiffSetup, inputs, p: int, basis_vector) -> list:
    """The outputs' tangents for a tangent of input position p."""
    tangents = [Zero(v.type) for v in setup.ir.inputs]
    tangents[p] = basis_vector
    _, out_tangents = jvp_eval(setup.ir, inputs, tangents)
    return [instantiate(t) for t in out_tangents[:setup.n_main]]


ROWS = JacobianMode(_output_spaces, _pulled_back, basis_is_output=True)
COLUMNS = JacobianMode(_input_spaces, _pushed_forward, basis_is_output=False)


def stage_jacobian(setup: DiffSetup, mode: JacobianMode, chunk_size, randomness, root=None):
    """The Staged computing every Jacobian block of ``setup``'s function
    (``root``: the user function, whose state tells its constants)."""
    if chunk_size is None and root is not None:
        # A structurally sparse Jacobian: compressed, then scattered (compressed.py).
        staged = dense_from_compressed(setup, mode.basis_is_output, root)
        if staged is not None:
            return staged
    builder = Builder()
    collect = Collector()
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        blocks = {}
        for seed, space, keys in mode.basis_spaces(setup):
            per_vector = _per_basis_vector_ir(setup, mode, seed, space)
            batched = chunked_batch_ir(per_vector, [False] * len(inputs) + [True], space.size,
                                       chunk_size, randomness=randomness)
            results = inline(batched, inputs + [iota(np.int64, (space.size,), 0)])
            for (k, p), result in zip(keys, results):
                blocks[k, p] = _jacobian_block(result, setup.ir.outputs[k].type.shape,
                                               setup.ir.inputs[p].type.shape,
                                               mode.basis_is_output)
        tree = _output_major(setup, blocks, collect, inputs)
        return finish(setup, builder, tree, collect.atoms)


def _per_basis_vector_ir(setup: DiffSetup, mode: JacobianMode, seed, space: AType):
    """IR (traced inputs..., index: i64[]) -> the derivative for basis
    vector number ``index`` of ``space``."""
    builder = Builder()
    with builder:
        inputs = [builder.new_input(v.type) for v in setup.ir.inputs]
        index = builder.new_input(AType(np.int64, ()))
        basis_vector = _basis_element(index, space.shape, space.dtype)
        return simplify(builder.build(mode.derivative(setup, inputs, seed, basis_vector)))


def _basis_element(index, shape, dtype):
    """The standard basis vector number ``index`` (an i64 scalar atom) of a
    space of ``shape``, as ``dtype`` values; built from iota so that no
    identity matrix is materialized and backends can fold it."""
    size = int(np.prod(shape, dtype=np.int64))
    return reshape(convert(eq(iota(np.int64, (size,), 0), index), dtype), shape)


def _jacobian_block(batched_result, out_shape, in_shape, basis_is_output: bool):
    """Reshape a batched derivative into the block ``out_shape + in_shape``.

    Batched over output elements it is (n_out, *in_shape); over input
    elements (n_in, *out_shape), whose batch axis moves to the back."""
    if basis_is_output:
        return reshape(batched_result, tuple(out_shape) + tuple(in_shape))
    ndim = batched_result.type.ndim
    moved = transpose(batched_result, tuple(range(1, ndim)) + (0,))
    return reshape(moved, tuple(out_shape) + tuple(in_shape))


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


class _JacobianTransform(DiffTransform):
    """jacrev and jacfwd: ``mode`` and the batching options set them apart."""

    mode: JacobianMode
    chunk_size = None
    # jacrev takes no randomness option: its rows differentiate one
    # evaluation of func, so every row sees the same draws.
    randomness = "same"

    def stage(self, treedef, leaves, specs):
        setup = self.setup(treedef, leaves, specs)
        for atom in setup.ir.outputs[:setup.n_main]:
            if not is_float(atom.type.dtype):
                raise TypeError(f"{self.name}: outputs must be float arrays to "
                                f"differentiate, got {atom.type}")
        return stage_jacobian(setup, self.mode, self.chunk_size, self.randomness, self.fn)


class jacrev(_JacobianTransform):
    """Reverse-mode Jacobian: batched vjps over the basis of the outputs."""

    name = "jacrev"
    mode = ROWS

    def __init__(self, func, argnums=0, *, has_aux=False, chunk_size=None):
        check_chunk_size(chunk_size)
        super().__init__(func, argnums, has_aux, options=(chunk_size,))
        self.chunk_size = chunk_size


class jacfwd(_JacobianTransform):
    """Forward-mode Jacobian: batched jvps over the basis of the inputs."""

    name = "jacfwd"
    mode = COLUMNS

    def __init__(self, func, argnums=0, has_aux=False, *, randomness="error",
                 chunk_size=None):
        check_chunk_size(chunk_size)
        if randomness not in RANDOMNESS:
            raise ValueError(f"randomness must be one of {RANDOMNESS}, got {randomness!r}")
        super().__init__(func, argnums, has_aux, options=(randomness, chunk_size))
        self.chunk_size, self.randomness = chunk_size, randomness


def hessian(func, argnums=0):
    """The Hessian: ``jacfwd(jacrev(func, argnums), argnums)``."""
    return jacfwd(jacrev(func, argnums), argnums)


# -- torch.autograd.functional.jacobian ------------------------------------------------

_STRATEGIES = ("reverse-mode", "forward-mode")
_NAME = "torch.autograd.functional.jacobian"
# What jacobian takes as an input (torch takes tensors only: no lists, no floats).
AnArray = NDArray[Any] | np.generic


class JacobianOptionError(ValueError, RuntimeError):
    """What torch's jacobian raises as a RuntimeError (strict mode's
    checks and options), caught as either."""


@public_entry
def jacobian(func: Callable[..., Any], inputs: AnArray | tuple[AnArray, ...],
             create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: Literal["reverse-mode", "forward-mode"] = "reverse-mode") -> Any:
    """The Jacobian at ``inputs``, as torch.autograd.functional.jacobian.

    numjac always vectorizes, and its results stay differentiable inside a
    traced function, so ``vectorize`` and ``create_graph`` change nothing
    but take part in the option checks, which are torch's.

    Parameters
    ----------
    func : callable
        Takes one array per input and returns an array or a tuple of arrays.
    inputs : ndarray or tuple of ndarray
        The point, one float array or a tuple of them.
    create_graph : bool, default False
        Checked as torch does (with ``strict``: every Jacobian block must
        depend on some input).
    strict : bool, default False
        Raise if an output does not depend on an input.
    vectorize : bool, default False
        Checked as torch does (required by forward mode).
    strategy : {"reverse-mode", "forward-mode"}, default "reverse-mode"
        Compute with ``jacrev`` or with ``jacfwd``.

    Returns
    -------
    ndarray or tuple
        For one input and one output, the array of shape
        ``out.shape + in.shape``; a tuple when either is a tuple; ``J[i][j]``
        (output i, input j, shape ``out_i.shape + in_j.shape``) when both
        are.

    Raises
    ------
    JacobianOptionError
        (a ``RuntimeError`` and a ``ValueError``) where torch raises its
        RuntimeError: ``strict`` with ``vectorize`` or forward mode, or an
        output independent of an input under ``strict``.
    NotImplementedError
        Forward mode without ``vectorize=True`` or with ``create_graph``.
    ValueError
        An unknown ``strategy``.
    TypeError
        ``func`` is not callable or an input is not an array.

    See Also
    --------
    jacrev, jacfwd : the torch.func forms.

    Examples
    --------
    >>> a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    >>> ja, jb = nj.jacobian(lambda a, b: a * b, (a, b))
    >>> ja.tolist()
    [[3.0, 0.0], [0.0, 4.0]]
    >>> nj.jacobian(np.exp, np.zeros(2), vectorize=True, strategy="forward-mode").tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    check_callable(func, "jacobian")
    _check_options(create_graph, strict, vectorize, strategy)
    is_tuple = isinstance(inputs, tuple)
    args = inputs if is_tuple else (inputs,)
    for i, arg in enumerate(args):
        if not isinstance(arg, (np.ndarray, np.generic, Tracer)):
            raise TypeError(f"jacobian: inputs[{i}] must be an array, got {type(arg).__name__}")
    argnums = tuple(range(len(args))) if is_tuple else 0
    transform = jacfwd if strategy == "forward-mode" else jacrev
    if strict:
        _check_strict(func, args, create_graph)
    return transform(func, argnums)(*args)


def _check_options(create_graph, strict, vectorize, strategy):
    """The option combinations torch's jacobian refuses, with its errors."""
    if strategy not in _STRATEGIES:
        raise ValueError(f"jacobian: strategy must be one of {_STRATEGIES}, got {strategy!r}")
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(f'{_NAME}: `create_graph=True` and `strategy="forward-'
                                      'mode"` are not supported together')
        if strict:
            raise JacobianOptionError(f'{_NAME}: `strict=True` and `strategy="forward-mode"` '
                                      "are not supported together")
        if not vectorize:
            raise NotImplementedError(f'{_NAME}: `strategy="forward-mode"` is only '
                                      "implemented for `vectorize=True`")
    if vectorize and strict:
        raise JacobianOptionError(f"{_NAME}: `strict=True` and `vectorize=True` are not "
                                  "supported together")


def _check_strict(func, args, create_graph):
    """torch's strict mode: every output depends on every input (and, with
    create_graph, every Jacobian block on some input)."""
    for i, depends in enumerate(dependencies(make_ir(func)(*args))):
        if not depends & set(range(len(args))):
            raise JacobianOptionError(
                f"Output {i} of the user-provided function does not require gradients. The "
                "outputs must be computed in a differentiable manner from the input when "
                "running in strict mode.")
        for j in range(len(args)):
            if j not in depends:
                raise JacobianOptionError(
                    f"Output {i} of the user-provided function is independent of input {j}. "
                    "This is not allowed in strict mode.")
    if create_graph:
        argnums = tuple(range(len(args)))
        jac_ir = make_ir(jacrev(func, argnums))(*args)
        for block, depends in enumerate(dependencies(jac_ir)):
            if not depends & set(range(len(args))):
                raise JacobianOptionError(
                    f"The jacobian of the user-provided function is independent of input "
                    f"{block % len(args)}. This is not allowed in strict mode when "
                    "create_graph=True.")
