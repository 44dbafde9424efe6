"""Benchmark: the CPU speed record for the default LSTM on Tiny Shakespeare.

Runs exactly the commands a learner would type, for each time budget:

    python -m lecture_utils train --corpus shakespeare --cell lstm --minutes M --out OUT
    python -m lecture_utils evaluate --checkpoint OUT --json               # state carried
    python -m lecture_utils evaluate --checkpoint OUT --json --window 64   # cold windows of 64

and prints one line per budget: steps trained, validation loss in both modes, and the
targets (<= 1.50 nats after 1.5 minutes, <= 1.45 after 5). Training uses every core (2 on
the course's machine); evaluation is not counted in the budget.

    .venv/bin/python benchmarks/char_lm_record.py [--minutes 1.5 5] [--out-dir DIR] [--seed S]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

from lecture_utils.checkpoint import load_checkpoint

TARGETS = {1.5: 1.50, 5.0: 1.45}


def cli(*argv):
    done = subprocess.run([sys.executable, "-m", "lecture_utils", *map(str, argv)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"python -m lecture_utils {' '.join(map(str, argv))} failed:\n{done.stderr}")
    return done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.5, 5.0])
    parser.add_argument("--out-dir", default=None, help="keep the checkpoints here (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="char_lm_record_")
    os.makedirs(out_dir, exist_ok=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, checkpoints in {out_dir}")
    for minutes in args.minutes:
        out = os.path.join(out_dir, f"shakespeare_lstm_{minutes:g}min_seed{args.seed}.pt")
        cli("train", "--corpus", "shakespeare", "--cell", "lstm", "--minutes", minutes, "--seed", args.seed, "--out", out)
        carried = json.loads(cli("evaluate", "--checkpoint", out, "--json"))
        window = json.loads(cli("evaluate", "--checkpoint", out, "--json", "--window", 64))
        _, _, _, history = load_checkpoint(out)
        target = TARGETS.get(minutes)
        verdict = "" if target is None else f"  target <= {target:.2f}: {'met' if carried['val_loss'] <= target else 'MISSED'}"
        print(f"--minutes {minutes:g}: {history['steps']} steps in {history['train_seconds']:.0f} s;  "
              f"val loss {carried['val_loss']:.4f} nats ({carried['bits_per_char']:.3f} bits) carried, "
              f"{window['val_loss']:.4f} in windows of 64{verdict}", flush=True)


if __name__ == "__main__":
    main()
