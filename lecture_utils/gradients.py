"""Tools to look at gradients flowing back through time.

Backpropagation through a vanilla RNN multiplies, at every step back, by the Jacobian

    dh_k / dh_{k-1} = diag(1 - h_k^2) W_hh          (for h_k = tanh(W_hh h_{k-1} + ...))

so dh_T/dh_t = J_T J_{T-1} ... J_{t+1}, a product of T - t matrices. Its norm shrinks or
grows roughly geometrically with T - t: the vanishing and exploding gradients of
Pascanu, Mikolov and Bengio (2013).
"""
import numpy as np
import torch

from .cells import Recurrent, RNNCell


def rnn_jacobians(W_hh, h):
    """The one-step Jacobians J_k = dh_k/dh_{k-1} = diag(1 - h_k^2) W_hh.

    W_hh (H, H); h (T, H), the hidden states h_1 ... h_T of one sequence.
    Returns (T, H, H), where [k - 1] is J_k.
    """
    W_hh, h = np.asarray(W_hh), np.asarray(h)
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"W_hh has shape {W_hh.shape}; expected a square (H, H) matrix")
    if h.ndim != 2 or h.shape[1] != W_hh.shape[0]:
        raise ValueError(f"h has shape {h.shape}; expected (T, H) with H = {W_hh.shape[0]}")
    return (1.0 - h ** 2)[:, :, None] * W_hh[None]


def jacobian_products(jacobians):
    """dh_T/dh_t for t = 0 ... T, from the one-step Jacobians J_1 ... J_T.

    jacobians (T, H, H). Returns (T + 1, H, H), where [t] = J_T J_{T-1} ... J_{t+1}
    (so [T] is the identity and [0] is dh_T/dh_0).
    """
    jacobians = np.asarray(jacobians)
    if jacobians.ndim != 3 or jacobians.shape[1] != jacobians.shape[2]:
        raise ValueError(f"jacobians has shape {jacobians.shape}; expected (T, H, H)")
    T, H, _ = jacobians.shape
    out = np.empty((T + 1, H, H))
    out[T] = np.eye(H)
    for t in range(T - 1, -1, -1):
        out[t] = out[t + 1] @ jacobians[t]  # append J_{t+1} on the right
    return out


def hidden_grad_norms(rnn, loss_fn, part=0):
    """||dL/dh_t|| for every step t at which `rnn` ran, t = 1 ... T.

    rnn: a Recurrent, e.g. model.rnn. loss_fn: a function of no arguments that runs the
    model and returns a scalar loss L. Every step's state is recorded (Recurrent.recording),
    then autograd gives the gradient of L with respect to each h_t: the total gradient,
    through all later steps, not only h_t's own output.
    part: for a cell whose state is a tuple, which element: 0 for h_t, 1 for an LSTM's
    cell state C_t (then the result is ||dL/dC_t||).
    Returns a float array (T,): the norm over the batch and the hidden units.
    """
    if not isinstance(rnn, Recurrent):
        raise ValueError(f"hidden_grad_norms needs the model's Recurrent (model.rnn); got {type(rnn).__name__}")
    with rnn.recording() as recorded:
        loss = loss_fn()
    states = [_part(state, part) for state in recorded]
    if not states:
        raise ValueError("the Recurrent never ran: loss_fn must run the model that contains it")
    if not all(s.requires_grad for s in states):
        raise ValueError("the hidden states carry no gradient: run loss_fn with autograd on (not in torch.no_grad())")
    if not torch.is_tensor(loss) or loss.numel() != 1:
        raise ValueError("loss_fn must return a scalar tensor")
    grads = torch.autograd.grad(loss, states, allow_unused=True)
    # The norm in float64: squaring float32 values below 1e-19 would underflow to 0.
    return np.array([0.0 if g is None else g.double().norm().item() for g in grads])


def _part(state, part):
    if not isinstance(state, tuple):
        if part != 0:
            raise ValueError(f"this cell's state is one tensor, h_t; there is no part {part}")
        return state
    return state[part]


def rnn_grad_norms_over_time(scale, T=100, hidden_size=64, input_size=8, batch=16, seed=0, cell=RNNCell, part=0):
    """||dL/dh_t|| for t = 1 ... T in a recurrent cell whose W_hh has every singular value
    equal to `scale` (a scaled random orthogonal matrix), on random inputs.

    cell: RNNCell (the vanilla tanh RNN), or LSTMCell or GRUCell, whose W_hh holds one
    (H, H) block per gate: each block gets its own scaled orthogonal matrix. The other
    weights keep PyTorch's initialisation. part=1 gives an LSTM's ||dL/dC_t|| instead.
    L is a fixed random readout of h_T, averaged over the batch, so the gradient starts
    at step T and flows back. Returns a float array (T,). PyTorch's global random state
    is left as it was.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive; got {scale}")
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        cell = cell(input_size, hidden_size).double()
        with torch.no_grad():
            for block in cell.weight_hh.split(hidden_size):   # the gates' blocks: i, f, g, o for an LSTM
                torch.nn.init.orthogonal_(block)
                block.mul_(scale)
        x = 0.5 * torch.randn(batch, T, input_size, dtype=torch.float64)
        readout = torch.randn(hidden_size, dtype=torch.float64)
    rnn = Recurrent(cell)
    return hidden_grad_norms(rnn, lambda: (rnn(x)[0][:, -1] @ readout).mean(), part=part)


def saved_tensor_bytes(fn):
    """Bytes of memory autograd keeps for the backward pass while fn() runs.

    Every tensor saved for backward is counted once per underlying storage (many are
    views of one buffer), including any weights saved along the way. Run fn for two
    sequence lengths and take the difference to get the memory of one more step.
    Returns (fn's result, bytes).
    """
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = fn()
    return result, sum(storages.values())
