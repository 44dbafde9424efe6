"""One run of each notebook per test session, shared by every check that reads one.

A notebook runs one of two ways, chosen once per session:

- **In the browser**, when the session selects the browser tests and Chromium is installed
  (`./course test`, CI): the notebook's *student copy* runs in JupyterLab (lab.py). That one
  run proves that the lab works and that the copy stops only at its exercises
  (test_lab_browser.py), and it gives every other cell's outputs to the output checks
  (test_notebook_outputs.py). The exercises' answers, which the copy lacks, run apart in a
  fresh kernel: the notebook's first code cell (its imports), then its exercise cells in
  order. So an exercise may use only those imports and what it defines itself, as a learner
  who restarts the kernel at it can.
- **By nbclient** otherwise (`./course test -m notebooks`, or no Chromium): the notebook
  itself, answers and all, in a fresh kernel, as `./course regen` runs it.

Either way the kernels run as the CPU class COURSE_CPU (default native, as in CI; see
tools/run_notebooks.py), and never in pytest's own process: nbclient's event loop and
Playwright's do not mix in one.
"""
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import chromium
import lab
from tools import student_copies

ROOT = Path(__file__).resolve().parent.parent
CPU = os.environ.get("COURSE_CPU", "native")


@dataclass
class Run:
    """What one run of a notebook showed."""
    how: str                                    # the way it ran, for failure messages
    outputs: dict = field(default_factory=dict)  # code cell index -> its outputs (nbformat dicts)
    failure: str = ""                           # why the run did not get to its end, if it did not
    lab: dict | None = None                     # in the browser: PROGRESS's final state (lab.py)
    exercises: list = field(default_factory=list)  # the indices of the exercise cells


def code_cells(nb):
    """The indices of the code cells that hold code: those a run executes and a check reads."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]


def exercise_cells(nb):
    return [i for i, c in enumerate(nb.cells) if student_copies.TAG in c.metadata.get("tags", [])]


def run_in_subprocess(path, folder):
    """Start tools/run_notebooks.py on `path`, writing the executed copy into `folder`."""
    return subprocess.Popen([sys.executable, "-m", "tools.run_notebooks", "--cpu", CPU, "--into", str(folder), str(path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


RUN_TIMEOUT_S = 900   # a whole notebook by nbclient: the slowest takes about two minutes


def finish(proc, folder, name):
    """The notebook `proc` executed, or the reason it has none (a run that hangs is killed)."""
    try:
        _, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return f"no result within {RUN_TIMEOUT_S} s: killed\n{err[-3000:]}"
    if proc.returncode != 0:
        return f"exit {proc.returncode}\n{err[-3000:]}"
    return nbformat.read(folder / name, as_version=4)


class NotebookRuns:
    """The session's runs, one per notebook, made on first request."""

    def __init__(self, session, folder):
        self.folder = folder
        self.runs = {}
        browser_selected = any(item.get_closest_marker("browser") for item in session.items)
        self.in_browser = browser_selected and chromium.available()

    def get(self, path, request):
        """The run of the notebook at `path`; `request` (a test's) provides the lab fixtures."""
        if path not in self.runs:
            self.runs[path] = self.browser_run(path, request) if self.in_browser else self.nbclient_run(path)
        return self.runs[path]

    def nbclient_run(self, path):
        folder = self.folder / "nbclient"
        nb = finish(run_in_subprocess(path, folder), folder, path.name)
        how = f"nbclient (cpu: {CPU})"
        if isinstance(nb, str):
            return Run(how, failure=nb)
        return Run(how, {i: nb.cells[i].outputs for i in code_cells(nb)}, exercises=exercise_cells(nb))

    def browser_run(self, path, request):
        key = nbformat.read(path, as_version=4)
        exercises = exercise_cells(key)
        # The answers first, in the background: a kernel of their own while the lab runs the copy.
        answers = nbformat.v4.new_notebook(metadata=key.metadata, cells=[
            key.cells[i] for i in code_cells(key)[:1] + exercises])
        folder = self.folder / "answers" / path.stem
        folder.mkdir(parents=True)
        nbformat.write(answers, folder / path.name)
        proc = run_in_subprocess(folder / path.name, folder / "ran")

        run = Run(f"its student copy in JupyterLab (cpu: {CPU}); the exercises' answers "
                  f"after its imports, by nbclient", exercises=exercises)
        server = request.getfixturevalue("lab")
        copy = nbformat.read(server.notebooks / path.name, as_version=4)
        goes_on = [i for i in code_cells(copy) if student_copies.GOES_ON in copy.cells[i].metadata.get("tags", [])]
        try:
            run.lab = lab.run_all(server, request.getfixturevalue("chromium"), path.name, goes_on)
            # A cell that never ran has no outputs to compare: its check says it did not run.
            run.outputs = {cell["index"]: cell["outputs"] for cell in run.lab["cells"] if cell["count"] is not None}
        except lab.LabError as e:
            run.failure = str(e)

        ran = finish(proc, folder / "ran", path.name)
        if isinstance(ran, str):
            run.failure += f"\nthe exercises' answers did not run: {ran}"
        else:
            for i, cell in zip(exercises, ran.cells[1:]):
                run.outputs[i] = cell.outputs
        return run
