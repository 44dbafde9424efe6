"""Every student copy runs top to bottom in JupyterLab, in a real (headless) browser.

One run of each notebook's student copy (tools/student_copies.py), made by notebook_runs.py
and shared with the output checks, proves:
- what a learner sees works: the lab loads, the kernel starts, Run All goes to the end;
- the copy stops only at its exercises, each saying "not implemented yet" (the copies tag
  exercises `raises-exception`, so Run All goes on past them, for the learner as here),
  and no other cell shows an error.
What every other cell shows is compared with the answer key in notebooks/ by the output
checks (test_notebook_outputs.py), from this same run. The kernels run as the CPU class
COURSE_CPU (tools/run_notebooks.py).

One Korean notebook (notebooks/ko/) is opened and run too: its prose renders in a Korean
font, and its code, the English notebook's, runs from its own folder.

JupyterLab serves a temporary folder, so its autosave never touches the committed files.
Slow (minutes): deselect with `./course test -m "not browser"`.
"""
import re

import nbformat
import pytest

from lab import run_all
from test_export import GLYPH
from tools.run_notebooks import numbered_notebooks


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem, marks=pytest.mark.browser)
                                  for p in numbered_notebooks()])
def test_student_copy_runs_in_jupyterlab_and_stops_only_at_its_exercises(path, lab, notebook_runs, request):
    run = notebook_runs.get(path, request)   # `lab` above: skipped (or failed, in CI) without Chromium
    assert run.lab is not None, f"{path.name}: the lab did not run it: {run.failure}"
    state = run.lab
    assert not state["failed"], f"{path.name}: Run All failed: {state['failed']}\n{lab.tail()}"
    assert state["status"] == "idle", f"{path.name}: the kernel went {state['status']} during Run All\n{lab.tail()}"
    problems = []
    for cell in state["cells"]:
        i = cell["index"]
        errors = [f"{o['ename']}: {o['evalue']}" for o in cell["outputs"] if o["output_type"] == "error"]
        if cell["count"] is None:
            problems.append(f"cell {i}: did not run")
        elif i in run.exercises:
            if not (len(errors) == 1 and errors[0].startswith(("NotImplementedYet", "NotImplementedError"))
                    and "not implemented yet" in errors[0]):
                problems.append(f"cell {i} (an exercise): expected 'not implemented yet', got {errors or cell['outputs']}")
        elif errors:
            problems.append(f"cell {i}: {'; '.join(errors)}")
    assert not problems, (f"{path.name}, the student copy in JupyterLab ({run.how}; cells counted from 0):\n"
                          + "\n".join(problems))


# The rendered markdown of the open notebook, and whether Korean is drawn in a real glyph.
RENDERED = """() => [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')].map(e => e.innerText)"""


@pytest.mark.browser
def test_a_korean_notebook_renders_in_korean_and_runs_in_jupyterlab(lab, chromium):
    name = "ko/01_rnn_types.ipynb"
    copy = nbformat.read(lab.notebooks / name, 4)
    page = chromium.new_page()
    try:
        page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}&reset", timeout=120_000)
        page.wait_for_function("() => document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown h1').length",
                               timeout=180_000)
        shown = page.evaluate(RENDERED)
        title = next(c.source for c in copy.cells if c.cell_type == "markdown").splitlines()[0].lstrip("# ")
        assert shown and shown[0].splitlines()[0].strip() == title, f"first cell shows {shown[:1]}, not {title!r}"
        assert sum(bool(re.search(r"[\uac00-\ud7a3]", text)) for text in shown) >= len(shown) // 2
        glyph = page.evaluate(GLYPH, "한")
        assert glyph["drawn"], f"Korean is drawn as blanks or boxes in {glyph['font']}: install a CJK font"
    finally:
        page.close()
        lab.close_sessions()
    goes_on = [i for i, c in enumerate(copy.cells) if "raises-exception" in c.metadata.get("tags", [])]
    state = run_all(lab, chromium, name, goes_on)
    assert state["status"] == "idle" and not state["failed"], state
    errors = {c["index"]: [o for o in c["outputs"] if o["output_type"] == "error"] for c in state["cells"]}
    assert all(c["count"] is not None for c in state["cells"]), "cells that did not run"
    assert {i for i, e in errors.items() if e} == set(goes_on), f"errors outside the exercises: {errors}"
