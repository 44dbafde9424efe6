"""Training and evaluating the NumPy character LM with truncated BPTT.

The text is read as consecutive chunks of seq_length characters (`sequential_chunks`).
The last hidden state of one chunk is the first of the next, so the model's memory runs
through the whole text, while backpropagation stops at the chunk's start: that is
truncated backpropagation through time. The state restarts from zero at every new pass.
"""
import numpy as np

from .data import sequential_chunks
from .numpy_rnn import char_lm_forward, char_lm_loss
from .optim import clip_by_value


def train_char_lm(params, data, seq_length, num_steps, optimizer, clip=5.0,
                  callback=None, every=None):
    """Train `params` in place for `num_steps` chunks; return the loss of each step.

    data (L,) character indices; optimizer has .step(params, grads); clip: element-wise
    gradient limit (None for none). callback(step, params) runs after steps every,
    2*every, ... (and after the last), e.g. to print a sample as training proceeds.
    Returns a float array (num_steps,) of per-chunk mean cross-entropies, in nats.
    """
    if num_steps < 1:
        raise ValueError(f"num_steps must be at least 1; got {num_steps}")
    if every is not None and every < 1:
        raise ValueError(f"every must be at least 1; got {every}")
    chunks = sequential_chunks(data, seq_length)
    H = params["W_hh"].shape[0]
    losses = np.empty(num_steps)
    h = np.zeros(H)
    for step in range(num_steps):
        k = step % len(chunks)
        if k == 0:
            h = np.zeros(H)  # a new pass through the text starts with no memory
        inputs, targets = chunks[k]
        losses[step], grads, h = char_lm_loss(params, inputs, targets, h)
        if clip is not None:
            clip_by_value(grads, clip)
        optimizer.step(params, grads)
        done = step + 1
        if callback is not None and ((every and done % every == 0) or done == num_steps):
            callback(done, params)
    return losses


def evaluate_char_lm(params, data, chunk=1000):
    """Mean cross-entropy per character, in nats, of predicting data[1:] from what precedes.

    The hidden state is carried through all of `data`, so each character is predicted
    from everything before it. `chunk` only bounds memory; it does not change the result.
    """
    data = np.asarray(data)
    if data.ndim != 1 or len(data) < 2:
        raise ValueError(f"data must be a (L,) sequence with L >= 2; got shape {data.shape}")
    h = np.zeros(params["W_hh"].shape[0])
    total = 0.0
    for inputs, targets in sequential_chunks(data, min(chunk, len(data) - 1)):
        probs, h, _ = char_lm_forward(params, inputs, h)
        total -= np.log(probs[np.arange(len(targets)), targets]).sum()
    return total / (len(data) - 1)
