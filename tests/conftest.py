"""Test order and grouping for two cores: a notebook's tests together, the longest first.

`./course test` runs pytest-xdist with two workers. The tests of one notebook (its output
checks and its student copy in JupyterLab) form one unit of work, which one worker runs,
so that the notebook is executed once per purpose; units are handed out longest notebook
first, so both cores stay busy to the end, and the short unit tests fill the gaps.

(xdist's own `--dist loadgroup` would do the grouping, but it marks groups by rewriting
the tests' ids, which pytest 9 no longer allows; so this file gives xdist a scheduler.)
"""
import re
from pathlib import Path

import pytest

from lecture_utils import use_one_thread

ROOT = Path(__file__).resolve().parent.parent
from tools.run_notebooks import expected_seconds

# Two workers on two cores: each worker's own PyTorch and BLAS on one thread, or they would
# oversubscribe the cores (each notebook's kernel pins itself the same way).
use_one_thread()

GROUPED = ("tests/test_notebook_outputs.py::", "tests/test_lab_browser.py::")


def notebook_of(nodeid):
    """The notebook whose unit of work a test belongs to (e.g. '06_gru'), or None."""
    match = re.search(r"\[(\d\d_[a-z0-9_]+)[\] ]", nodeid) if nodeid.startswith(GROUPED) else None
    return match and match.group(1)


def pytest_collection_modifyitems(items):
    def order(item):
        notebook = notebook_of(item.nodeid)
        return (0, -expected_seconds(notebook)) if notebook else (1, 0)
    items.sort(key=order)   # stable: within a notebook, and among the other tests, the order is kept


@pytest.fixture(scope="session")
def notebook_runs(request, tmp_path_factory):
    """Each notebook's one run this session, on this worker (notebook_runs.py)."""
    from notebook_runs import NotebookRuns
    return NotebookRuns(request.session, tmp_path_factory.mktemp("notebook-runs"))


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab serving the student copies (outputs cleared), one server per worker for the
    whole session: the notebooks' tests come in groups, and a module-scoped server would be
    restarted between groups. Its autosave never touches the committed notebooks."""
    from chromium import require_chromium
    from lab import Lab, LabError
    from notebook_runs import CPU
    from tools.student_copies import write_student_copies

    require_chromium()   # skip (or fail, in CI) before starting a server we would not use
    root = tmp_path_factory.mktemp("lab")
    write_student_copies(ROOT / "notebooks", root / "notebooks")
    if any((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb")):   # the Korean edition, as ./course student
        write_student_copies(ROOT / "notebooks" / "ko", root / "notebooks" / "ko")
    server = Lab(root / "notebooks", root / "jupyter", CPU)
    try:
        try:
            server.wait_until_up()
        except LabError as e:
            pytest.fail(str(e), pytrace=False)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium per worker, for every browser test (Playwright's synchronous API
    allows one at a time in a process)."""
    from chromium import browser
    with browser() as b:
        yield b


@pytest.hookimpl(optionalhook=True)   # a hook of pytest-xdist: `-p no:xdist` still works
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByNotebook(LoadScopeScheduling):
        """xdist's scheduling by scope, where a notebook's tests are one scope and every
        other test module is one (its module-scoped fixtures are then set up once)."""

        def _split_scope(self, nodeid):
            return notebook_of(nodeid) or super()._split_scope(nodeid)

    config.option.loadscopereorder = False   # keep the order above
    return ByNotebook(config, log)
