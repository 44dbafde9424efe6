"""The notebook output checks: every notebook, run once in a fresh kernel, against the outputs
committed with it, cell by cell, by the rules of nbcheck.py.

    ./course test -m notebooks                        # exactly these checks (runs by nbclient)
    COURSE_CPU=x86-64-v2 ./course test -m notebooks   # the same, as an older class of CPU

Each code cell is one test, named after its notebook and its index (counted from 0, as
JupyterLab and the hygiene test count). The run is the session's one run of the notebook
(notebook_runs.py): in `./course test`, its student copy in JupyterLab plus the exercises'
answers; with `-m notebooks`, the notebook itself by nbclient. tests/conftest.py keeps a
notebook's tests on one pytest-xdist worker, so two notebooks run at once on two cores.
"""
import nbformat
import pytest

import nbcheck
from notebook_runs import code_cells
from tools.run_notebooks import numbered_notebooks


def cases():
    for path in numbered_notebooks():
        nb = nbformat.read(path, as_version=4)
        for index in code_cells(nb):
            yield pytest.param(path, index, id=f"{path.stem} cell {index} {nbcheck.kind(nb.cells[index])}",
                               marks=pytest.mark.notebooks)


@pytest.mark.parametrize("path, index", list(cases()))
def test_cell_shows_what_was_committed(path, index, notebook_runs, request):
    stored = nbformat.read(path, as_version=4).cells[index]
    run = notebook_runs.get(path, request)
    if index not in run.outputs:   # a timeout or a dead kernel: the rest of the notebook fails, quickly
        pytest.fail(f"{path.name} did not run to cell {index} ({run.how}): {run.failure}", pytrace=False)
    try:
        nbcheck.check_cell(path.stem, stored, {"outputs": run.outputs[index]})
    except nbcheck.OutputMismatch as e:
        pytest.fail(f"{path.name}, cell {index} ({nbcheck.kind(stored)}; run: {run.how}): {e}", pytrace=False)
