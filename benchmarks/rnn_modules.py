"""Benchmark: forward + backward time of one batch for the three cells, run three ways.

- "loop": `Recurrent` stepping our from-scratch cell in Python (what the lessons show);
- "fused": our cell in `Recurrent(cell, fused=True)`, which runs PyTorch's loop with its weights;
- "torch": PyTorch's nn.RNN / nn.LSTM / nn.GRU itself.

At 1 and 2 threads, for the adding problem's size (N = 64, T = 100, D = 2, H = 32) and a
character LM's (N = 32, T = 64, D = 32, H = 128). Medians of repeated runs, in ms.

    .venv/bin/python benchmarks/rnn_modules.py
"""
import torch

from lecture_utils.cells import GRUCell, LSTMCell, Recurrent, RNNCell
from lecture_utils.timing import forward_backward_seconds

KINDS = {"RNN": (RNNCell, torch.nn.RNN), "LSTM": (LSTMCell, torch.nn.LSTM), "GRU": (GRUCell, torch.nn.GRU)}


def median_ms(model, x):
    return 1e3 * forward_backward_seconds(model, x)


def main():
    for N, T, D, H in [(64, 100, 2, 32), (32, 64, 32, 128)]:
        print(f"N={N} T={T} D={D} H={H}")
        x = torch.randn(N, T, D)
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for kind, (cell_cls, module_cls) in KINDS.items():
                torch.manual_seed(0)
                loop = median_ms(Recurrent(cell_cls(D, H)), x)
                fused = median_ms(Recurrent(cell_cls(D, H), fused=True), x)
                torch_ms = median_ms(module_cls(D, H, batch_first=True), x)
                print(f"  threads={threads} {kind:4s}  loop {loop:7.1f}   fused {fused:7.1f}   torch {torch_ms:7.1f}")


if __name__ == "__main__":
    main()
