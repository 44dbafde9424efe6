"""Training loops for the PyTorch models, each a plain loop a learner can read.

- `fit`: any model on random minibatches of examples, with Adam or SGD and gradient
  clipping (the toy tasks, the adding problem).
- `train_torch_lm` / `evaluate_torch_lm`: a character LM (`models.CharLM`) with truncated
  BPTT, by steps or by wall-clock time, and its loss per character.

Every loop puts the model in training mode while it trains and gives it back in the mode
the caller had it in. (The NumPy character LM's loop is in numpy_char_lm.py.)
"""
import contextlib
import time

import numpy as np
import torch
from tqdm import tqdm

from . import guards
from .tasks import IGNORE


# ------------------------------------------------------------- PyTorch models
def cross_entropy(logits, targets):
    """Mean cross-entropy in nats over every target that is not IGNORE (tasks.IGNORE, padding).

    logits (..., C), targets (...) class indices: a classifier's (N, C) and (N,), or a
    sequence model's (N, T, C) and (N, T) alike.
    """
    if logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"logits have shape {tuple(logits.shape)} and targets {tuple(targets.shape)}; "
            "expected (..., C) and (...)"
        )
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                             ignore_index=IGNORE)


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
    guards.whole("steps", steps)
    guards.whole("batch_size", batch_size)
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
    with training_mode(model):
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
    return (losses, norms) if return_grad_norms else losses


@contextlib.contextmanager
def training_mode(model, training=True):
    """Run the block with `model` in training mode (or eval mode, training=False), and give
    it back in the caller's mode afterwards, even after an error."""
    was_training = model.training
    model.train(training)
    try:
        yield model
    finally:
        model.train(was_training)


def grad_norm(params):
    """The norm of all the parameters' gradients taken together, as one long vector."""
    grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
    return torch.cat(grads).norm().item() if grads else 0.0


def detach_state(state):
    """The same values with the autograd graph behind them cut: where truncated BPTT stops."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_torch_lm(model, data, seq_length, steps=None, batch_size=32, lr=3e-3, clip_norm=1.0,
                     seconds=None, warmup=0, decay=False, weight_decay=0.0,
                     callback=None, every=None, stop=None, progress=False):
    """Train a PyTorch CharLM with truncated BPTT; return the loss of each step.

    data (L,) character indices. The text is cut into batch_size equal streams, read side
    by side, seq_length characters per step; each stream's hidden state is carried into
    its next chunk, detached, and reset to zero when the streams wrap around. Adam (AdamW
    when weight_decay > 0), the gradient norm clipped to clip_norm.

    Training stops after `steps` steps or `seconds` seconds of training, whichever comes
    first (at least one must be given), or as soon as `stop.is_set()` (a threading.Event,
    set by a Ctrl-C handler for instance). callback(step, model) runs after steps every,
    2*every, ... and after the last, in eval mode (evaluation, say); its time is not counted.

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
    for name, value in (("seq_length", seq_length), ("batch_size", batch_size), ("steps", steps), ("every", every)):
        if value is not None:
            guards.whole(name, value)
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
    with training_mode(model):
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
        if callback is not None and step and not (every and step % every == 0):
            model.eval()
            callback(step, model)   # after the last step, as after every `every`
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
def evaluate_torch_lm(model, data, window=None, chunk=1000):
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
    guards.whole("chunk", chunk)
    if window is not None:
        guards.whole("window", window)
    with training_mode(model, False):
        inputs, targets = data[:-1], data[1:]
        total = 0.0
        if window is None:
            state = None
            for start in range(0, len(targets), chunk):
                logits, state = model(inputs[start:start + chunk][None], state)
                total += cross_entropy(logits, targets[start:start + chunk][None]).item() * logits.shape[1]
        else:
            full = len(targets) // window * window
            total = float(_cold_window_sums(model, inputs[:full].view(-1, window), targets[:full].view(-1, window)).sum())
            if full < len(targets):  # the last, shorter window
                total += float(_cold_window_sums(model, inputs[full:][None], targets[full:][None]).sum())
    return total / len(targets)


def _cold_window_sums(model, x, y):
    """The cross-entropy summed over windows read from a cold start, at each position:
    x, y (M, W) inputs and targets, M windows side by side -> (W,) float64 sums. Read 256
    windows at a time, in the model's eval mode, without building a graph."""
    total = torch.zeros(x.shape[1], dtype=torch.float64)
    with training_mode(model, False), torch.no_grad():
        for rows in range(0, len(x), 256):
            logits, _ = model(x[rows:rows + 256])
            losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), y[rows:rows + 256], reduction="none")
            total += losses.double().sum(dim=0)
    return total


def position_losses(model, data, window):
    """Mean cross-entropy, in nats, at each position of a cold window: (window,).

    data (L,) character indices, cut into the consecutive whole windows of `window`
    predictions that evaluate_torch_lm(window=...) reads, each from h_0 = 0 (and C_0 = 0).
    Entry j (from 0) is the loss of the prediction made after reading the window's first
    j + 1 characters: how much a prediction gains from each character of context.
    """
    data = torch.as_tensor(np.asarray(data), dtype=torch.long)
    guards.whole("window", window)
    if data.dim() != 1 or len(data) < window + 1:
        raise ValueError(f"data must be a (L,) sequence with L >= window + 1 = {window + 1}; "
                         f"got shape {tuple(data.shape)}")
    full = (len(data) - 1) // window * window
    x, y = data[:full].view(-1, window), data[1:full + 1].view(-1, window)
    return (_cold_window_sums(model, x, y) / len(x)).numpy()
