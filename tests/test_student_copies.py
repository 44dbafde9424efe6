"""Exercises and student copies: every lesson but the closing one has 2 to 4 exercises; a student copy keeps
everything but the solutions and outputs; no solution leaks.

That a student copy, run as it is, stops only at its exercises, each time saying "not
implemented yet", is proven in JupyterLab (tests/test_lab_browser.py). The answer key's
solutions run through their checks in the notebook output checks, so a solution that
fails its own check fails there.
"""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
from tools import student_copies

# Both editions: the English notebooks, and the Korean ones in notebooks/ko/ (copied to ko/).
NOTEBOOKS = (sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
             + sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb")))
IDS = [p.relative_to(ROOT / "notebooks").with_suffix("").as_posix() for p in NOTEBOOKS]

# The closing lesson reviews the lecture claim by claim, with the measurements of lessons 01 to
# 07; it sets no exercises of its own.
WITHOUT_EXERCISES = {"08_the_lecture_claim_by_claim.ipynb"}


def is_exercise(cell):
    return cell.cell_type == "code" and student_copies.TAG in cell.metadata.get("tags", [])


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    student_copies.main([str(out)])   # as ./course student: both editions
    return out


def copy_of(path, copies):
    """Where the student copy of `path` is written: ko/ for the Korean edition."""
    return copies / path.relative_to(ROOT / "notebooks")


def solution_lines(source):
    lines = source.split("\n")
    return [lines[i] for begin, end in student_copies.solution_blocks(source) for i in range(begin + 1, end)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_notebook_has_2_to_4_checked_exercises(path):
    cells = nbformat.read(path, 4).cells
    exercises = [c for c in cells if is_exercise(c)]
    if path.name in WITHOUT_EXERCISES:
        assert not exercises, f"{path.name} is listed as having no exercises"
        return
    assert 2 <= len(exercises) <= 4, f"{path.name} has {len(exercises)} exercises"
    for cell in exercises:
        assert solution_lines(cell.source), f"{path.name}: an exercise without a marked solution"
        assert "checks." in cell.source, f"{path.name}: an exercise that nothing checks:\n{cell.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_solution_leaks_into_the_student_copy(path, copies):
    teacher = nbformat.read(path, 4)
    student = nbformat.read(copy_of(path, copies), 4)
    if path.name in WITHOUT_EXERCISES:   # nothing to hide: the copy runs the same code
        assert [c.source for c in student.cells if c.cell_type == "code"] == \
               [c.source for c in teacher.cells if c.cell_type == "code"]
        return
    # A line is secret if it is in a solution and nowhere else in the instructor's notebook.
    outside = set()
    for cell in teacher.cells:
        lines = cell.source.split("\n")
        inside = {i for b, e in student_copies.solution_blocks(cell.source) for i in range(b, e + 1)}
        outside |= {line.strip() for i, line in enumerate(lines) if i not in inside}
    secrets = {line.strip() for c in teacher.cells for line in solution_lines(c.source)} - outside - {""}
    assert secrets, "no solution lines found"
    for i, cell in enumerate(student.cells):
        found = [s for s in secrets if s in cell.source]
        assert not found, f"{path.name} cell {i} shows solution lines {found}"
        assert student_copies.BEGIN not in cell.source and student_copies.END not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {i} kept its outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_student_copy_keeps_everything_else(path, copies):
    teacher = nbformat.read(path, 4).cells
    student = nbformat.read(copy_of(path, copies), 4).cells
    assert len(student) == len(teacher)
    for i, (t, s) in enumerate(zip(teacher, student)):
        metadata = dict(t.metadata)
        if is_exercise(t):   # tagged so that JupyterLab's Run All goes on past it
            metadata["tags"] = t.metadata["tags"] + [student_copies.GOES_ON]
        assert (s.cell_type, s.metadata) == (t.cell_type, metadata), f"{path.name} cell {i}"
        if t.cell_type == "markdown":   # the same prose, its links pointing to the same files
            assert s.source == student_copies.relink(t.source, path.parent, copy_of(path, copies).parent), \
                f"{path.name} cell {i}"
            continue
        if not is_exercise(t):
            assert s.source == t.source, f"{path.name} cell {i} changed"
            continue
        # Around each solution, the exercise reads the same: the signature, docstring, check.
        inside = {i for b, e in student_copies.solution_blocks(t.source) for i in range(b, e + 1)}
        kept = [line for i, line in enumerate(t.source.split("\n")) if i not in inside]
        stubs = [line for line in s.source.split("\n") if line.strip() in student_copies.STUB]
        assert [line for line in s.source.split("\n") if line not in stubs] == kept, f"{path.name} cell {i}"
        assert len(stubs) == len(student_copies.STUB) * len(student_copies.solution_blocks(t.source))


def test_unbalanced_or_stray_markers_are_refused():
    for source in ["### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION", "a = 1  ### BEGIN SOLUTION",
                   "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"]:
        with pytest.raises(student_copies.SolutionMarkerError):
            student_copies.strip_solutions(source)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    with pytest.raises(student_copies.SolutionMarkerError, match="tagged 'exercise'"):
        student_copies.student_copy(nb)


def linked_files(folder, nb):
    """The files the prose's relative links name, resolved from `folder`, the notebook's own
    (an anchor, #..., names a place in the file)."""
    return [(folder / m.group(1).partition("#")[0]).resolve() for c in nb.cells if c.cell_type == "markdown"
            for m in student_copies.RELATIVE_LINK.finditer(c.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_link_opens_a_file_from_the_notebook_and_from_its_student_copy(path, copies):
    # ./course lab serves the repository, so a link to ../lecture_utils/x.py opens the module.
    teacher = linked_files(path.parent, nbformat.read(path, 4))
    assert all(f.is_file() for f in teacher), [str(f) for f in teacher if not f.is_file()]
    copy = copy_of(path, copies)
    student = linked_files(copy.parent, nbformat.read(copy, 4))
    assert all(f.is_file() for f in student), [str(f) for f in student if not f.is_file()]
    # The same files, but for links to another lesson, which open that lesson's student copy.
    lesson = lambda f, folder: f.name if f.parent == folder.resolve() and f.suffix == ".ipynb" else f
    assert [lesson(f, copy.parent) for f in student] == [lesson(f, path.parent) for f in teacher]


def test_links_are_rewritten_for_a_copy_written_elsewhere(tmp_path):
    source = "Read [the layers](../lecture_utils/numpy_rnn.py), [the site](https://x.org/a) and [below](#exercise)."
    moved = student_copies.relink(source, tmp_path / "notebooks", tmp_path / "build" / "student")
    assert moved == ("Read [the layers](../../lecture_utils/numpy_rnn.py), [the site](https://x.org/a) "
                     "and [below](#exercise).")
    source = "[05 §2](05_lstm.ipynb#2.-Why-(왜)), [05](05_lstm.ipynb) and [a line](../lecture_utils/cells.py#L3)."
    moved = student_copies.relink(source, tmp_path / "notebooks", tmp_path / "build" / "student")
    assert moved == "[05 §2](05_lstm.ipynb#2.-Why-(왜)), [05](05_lstm.ipynb) and [a line](../../lecture_utils/cells.py#L3)."
