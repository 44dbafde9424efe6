"""Wall-clock time of a forward and backward pass: for benchmarks/ and the notebooks'
timing cells, never for tests (times depend on the machine)."""
import statistics
import time


def forward_backward_seconds(model, x, repeats=10, warmup=2):
    """Median seconds of `out, _ = model(x); out.sum().backward()` over `repeats` runs.

    model: a Recurrent or a torch.nn.RNN/LSTM/GRU (anything returning (outputs, state)).
    The first `warmup` runs are discarded: they pay for caches and memory allocation.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be at least 1 and warmup at least 0; got {repeats}, {warmup}")
    times = []
    for _ in range(warmup + repeats):
        start = time.perf_counter()
        out, _ = model(x)
        out.sum().backward()
        times.append(time.perf_counter() - start)
        model.zero_grad(set_to_none=True)
    return statistics.median(times[warmup:])
