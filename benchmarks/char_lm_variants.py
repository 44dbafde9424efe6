"""Benchmark: variants of the 90-second character-LM recipe that `train` has no option for.

The README's "CPU speed record" section lists what each variant gave ("the scratch loop").
This is that loop: the same model, schedule (warm-up over 50 steps, then linear decay to zero
at the end of the budget), clipping, data layout and evaluation as `train --minutes 1.5`,
plus these switches:

    --ema D        also keep an exponential moving average of the weights (decay D) and
                   evaluate it at the end, beside the trained weights
    --offsets      start each pass over the text at a random offset (0 to T - 1), so that
                   the chunks' boundaries move from pass to pass
    --beta2 B      Adam's beta_2 (default 0.999)
    --wd W         decoupled weight decay (AdamW)
    --compile      torch.compile the model (needs a C++ compiler)
    --cell C       lstm, gru or rnn; --hidden, --lr, --batch, --seq as in `train`
    --residual     two LSTM layers of --hidden units, the second's output added to the
                   first's (h_t = h1_t + h2_t) before the output layer; --dropout P on h_t

It prints one JSON line: the switches, the steps trained, the mean training loss of the last
50 steps and the validation loss (state carried through the last 10%).

    .venv/bin/python benchmarks/char_lm_variants.py --seed 0 --beta2 0.99
"""
import argparse
import copy
import json
import time

import numpy as np
import torch

from lecture_utils.checkpoint import build_model
from lecture_utils.data import load_corpus, train_val_split
from lecture_utils.train import cross_entropy, detach_state, evaluate_torch_lm, scheduled_lr
from lecture_utils.vocab import Vocabulary


class ResidualLSTM(torch.nn.Module):
    """Two fused LSTM layers; the output layer reads h1_t + h2_t. State: a pair of (h, C)."""

    def __init__(self, vocab_size, embedding_size, hidden_size, dropout):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, embedding_size)
        self.lstm1 = torch.nn.LSTM(embedding_size, hidden_size, batch_first=True)
        self.lstm2 = torch.nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        s1, s2 = state if state is not None else (None, None)
        h1, s1 = self.lstm1(self.embedding(x), s1)
        h2, s2 = self.lstm2(h1, s2)
        return self.head(self.dropout(h1 + h2)), (s1, s2)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=90)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ema", type=float, default=0.0)
    p.add_argument("--offsets", action="store_true")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--lr", type=float, default=6e-3)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--wd", type=float, default=0.0)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"])
    p.add_argument("--residual", action="store_true")
    p.add_argument("--dropout", type=float, default=0.0)
    a = p.parse_args()

    torch.manual_seed(a.seed)
    text = load_corpus("shakespeare")
    vocab = Vocabulary.from_text(text)
    train_text, val_text = train_val_split(text)
    train, val = torch.as_tensor(vocab.encode(train_text)), vocab.encode(val_text)
    if a.residual:
        model = ResidualLSTM(len(vocab), 64, a.hidden, a.dropout)
    else:
        model = build_model(dict(cell=a.cell, embedding_size=64, hidden_size=a.hidden, dropout=a.dropout), len(vocab))
    ema = copy.deepcopy(model) if a.ema else None
    step_fn = torch.compile(model) if a.compile else model
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, a.beta2), weight_decay=a.wd)
    B, T = a.batch, a.seq
    rng = np.random.default_rng(a.seed)

    def layout(offset):
        """B parallel streams of the training text from `offset`: (x, y) each (B, S), and S // T chunks."""
        stream = (len(train) - 1 - offset) // B
        x = train[offset:offset + B * stream].view(B, stream)
        y = train[offset + 1:offset + B * stream + 1].view(B, stream)
        return x, y, stream // T

    x, y, chunks = layout(0)
    step, elapsed, state, losses = 0, 0.0, None, []
    model.train()
    while elapsed < a.seconds:
        start = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = scheduled_lr(a.lr, step, elapsed / a.seconds, 50, True)
        k = step % chunks
        if k == 0:   # a new pass over the text starts from h_0 = 0
            state = None
            if a.offsets and step > 0:
                x, y, chunks = layout(int(rng.integers(0, T)))
        cut = slice(k * T, (k + 1) * T)
        logits, state = step_fn(x[:, cut], state)
        state = detach_state(state) if not a.residual else tuple(detach_state(s) for s in state)
        loss = cross_entropy(logits, y[:, cut])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema is not None:
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.lerp_(pm, 1 - a.ema)
        losses.append(loss.item())
        step += 1
        elapsed += time.perf_counter() - start
    out = dict(vars(a), steps=step, train_tail=round(float(np.mean(losses[-50:])), 4),
               val=round(evaluate_torch_lm(model, val), 4))
    if ema is not None:
        out["val_ema"] = round(evaluate_torch_lm(ema, val), 4)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
