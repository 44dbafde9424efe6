"""The command line: train a character LM, sample from it, evaluate it.

    python -m lecture_utils train --corpus shakespeare --cell lstm --minutes 5 --out shakespeare.pt
    python -m lecture_utils sample --checkpoint shakespeare.pt --prime "ROMEO:" --length 500 --temperature 0.8
    python -m lecture_utils evaluate --checkpoint shakespeare.pt [--window 64] [--json]

`train` bounds the wall-clock training time (evaluation not counted) and decays the
learning rate to zero over exactly that budget, so that "train for five minutes" ends its
schedule properly instead of being cut off mid-stride. Ctrl-C stops training after the current
step and saves what has been trained; a second Ctrl-C quits without saving.
"""
import argparse
import json
import math
import os
import shlex
import signal
import sys
import tempfile
import threading
import time

import numpy as np
import torch

from . import data
from .cells import CELLS
from .checkpoint import CheckpointError, build_model, load_checkpoint, save_checkpoint
from .data import CORPORA, train_val_split
from .models import sample_text
from .train import evaluate_torch_lm, train_torch_lm
from .vocab import Vocabulary

# The defaults: the recipe of the course's speed record for an LSTM on Tiny Shakespeare
# on 2 CPU cores (README, benchmarks/char_lm_record.py). Small batches win on a short budget:
# more updates for the same characters, at nearly the same characters per second.
DEFAULTS = dict(cell="lstm", embedding_size=64, seq_length=64, batch_size=16, warmup=50,
                weight_decay=0.0, clip_norm=1.0)
# The model's size grows with the time budget, as measured (README): a short budget is best
# spent on a small model that reads the text several times; a longer one on a larger model,
# with dropout, because by then a small one has begun to memorise the training text.
# (up to this many minutes: hidden_size, dropout, peak learning rate)
SIZE_FOR_BUDGET = [(2.0, 256, 0.0, 6e-3), (math.inf, 512, 0.3, 5e-3)]


def size_for_budget(minutes):
    """The default (hidden_size, dropout, lr) for a training budget of `minutes`."""
    return next(size for limit, *size in SIZE_FOR_BUDGET if minutes <= limit)


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


def corpus_source(corpus):
    """(text, source) for --corpus, a shipped corpus name or a path to a UTF-8 text file:
    the text by data.read_corpus, and what a checkpoint records of where it came from."""
    try:
        text, digest = data.read_corpus(corpus)
    except ValueError as e:
        raise UsageError(f"--corpus: {e}") from None
    if not text:
        raise UsageError(f"--corpus {corpus}: the file is empty; give a UTF-8 text to train on")
    if corpus in CORPORA:
        return text, {"corpus": corpus}
    return text, {"corpus": os.path.abspath(corpus), "corpus_sha256": digest}


def corpus_of(config):
    """The text a checkpoint was trained on, checked to be the same text."""
    name = config.get("corpus")
    if not isinstance(name, str):
        raise UsageError("the checkpoint does not record the corpus it was trained on (it was not made by "
                         "`train`): sample with --prime; evaluate needs the corpus")
    if name not in CORPORA and not os.path.isfile(name):
        raise UsageError(f"the checkpoint was trained on the file {name!r}, which is no longer there")
    if name not in CORPORA and not config.get("corpus_sha256"):
        raise UsageError(f"the checkpoint names the file {name!r} but not its checksum, so it cannot be "
                         "checked to be the text it was trained on: evaluate needs a checkpoint made by `train`")
    try:
        return data.read_corpus(name, config.get("corpus_sha256"))[0]
    except ValueError as e:
        raise UsageError(f"the checkpoint's corpus: {e}") from None


def split_data(text, vocab):
    """The training and validation indices: the first 90% and the last 10% of the text."""
    try:
        train_text, val_text = train_val_split(text)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if len(val_text) < 2:
        raise UsageError(f"a text of {len(text)} characters is too short: its last 10% must hold at least 2 "
                         "characters to validate on (one to read, one to predict)")
    return vocab.encode(train_text), vocab.encode(val_text)


def number(kind, low=0, high=math.inf, low_allowed=False):
    """An argparse type: a finite `kind` in (low, high), or [low, high) with low_allowed."""
    def parse(value):
        try:
            x = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'a whole number' if kind is int else 'a number'}; got {value!r}") from None
        if not (x >= low if low_allowed else x > low) or not x < high or not math.isfinite(x):
            raise argparse.ArgumentTypeError(f"must lie in {'[' if low_allowed else '('}{low}, {high}); got {value!r}")
        return x
    return parse


positive_int, positive_float = number(int), number(float)


def parser():
    p = argparse.ArgumentParser(prog="python -m lecture_utils", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a character LM and save a checkpoint")
    t.add_argument("--corpus", default="shakespeare", help=f"{', '.join(sorted(CORPORA))}, or a path to a UTF-8 text file")
    t.add_argument("--cell", choices=sorted(CELLS), default=DEFAULTS["cell"])
    t.add_argument("--minutes", type=positive_float, default=5.0, help="wall-clock training time, evaluation not counted (default 5)")
    t.add_argument("--steps", type=positive_int, help="stop after this many steps, if that comes before --minutes")
    t.add_argument("--out", required=True, help="where to write the checkpoint")
    t.add_argument("--force", action="store_true", help="replace --out even if it is a file that is not a checkpoint")
    t.add_argument("--hidden-size", type=positive_int, help="units in h_t (default: 256 up to 2 minutes, else 512)")
    t.add_argument("--embedding-size", type=positive_int, default=DEFAULTS["embedding_size"])
    t.add_argument("--dropout", type=number(float, 0, 1, low_allowed=True),
                   help="on h_t before the output layer (default: 0 up to 2 minutes, else 0.3)")
    t.add_argument("--seq-length", type=positive_int, default=DEFAULTS["seq_length"], help="truncated BPTT length")
    t.add_argument("--batch-size", type=positive_int, default=DEFAULTS["batch_size"])
    t.add_argument("--lr", type=positive_float, help="peak learning rate of Adam (default: 6e-3 up to 2 minutes, else 5e-3)")
    t.add_argument("--warmup", type=number(int, low_allowed=True), default=DEFAULTS["warmup"], help="steps of linear learning-rate warm-up")
    t.add_argument("--weight-decay", type=number(float, low_allowed=True), default=DEFAULTS["weight_decay"])
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=positive_int, help="PyTorch threads (default: all cores)")

    s = sub.add_parser("sample", help="generate text from a checkpoint")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--prime", help="text to read before sampling (default: the corpus's first character)")
    s.add_argument("--length", type=positive_int, default=500)
    s.add_argument("--temperature", type=float, default=1.0)
    s.add_argument("--seed", type=int, default=0)

    e = sub.add_parser("evaluate", help="validation loss on the last 10%% of the checkpoint's corpus")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--window", type=positive_int, help="start every window of W characters cold (default: carry the state through)")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def training_config(args, source):
    """What a checkpoint records about how it was trained: the corpus, the model, the recipe."""
    hidden_size, dropout, lr = size_for_budget(args.minutes)
    return dict(source, cell=args.cell, embedding_size=args.embedding_size,
                hidden_size=hidden_size if args.hidden_size is None else args.hidden_size,
                dropout=dropout if args.dropout is None else args.dropout,
                seq_length=args.seq_length, batch_size=args.batch_size, lr=lr if args.lr is None else args.lr,
                warmup=args.warmup,
                weight_decay=args.weight_decay, clip_norm=DEFAULTS["clip_norm"],
                minutes=args.minutes, steps=args.steps, seed=args.seed)


def check_out(out, force):
    """Refuse, before any training, an --out that would fail to save or destroy a file:
    minutes of training must not end in a failed save, and a typo must not replace a
    user's notes. Only a checkpoint of ours is replaced without --force, and never
    anything but a regular file (save_checkpoint refuses those too)."""
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise UsageError(f"--out {out}: folder {folder} does not exist")
    if os.path.isdir(out):
        raise UsageError(f"--out {out} is a folder; give a file name, e.g. {os.path.join(out, 'model.pt')}")
    if os.path.lexists(out) and (os.path.islink(out) or not os.path.isfile(out)):
        raise UsageError(f"--out {out} is not a regular file (a link, a device or a pipe); it will not be "
                         "replaced: give another name")
    if os.path.isfile(out) and not force:
        try:
            load_checkpoint(out)
        except CheckpointError:
            raise UsageError(f"--out {out} exists and is not a checkpoint; give another name, or add --force "
                             "to replace it") from None
    try:   # the only sure test that a file can be written there: write one
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(out)}.", suffix=".tmp")
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise UsageError(f"--out {out}: cannot write a file in {folder} ({e.strerror or e})") from None


def train(args):
    text, source = corpus_source(args.corpus)
    if args.threads:
        torch.set_num_threads(args.threads)
    vocab = Vocabulary.from_text(text)
    train_data, val_data = split_data(text, vocab)
    config = training_config(args, source)
    if (len(train_data) - 1) // args.batch_size < args.seq_length:
        raise UsageError(f"the training text ({len(train_data)} characters) is too short for "
                         f"--batch-size {args.batch_size} streams of --seq-length {args.seq_length}")
    check_out(args.out, args.force)
    torch.manual_seed(args.seed)
    model = build_model(config, len(vocab))

    stop = threading.Event()

    def on_interrupt(signum, frame):
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C quits at once
        print("\nstopping after this step; saving what has been trained (Ctrl-C again to quit without saving)",
              file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    # The banner comes after the handler is in place: from here on, Ctrl-C saves.
    print(f"{config['cell'].upper()} {config['hidden_size']}, {sum(p.numel() for p in model.parameters()):,} parameters, "
          f"on {len(train_data):,} characters of {args.corpus} ({len(vocab)} distinct), "
          f"{args.minutes:g} min on {torch.get_num_threads()} threads", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        losses = train_torch_lm(
            model, train_data, args.seq_length, steps=args.steps, batch_size=args.batch_size, lr=config["lr"],
            clip_norm=DEFAULTS["clip_norm"], seconds=60 * args.minutes, warmup=args.warmup, decay=True,
            weight_decay=args.weight_decay, stop=stop, progress=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    train_seconds = time.perf_counter() - started
    history = {
        "command": "python -m lecture_utils " + shlex.join(args.argv),
        "steps": len(losses), "train_seconds": round(train_seconds, 1), "interrupted": stop.is_set(),
        "losses": [round(float(x), 4) for x in losses], "torch": str(torch.__version__),
        "threads": torch.get_num_threads(),
    }
    save_checkpoint(args.out, model, vocab, config, history)  # first: what Ctrl-C asked for is safe
    tail = float(np.mean(losses[-50:])) if len(losses) else float("nan")
    print(f"{'interrupted' if stop.is_set() else 'trained'}: {len(losses)} steps in {train_seconds:.0f} s, "
          f"training loss {tail:.3f}; wrote {args.out}", file=sys.stderr)
    history["val_loss"] = round(evaluate_torch_lm(model, val_data), 4)
    save_checkpoint(args.out, model, vocab, config, history)
    print(f"validation loss {history['val_loss']:.4f} nats/char (state carried through the last 10%)", file=sys.stderr)
    print(f"evaluate it with: python -m lecture_utils evaluate --checkpoint {shlex.quote(args.out)}", file=sys.stderr)


def sample(args):
    model, vocab, config, _ = load_checkpoint(args.checkpoint)
    prime = args.prime if args.prime is not None else corpus_of(config)[0]
    if not prime:
        raise UsageError("--prime is empty; give at least one character to start from")
    try:
        print(sample_text(model, vocab, prime, args.length, args.temperature, args.seed))
    except ValueError as e:
        raise UsageError(f"cannot sample: {e}") from None


def evaluate(args):
    model, vocab, config, _ = load_checkpoint(args.checkpoint)
    text = corpus_of(config)
    _, val_data = split_data(text, vocab)
    if args.window is not None and args.window > len(val_data) - 1:
        raise UsageError(f"--window {args.window} is longer than the validation text ({len(val_data) - 1} predictions)")
    loss = evaluate_torch_lm(model, val_data, window=args.window)
    result = {"checkpoint": args.checkpoint, "corpus": os.path.basename(config["corpus"]),
              "mode": "carried" if args.window is None else f"window {args.window}", "window": args.window,
              "characters": len(val_data) - 1, "val_loss": round(loss, 4), "bits_per_char": round(loss / math.log(2), 4)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"validation loss {result['val_loss']:.4f} nats/char ({result['bits_per_char']:.4f} bits/char) "
              f"over the last 10% of {result['corpus']}, {result['characters']:,} characters, "
              f"{'state carried through' if args.window is None else f'cold windows of {args.window}'}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    args = parser().parse_args(argv)
    args.argv = argv  # recorded in the checkpoint: the command that made it
    try:
        {"train": train, "sample": sample, "evaluate": evaluate}[args.command](args)
    except (UsageError, CheckpointError) as e:  # a bad request or a bad file: one line, no traceback
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
