"""Training loops: the NumPy character LM with truncated BPTT, and `fit` for PyTorch models.

The NumPy LM's text is read as consecutive chunks of seq_length characters (`sequential_chunks`).
The last hidden state of one chunk is the first of the next, so the model's memory runs
through the whole text, while backpropagation stops at the chunk's start: that is
truncated backpropagation through time. The state restarts from zero at every new pass.
"""
import time

import numpy as np
import torch
from tqdm import tqdm

from .cells import LSTMCell
from .data import sequential_chunks, train_val_split
from .models import CharLM, sample_text
from .numpy_rnn import char_lm_forward, char_lm_loss
from .optim import clip_by_value
from .vocab import Vocabulary


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
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1; got {chunk}")
    if data.ndim != 1 or len(data) < 2:
        raise ValueError(f"data must be a (L,) sequence with L >= 2; got shape {data.shape}")
    h = np.zeros(params["W_hh"].shape[0])
    total = 0.0
    for inputs, targets in sequential_chunks(data, min(chunk, len(data) - 1)):
        probs, h, _ = char_lm_forward(params, inputs, h)
        total -= np.log(probs[np.arange(len(targets)), targets]).sum()
    return total / (len(data) - 1)


# ------------------------------------------------------------- PyTorch models
def cross_entropy(logits, targets):
    """Mean cross-entropy in nats over every target that is not IGNORE (-100).

    logits (..., C), targets (...) class indices: a classifier's (N, C) and (N,), or a
    sequence model's (N, T, C) and (N, T) alike.
    """
    if logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"logits have shape {tuple(logits.shape)} and targets {tuple(targets.shape)}; "
            "expected (..., C) and (...)"
        )
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                             ignore_index=-100)


def fit(model, loss_fn, data, steps, batch_size=64, lr=1e-2, clip_norm=1.0, clip_value=None,
        optimizer="adam", seed=0, return_grad_norms=False):
    """Train a PyTorch model on random minibatches; return the loss of each step.

    data: a tuple of tensors with the same first dimension (N examples). Each step draws
    batch_size of them at random (with replacement) and minimises loss_fn(model, *batch)
    with Adam, or with plain SGD (optimizer="sgd"). Before each update the gradient is
    clipped, either to norm clip_norm as a whole, or element-wise to [-clip_value,
    clip_value] (pass clip_norm=None with it); None for no clipping. seed fixes the
    batches drawn. A run that diverges goes on, and its losses show it (inf or nan).
    Returns a float array (steps,) of losses; with return_grad_norms, also the gradient's
    norm at each step, measured before clipping.
    """
    if not isinstance(data, (tuple, list)) or not data:
        raise ValueError("data must be a tuple of tensors, e.g. (x, y)")
    n = len(data[0])
    if any(len(t) != n for t in data):
        raise ValueError(f"every tensor in data needs the same first dimension; got {[len(t) for t in data]}")
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be at least 1; got {steps}, {batch_size}")
    for name, value in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be positive, or None for no clipping; got {value}")
    if clip_norm is not None and clip_value is not None:
        raise ValueError("clip by norm or by value, not both: pass clip_norm=None to clip by value")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a positive number; got {lr}")
    optimizers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {sorted(optimizers)}; got {optimizer!r}")
    generator = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = optimizers[optimizer](params, lr=lr)
    losses, norms = np.empty(steps), np.empty(steps)
    model.train()
    for step in range(steps):
        idx = torch.randint(0, n, (min(batch_size, n),), generator=generator)
        loss = loss_fn(model, *(t[idx] for t in data))
        opt.zero_grad()
        loss.backward()
        norms[step] = grad_norm(params)
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, clip_value)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, clip_norm)
        opt.step()
        losses[step] = loss.item()
    model.eval()
    return (losses, norms) if return_grad_norms else losses


def grad_norm(params):
    """The norm of all the parameters' gradients taken together, as one long vector."""
    grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
    return torch.cat(grads).norm().item() if grads else 0.0


def train_adding_problem(model, length=100, steps=1000, batch_size=64, lr=1e-2, n_train=10000, seed=0):
    """Train a regressor on the adding problem and measure it: the common budget of the
    vanishing-gradient (04), LSTM (05) and GRU (06) lessons.

    model: maps x (N, length, 2) to (N, 1), e.g. ManyToOne(cell, 1). Adam, gradient norm
    clipped to 1, the MSE loss. seed (an int) fixes the training data and the batches; the
    model's initial weights are the caller's (seed torch first). Test data: 2000 fresh
    sequences from seed + 10_000.
    Returns {"losses": (steps,), "test_mse": float, "baseline_mse": float}, where the
    baseline always predicts 1, the mean target (MSE ~ 1/6).
    """
    from .tasks import adding_problem
    x, y = adding_problem(n_train, length, seed)
    x_test, y_test = adding_problem(2000, length, seed + 10_000)
    mse = lambda m, x, y: ((m(x).squeeze(-1) - y) ** 2).mean()
    losses = fit(model, mse, (x, y), steps=steps, batch_size=batch_size, lr=lr, seed=seed)
    with torch.no_grad():
        test_mse = mse(model, x_test, y_test).item()
    return {"losses": losses, "test_mse": test_mse, "baseline_mse": ((y_test - 1) ** 2).mean().item()}


def detach_state(state):
    """The same values with the autograd graph behind them cut: where truncated BPTT stops."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_char_model(model, data, seq_length, steps=None, batch_size=32, lr=3e-3, clip_norm=1.0,
                     seconds=None, warmup=0, decay=False, weight_decay=0.0,
                     callback=None, every=None, stop=None, progress=False):
    """Train a PyTorch CharLM with truncated BPTT; return the loss of each step.

    data (L,) character indices. The text is cut into batch_size equal streams, read side
    by side, seq_length characters per step; each stream's hidden state is carried into
    its next chunk, detached, and reset to zero when the streams wrap around. Adam (AdamW
    when weight_decay > 0), the gradient norm clipped to clip_norm.

    Training stops after `steps` steps or `seconds` seconds of training, whichever comes
    first (at least one must be given), or as soon as `stop.is_set()` (a threading.Event,
    set by a Ctrl-C handler for instance). Time spent in callback(step, model), which runs
    every `every` steps (evaluation, say), is not counted.

    Learning rate: lr, ramped up linearly over the first `warmup` steps; with decay=True
    it then falls linearly to zero at the end of the budget, the fraction of the budget
    used being max(step / steps, elapsed / seconds). Decaying to zero lets the last steps
    settle into a minimum instead of bouncing around it at full step size.

    progress=True shows a tqdm bar with the running loss.
    Returns a float array (steps taken,), mean cross-entropy per character in nats.
    """
    if steps is None and seconds is None:
        raise ValueError("give steps, seconds, or both: training needs a budget")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a positive number; got {lr}")
    if warmup < 0 or weight_decay < 0:
        raise ValueError(f"warmup and weight_decay must be >= 0; got {warmup}, {weight_decay}")
    data = torch.as_tensor(np.asarray(data), dtype=torch.long)
    stream = (len(data) - 1) // batch_size
    if stream < seq_length:
        raise ValueError(f"{len(data)} characters cannot fill {batch_size} streams of at least seq_length = {seq_length}")
    inputs = data[:batch_size * stream].view(batch_size, stream)
    targets = data[1:batch_size * stream + 1].view(batch_size, stream)
    chunks = stream // seq_length
    if weight_decay > 0:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    bar = _progress_bar(steps, seconds) if progress else None
    losses, state, step, elapsed = [], None, 0, 0.0
    model.train()
    while (steps is None or step < steps) and (seconds is None or elapsed < seconds):
        if stop is not None and stop.is_set():
            break
        started = time.perf_counter()
        used = max(step / steps if steps else 0.0, elapsed / seconds if seconds else 0.0)
        for group in optimizer.param_groups:
            group["lr"] = scheduled_lr(lr, step, used, warmup, decay)
        k = step % chunks
        if k == 0:
            state = None  # every pass starts from h_0 = 0
        cut = slice(k * seq_length, (k + 1) * seq_length)
        logits, state = model(inputs[:, cut], state)
        state = detach_state(state)
        loss = cross_entropy(logits, targets[:, cut])
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        losses.append(loss.item())
        step += 1
        took = time.perf_counter() - started
        elapsed += took
        if bar is not None:
            bar.update(1 if seconds is None else took)
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}", step=step, refresh=False)
        if callback is not None and every and step % every == 0:
            model.eval()
            callback(step, model)
            model.train()
    if bar is not None:
        bar.close()
    model.eval()
    return np.array(losses)


def scheduled_lr(lr, step, used, warmup=0, decay=False):
    """The learning rate at `step` (counting from 0), with `used` (0 to 1) of the budget spent:
    a linear ramp from lr / warmup up to lr over `warmup` steps, then, with decay, lr * (1 - used)."""
    ramp = min(1.0, (step + 1) / warmup) if warmup else 1.0
    return lr * ramp * ((1.0 - used) if decay else 1.0)


def _progress_bar(steps, seconds):
    if seconds is None:
        return tqdm(total=steps, unit="step", desc="training")
    return tqdm(total=round(seconds, 1), unit="s", desc="training",
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s{postfix}")


@torch.no_grad()
def evaluate_char_model(model, data, window=None, chunk=1000):
    """Mean cross-entropy per character, in nats, of predicting data[1:] from what precedes it.

    data (L,) character indices; every one of the L - 1 characters after the first is
    predicted once and the losses are averaged.
    - window=None: one stream, the hidden state carried through all of data from h_0 = 0,
      so each character is predicted from everything before it (read chunk characters
      at a time, which changes nothing but memory use).
    - window=W: the predictions are cut into consecutive windows of W, each read from a
      cold start (h_0 = 0, and C_0 = 0 for an LSTM), so a character is predicted only from
      the characters before it in its window, 1 to W of them: comparable with models that
      have a fixed context window.
    """
    data = torch.as_tensor(np.asarray(data), dtype=torch.long)
    if data.dim() != 1 or len(data) < 2:
        raise ValueError(f"data must be a (L,) sequence with L >= 2; got shape {tuple(data.shape)}")
    if window is not None and (not isinstance(window, (int, np.integer)) or window < 1):
        raise ValueError(f"window must be a whole number of characters >= 1; got {window!r}")
    model.eval()
    inputs, targets = data[:-1], data[1:]
    total = 0.0
    if window is None:
        state = None
        for start in range(0, len(targets), chunk):
            logits, state = model(inputs[start:start + chunk][None], state)
            total += cross_entropy(logits, targets[start:start + chunk][None]).item() * logits.shape[1]
    else:
        full = len(targets) // window * window
        batches = [(inputs[:full].view(-1, window), targets[:full].view(-1, window))]
        if full < len(targets):  # the last, shorter window
            batches.append((inputs[full:][None], targets[full:][None]))
        for x, y in batches:
            for rows in range(0, len(x), 256):
                logits, _ = model(x[rows:rows + 256])
                total += cross_entropy(logits, y[rows:rows + 256]).item() * y[rows:rows + 256].numel()
    return total / len(targets)


def watch_char_model(text, prime, stages=(0, 50, 150, 400), reference=None, val_chars=10_000):
    """Train a small LSTM CharLM on `text` and print its validation loss and a sample at
    each number of steps in `stages`: what the model writes as it learns.

    The model (embedding 32, 128 units, seed 0) trains as lesson 05's does, on the first
    90% of the text, and is scored on the first `val_chars` characters of the last 10%.
    reference: optionally a trained model to end with, as {"model", "vocab", "history"}
    (what load_checkpoint gives), scored and sampled the same way.
    Returns (model, vocab).
    """
    vocab = Vocabulary.from_text(text)
    train_text, val_text = train_val_split(text)
    val = vocab.encode(val_text[:val_chars])
    torch.manual_seed(0)
    model = CharLM(LSTMCell(32, 128, fused=True), len(vocab))

    def show(step, model):
        if step in stages:
            print(f"━━ after {step} steps: validation loss {evaluate_char_model(model, val):.2f} "
                  f"(uniform guess: ln {len(vocab)} = {np.log(len(vocab)):.2f})")
            print(sample_text(model, vocab, prime, 240, temperature=0.8), "\n")

    show(0, model)
    train_char_model(model, vocab.encode(train_text), seq_length=64, steps=stages[-1], callback=show, every=1)
    if reference is not None:
        print(f"━━ the shipped checkpoint, after {reference['history']['steps']:,} steps of a larger model: "
              f"validation loss {evaluate_char_model(reference['model'], val):.2f}")
        print(sample_text(reference["model"], reference["vocab"], prime, 480, temperature=0.8))
    return model, vocab
