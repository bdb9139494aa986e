"""Python loops as users write them, for the re-rolling tests and the
compile-time measurements of issue 12: an RK4 integrator of Lorenz-96 and
a newcomer's finite-difference right-hand side."""
import numpy as np


def lorenz96(x, forcing=8.0):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + forcing


def l96_rk4(x, steps=10, h=0.01):
    """``steps`` classical Runge-Kutta steps of Lorenz-96, as a Python loop."""
    for _ in range(steps):
        k1 = lorenz96(x)
        k2 = lorenz96(x + h / 2 * k1)
        k3 = lorenz96(x + h / 2 * k2)
        k4 = lorenz96(x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


def newcomer_rhs(x):
    """A diffusion stencil with a cubic term, one interior point at a time."""
    n = x.shape[0]
    out = []
    for i in range(1, n - 1):
        out.append(x[i - 1] - 2 * x[i] + x[i + 1] + 0.1 * x[i] ** 3)
    return np.stack(out)


def recurrence(x):
    """Each element from the one before, written in place: ``y[i + 1] = ...``."""
    y = x.copy()
    for i in range(len(x) - 1):
        y[i + 1] = y[i + 1] * np.tanh(y[i]) + 0.1 * y[i]
    return y


def rows_written_backwards(x):
    """Rows of a matrix made inside the function, assigned from the last."""
    A = np.zeros((len(x) - 2, 3))
    for i in range(len(x) - 3, -1, -1):
        A[i, 1:] = x[i] * x[i + 1:i + 3]
        A[i, 0] = np.sin(x[i + 2])
    return A
