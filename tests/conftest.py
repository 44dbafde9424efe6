"""Test order for two cores: the slow notebook runs first, longest first, then everything else.

`./course test` runs pytest-xdist with two workers and `--dist loadgroup`: the tests of one
notebook (its output checks and its student copy in JupyterLab) share an `xdist_group`, so
they run on one worker, and the workers take groups in the order below. Starting with the
longest notebook keeps both cores busy to the end; the short unit tests fill the gaps.
"""
import sys
from pathlib import Path

from lecture_utils import use_one_thread

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from run_notebooks import expected_seconds  # noqa: E402

# Two workers on two cores: each worker's own PyTorch and BLAS on one thread, or they would
# oversubscribe the cores (each notebook's kernel pins itself the same way).
use_one_thread()


def pytest_collection_modifyitems(items):
    def order(item):
        group = item.get_closest_marker("xdist_group")
        if group is None:
            return (1, 0)
        return (0, -expected_seconds(group.kwargs.get("name", group.args[0] if group.args else "")))
    items.sort(key=order)   # stable: within a group, and among the unit tests, the order is kept
