"""Recurrent cells in PyTorch, written from scratch, and `Recurrent`, which unrolls one.

A cell computes one time step. Its parameters are named and shaped exactly like those of
PyTorch's own cell (`torch.nn.RNNCell` here), so `load_state_dict` works in both
directions, and its `forward(x, state)` behaves the same way: `state=None` means zeros,
and an unbatched input (D,) gives an unbatched output.

`Recurrent` takes batches (N, T, D) and any cell with that interface (ours, or PyTorch's `nn.RNNCell`,
`nn.LSTMCell`, `nn.GRUCell`) and runs it along a sequence, with the same weights at
every step. A cell's state is either a tensor h_t, or a tuple whose first element is
h_t (the LSTM's (h_t, C_t)); `Recurrent` needs nothing else to know.
"""
import math

import torch
from torch import nn


def _check_step_input(cell, x, state_shapes):
    """Validate x (N, D) or (D,) against the cell; return the batch shape, () or (N,)."""
    if not torch.is_tensor(x):
        raise ValueError(f"x must be a tensor; got {type(x).__name__}")
    if x.dim() not in (1, 2) or x.shape[-1] != cell.input_size:
        raise ValueError(
            f"x has shape {tuple(x.shape)}; expected (N, D) or (D,) with D = input_size = {cell.input_size}"
        )
    batch = tuple(x.shape[:-1])
    for name, s in state_shapes:
        if s is not None and tuple(s) != batch + (cell.hidden_size,):
            raise ValueError(
                f"{name} has shape {tuple(s)}; expected {batch + (cell.hidden_size,)}, "
                f"(N, H) for a batched x or (H,) for an unbatched one"
            )
    return batch


class RNNCell(nn.Module):
    """The vanilla RNN step: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b).

    Parameters, as in torch.nn.RNNCell:
        weight_ih (H, D) = W_xh,  weight_hh (H, H) = W_hh,  bias_ih (H,) + bias_hh (H,) = b.
    forward(x (N, D), h (N, H) or None) -> h' (N, H); x (D,) and h (H,) work too.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be at least 1; got {input_size}, {hidden_size}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's initialisation, drawn in the same order: with the same seed, the same
        # weights as nn.RNNCell.
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def forward(self, x, h=None):
        if h is not None and not torch.is_tensor(h):
            raise ValueError(f"h must be a tensor (N, H) or (H,); got a {type(h).__name__} "
                             "(an LSTM's (h, C) state cannot feed an RNN cell)")
        _check_step_input(self, x, [("h", None if h is None else h.shape)])
        if h is None:
            h = x.new_zeros(x.shape[:-1] + (self.hidden_size,))
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


def hidden_of(state):
    """h_t from a cell's state: the state itself, or the first element of (h_t, C_t)."""
    return state[0] if isinstance(state, tuple) else state


class Recurrent(nn.Module):
    """Unroll a cell over a sequence: the same cell, the same weights, at every step.

    forward(x (N, T, D), state=None) -> (outputs (N, T, H) holding h_1 ... h_T, final state).
    The final state is whatever the cell returns: h_T (N, H), or (h_T, C_T) for an LSTM.
    With weights copied from a one-layer nn.RNN(batch_first=True), the outputs are equal.
    """

    def __init__(self, cell):
        super().__init__()
        for attr in ("input_size", "hidden_size"):
            if not hasattr(cell, attr):
                raise ValueError(f"a cell needs an {attr} attribute, like torch.nn.RNNCell; {type(cell).__name__} has none")
        self.cell = cell
        self.input_size, self.hidden_size = cell.input_size, cell.hidden_size

    def forward(self, x, state=None):
        if not torch.is_tensor(x) or x.dim() != 3 or x.shape[1] < 1 or x.shape[2] != self.input_size:
            shape = tuple(x.shape) if torch.is_tensor(x) else type(x).__name__
            raise ValueError(
                f"x has shape {shape}; expected (N, T, D) with T >= 1 and D = input_size = {self.input_size}"
            )
        outputs = []
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
            outputs.append(hidden_of(state))
        return torch.stack(outputs, dim=1), state
