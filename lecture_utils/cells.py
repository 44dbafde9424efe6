"""Recurrent cells in PyTorch, written from scratch, and `Recurrent`, which unrolls one.

A cell computes one time step. Its parameters are named and shaped exactly like those of
PyTorch's own cell (`torch.nn.RNNCell`, `LSTMCell`, `GRUCell`), so `load_state_dict` works in both
directions, and its `forward(x, state)` behaves the same way: `state=None` means zeros,
and an unbatched input (D,) gives an unbatched output.

`Recurrent` takes batches (N, T, D) and any cell with that interface (ours, or PyTorch's `nn.RNNCell`,
`nn.LSTMCell`, `nn.GRUCell`) and runs it along a sequence, with the same weights at
every step. A cell's state is either a tensor h_t, or a tuple whose first element is
h_t (the LSTM's (h_t, C_t)); `Recurrent` needs nothing else to know.
"""
import contextlib
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import guards


class RNNCell(nn.Module):
    """The vanilla RNN step: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b).

    Parameters, as in torch.nn.RNNCell:
        weight_ih (H, D) = W_xh,  weight_hh (H, H) = W_hh,  bias_ih (H,) + bias_hh (H,) = b.
    forward(x (N, D), h (N, H) or None) -> h' (N, H); x (D,) and h (H,) work too.

    A step is split in two so that `Recurrent` can compute the input's share for all
    steps in one matrix product, which is much faster than one per step:
    project_input(x) = W_xh x + b_ih, then step(projected, state) does the rest.
    """

    blocks = 1  # weight blocks stacked in weight_ih and weight_hh: 4 for an LSTM, 3 for a GRU
    fused_module = nn.RNN  # PyTorch's whole-sequence module with the same weights (Recurrent's fused=True)

    def __init__(self, input_size, hidden_size):
        super().__init__()
        guards.whole("input_size", input_size)
        guards.whole("hidden_size", hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        n = self.blocks * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(n, input_size))
        self.weight_hh = nn.Parameter(torch.empty(n, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(n))
        self.bias_hh = nn.Parameter(torch.empty(n))
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's initialisation, drawn in the same order: with the same seed, the same
        # weights as PyTorch's cell.
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"

    def forward(self, x, state=None):
        state = self.initial_state(x, state)
        return self.step(self.project_input(x), state)

    def project_input(self, x):
        """The input's share of every pre-activation: x (..., D) -> (..., blocks * H)."""
        return F.linear(x, self.weight_ih, self.bias_ih)

    def initial_state(self, x, h):
        """Check h against x (N, D) or (D,); None becomes zeros."""
        if h is not None and not torch.is_tensor(h):
            raise ValueError(f"h must be a tensor (N, H) or (H,); got a {type(h).__name__} "
                             "(an LSTM's (h, C) state cannot feed this cell)")
        guards.cell_input(self, x, {"h": h})
        return x.new_zeros(x.shape[:-1] + (self.hidden_size,)) if h is None else h

    def step(self, xp, h):
        return torch.tanh(xp + F.linear(h, self.weight_hh, self.bias_hh))


class LSTMCell(RNNCell):
    """Long short-term memory (Hochreiter and Schmidhuber 1997; forget gate: Gers et al. 2000).

        i = sigmoid(W_xi x + W_hi h + b_i)     input gate: how much of g to write
        f = sigmoid(W_xf x + W_hf h + b_f)     forget gate: how much of C_{t-1} to keep
        g = tanh(W_xg x + W_hg h + b_g)        candidate values to write
        o = sigmoid(W_xo x + W_ho h + b_o)     output gate: how much of the cell to show
        C_t = f * C_{t-1} + i * g              h_t = o * tanh(C_t)

    Parameters as in torch.nn.LSTMCell, gate blocks stacked in PyTorch's order i, f, g, o:
        weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).
    forward(x (N, D), state=(h, C) or None) -> (h', C'), each (N, H); unbatched (D,) works too.
    """

    blocks = 4
    fused_module = nn.LSTM

    def initial_state(self, x, state):
        if state is None:
            zeros = x.new_zeros(x.shape[:-1] + (self.hidden_size,))
            state = (zeros, zeros)
        if not isinstance(state, tuple) or len(state) != 2:
            raise ValueError(f"an LSTM's state is a tuple (h, C); got {type(state).__name__}")
        guards.cell_input(self, x, {"h": state[0], "C": state[1]})
        return state

    def gates(self, x, h=None):
        """The four gates (i, f, g, o), each (N, H), for input x (N, D) and h_{t-1} (N, H)
        (None: zeros). C_{t-1} does not enter the gates, only the update they make."""
        guards.cell_input(self, x, {"h": h})
        return self._gates(self.project_input(x), x.new_zeros(x.shape[:-1] + (self.hidden_size,)) if h is None else h)

    def _gates(self, xp, h):
        a = xp + F.linear(h, self.weight_hh, self.bias_hh)
        H = self.hidden_size
        s = torch.sigmoid(a)  # one call for i, f and o (the g block is discarded)
        return s[..., :H], s[..., H:2 * H], torch.tanh(a[..., 2 * H:3 * H]), s[..., 3 * H:]

    def step(self, xp, state):
        h, C = state
        i, f, g, o = self._gates(xp, h)
        C = f * C + i * g  # additive: the gradient along C only meets the factor f
        return o * torch.tanh(C), C


class GRUCell(RNNCell):
    """Gated recurrent unit (Cho et al. 2014), in PyTorch's convention.

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        reset gate
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)        update gate
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))     candidate
        h' = (1 - z) * n + z * h

    Parameters as in torch.nn.GRUCell, blocks stacked in the order r, z, n:
        weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
    forward(x (N, D), h (N, H) or None) -> h' (N, H); unbatched (D,) works too.
    """

    blocks = 3
    fused_module = nn.GRU

    def gates(self, x, h=None):
        """(r, z, n), each (N, H), for input x (N, D) and h_{t-1} (N, H) (None: zeros)."""
        return self._gates(self.project_input(x), self.initial_state(x, h))

    def _gates(self, xp, h):
        xr, xz, xn = xp.chunk(3, dim=-1)
        hr, hz, hn = F.linear(h, self.weight_hh, self.bias_hh).chunk(3, dim=-1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        return r, z, torch.tanh(xn + r * hn)  # r scales W_hn h + b_hn, as PyTorch does

    def step(self, xp, h):
        r, z, n = self._gates(xp, h)
        return (1 - z) * n + z * h


def hidden_of(state):
    """h_t from a cell's state: the state itself, or the first element of (h_t, C_t)."""
    return state[0] if isinstance(state, tuple) else state


class Recurrent(nn.Module):
    """Unroll a cell over a sequence: the same cell, the same weights, at every step.

    forward(x (N, T, D), state=None) -> (outputs (N, T, H) holding h_1 ... h_T, final state).
    The final state is whatever the cell returns: h_T (N, H), or (h_T, C_T) for an LSTM.
    With weights copied from a one-layer nn.RNN(batch_first=True), the outputs are equal.

    Python runs the loop over time one small step at a time, which is slow for small
    models: each step's few arithmetic operations pay Python's overhead. With
    fused=True (an attribute too: set it on and off at will), one of our cells is run
    instead by PyTorch's nn.RNN, nn.LSTM or nn.GRU with the cell's own weights: the same
    function and gradients (the tests check it), much faster, but with no step to look
    at from inside (`recording` and gradients.hidden_grad_norms need the loop).
    """

    def __init__(self, cell, fused=False):
        super().__init__()
        for attr in ("input_size", "hidden_size"):
            if not hasattr(cell, attr):
                raise ValueError(f"a cell needs an {attr} attribute, like torch.nn.RNNCell; {type(cell).__name__} has none")
        self.cell = cell
        self.fused = fused
        self.input_size, self.hidden_size = cell.input_size, cell.hidden_size
        self.recorded = None   # while `recording`: the list every step's state is added to

    @property
    def fused(self):
        """Whether PyTorch's own loop runs the sequence, with the cell's weights."""
        return self._fused_on

    @fused.setter
    def fused(self, on):
        if on and not isinstance(self.cell, RNNCell):
            raise ValueError(f"fused=True runs one of this package's cells through PyTorch's loop; "
                             f"{type(self.cell).__name__} is not one")
        self._fused_on = bool(on)

    def forward(self, x, state=None):
        guards.sequence_input(x, self.input_size)
        if self.fused:
            if self.recorded is not None:
                raise ValueError("a fused Recurrent runs the whole sequence at once, with no step to record: "
                                 "set its fused = False first")
            return self._fused(x, state)
        ours = isinstance(self.cell, RNNCell)
        if ours:
            # Our cells: the input's share of every step in one matrix product, then the
            # recurrent part step by step. The same arithmetic as calling the cell T times.
            state = self.cell.initial_state(x[:, 0], state)
            xp = self.cell.project_input(x)
        outputs = []
        for t in range(x.shape[1]):
            state = self.cell.step(xp[:, t], state) if ours else self.cell(x[:, t], state)
            outputs.append(hidden_of(state))
            if self.recorded is not None:
                self.recorded.append(state)
        return torch.stack(outputs, dim=1), state

    @contextlib.contextmanager
    def recording(self):
        """`with rnn.recording() as states:` every step's state, in order, while inside."""
        if self.recorded is not None:
            raise ValueError("this Recurrent is already recording: one `recording()` at a time")
        self.recorded = []
        try:
            yield self.recorded
        finally:
            self.recorded = None

    def _fused(self, x, state):
        cell = self.cell
        if not hasattr(self, "_template"):
            # A module to borrow the loop from; its own weights are never used. Kept out
            # of the module tree, so that it adds no parameters to the model.
            with torch.random.fork_rng():  # its throwaway initial weights must not use up random numbers
                template = cell.fused_module(cell.input_size, cell.hidden_size, batch_first=True)
            object.__setattr__(self, "_template", template)
        weights = {"weight_ih_l0": cell.weight_ih, "weight_hh_l0": cell.weight_hh,
                   "bias_ih_l0": cell.bias_ih, "bias_hh_l0": cell.bias_hh}
        if state is not None:
            state = cell.initial_state(x[:, 0], state)
            state = tuple(s[None] for s in state) if isinstance(state, tuple) else state[None]
        out, final = torch.func.functional_call(self._template, weights, (x, state))
        final = tuple(s[0] for s in final) if isinstance(final, tuple) else final[0]
        return out, final


@torch.no_grad()
def record_gates(cell, x, state=None):
    """Run a gated cell over one sequence x (T, D) and return its gates at every step.

    An LSTMCell gives {"i", "f", "g", "o", "C"}, a GRUCell {"r", "z", "n"}: each (T, H).
    For pictures of what the gates do; the cell is run step by step, as in Recurrent.
    """
    names = {LSTMCell: "ifgo", GRUCell: "rzn"}.get(type(cell))
    if names is None:
        raise ValueError(f"record_gates needs an LSTMCell or a GRUCell; got {type(cell).__name__}")
    if not torch.is_tensor(x) or x.dim() != 2 or x.shape[1] != cell.input_size:
        raise ValueError(f"x has shape {tuple(x.shape) if torch.is_tensor(x) else type(x).__name__}; "
                         f"expected (T, D) with D = {cell.input_size}")
    trace = {name: [] for name in names}
    if isinstance(cell, LSTMCell):
        trace["C"] = []
    state = cell.initial_state(x[:1], state)
    for x_t in x[:, None, :]:  # (1, D) at a time: a batch of one
        for name, value in zip(names, cell.gates(x_t, hidden_of(state))):
            trace[name].append(value[0])
        state = cell.step(cell.project_input(x_t), state)
        if isinstance(cell, LSTMCell):
            trace["C"].append(state[1][0])
    return {name: torch.stack(values).numpy() for name, values in trace.items()}


@contextlib.contextmanager
def clamp_gate(rnn, gate, units, value=0.0):
    """Inside the block, hold one gate of some units of an LSTM at a fixed value: an ablation.

    rnn: the model's Recurrent over an LSTMCell (model.rnn), run step by step (fused=False:
    the fused loop never calls the cell, so a clamp would be silently ignored).
    gate: "i", "f", "g" or "o"; units: one unit's index or a list of them; value: what that
    gate is at every step, e.g. f = 0 for a unit that keeps nothing of C_{t-1}. Every other
    unit and gate is computed as usual, and the cell is restored on leaving the block.
    Clamps nest: `with clamp_gate(rnn, "i", u, 0.0), clamp_gate(rnn, "f", u, 1.0):` holds both.
    """
    if not isinstance(rnn, Recurrent) or not isinstance(rnn.cell, LSTMCell):
        raise ValueError("clamp_gate needs the Recurrent of an LSTMCell (model.rnn)")
    if rnn.fused:
        raise ValueError("a fused Recurrent never calls the cell, so a clamp would do nothing: set rnn.fused = False first")
    if gate not in ("i", "f", "g", "o"):
        raise ValueError(f"gate must be 'i', 'f', 'g' or 'o'; got {gate!r}")
    cell, position = rnn.cell, "ifgo".index(gate)   # the order _gates returns them in
    units = torch.as_tensor(units, dtype=torch.long).reshape(-1)
    if units.numel() == 0 or units.min() < 0 or units.max() >= cell.hidden_size:
        raise ValueError(f"units must be indices from 0 to {cell.hidden_size - 1}; got {units.tolist()}")
    outer = vars(cell).get("_gates")   # an enclosing clamp_gate's, if any: clamps nest
    computed = cell._gates

    def clamped(xp, h):
        gates = list(computed(xp, h))
        gates[position] = gates[position].index_fill(-1, units, value)
        return tuple(gates)

    cell._gates = clamped   # on the instance, so the class and every other cell are untouched
    try:
        yield
    finally:
        if outer is None:
            del cell._gates
        else:
            cell._gates = outer


# The cells by the names the command line and the checkpoints use.
CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}
