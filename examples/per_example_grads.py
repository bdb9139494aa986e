"""Per-example gradients of a small MLP with vmap over grad.

``nj.grad(loss)`` differentiates the loss of one example with respect to the
parameters (a dict of arrays: any pytree works).  ``nj.vmap`` maps it over a
batch: ``in_dims=(None, 0, 0)`` shares the parameters and maps the inputs
and targets along axis 0, so every parameter's gradient comes back with a
leading batch axis, all in one compiled kernel.  It is checked against a
Python loop of ``nj.grad`` over the examples.

    python examples/per_example_grads.py
"""
import time

import numpy as np

import numjac as nj


def mlp(params, x):
    """One hidden tanh layer and a scalar output."""
    hidden = np.tanh(x @ params["w1"] + params["b1"])
    return hidden @ params["w2"] + params["b2"]


def loss(params, x, y):
    """Squared error of one example."""
    return (mlp(params, x) - y) ** 2


def init_params(rng, inputs, hidden):
    return {"w1": rng.normal(size=(inputs, hidden)) / np.sqrt(inputs),
            "b1": np.zeros(hidden),
            "w2": rng.normal(size=hidden) / np.sqrt(hidden),
            "b2": np.zeros(())}


def best_time(run, repeat=5):
    """(result, the fastest of ``repeat`` runs in seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return result, min(times)


def main(n=256, inputs=8, hidden=32, quiet=False):
    """Per-example gradients for a batch of ``n`` examples."""
    rng = np.random.default_rng(0)
    params = init_params(rng, inputs, hidden)
    x = rng.normal(size=(n, inputs))
    y = np.sin(x.sum(axis=1))
    per_example = nj.vmap(nj.grad(loss), in_dims=(None, 0, 0))
    one = nj.grad(loss)

    start = time.perf_counter()
    per_example(params, x, y)
    one(params, x[0], y[0])
    compile_seconds = time.perf_counter() - start

    batched, vmap_seconds = best_time(lambda: per_example(params, x, y))
    looped, loop_seconds = best_time(lambda: [one(params, x[i], y[i]) for i in range(n)])

    stacked = {name: np.stack([g[name] for g in looped]) for name in params}
    difference = max(float(np.max(np.abs(batched[name] - stacked[name]))) for name in params)
    if difference > 1e-12:
        raise RuntimeError(f"vmap(grad) differs from the loop by {difference:.1e}")
    results = {"shapes": {name: batched[name].shape for name in params},
               "max_difference": difference, "compile_seconds": compile_seconds,
               "vmap_seconds": vmap_seconds, "loop_seconds": loop_seconds}
    if not quiet:
        report(n, results)
    return results


def report(n, results):
    print(f"Per-example gradients of an MLP, batch of {n}; trace + compile "
          f"{results['compile_seconds']:.2f} s")
    for name, shape in results["shapes"].items():
        print(f"  {name}: {shape}")
    print(f"  vmap(grad): {results['vmap_seconds'] * 1e3:.2f} ms; "
          f"Python loop of grad: {results['loop_seconds'] * 1e3:.2f} ms (best of 5); "
          f"max difference {results['max_difference']:.1e}")


if __name__ == "__main__":
    main()
