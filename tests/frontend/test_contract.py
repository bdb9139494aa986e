"""The peers' contract in the details: container types through every
transform, vmap's in_dims/out_dims edge cases as torch.func's, the option
checks and strict mode of torch's functional jacobian, and differentiated
Python ints."""
from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest

import numjac as nj

X = np.array([0.5, -1.0, 2.0])
Pair = namedtuple("Pair", ["first", "second"])


def _containers(a):
    return {
        "OrderedDict": OrderedDict([("z", np.sin(a)), ("a", a * a)]),
        "namedtuple": Pair(np.sin(a), a * a),
        "defaultdict": defaultdict(list, {"z": np.sin(a), "a": a * a}),
    }


def _assert_same_container(got, example):
    assert type(got) is type(example)
    if isinstance(example, dict):
        assert list(got) == list(example)
    if isinstance(example, defaultdict):
        assert got.default_factory is example.default_factory


@pytest.mark.parametrize("kind", ["OrderedDict", "namedtuple", "defaultdict"])
def test_output_containers_keep_their_types_through_every_transform(kind):
    f = lambda a: _containers(a)[kind]      # noqa: E731
    example = f(X)
    results = {
        "jit": nj.jit(f)(X),
        "jacrev": nj.jacrev(f)(X),
        "jacfwd": nj.jacfwd(f)(X),
        "hessian": nj.hessian(f)(X),
        "vmap": nj.vmap(f)(np.stack([X, X])),
        "vjp": nj.vjp(f, X)[0],
        "jvp out": nj.jvp(f, (X,), (X,))[0],
        "jvp tangent": nj.jvp(f, (X,), (X,))[1],
        "grad aux": nj.grad(lambda a: (np.sum(a), f(a)), has_aux=True)(X)[1],
    }
    for name, got in results.items():
        _assert_same_container(got, example)
    values = list(example.values()) if isinstance(example, dict) else list(example)
    jac = list(results["jacrev"].values()) if isinstance(example, dict) else results["jacrev"]
    np.testing.assert_allclose(jac[0], np.diag(np.cos(X)))
    np.testing.assert_allclose(jac[1], np.diag(2 * X))
    np.testing.assert_allclose(list(results["jit"].values())[0] if isinstance(example, dict)
                               else results["jit"][0], values[0])


@pytest.mark.parametrize("kind", ["OrderedDict", "namedtuple", "defaultdict"])
def test_gradients_have_the_container_types_of_the_arguments(kind):
    params = _containers(X)[kind]

    def loss(p):
        leaves = list(p.values()) if isinstance(p, dict) else list(p)
        return np.sum(leaves[0] * leaves[1])
    grads = nj.grad(loss)(params)
    _assert_same_container(grads, params)
    leaves = list(params.values()) if isinstance(params, dict) else list(params)
    got = list(grads.values()) if isinstance(grads, dict) else list(grads)
    np.testing.assert_allclose(got[0], leaves[1])
    np.testing.assert_allclose(got[1], leaves[0])
    (cotangent,) = nj.vjp(loss, params)[1](np.float64(1.0))
    _assert_same_container(cotangent, params)


# -- vmap's in_dims and out_dims -------------------------------------------------------------

def test_a_one_tuple_out_dims_applies_to_a_single_output():
    xs = np.arange(6.0).reshape(2, 3)
    got = nj.vmap(lambda a: a * 2, out_dims=(1,))(xs)
    np.testing.assert_array_equal(got, (xs * 2).T)
    with pytest.raises(ValueError, match="out_dims"):
        nj.vmap(lambda a: (a, a), out_dims=(1,))(xs)


def test_in_dims_must_match_the_argument_structure():
    xs = np.ones((2, 3))
    f = nj.vmap(lambda v: v[0] + v[1], in_dims=([0, None],))
    np.testing.assert_array_equal(f([xs, np.ones(3)]), np.full((2, 3), 2.0))
    cases = [((0, None), [xs, np.ones(3)]),            # a tuple given for a list
             ([0, None], (xs, np.ones(3))),            # a list given for a tuple
             ((0, 0, 0), (xs, xs)),                    # wrong length
             ({"a": 0}, {"b": xs})]                    # wrong keys
    for dims, arg in cases:
        with pytest.raises(ValueError, match="in_dims"):
            nj.vmap(lambda v: v, in_dims=(dims,))(arg)


# -- torch.autograd.functional.jacobian -----------------------------------------------------

def _both(a, b):
    return np.sin(a) * b


def test_strict_jacobian_raises_for_an_output_independent_of_an_input():
    a, b = X, X + 1.0
    with pytest.raises(RuntimeError, match="Output 0 .* independent of input 1"):
        nj.jacobian(lambda a, b: a * 2, (a, b), strict=True)
    with pytest.raises(ValueError, match="Output 1 .* does not require gradients"):
        nj.jacobian(lambda a, b: (a * b, np.ones(3)), (a, b), strict=True)
    strict = nj.jacobian(_both, (a, b), strict=True)
    relaxed = nj.jacobian(_both, (a, b))
    for s, r in zip(strict, relaxed):
        np.testing.assert_array_equal(s, r)
    np.testing.assert_allclose(strict[1], np.diag(np.sin(a)))


def test_strict_with_create_graph_needs_jacobians_that_depend_on_the_inputs():
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function is "
                                           "independent of input 0"):
        nj.jacobian(lambda a: 3 * a, X, strict=True, create_graph=True)
    got = nj.jacobian(np.sin, X, strict=True, create_graph=True)
    np.testing.assert_allclose(got, np.diag(np.cos(X)))


@pytest.mark.parametrize("options, error", [
    (dict(strict=True, vectorize=True), RuntimeError),
    (dict(strict=True, vectorize=True, strategy="forward-mode"), RuntimeError),
    (dict(create_graph=True, vectorize=True, strategy="forward-mode"), NotImplementedError),
    (dict(strategy="forward-mode"), NotImplementedError),
    (dict(strategy="sideways"), ValueError),
])
def test_jacobian_option_combinations_torch_refuses(options, error):
    with pytest.raises(error, match="strict|create_graph|forward-mode|strategy"):
        nj.jacobian(np.sin, X, **options)


def test_jacobian_option_combinations_torch_accepts():
    expected = np.diag(np.cos(X))
    for options in (dict(vectorize=True), dict(create_graph=True),
                    dict(vectorize=True, strategy="forward-mode")):
        np.testing.assert_allclose(nj.jacobian(np.sin, X, **options), expected)


# -- differentiating Python scalars ---------------------------------------------------------

@pytest.mark.parametrize("transform", [nj.grad, nj.value_and_grad, nj.jacrev, nj.jacfwd,
                                       nj.hessian])
def test_a_differentiated_python_int_is_a_type_error(transform):
    with pytest.raises(TypeError, match="argument 0 is the Python int 2.*pass 2.0"):
        transform(lambda t: t ** 3)(2)
    with pytest.raises(TypeError, match="Python bool"):
        transform(lambda t: t * 1.0)(True)


def test_python_floats_are_differentiated_and_ints_may_ride_along():
    np.testing.assert_allclose(nj.grad(lambda t: t ** 3)(2.0), 12.0)
    np.testing.assert_allclose(nj.grad(lambda a, n: np.sum(a ** n))(X, 2), 2 * X)
