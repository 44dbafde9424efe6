"""Pictures and tables for the lessons: loss curves, per-step probabilities, softmax
temperature. Each plotting function draws into a new figure and returns its axes; the
notebook calls plt.show().
"""
import matplotlib.pyplot as plt
import numpy as np

from .numpy_rnn import softmax
from .vocab import visible


def smooth(values, window):
    """Running mean over the last `window` values (shorter at the start): (n,) -> (n,)."""
    values = np.asarray(values, dtype=np.float64)
    if window < 1:
        raise ValueError(f"window must be at least 1; got {window}")
    c = np.cumsum(np.insert(values, 0, 0.0))
    start = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (c[1:] - c[start]) / (np.arange(1, len(values) + 1) - start)


def plot_losses(curves, window=1, reference=None, title="Training loss"):
    """Loss against training step for each {label: losses (n,)}.

    window: running-mean width, for noisy per-chunk losses. reference: {label: value}
    drawn as dashed horizontal lines (for example ln V, the loss of a uniform guess).
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for label, losses in curves.items():
        ax.plot(np.arange(1, len(losses) + 1), smooth(losses, window), label=label)
    for i, (label, value) in enumerate((reference or {}).items()):
        ax.axhline(value, linestyle="--", linewidth=1, color=f"C{len(curves) + i}", label=label)
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (nats per character)")
    ax.set_title(title if window == 1 else f"{title} (running mean over {window} steps)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return ax


def probability_table(probs, vocab, inputs, targets):
    """A text table of p_t = softmax(y_t) at every step, with the target's probability.

    probs (T, V); inputs, targets (T,) indices. Probabilities are rounded to 3 places.
    """
    probs = np.asarray(probs)
    T, V = probs.shape
    if V != len(vocab) or len(inputs) != T or len(targets) != T:
        raise ValueError(
            f"probs (T, V) = {probs.shape} must match {len(inputs)} inputs, "
            f"{len(targets)} targets and a vocabulary of {len(vocab)}"
        )
    names = [visible(c) for c in vocab.chars]
    head = f"{'t':>2}  {'x_t':>4} {'target':>6} | " + " ".join(f"{n:>6}" for n in names) + " | p(target)"
    lines = [head, "-" * len(head)]
    for t in range(T):
        row = " ".join(f"{p:6.3f}" for p in probs[t])
        lines.append(
            f"{t + 1:>2}  {names[inputs[t]]:>4} {names[targets[t]]:>6} | {row} | {probs[t, targets[t]]:.3f}"
        )
    return "\n".join(lines)


def plot_temperature(logits, labels, temperatures=(0.5, 1.0, 2.0), top=None):
    """Bars of softmax(logits / tau) for each temperature tau, one group per label.

    logits (V,), labels: V names. top: show only the `top` likeliest characters; their
    probabilities are still those of the softmax over all V.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or len(labels) != len(logits):
        raise ValueError(f"need one label per logit; got {len(labels)} labels for logits of shape {logits.shape}")
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1; got {top}")
    shown = np.argsort(logits)[::-1][:top]
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / len(temperatures)
    x = np.arange(len(shown))
    for i, tau in enumerate(temperatures):
        ax.bar(x + (i - (len(temperatures) - 1) / 2) * width, softmax(logits / tau)[shown], width,
               label=f"temperature {tau:g}")
    ax.set_xticks(x, [labels[j] for j in shown])
    ax.set_xlabel("next character")
    ax.set_ylabel("probability")
    ax.set_title("softmax(y / temperature)" + (f": the {len(shown)} likeliest characters" if top else ""))
    ax.legend()
    fig.tight_layout()
    return ax
