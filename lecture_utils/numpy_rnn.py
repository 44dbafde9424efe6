"""A vanilla RNN and a character-level language model in NumPy, forward and backward.

Notation (the lecture's), with PyTorch's weight layout so that weights move between this
file and `torch.nn.RNN` unchanged:

    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)        written row-wise for a batch:
    h   = tanh(x @ W_xh.T + h_prev @ W_hh.T + b)
    y_t = W_hy h_t + b_y,   p_t = softmax(y_t)

Shapes: N batch, T time steps, D input size, H hidden size, V vocabulary size.
    x (N, D)   h_prev, h (N, H)   W_xh (H, D)   W_hh (H, H)   b (H,)
PyTorch keeps two biases, bias_ih and bias_hh; they are always added together, so
b = bias_ih + bias_hh.

Every forward function returns a cache, and its backward partner takes the upstream
gradient and that cache, in the style of the classic from-scratch assignments.

The LSTM functions below follow the same pattern, with four gate blocks stacked in W_xh
(4H, D), W_hh (4H, H) and b (4H,).
"""
import numbers

import numpy as np


# ---------------------------------------------------------------------------- checks
def _check(name, array, shape, meaning):
    """Raise a ValueError naming `name` unless array.shape == shape."""
    array = np.asarray(array)
    if array.shape != tuple(shape):
        raise ValueError(
            f"{name} has shape {array.shape}; expected {meaning} = {tuple(shape)}"
        )


def _check_rnn_weights(W_xh, W_hh, b, D=None):
    W_hh = np.asarray(W_hh)
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"W_hh has shape {W_hh.shape}; expected a square (H, H) matrix")
    H = W_hh.shape[0]
    W_xh = np.asarray(W_xh)
    if W_xh.ndim != 2 or W_xh.shape[0] != H:
        raise ValueError(f"W_xh has shape {W_xh.shape}; expected (H, D) with H = {H}")
    if D is not None and W_xh.shape[1] != D:
        raise ValueError(f"W_xh has shape {W_xh.shape}; expected (H, D) = {(H, D)}")
    _check("b", b, (H,), "(H,)")
    return H


# ------------------------------------------------------------------- one time step
def rnn_step_forward(x, h_prev, W_xh, W_hh, b):
    """One step: h = tanh(x @ W_xh.T + h_prev @ W_hh.T + b).

    x (N, D), h_prev (N, H), W_xh (H, D), W_hh (H, H), b (H,) -> h (N, H), cache.
    """
    x, h_prev = np.asarray(x), np.asarray(h_prev)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}; expected (N, D)")
    N, D = x.shape
    H = _check_rnn_weights(W_xh, W_hh, b, D)
    _check("h_prev", h_prev, (N, H), "(N, H)")
    return _step_forward(x, h_prev, W_xh, W_hh, b)


def _step_forward(x, h_prev, W_xh, W_hh, b):
    h = np.tanh(x @ W_xh.T + h_prev @ W_hh.T + b)
    return h, (x, h_prev, W_xh, W_hh, h)


def rnn_step_backward(dh, cache):
    """Backward of one step.

    dh (N, H): upstream gradient dL/dh. Returns dx (N, D), dh_prev (N, H),
    dW_xh (H, D), dW_hh (H, H), db (H,).
    """
    h = cache[-1]
    _check("dh", dh, h.shape, "(N, H), the shape of h")
    return _step_backward(dh, cache)


def _step_backward(dh, cache):
    x, h_prev, W_xh, W_hh, h = cache
    da = dh * (1.0 - h * h)  # tanh'(a) = 1 - tanh(a)^2, reusing the stored output
    dx = da @ W_xh
    dh_prev = da @ W_hh
    dW_xh = da.T @ x
    dW_hh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx, dh_prev, dW_xh, dW_hh, db


# ---------------------------------------------------------------- a whole sequence
def rnn_forward(x, h0, W_xh, W_hh, b):
    """Run the RNN over a sequence, the same W_xh, W_hh, b at every step.

    x (N, T, D), h0 (N, H) -> h (N, T, H) holding h_1 ... h_T, and a cache.
    """
    x, h0 = np.asarray(x), np.asarray(h0)
    if x.ndim != 3:
        raise ValueError(f"x has shape {x.shape}; expected (N, T, D)")
    N, T, D = x.shape
    H = _check_rnn_weights(W_xh, W_hh, b, D)
    _check("h0", h0, (N, H), "(N, H)")
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, W_xh, W_hh, b))
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, step_cache = _step_forward(x[:, t], h_prev, W_xh, W_hh, b)
        h[:, t] = h_prev
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, cache):
    """Backpropagation through time over the whole sequence.

    dh (N, T, H): upstream gradient on every h_t (from the outputs y_t). Going backwards
    in time, the gradient reaching h_t is its own dh[:, t] plus what flows back from
    h_{t+1} through W_hh; the weights' gradients are summed over all steps because the
    same weights are used at every step.

    Returns dx (N, T, D), dh0 (N, H), dW_xh (H, D), dW_hh (H, H), db (H,).
    """
    caches = cache
    if not caches:
        raise ValueError("the cache holds no time steps")
    x0, h_prev0, W_xh, W_hh, h1 = caches[0]
    N, D = x0.shape
    T, H = len(caches), h1.shape[1]
    _check("dh", dh, (N, T, H), "(N, T, H)")
    dx = np.empty((N, T, D), dtype=np.result_type(dh, x0))
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(H, dtype=W_hh.dtype)
    dh_next = np.zeros((N, H), dtype=np.result_type(dh, h1))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dW_xh_t, dW_hh_t, db_t = _step_backward(dh[:, t] + dh_next, caches[t])
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


def _check_lstm_weights(W_xh, W_hh, b, D=None):
    W_hh = np.asarray(W_hh)
    if W_hh.ndim != 2 or W_hh.shape[0] != 4 * W_hh.shape[1]:
        raise ValueError(f"W_hh has shape {W_hh.shape}; expected (4H, H), the four gates' blocks stacked")
    H = W_hh.shape[1]
    want = (4 * H, D) if D is not None else None
    W_xh = np.asarray(W_xh)
    if W_xh.ndim != 2 or W_xh.shape[0] != 4 * H or (D is not None and W_xh.shape != want):
        raise ValueError(f"W_xh has shape {W_xh.shape}; expected (4H, D) with H = {H}" + (f", D = {D}" if D else ""))
    _check("b", b, (4 * H,), "(4H,)")
    return H


def lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b):
    """One LSTM step.

    x (N, D), h_prev (N, H), c_prev (N, H), W_xh (4H, D), W_hh (4H, H), b (4H,)
    -> h (N, H), c (N, H), cache. b = bias_ih + bias_hh of PyTorch.
    """
    x, h_prev, c_prev = np.asarray(x), np.asarray(h_prev), np.asarray(c_prev)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}; expected (N, D)")
    N, D = x.shape
    H = _check_lstm_weights(W_xh, W_hh, b, D)
    _check("h_prev", h_prev, (N, H), "(N, H)")
    _check("c_prev", c_prev, (N, H), "(N, H)")
    return _lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b)


def _lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b):
    H = h_prev.shape[1]
    a = x @ W_xh.T + h_prev @ W_hh.T + b  # (N, 4H): all four gates' pre-activations at once
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g  # the additive update: the cell state is changed, not rewritten
    tc = np.tanh(c)
    h = o * tc
    return h, c, (x, h_prev, c_prev, W_xh, W_hh, i, f, g, o, tc)


def lstm_step_backward(dh, dc, cache):
    """Backward of one LSTM step.

    dh, dc (N, H): upstream gradients on h and on C. Returns dx (N, D), dh_prev (N, H),
    dc_prev (N, H), dW_xh (4H, D), dW_hh (4H, H), db (4H,).
    """
    shape = cache[1].shape
    _check("dh", dh, shape, "(N, H), the shape of h")
    _check("dc", dc, shape, "(N, H), the shape of C")
    return _lstm_step_backward(dh, dc, cache)


def _lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, W_xh, W_hh, i, f, g, o, tc = cache
    dc = dc + dh * o * (1.0 - tc * tc)  # C reaches the loss directly and through h = o tanh(C)
    da = np.concatenate([
        dc * g * i * (1.0 - i),          # input gate:  dC/di = g,  sigmoid' = i (1 - i)
        dc * c_prev * f * (1.0 - f),     # forget gate: dC/df = C_{t-1}
        dc * i * (1.0 - g * g),          # candidate:   dC/dg = i,  tanh' = 1 - g^2
        dh * tc * o * (1.0 - o),         # output gate: dh/do = tanh(C)
    ], axis=1)
    dc_prev = dc * f  # along the cell state, one step back multiplies only by f
    return da @ W_xh, da @ W_hh, dc_prev, da.T @ x, da.T @ h_prev, da.sum(axis=0)


def lstm_forward(x, h0, W_xh, W_hh, b):
    """Run an LSTM over a sequence, starting from h0 and C_0 = 0.

    x (N, T, D), h0 (N, H) -> h (N, T, H) holding h_1 ... h_T, and a cache.
    """
    x, h0 = np.asarray(x), np.asarray(h0)
    if x.ndim != 3:
        raise ValueError(f"x has shape {x.shape}; expected (N, T, D)")
    N, T, D = x.shape
    H = _check_lstm_weights(W_xh, W_hh, b, D)
    _check("h0", h0, (N, H), "(N, H)")
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, W_xh, W_hh, b))
    h_prev, c_prev, caches = h0, np.zeros((N, H), dtype=h.dtype), []
    for t in range(T):
        h_prev, c_prev, step_cache = _lstm_step_forward(x[:, t], h_prev, c_prev, W_xh, W_hh, b)
        h[:, t] = h_prev
        caches.append(step_cache)
    return h, caches


def lstm_backward(dh, cache):
    """BPTT through an LSTM: dh (N, T, H) is the upstream gradient on every h_t.

    Returns dx (N, T, D), dh0 (N, H), dW_xh (4H, D), dW_hh (4H, H), db (4H,).
    (C_0 = 0 is not a parameter, so its gradient is not returned.)
    """
    caches = cache
    if not caches:
        raise ValueError("the cache holds no time steps")
    x0, h_prev0, _, W_xh, W_hh = caches[0][:5]
    N, D = x0.shape
    T, H = len(caches), h_prev0.shape[1]
    _check("dh", dh, (N, T, H), "(N, T, H)")
    dx = np.empty((N, T, D), dtype=np.result_type(dh, x0))
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(4 * H, dtype=W_hh.dtype)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dW_xh_t, dW_hh_t, db_t = _lstm_step_backward(dh[:, t] + dh_next, dc_next, caches[t])
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


# ------------------------------------------------------ character language model
PARAM_NAMES = ("W_xh", "W_hh", "b", "W_hy", "b_y")


def init_char_lm(vocab_size, hidden_size, rng, scale=0.01):
    """Parameters of a character LM: small random weights, zero biases (min-char-rnn).

    Returns a dict: W_xh (H, V), W_hh (H, H), b (H,), W_hy (V, H), b_y (V,).
    Small weights keep tanh in its linear range at first, so every character starts
    out nearly equally likely and the first loss is close to ln V.
    """
    rng = np.random.default_rng(rng)
    V, H = vocab_size, hidden_size
    if V < 1 or H < 1:
        raise ValueError(f"vocab_size and hidden_size must be at least 1; got {V}, {H}")
    return {
        "W_xh": rng.standard_normal((H, V)) * scale,
        "W_hh": rng.standard_normal((H, H)) * scale,
        "b": np.zeros(H),
        "W_hy": rng.standard_normal((V, H)) * scale,
        "b_y": np.zeros(V),
    }


def _check_char_lm(params, h_prev):
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params lacks {missing}; a character LM needs {list(PARAM_NAMES)}")
    H = _check_rnn_weights(params["W_xh"], params["W_hh"], params["b"])
    V = params["W_xh"].shape[1]
    _check("W_hy", params["W_hy"], (V, H), "(V, H)")
    _check("b_y", params["b_y"], (V,), "(V,)")
    _check("h_prev", h_prev, (H,), "(H,)")
    return V, H


def _check_indices(name, indices, V):
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.size == 0:
        raise ValueError(f"{name} has shape {indices.shape}; expected a non-empty (T,) sequence")
    if not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"{name} must hold integer character indices; got dtype {indices.dtype}")
    bad = np.flatnonzero((indices < 0) | (indices >= V))
    if bad.size:
        raise ValueError(
            f"{name}[{bad[0]}] = {indices[bad[0]]} is not a character index (0 to {V - 1})"
        )
    return indices


def softmax(logits):
    """Softmax over the last axis. Subtracting the max first avoids overflow in exp."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def char_lm_forward(params, inputs, h_prev):
    """Read a sequence of T character indices; predict the next character at every step.

    inputs (T,) ints, h_prev (H,) -> probs (T, V) where probs[t] = softmax(y_t),
    the last hidden state h_T (H,), and a cache for `char_lm_backward`.
    """
    V, H = _check_char_lm(params, h_prev)
    inputs = _check_indices("inputs", inputs, V)
    x = np.eye(V)[inputs][None]  # one-hot x_t, as a batch of one: (1, T, V)
    hs, rnn_cache = rnn_forward(x, np.asarray(h_prev)[None], params["W_xh"], params["W_hh"], params["b"])
    hs = hs[0]  # (T, H)
    logits = hs @ params["W_hy"].T + params["b_y"]  # y_t for every t: (T, V)
    probs = softmax(logits)
    return probs, hs[-1], (hs, probs, rnn_cache)


def char_lm_loss(params, inputs, targets, h_prev):
    """Loss and gradients of the character LM on one sequence.

    inputs, targets (T,) ints (targets[t] is the character after inputs[t]),
    h_prev (H,) the hidden state carried in.
    Returns loss (mean cross-entropy per character, in nats), grads (a dict shaped like
    params) and h_T (H,), to carry into the next chunk.
    """
    probs, h_last, (hs, probs, rnn_cache) = char_lm_forward(params, inputs, h_prev)
    T, V = probs.shape
    targets = _check_indices("targets", targets, V)
    if targets.shape != (T,):
        raise ValueError(f"targets has shape {targets.shape}; expected (T,) = ({T},), like inputs")
    loss = -np.log(probs[np.arange(T), targets]).mean()

    # d(mean cross-entropy)/dy_t = (p_t - onehot(target_t)) / T
    dy = probs.copy()
    dy[np.arange(T), targets] -= 1.0
    dy /= T
    grads = {"W_hy": dy.T @ hs, "b_y": dy.sum(axis=0)}
    dhs = (dy @ params["W_hy"])[None]  # the gradient each h_t receives from its own y_t
    _, _, grads["W_xh"], grads["W_hh"], grads["b"] = rnn_backward(dhs, rnn_cache)
    return loss, grads, h_last


def check_temperature(temperature):
    """A sampling temperature must be a finite number > 0; say so, and why, if it is not."""
    real = isinstance(temperature, numbers.Real) and not isinstance(temperature, bool)
    if not real or not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(
            f"temperature must be a positive number; got {temperature!r}. As the temperature "
            "falls towards 0, sampling approaches always taking the most likely character."
        )


def sample(params, prime, length, temperature=1.0, rng=None):
    """Generate `length` character indices after reading the indices in `prime`.

    At each step the logits are divided by the temperature before the softmax: below 1
    the distribution sharpens towards the most likely character, above 1 it flattens
    towards uniform. Returns an int64 array (length,).
    """
    check_temperature(temperature)
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
        raise ValueError(f"length must be an integer >= 0; got {length!r}")
    rng = np.random.default_rng(rng)
    V, H = _check_char_lm(params, np.zeros(np.shape(params.get("W_hh", []))[:1]))
    prime = _check_indices("prime", prime, V)
    # Read all of the prime but its last character; the loop below feeds that one.
    h = np.zeros(H)
    if len(prime) > 1:
        _, h, _ = char_lm_forward(params, prime[:-1], h)
    h = h[None]
    x = np.zeros((1, V))
    ix = prime[-1]
    out = np.empty(length, dtype=np.int64)
    for t in range(length):
        x[:] = 0.0
        x[0, ix] = 1.0
        h, _ = _step_forward(x, h, params["W_xh"], params["W_hh"], params["b"])
        logits = (h @ params["W_hy"].T + params["b_y"])[0]
        p = softmax(logits / temperature)
        ix = rng.choice(V, p=p)
        out[t] = ix
    return out
