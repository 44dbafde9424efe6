"""The notebook output checks: every notebook, run once in a fresh kernel, against the outputs
committed with it, cell by cell, by the rules of nbcheck.py.

    ./course test -m notebooks                        # exactly these checks
    COURSE_CPU=x86-64-v2 ./course test -m notebooks   # the same, as an older class of CPU

Each code cell is one test, named after its notebook and its index (counted from 0, as
JupyterLab and the hygiene test count). A notebook runs once, on the first of its cells
to be checked, in a process of its own (tools/run_notebooks.py, as `./course regen` runs
it; in this process, nbclient's event loop would meet Playwright's); tests/conftest.py
keeps a notebook's cells on one pytest-xdist worker, so two notebooks run at once on two
cores.
"""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import nbcheck

ROOT = Path(__file__).resolve().parent.parent
import run_notebooks  # noqa: E402  (tools/, a folder of scripts, is on sys.path: conftest.py)

CPU = os.environ.get("COURSE_CPU", "native")
NOTEBOOKS = run_notebooks.numbered_notebooks()


def code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]


def cases():
    for path in NOTEBOOKS:
        for index, cell in code_cells(nbformat.read(path, as_version=4)):
            yield pytest.param(path, index, id=f"{path.stem} cell {index} {nbcheck.kind(cell)}",
                               marks=pytest.mark.notebooks)


_runs = {}


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("notebook-runs")


def fresh_run(path, folder):
    """The notebook executed top to bottom in a fresh kernel, once per test session and worker.
    Errors do not stop the run, so that every cell gets its own verdict."""
    if path not in _runs:
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), "--cpu", CPU,
                               "--into", str(folder), str(path)], capture_output=True, text=True)
        _runs[path] = nbformat.read(folder / path.name, as_version=4) if done.returncode == 0 else \
            f"exit {done.returncode}\n{done.stderr[-3000:]}"
    if isinstance(_runs[path], str):   # a timeout or a dead kernel: every cell of it fails, quickly
        pytest.fail(f"{path.name} did not run to the end (cpu: {CPU}): {_runs[path]}", pytrace=False)
    return _runs[path]


@pytest.mark.parametrize("path, index", list(cases()))
def test_cell_shows_what_was_committed(path, index, run_folder):
    stored = nbformat.read(path, as_version=4).cells[index]
    fresh = fresh_run(path, run_folder).cells[index]
    try:
        nbcheck.check_cell(path.stem, stored, fresh)
    except nbcheck.OutputMismatch as e:
        pytest.fail(f"{path.name}, cell {index} ({nbcheck.kind(stored)}; cpu: {CPU}): {e}", pytrace=False)
