"""Input checks, worded in the lecture's notation, shared by every module of the package.

A public function calls one of these before its maths, so that a wrong input is a
ValueError naming the argument, what it got and what was expected, never a broadcasting
error from deep inside NumPy or PyTorch, and never a silently wrong result.

Sizes are named as everywhere in the course: N batch, T time steps, D input size,
H hidden size, V vocabulary size; `blocks` weight blocks are stacked in W_xh and W_hh
(1 for the vanilla RNN, 4 for the LSTM's gates i, f, g, o).
"""
import numbers

import numpy as np
import torch


def shape(name, array, expected, meaning):
    """`array` (NumPy or PyTorch) must have the shape `expected`, described as `meaning`."""
    got = tuple(array.shape) if hasattr(array, "shape") else np.shape(array)
    if got != tuple(expected):
        raise ValueError(f"{name} has shape {got}; expected {meaning} = {tuple(expected)}")


def whole(name, value, minimum=1):
    """`value` must be a whole number >= minimum (a length, a count, a number of steps)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")


def temperature(value):
    """A sampling temperature must be a finite number > 0."""
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not real or not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"temperature must be a positive number; got {value!r}. As the temperature "
            "falls towards 0, sampling approaches always taking the most likely character."
        )


# ------------------------------------------------------------ NumPy recurrent layers
def weights(W_xh, W_hh, b, D=None, blocks=1):
    """W_xh (blocks*H, D), W_hh (blocks*H, H), b (blocks*H,); returns H."""
    stacked = "" if blocks == 1 else f"{blocks}"
    W_hh = np.asarray(W_hh)
    if W_hh.ndim != 2 or W_hh.shape[0] != blocks * W_hh.shape[1]:
        what = "a square (H, H) matrix" if blocks == 1 else f"({blocks}H, H), the gates' blocks stacked"
        raise ValueError(f"W_hh has shape {W_hh.shape}; expected {what}")
    H = W_hh.shape[1]
    W_xh = np.asarray(W_xh)
    if W_xh.ndim != 2 or W_xh.shape[0] != blocks * H or (D is not None and W_xh.shape[1] != D):
        sizes = f"H = {H}" + (f", D = {D}" if D is not None else "")
        raise ValueError(f"W_xh has shape {W_xh.shape}; expected ({stacked}H, D) with {sizes}")
    shape("b", b, (blocks * H,), f"({stacked}H,)")
    return H


def step(x, states, W_xh, W_hh, b, blocks=1):
    """One step's inputs: x (N, D), every state in `states` {name: array} (N, H), and the
    weights; returns (N, D, H)."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}; expected (N, D)")
    N, D = x.shape
    H = weights(W_xh, W_hh, b, D, blocks)
    for name, state in states.items():
        shape(name, state, (N, H), "(N, H)")
    return N, D, H


def sequence(x, h0, W_xh, W_hh, b, blocks=1):
    """A sequence's inputs: x (N, T, D), h0 (N, H), and the weights; returns (N, T, D, H)."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x has shape {x.shape}; expected (N, T, D)")
    N, T, D = x.shape
    H = weights(W_xh, W_hh, b, D, blocks)
    shape("h0", h0, (N, H), "(N, H)")
    return N, T, D, H


def caches(cache):
    """A sequence's cache must hold at least one step."""
    if not cache:
        raise ValueError("the cache holds no time steps")


def indices(name, values, V):
    """A non-empty (T,) sequence of character indices, each in 0 .. V-1; returned as an array."""
    values = np.asarray(values)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} has shape {values.shape}; expected a non-empty (T,) sequence")
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"{name} must hold integer character indices; got dtype {values.dtype}")
    bad = np.flatnonzero((values < 0) | (values >= V))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] = {values[bad[0]]} is not a character index (0 to {V - 1})")
    return values


# ------------------------------------------------------------------- PyTorch models
def _shape_of(x):
    return tuple(x.shape) if torch.is_tensor(x) else type(x).__name__


def cell_input(cell, x, states):
    """x (N, D) or (D,) for `cell`, and each state {name: tensor or None} (N, H) or (H,) to
    match; returns the batch shape, (N,) or ()."""
    if not torch.is_tensor(x):
        raise ValueError(f"x must be a tensor; got {type(x).__name__}")
    if x.dim() not in (1, 2) or x.shape[-1] != cell.input_size:
        raise ValueError(
            f"x has shape {tuple(x.shape)}; expected (N, D) or (D,) with D = input_size = {cell.input_size}"
        )
    batch = tuple(x.shape[:-1])
    for name, state in states.items():
        if state is not None and not torch.is_tensor(state):
            raise ValueError(f"{name} must be a tensor (N, H) or (H,); got a {type(state).__name__}")
        if state is not None and tuple(state.shape) != batch + (cell.hidden_size,):
            raise ValueError(
                f"{name} has shape {tuple(state.shape)}; expected {batch + (cell.hidden_size,)}, "
                f"(N, H) for a batched x or (H,) for an unbatched one"
            )
    return batch


def sequence_input(x, input_size):
    """x (N, T, D) with T >= 1 and D = input_size."""
    if not torch.is_tensor(x) or x.dim() != 3 or x.shape[1] < 1 or x.shape[2] != input_size:
        raise ValueError(
            f"x has shape {_shape_of(x)}; expected (N, T, D) with T >= 1 and D = input_size = {input_size}"
        )


def tokens(name, x, vocab_size):
    """x (N, T) token indices: torch.long, T >= 1, each in 0 .. vocab_size-1."""
    if not torch.is_tensor(x) or x.dim() != 2 or x.shape[1] < 1:
        raise ValueError(f"{name} has shape {_shape_of(x)}; expected (N, T) token indices, T >= 1")
    if x.dtype != torch.long:
        raise ValueError(f"{name} has dtype {x.dtype}; token indices must be torch.long (use .long())")
    if x.numel() and (x.min() < 0 or x.max() >= vocab_size):
        raise ValueError(f"{name} holds token indices outside 0 to {vocab_size - 1}")


def vectors(name, x, dims, size, dtype):
    """x a float tensor of `dims` dimensions, (N, D) or (N, T, D) with D = size, of the weights' dtype."""
    if not torch.is_tensor(x) or x.dim() != dims or x.shape[-1] != size or not x.is_floating_point():
        want = "(N, D)" if dims == 2 else "(N, T, D)"
        raise ValueError(f"{name} has shape {_shape_of(x)}; expected a float tensor {want} with D = {size}")
    if x.dtype != dtype:
        raise ValueError(f"{name} has dtype {x.dtype} but the model's weights are {dtype}; convert it with .to({dtype})")
