"""Numeric gradients by centred finite differences, and the relative error that compares
them with an analytic gradient.

With float64 and a step of 1e-5, a correct backward pass agrees with the numeric
gradient to a relative error of about 1e-9 or better: the centred difference's
truncation error is O(step^2) ~ 1e-10 and its rounding error ~ 1e-16 / step ~ 1e-11.
A wrong backward pass typically shows an error of 1e-2 or more.
"""
import numpy as np


def numeric_gradient(f, x, step=1e-5):
    """d f() / d x by centred differences: (f(x + step) - f(x - step)) / (2 step), one
    element at a time.

    f: a function of no arguments that returns a scalar and reads x (it is changed in
    place and restored). x: a float ndarray. Returns an array shaped like x.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError("x must be a floating-point NumPy array that f reads in place")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + step
        f_plus = float(f())
        x[i] = old - step
        f_minus = float(f())
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * step)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||): 0 when equal, 1 when one is zero and the other is not.

    Norms over the whole array rather than element by element, so that entries that are
    zero up to rounding in both gradients do not dominate the figure.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def grad_check(f, params, grads, step=1e-5):
    """Relative error between each analytic gradient and its numeric estimate.

    f: function of no arguments returning the scalar loss from the arrays in `params`.
    params, grads: dicts of arrays with the same keys and shapes.
    Returns {name: relative error}.
    """
    missing = sorted(set(params) ^ set(grads))
    if missing:
        raise ValueError(f"params and grads must have the same names; these are in one only: {missing}")
    return {name: relative_error(grads[name], numeric_gradient(f, params[name], step)) for name in params}
