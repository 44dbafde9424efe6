"""Static hygiene of the committed notebooks: what the output checks cannot be trusted without.

The notebook output checks (tests/test_notebook_outputs.py) re-execute every notebook and
compare outputs. That comparison only means something when the stored outputs come from
one fresh top-to-bottom run, hold no errors or warnings, and would read the same on any
machine; and when every cell not compared strictly says why, and how it is compared.
"""
import json
import re
from pathlib import Path

import pytest

import nbcheck
from notebook_claims import CLAIMS

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
# Paths and ids that belong to one machine or one kernel process.
MACHINE_SPECIFIC = re.compile(
    r"(/tmp/|/root/|/home/\w+|/work/|/Users/\w+|[A-Z]:\\|site-packages|\.venv|ipykernel_\d+)"
)
IGNORED = {nbcheck.IGNORE_TAG}


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def one_output_text(output):
    parts = [output.get("text", "")] + [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook_path(request):
    return request.param


@pytest.fixture
def notebook(notebook_path):
    return json.loads(notebook_path.read_text(encoding="utf-8"))


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
                f"code cell {i}: stderr stored (a warning or a progress bar?): {one_output_text(out)[:200]!r}"


def test_no_machine_specific_or_unstable_text(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        for out in cell["outputs"]:
            text = one_output_text(out)
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
    assert len(ignored) <= max(2, len(cells) // 10), "too many cells are excluded from the output checks"
    for cell in ignored:
        source = "".join(cell["source"])
        assert re.search(r"#.*notebook check", source), \
            f"an ignored cell must say in a comment why the notebook check ignores it:\n{source}"


def test_every_cell_not_compared_strictly_says_why_and_how(notebook_path, notebook):
    for i, cell in enumerate(notebook["cells"]):
        spec = cell["metadata"].get("nbcheck")
        if spec is None:
            continue
        where = f"cell {i}"
        assert cell["cell_type"] == "code", f"{where}: nbcheck metadata on a {cell['cell_type']} cell"
        assert spec.get("compare") in ("numbers", "claims"), f"{where}: compare must be numbers or claims: {spec}"
        assert isinstance(spec.get("why"), str) and len(spec["why"]) >= 30, f"{where}: say why, in a sentence: {spec}"
        assert nbcheck.IGNORE_TAG not in cell["metadata"].get("tags", []), f"{where}: both ignored and compared"
        if spec["compare"] == "numbers":
            tolerance = {k: v for k, v in spec.items() if k in nbcheck.TOLERANCES}
            assert tolerance and set(spec) <= {"compare", "why", "lines", *nbcheck.TOLERANCES}, \
                f"{where}: a tolerance is rel, abs, or both, or factor (with abs or alone), and lines: {spec}"
            assert not ("factor" in tolerance and "rel" in tolerance), f"{where}: factor or rel, not both: {spec}"
            assert all(isinstance(v, (int, float)) and v > 0 for v in tolerance.values()), f"{where}: {spec}"
            assert tolerance.get("factor", 2) > 1 and tolerance.get("rel", 0) < 1, f"{where}: {spec}"
            if "lines" in spec:
                text = nbcheck.output_text(cell["outputs"])
                assert any(re.search(spec["lines"], line) for line in text.split("\n")), \
                    f"{where}: lines {spec['lines']!r} matches no line of the output"
        else:
            assert (notebook_path.stem, cell.get("id")) in CLAIMS, \
                f"{where} ({cell.get('id')}): no claim check for it in tests/notebook_claims.py"


def test_every_claim_check_has_its_cell_and_holds_on_the_committed_output():
    cells = {(path.stem, c.get("id")): c for path in NOTEBOOKS
             for c in json.loads(path.read_text(encoding="utf-8"))["cells"]}
    for key, claim in CLAIMS.items():
        assert key in cells, f"{claim.__name__}: no cell {key[1]} in {key[0]}.ipynb"
        assert nbcheck.kind(cells[key]) == "claims", f"{claim.__name__}: cell {key[1]} is not compared by claims"
        # What the claims read must be there: an output that no longer parses fails here,
        # not only on another machine.
        committed = nbcheck.output_text(cells[key]["outputs"])
        claim(committed, committed)


def test_kernel_and_size(notebook):
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert len(json.dumps(notebook)) < 3 * 1024 * 1024, "shrink figures or outputs"


def test_notebooks_use_only_public_names(notebook):
    # A lesson reads the package through its public faces; a private name (_gates, .reader,
    # _forward_hooks) may change without notice, and teaches a learner to reach past them.
    private = re.compile(r"(?:\.|\bimport\s+|,\s*)(_[A-Za-z]\w*)|\.reader\b")
    for cell in code_cells(notebook):
        source = "".join(cell["source"])
        found = [m.group(0) for m in private.finditer(source)]
        assert not found, f"a cell uses private names {found}:\n{source}"


# A link from one notebook to another, [05 §2](05_lstm.ipynb#2.-Why-the-gradient-survives),
# or to a heading of its own, [2.1](#2.1-What-training-learns): the target, and the anchor if
# any, up to the link's closing parenthesis (an anchor may hold balanced parentheses, as a
# heading such as "4. ... (캐릭터 레벨 언어 모델)" does).
NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[a-z0-9_]+\.ipynb)?(?:#((?:[^()\s]|\([^()\s]*\))*))?\)")
LINK_START = re.compile(r"\]\((?=\d\d_[a-z0-9_]+\.ipynb|#)")
HEADING = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r" {0,3}(```|~~~)")


def heading_anchors(nb):
    """The anchors of a notebook's markdown headings, as JupyterLab and nbconvert make them:
    the heading's text, trailing whitespace stripped, with each space replaced by '-'."""
    anchors = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fenced = False
        for line in "".join(cell["source"]).split("\n"):
            if FENCE.match(line):
                fenced = not fenced
            elif not fenced and (m := HEADING.fullmatch(line)):
                anchors.add(m.group(2).rstrip().replace(" ", "-"))
    return anchors


def broken_notebook_links(notebooks):
    """{name: notebook JSON} -> (notebook, cell index, link, what is wrong) for each markdown
    link to NN_name.ipynb(#anchor), or to #anchor in the same notebook, that is malformed, or
    names no notebook of the set, or no heading of it."""
    anchors = {name: heading_anchors(nb) for name, nb in notebooks.items()}
    broken = []
    for name, nb in notebooks.items():
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            source = "".join(cell["source"])
            for start in LINK_START.finditer(source):
                m = NOTEBOOK_LINK.match(source, start.start())
                if m is None:
                    link = source[start.start() + 2:].split(")")[0]
                    broken.append((name, i, link, "not a link (a space, or unbalanced parentheses?)"))
                    continue
                target, anchor = m.group(1) or name, m.group(2)
                link = m.group(0)[2:-1]
                if target not in anchors:
                    broken.append((name, i, link, "no such notebook"))
                elif anchor is not None and anchor not in anchors[target]:
                    near = sorted(a for a in anchors[target] if a[:3] == anchor[:3])
                    broken.append((name, i, link, f"no such heading in {target}"
                                   + (f"; headings that start alike: {near}" if near else "")))
    return broken


def test_links_between_notebooks_name_a_notebook_and_one_of_its_headings():
    notebooks = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in NOTEBOOKS}
    broken = broken_notebook_links(notebooks)
    assert not broken, "links to a notebook or heading that is not there:\n" + "\n".join(
        f"{name}, cell {i}: {link}: {why}" for name, i, link, why in broken)
    # The checker itself catches a wrong anchor (to another notebook or its own), a missing
    # notebook, a "heading" inside a code block and a link broken by a space, and accepts a
    # heading with parentheses and Korean.
    made_up = {
        "01_a.ipynb": {"cells": [{"cell_type": "markdown", "source": [
            "# 01 · A\n", "## 2. Why (왜)  \n", "```\n", "# not-a-heading\n", "```\n",
            "[ok](#01-·-A), [bad](#2.-Why-(왜)-)"]}]},
        "02_b.ipynb": {"cells": [{"cell_type": "markdown", "source": [
            "[ok](01_a.ipynb#2.-Why-(왜)), [ok](01_a.ipynb), [ok](01_a.ipynb#01-·-A), [bad](01_a.ipynb#2.-Why), "
            "[bad](01_a.ipynb#not-a-heading), [bad](03_c.ipynb#x), [bad](01_a.ipynb#2. Why (왜))"]}]},
    }
    assert [(link, why.split(";")[0]) for _, _, link, why in broken_notebook_links(made_up)] == [
        ("#2.-Why-(왜)-", "no such heading in 01_a.ipynb"),
        ("01_a.ipynb#2.-Why", "no such heading in 01_a.ipynb"),
        ("01_a.ipynb#not-a-heading", "no such heading in 01_a.ipynb"),
        ("03_c.ipynb#x", "no such notebook"),
        ("01_a.ipynb#2. Why (왜", "not a link (a space, or unbalanced parentheses?)")]
