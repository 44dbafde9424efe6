"""Benchmark: the from-scratch LSTM (`Recurrent(LSTMCell)`) against `torch.nn.LSTM`.

Forward and backward of one batch, N = 32 sequences of T = 64 steps, input and hidden
size 256, float32, on this machine's CPU. Reports the median time of each over a number
of repeats, and their ratio. Not a unit test: wall-clock times belong here, not in tests.

    .venv/bin/python benchmarks/lstm_speed.py [--threads K] [--repeats R]
"""
import argparse

import torch

from lecture_utils.cells import LSTMCell, Recurrent
from lecture_utils.timing import forward_backward_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("-N", type=int, default=32)
    parser.add_argument("-T", type=int, default=64)
    parser.add_argument("-H", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ours = Recurrent(LSTMCell(args.H, args.H))
    theirs = torch.nn.LSTM(args.H, args.H, batch_first=True)
    x = torch.randn(args.N, args.T, args.H)
    t_theirs = forward_backward_seconds(theirs, x, args.repeats)
    t_ours = forward_backward_seconds(ours, x, args.repeats)
    print(f"N={args.N} T={args.T} H={args.H} threads={args.threads} repeats={args.repeats}")
    print(f"torch.nn.LSTM           {t_theirs * 1e3:8.1f} ms  forward + backward")
    print(f"Recurrent(LSTMCell)     {t_ours * 1e3:8.1f} ms  forward + backward")
    print(f"ratio (ours / nn.LSTM)  {t_ours / t_theirs:8.2f}")


if __name__ == "__main__":
    main()
