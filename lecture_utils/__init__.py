"""lecture_utils: the machinery of the recurrent neural network course.

A flat package of short modules, one concept each (see README.md). Notebooks import from
the modules directly, e.g. `from lecture_utils.cells import LSTMCell`.
"""
import threadpoolctl
import torch


def use_one_thread():
    """Run NumPy's BLAS and PyTorch on one thread, for results that do not depend on the
    number of cores.

    With several threads, some sums are split between them and added in an order that
    depends on the thread count (measured in this course: long matrix products in NumPy,
    and the weight gradients of PyTorch's fused LSTM and RNN on CPU), so the last digits,
    and after many training steps whole results, would differ from machine to machine.
    The lessons' models are small, so one thread costs little time, and two notebooks can
    run at once on two cores.

    One thread does not make results identical everywhere: the class of CPU (AVX2,
    AVX-512, Apple's NEON) and the maths library still change the last bits, and training
    amplifies them. The course's notebook checks allow for that (README, "Notebook checks").
    """
    threadpoolctl.threadpool_limits(1)
    torch.set_num_threads(1)
