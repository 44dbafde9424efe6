"""Static hygiene of the committed notebooks: what nbval cannot be trusted without.

nbval (run by `./course test`) re-executes every notebook and compares outputs. That
comparison only means something when the stored outputs come from one fresh
top-to-bottom run, hold no errors or warnings, and would read the same on any machine.
"""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
# Paths and ids that belong to one machine or one kernel process.
MACHINE_SPECIFIC = re.compile(
    r"(/tmp/|/root/|/home/\w+|/work/|/Users/\w+|[A-Z]:\\|site-packages|\.venv|ipykernel_\d+)"
)
IGNORED = {"nbval-ignore-output", "nbval-skip"}


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def output_text(output):
    parts = [output.get("text", "")] + [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return json.loads(request.param.read_text(encoding="utf-8"))


def test_notebooks_exist_and_are_numbered():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_one_fresh_run_in_order(notebook):
    counts = [c["execution_count"] for c in code_cells(notebook)]
    assert None not in counts, f"unexecuted code cells at code-cell positions {[i for i, c in enumerate(counts) if c is None]}"
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}: not one top-to-bottom run"


def test_no_errors_or_stderr(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        tags = set(cell["metadata"].get("tags", []))
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"code cell {i}: stored error {out['ename']}: {out['evalue']}"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), \
                f"code cell {i}: stderr stored (a warning or a progress bar?): {output_text(out)[:200]!r}"


def test_no_machine_specific_or_unstable_text(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        for out in cell["outputs"]:
            text = output_text(out)
            found = MACHINE_SPECIFIC.search(text)
            assert not found, f"code cell {i}: machine-specific text {found.group(0)!r}"
            # A figure's repr as the cell's value changes with the figure: end with plt.show().
            if out["output_type"] == "execute_result":
                assert "<Figure size" not in text, f"code cell {i}: end the cell with plt.show()"
            assert not re.search(r" at 0x[0-9a-f]+", text), f"code cell {i}: a memory address in the output"


def test_no_timing_metadata(notebook):
    # Regenerate with record_timing=False (`./course regen`): timestamps churn every diff.
    for i, cell in enumerate(notebook["cells"]):
        assert "execution" not in cell["metadata"], f"cell {i} stores execution timing metadata"


def test_ignored_cells_are_few_and_say_why(notebook):
    cells = code_cells(notebook)
    ignored = [c for c in cells if IGNORED & set(c["metadata"].get("tags", []))]
    assert len(ignored) <= max(2, len(cells) // 10), "too many cells are excluded from nbval's comparison"
    for cell in ignored:
        source = "".join(cell["source"])
        assert re.search(r"#.*nbval", source), f"an ignored cell must say why in a comment:\n{source}"


def test_kernel_and_size(notebook):
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert len(json.dumps(notebook)) < 3 * 1024 * 1024, "shrink figures or outputs"
