"""The vanilla RNN and the LSTM as NumPy layers: one step and a whole sequence, forward and
backward (backpropagation through time).

Notation (the lecture's), with PyTorch's weight layout so that weights move between this
file and `torch.nn.RNN` unchanged:

    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)        written row-wise for a batch:
    h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)

Shapes: N batch, T time steps, D input size, H hidden size.
    x_t (N, D)   h_prev, h_t (N, H)   W_xh (H, D)   W_hh (H, H)   b (H,)
PyTorch keeps two biases, bias_ih and bias_hh; they are always added together, so
b = bias_ih + bias_hh.

Every forward function returns a cache, and its backward partner takes the upstream
gradient and that cache, in the style of the classic from-scratch assignments. Each public
function checks its inputs in one call (guards.py), then does the maths.

The LSTM functions follow the same pattern, with four gate blocks stacked in W_xh (4H, D),
W_hh (4H, H) and b (4H,). The character language model built on these layers is in
numpy_char_lm.py.
"""
import numpy as np

from . import guards


# ------------------------------------------------------------------- one time step
def rnn_step_forward(x_t, h_prev, W_xh, W_hh, b):
    """One step: h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b).

    x_t (N, D), h_prev (N, H), W_xh (H, D), W_hh (H, H), b (H,) -> h_t (N, H), cache.
    """
    guards.step(x_t, {"h_prev": h_prev}, W_xh, W_hh, b)
    h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)
    return h_t, (x_t, h_prev, W_xh, W_hh, h_t)


def rnn_step_backward(dh, cache):
    """Backward of one step.

    dh (N, H): upstream gradient dL/dh_t. Returns dx (N, D), dh_prev (N, H),
    dW_xh (H, D), dW_hh (H, H), db (H,).
    """
    x_t, h_prev, W_xh, W_hh, h_t = cache
    guards.shape("dh", dh, h_t.shape, "(N, H), the shape of h_t")
    da = dh * (1.0 - h_t * h_t)  # tanh'(a) = 1 - tanh(a)^2, reusing the stored output
    dx = da @ W_xh
    dh_prev = da @ W_hh
    dW_xh = da.T @ x_t
    dW_hh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx, dh_prev, dW_xh, dW_hh, db


# ---------------------------------------------------------------- a whole sequence
def rnn_forward(x, h0, W_xh, W_hh, b):
    """Run the RNN over a sequence, the same W_xh, W_hh, b at every step.

    x (N, T, D), h0 (N, H) -> h (N, T, H) holding h_1 ... h_T, and a cache (one per step).
    """
    N, T, D, H = guards.sequence(x, h0, W_xh, W_hh, b)
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, W_xh, W_hh, b))
    caches = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t], h_t, W_xh, W_hh, b)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, caches):
    """Backpropagation through time over the whole sequence.

    dh (N, T, H): upstream gradient on every h_t (from the outputs y_t). Going backwards
    in time, the gradient reaching h_t is its own dh[:, t] plus what flows back from
    h_{t+1} through W_hh; the weights' gradients are summed over all steps because the
    same weights are used at every step.

    Returns dx (N, T, D), dh0 (N, H), dW_xh (H, D), dW_hh (H, H), db (H,).
    """
    guards.caches(caches)
    x_1, _, W_xh, W_hh, h_1 = caches[0]
    (N, D), T, H = x_1.shape, len(caches), h_1.shape[1]
    guards.shape("dh", dh, (N, T, H), "(N, T, H)")
    dx = np.empty((N, T, D), dtype=np.result_type(dh, x_1))
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(H, dtype=W_hh.dtype)
    dh_next = np.zeros((N, H), dtype=np.result_type(dh, h_1))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dW_xh_t, dW_hh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, caches[t])
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db += db_t
    return dx, dh_next, dW_xh, dW_hh, db


# ------------------------------------------------------------------------ LSTM
# The lecture names the gates i, f, o, g. PyTorch stacks their weight blocks in the order
# i, f, g, o, and so do we, so that nn.LSTM's weight_ih_l0 (4H, D) is our W_xh unchanged:
#   rows [0:H] input gate i,  [H:2H] forget gate f,  [2H:3H] candidate g,  [3H:4H] output gate o.
#   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
#   C_t = f * C_{t-1} + i * g            h_t = o * tanh(C_t)


def sigmoid(a):
    """1 / (1 + exp(-a)), computed without overflow for large negative a."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_step_forward(x_t, h_prev, C_prev, W_xh, W_hh, b):
    """One LSTM step.

    x_t (N, D), h_prev (N, H), C_prev (N, H), W_xh (4H, D), W_hh (4H, H), b (4H,)
    -> h_t (N, H), C_t (N, H), cache. b = bias_ih + bias_hh of PyTorch.
    """
    N, D, H = guards.step(x_t, {"h_prev": h_prev, "C_prev": C_prev}, W_xh, W_hh, b, blocks=4)
    a = x_t @ W_xh.T + h_prev @ W_hh.T + b  # (N, 4H): all four gates' pre-activations at once
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    C_t = f * C_prev + i * g  # the additive update: the cell state is changed, not rewritten
    tanh_C = np.tanh(C_t)
    h_t = o * tanh_C
    return h_t, C_t, (x_t, h_prev, C_prev, W_xh, W_hh, i, f, g, o, tanh_C)


def lstm_step_backward(dh, dC, cache):
    """Backward of one LSTM step.

    dh, dC (N, H): upstream gradients on h_t and on C_t. Returns dx (N, D), dh_prev (N, H),
    dC_prev (N, H), dW_xh (4H, D), dW_hh (4H, H), db (4H,).
    """
    x_t, h_prev, C_prev, W_xh, W_hh, i, f, g, o, tanh_C = cache
    guards.shape("dh", dh, h_prev.shape, "(N, H), the shape of h_t")
    guards.shape("dC", dC, h_prev.shape, "(N, H), the shape of C_t")
    dC = dC + dh * o * (1.0 - tanh_C * tanh_C)  # C_t reaches the loss directly and through h_t = o tanh(C_t)
    da = np.concatenate([
        dC * g * i * (1.0 - i),          # input gate:  dC_t/di = g,  sigmoid' = i (1 - i)
        dC * C_prev * f * (1.0 - f),     # forget gate: dC_t/df = C_{t-1}
        dC * i * (1.0 - g * g),          # candidate:   dC_t/dg = i,  tanh' = 1 - g^2
        dh * tanh_C * o * (1.0 - o),     # output gate: dh_t/do = tanh(C_t)
    ], axis=1)
    dC_prev = dC * f  # along the cell state, one step back multiplies only by f
    return da @ W_xh, da @ W_hh, dC_prev, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def lstm_forward(x, h0, W_xh, W_hh, b):
    """Run an LSTM over a sequence, starting from h0 and C_0 = 0.

    x (N, T, D), h0 (N, H) -> h (N, T, H) holding h_1 ... h_T, and a cache (one per step).
    """
    N, T, D, H = guards.sequence(x, h0, W_xh, W_hh, b, blocks=4)
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, W_xh, W_hh, b))
    h_t, C_t, caches = h0, np.zeros((N, H), dtype=h.dtype), []
    for t in range(T):
        h_t, C_t, step_cache = lstm_step_forward(x[:, t], h_t, C_t, W_xh, W_hh, b)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, caches


def lstm_backward(dh, caches):
    """BPTT through an LSTM: dh (N, T, H) is the upstream gradient on every h_t.

    Returns dx (N, T, D), dh0 (N, H), dW_xh (4H, D), dW_hh (4H, H), db (4H,).
    (C_0 = 0 is not a parameter, so its gradient is not returned.)
    """
    guards.caches(caches)
    x_1, h0, _, W_xh, W_hh = caches[0][:5]
    (N, D), T, H = x_1.shape, len(caches), h0.shape[1]
    guards.shape("dh", dh, (N, T, H), "(N, T, H)")
    dx = np.empty((N, T, D), dtype=np.result_type(dh, x_1))
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(4 * H, dtype=W_hh.dtype)
    dh_next, dC_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dC_next, dW_xh_t, dW_hh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dC_next, caches[t])
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db += db_t
    return dx, dh_next, dW_xh, dW_hh, db


def cache_nbytes(cache):
    """Bytes of memory a cache holds for the backward pass: every array in it once.

    The weights appear in every step's cache but are the same arrays, so they are
    counted once; so is h_{t-1}, which is the previous step's h_t. What grows with T is
    each step's arrays: the memory cost of backpropagating through T steps. Caches are
    nested lists and tuples of arrays, as this module builds them.
    """
    seen, total, stack = set(), 0, [cache]
    while stack:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            if id(item) not in seen:
                seen.add(id(item))
                total += item.nbytes
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return total
