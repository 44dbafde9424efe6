"""The character-level language model in NumPy (min-char-rnn), on the layers of numpy_rnn.py.

    x_t = one-hot(character t)     h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)
    y_t = W_hy h_t + b_y           p_t = softmax(y_t), the next character's distribution

Shapes: T characters in a chunk, V vocabulary size, H hidden size. Parameters are a dict:
W_xh (H, V), W_hh (H, H), b (H,), W_hy (V, H), b_y (V,).

Training reads the text as consecutive chunks of seq_length characters (`sequential_chunks`).
The last hidden state of one chunk is the first of the next, so the model's memory runs
through the whole text, while backpropagation stops at the chunk's start: that is
truncated backpropagation through time. The state restarts from zero at every new pass.
"""
import numpy as np

from . import guards
from .data import sequential_chunks
from .numpy_rnn import rnn_backward, rnn_forward, rnn_step_forward
from .optim import clip_by_value

PARAM_NAMES = ("W_xh", "W_hh", "b", "W_hy", "b_y")


def init_char_lm(vocab_size, hidden_size, seed, scale=0.01):
    """Parameters of a character LM: small random weights, zero biases (min-char-rnn).

    seed: an int, or a np.random.Generator. Returns a dict: W_xh (H, V), W_hh (H, H),
    b (H,), W_hy (V, H), b_y (V,). Small weights keep tanh in its linear range at first,
    so every character starts out nearly equally likely and the first loss is close to ln V.
    """
    guards.whole("vocab_size", vocab_size)
    guards.whole("hidden_size", hidden_size)
    rng = np.random.default_rng(seed)
    V, H = vocab_size, hidden_size
    return {
        "W_xh": rng.standard_normal((H, V)) * scale,
        "W_hh": rng.standard_normal((H, H)) * scale,
        "b": np.zeros(H),
        "W_hy": rng.standard_normal((V, H)) * scale,
        "b_y": np.zeros(V),
    }


def sizes(params):
    """(V, H) of a character LM's parameters, after checking that they fit together."""
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params lacks {missing}; a character LM needs {list(PARAM_NAMES)}")
    H = guards.weights(params["W_xh"], params["W_hh"], params["b"])
    V = params["W_xh"].shape[1]
    guards.shape("W_hy", params["W_hy"], (V, H), "(V, H)")
    guards.shape("b_y", params["b_y"], (V,), "(V,)")
    return V, H


def softmax(logits):
    """Softmax over the last axis. Subtracting the max first avoids overflow in exp."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def char_lm_forward(params, inputs, h_prev):
    """Read a sequence of T character indices; predict the next character at every step.

    inputs (T,) ints, h_prev (H,) -> probs (T, V) where probs[t] = softmax(y_t),
    the last hidden state h_T (H,), and a cache for `char_lm_loss`.
    """
    V, H = sizes(params)
    guards.shape("h_prev", h_prev, (H,), "(H,)")
    inputs = guards.indices("inputs", inputs, V)
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
    targets = guards.indices("targets", targets, V)
    guards.shape("targets", targets, (T,), "(T,)")
    loss = -np.log(probs[np.arange(T), targets]).mean()

    # d(mean cross-entropy)/dy_t = (p_t - onehot(target_t)) / T
    dy = probs.copy()
    dy[np.arange(T), targets] -= 1.0
    dy /= T
    grads = {"W_hy": dy.T @ hs, "b_y": dy.sum(axis=0)}
    dhs = (dy @ params["W_hy"])[None]  # the gradient each h_t receives from its own y_t
    _, _, grads["W_xh"], grads["W_hh"], grads["b"] = rnn_backward(dhs, rnn_cache)
    return loss, grads, h_last


def sample(params, prime, length, temperature=1.0, seed=None):
    """Generate `length` character indices after reading the indices in `prime`.

    At each step the logits are divided by the temperature before the softmax: below 1
    the distribution sharpens towards the most likely character, above 1 it flattens
    towards uniform. seed: an int or a np.random.Generator, for a sample that repeats.
    Returns an int64 array (length,), the prime not included.
    """
    guards.temperature(temperature)
    guards.whole("length", length)
    V, H = sizes(params)
    prime = guards.indices("prime", prime, V)
    rng = np.random.default_rng(seed)
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
        h, _ = rnn_step_forward(x, h, params["W_xh"], params["W_hh"], params["b"])
        p = softmax((h @ params["W_hy"].T + params["b_y"])[0] / temperature)
        ix = rng.choice(V, p=p)
        out[t] = ix
    return out


def train_numpy_lm(params, data, seq_length, steps, optimizer, clip=5.0, callback=None, every=None):
    """Train `params` in place for `steps` chunks; return the loss of each step.

    data (L,) character indices; optimizer has .step(params, grads); clip: element-wise
    gradient limit (None for none). callback(step, params) runs after steps every,
    2*every, ... and after the last, e.g. to print a sample as training proceeds.
    Returns a float array (steps,) of per-chunk mean cross-entropies, in nats.
    """
    guards.whole("steps", steps)
    if every is not None:
        guards.whole("every", every)
    chunks = sequential_chunks(data, seq_length)
    H = params["W_hh"].shape[0]
    losses = np.empty(steps)
    h = np.zeros(H)
    for step in range(steps):
        k = step % len(chunks)
        if k == 0:
            h = np.zeros(H)  # a new pass through the text starts with no memory
        inputs, targets = chunks[k]
        losses[step], grads, h = char_lm_loss(params, inputs, targets, h)
        if clip is not None:
            clip_by_value(grads, clip)
        optimizer.step(params, grads)
        done = step + 1
        if callback is not None and ((every and done % every == 0) or done == steps):
            callback(done, params)
    return losses


def evaluate_numpy_lm(params, data, chunk=1000):
    """Mean cross-entropy per character, in nats, of predicting data[1:] from what precedes.

    The hidden state is carried through all of `data`, so each character is predicted
    from everything before it. `chunk` only bounds memory; it does not change the result.
    """
    data = np.asarray(data)
    guards.whole("chunk", chunk)
    if data.ndim != 1 or len(data) < 2:
        raise ValueError(f"data must be a (L,) sequence with L >= 2; got shape {data.shape}")
    h = np.zeros(params["W_hh"].shape[0])
    total = 0.0
    for inputs, targets in sequential_chunks(data, min(chunk, len(data) - 1)):
        probs, h, _ = char_lm_forward(params, inputs, h)
        total -= np.log(probs[np.arange(len(targets)), targets]).sum()
    return total / (len(data) - 1)
