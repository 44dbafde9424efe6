"""Execute notebooks the way the tests check them: each in a fresh kernel, several at once,
on this CPU or on an emulated older class of CPU.

    python -m tools.run_notebooks [--cpu CLASS] [-j JOBS] [NOTEBOOK ...]   # ./course regen runs this
    python -m tools.run_notebooks --into DIR NOTEBOOK                     # the notebook checks run this

Each notebook is cleared (outputs, execution counts, timing metadata), executed top to
bottom, and written back in place; or, with --into, written into DIR, its run going on after
an error, so that every cell can be compared. Without NOTEBOOK, every numbered notebook in
notebooks/.

Floating-point results depend on the class of CPU: NumPy's SIMD kernels (tanh, exp, sums),
OpenBLAS, and PyTorch's ATen, oneDNN and MKL (its float32 matrix products) each pick a code
path by CPU, and each path rounds differently. `--cpu` runs the kernels as on another class, by the environment variables
the libraries read at start-up, so that one machine can test what learners' machines do:

    native      this machine as it is
    avx2        an AVX2 machine, on a host with AVX-512 (on an AVX2 host, native again)
    x86-64-v2   an older machine with SSE4.2 and no AVX: every library on another code path

The notebooks pin themselves to one thread (`lecture_utils.use_one_thread`), so JOBS
notebooks can run at once, each on its own core, with the same results as one at a time.
"""
import argparse
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT_S = 600   # per cell; the slowest cell takes about a minute

CPU_CLASSES = {
    "native": {},
    "avx2": {
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Haswell",
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    },
    "x86-64-v2": {
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Nehalem",
        "ATEN_CPU_CAPABILITY": "default",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
    },
}
# As ./course sets them: no progress bars, a fixed hash seed.
STABLE = {"TQDM_DISABLE": "1", "PYTHONHASHSEED": "0"}


def numbered_notebooks():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def kernel_env(cpu="native"):
    """The environment a kernel starts with on the CPU class `cpu` (a key of CPU_CLASSES)."""
    if cpu not in CPU_CLASSES:
        raise ValueError(f"unknown CPU class {cpu!r}; known: {', '.join(CPU_CLASSES)}")
    return {**os.environ, **STABLE, **CPU_CLASSES[cpu]}


def clear(nb):
    """Remove every output, execution count and timing record, in place."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    return nb


def execute(nb, folder, cpu="native", allow_errors=False):
    """Run every cell of `nb` in place, in a fresh kernel whose working directory is `folder`.

    The kernel talks over Unix sockets, not TCP: a TCP port is chosen free by one process
    and bound later by the kernel, and another process starting a kernel meanwhile (the
    tests start several at once) can take it, leaving a kernel that died or a client that
    talks to the wrong kernel and waits forever."""
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        # As configuration, not a kernel manager of our own: nbclient then shuts the kernel down.
        sockets_only = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "ipc")}})
        client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=allow_errors,
                                record_timing=False, resources={"metadata": {"path": str(folder)}},
                                config=sockets_only)
        client.execute(env=kernel_env(cpu))
    return nb


def regenerate(path, cpu="native", into=None):
    """Clear and run the notebook at `path`; write it back, or into the folder `into`."""
    path = Path(path)
    nb = clear(nbformat.read(path, as_version=4))
    execute(nb, path.parent, cpu, allow_errors=into is not None)
    nbformat.write(nb, path if into is None else Path(into) / path.name)
    return path.name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every numbered notebook")
    parser.add_argument("--cpu", default=os.environ.get("COURSE_CPU", "native"), choices=CPU_CLASSES,
                        help="the CPU class to run the kernels as (default: $COURSE_CPU, else native)")
    parser.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="notebooks run at once (default: 2, or 1 on a 1-core machine)")
    parser.add_argument("--into", type=Path, help="write the executed notebooks into this folder, going on "
                                                  "after errors, and leave the originals as they are")
    args = parser.parse_args(argv)
    paths = args.notebooks or numbered_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    # Longest first, so that the last notebook to finish is a short one.
    paths = sorted(paths, key=lambda p: -expected_seconds(p))
    if args.into:
        args.into.mkdir(parents=True, exist_ok=True)
    done = f"{'ran' if args.into else 'regenerated'} {{}} (cpu: {args.cpu})"
    if len(paths) == 1 or args.jobs <= 1:   # in this process: no pool to start
        for path in paths:
            print(done.format(regenerate(path, args.cpu, args.into)), flush=True)
        return
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name in pool.map(regenerate, paths, [args.cpu] * len(paths), [args.into] * len(paths)):
            print(done.format(name), flush=True)


# Run All time of each notebook on a 2-core machine, in seconds (README, "Timing a session"):
# only the order matters, to start the longest first.
EXPECTED_S = {"06": 103, "07": 58, "04": 51, "03": 43, "05": 42, "02": 34, "01": 26}


def expected_seconds(path):
    return EXPECTED_S.get(Path(path).name[:2], 30)


if __name__ == "__main__":
    sys.exit(main())
