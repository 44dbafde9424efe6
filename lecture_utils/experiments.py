"""Ready-made experiments that several lessons run the same way, built on the loops of
train.py (which is where to read how training works):

- `train_adding_problem`: the adding problem under one common budget, so that the RNN,
  the LSTM and the GRU are compared on equal terms;
- `watch_char_model`: a small LSTM language model, sampled as it learns.
"""
import numpy as np
import torch

from .cells import LSTMCell
from .data import train_val_split
from .models import CharLM, sample_text
from .tasks import adding_problem
from .train import evaluate_torch_lm, fit, train_torch_lm
from .vocab import Vocabulary


def train_adding_problem(model, length=100, steps=1000, batch_size=64, lr=1e-2, n_train=10000, seed=0):
    """Train a regressor on the adding problem and measure it, always on the same budget.

    model: maps x (N, length, 2) to (N, 1), e.g. ManyToOne(cell, 1). Adam, gradient norm
    clipped to 1, the MSE loss. seed (an int) fixes the training data and the batches; the
    model's initial weights are the caller's (seed torch first). Test data: 2000 fresh
    sequences from seed + 10_000.
    Returns {"losses": (steps,), "test_mse": float, "baseline_mse": float}, where the
    baseline always predicts 1, the mean target (MSE ~ 1/6).
    """
    x, y = adding_problem(n_train, length, seed)
    x_test, y_test = adding_problem(2000, length, seed + 10_000)
    mse = lambda m, x, y: ((m(x).squeeze(-1) - y) ** 2).mean()
    losses = fit(model, mse, (x, y), steps=steps, batch_size=batch_size, lr=lr, seed=seed)
    with torch.no_grad():
        test_mse = mse(model, x_test, y_test).item()
    return {"losses": losses, "test_mse": test_mse, "baseline_mse": ((y_test - 1) ** 2).mean().item()}


def watch_char_model(text, prime, stages=(0, 50, 150, 400), reference=None, val_chars=10_000):
    """Train a small LSTM CharLM on `text` and print its validation loss and a sample at
    each number of steps in `stages`: what the model writes as it learns.

    The model (embedding 32, 128 units, seed 0) trains with train_torch_lm's defaults, on the first
    90% of the text, and is scored on the first `val_chars` characters of the last 10%.
    reference: optionally a trained model to end with, as {"model", "vocab", "history"}
    (what load_checkpoint gives), scored and sampled the same way.
    Returns (model, vocab).
    """
    vocab = Vocabulary.from_text(text)
    train_text, val_text = train_val_split(text)
    val = vocab.encode(val_text[:val_chars])
    torch.manual_seed(0)
    model = CharLM(LSTMCell(32, 128), len(vocab), fused=True)

    def show(step, model):
        if step in stages:
            print(f"━━ after {step} steps: validation loss {evaluate_torch_lm(model, val):.2f} "
                  f"(uniform guess: ln {len(vocab)} = {np.log(len(vocab)):.2f})")
            print(sample_text(model, vocab, prime, 240, temperature=0.8), "\n")

    show(0, model)
    train_torch_lm(model, vocab.encode(train_text), seq_length=64, steps=stages[-1], callback=show, every=1)
    if reference is not None:
        print(f"━━ the shipped checkpoint, after {reference['history']['steps']:,} steps of a larger model: "
              f"validation loss {evaluate_torch_lm(reference['model'], val):.2f}")
        print(sample_text(reference["model"], reference["vocab"], prime, 480, temperature=0.8))
    return model, vocab
