"""Student copies of the notebooks: solutions removed, outputs cleared, everything else kept.

    python -m tools.student_copies [OUTDIR] [--notebooks DIR]     # ./course student runs this

The Korean edition (DIR/ko/) gets its copies in OUTDIR/ko/, made the same way.

An exercise is a code cell tagged `exercise` whose solution sits between the markers
nbgrader uses,

        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

The markers and everything between them become a stub at the same indentation, which
stops that cell with a message saying the exercise is not implemented yet. The cell is
tagged `raises-exception`, which JupyterLab reads: Run All goes on past an exercise not yet
done (the lesson after it uses the package's code, not the learner's), instead of stopping
there. Every output and execution count is cleared, so no printed result gives an answer
away. Prose, code, other tags and slide metadata are copied unchanged, except that the
prose's relative links (to `../lecture_utils/numpy_rnn.py`, say) are rewritten to point to
the same files from where the copy is written.
"""
import argparse
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ["# YOUR CODE HERE", 'raise NotImplementedError("not implemented yet: replace this line with your code")']
TAG = "exercise"
GOES_ON = "raises-exception"   # JupyterLab's Run All does not stop at a cell so tagged


class SolutionMarkerError(ValueError):
    """Solution markers that are unbalanced, nested, or outside an exercise cell."""


def solution_blocks(source):
    """(begin, end) line indices of each marked solution in a cell's source, markers included."""
    blocks, start = [], None
    for i, line in enumerate(source.split("\n")):
        if line.strip() == BEGIN:
            if start is not None:
                raise SolutionMarkerError(f"line {i + 1}: {BEGIN} inside another solution")
            start = i
        elif line.strip() == END:
            if start is None:
                raise SolutionMarkerError(f"line {i + 1}: {END} without {BEGIN}")
            blocks.append((start, i))
            start = None
        elif BEGIN in line or END in line:
            raise SolutionMarkerError(f"line {i + 1}: a solution marker must stand alone on its line")
    if start is not None:
        raise SolutionMarkerError(f"line {start + 1}: {BEGIN} is never closed by {END}")
    return blocks


def strip_solutions(source):
    """The source with each marked solution replaced by the stub, indented like its marker."""
    lines = source.split("\n")
    for begin, end in reversed(solution_blocks(source)):
        indent = re.match(r"\s*", lines[begin]).group()
        lines[begin:end + 1] = [indent + stub for stub in STUB]
    return "\n".join(lines)


RELATIVE_LINK = re.compile(r"\]\((?!\w+:|#|/)([^)\s]+)\)")   # [text](path), not a URL, anchor or absolute path
# Another lesson (05_lstm.ipynb, or 05_lstm.ipynb#2.-Why-...): its copy is written beside this one.
LESSON = re.compile(r"\d\d_[a-z0-9_]+\.ipynb(?:#.*)?")


def relink(source, source_dir, target_dir):
    """Markdown `source` whose relative links, written from `source_dir`, work from `target_dir`.
    A link to another lesson stays as it is, so that it opens that lesson's copy; an anchor
    (#...) is kept after the moved path."""
    def moved(match):
        if LESSON.fullmatch(match.group(1)):
            return match.group(0)
        path, hash_, anchor = match.group(1).partition("#")
        target = os.path.relpath(os.path.join(source_dir, path), target_dir)
        return f"]({Path(target).as_posix()}{hash_}{anchor})"
    return RELATIVE_LINK.sub(moved, source)


def student_copy(nb, name="notebook", source_dir=None, target_dir=None):
    """A student copy of a notebook (a new object; nb is unchanged). Relative links in its
    prose are rewritten from `source_dir` to `target_dir` when both are given."""
    nb = nbformat.from_dict(nb)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # a deep copy, validated
    for i, cell in enumerate(nb.cells):
        marked = bool(solution_blocks(cell.source))
        is_exercise = cell.cell_type == "code" and TAG in cell.metadata.get("tags", [])
        if marked != is_exercise:
            where = f"{name}, cell {i}"
            raise SolutionMarkerError(f"{where}: solution markers belong in code cells tagged {TAG!r}, "
                                      "and every such cell needs them")
        if is_exercise:
            cell.metadata["tags"] = cell.metadata["tags"] + [GOES_ON]
        if cell.cell_type == "markdown" and source_dir is not None and target_dir is not None:
            cell.source = relink(cell.source, source_dir, target_dir)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return nb


def write_student_copies(notebooks, outdir):
    """Write a student copy of every NN_*.ipynb in `notebooks` into `outdir`; returns their paths."""
    notebooks, outdir = Path(notebooks), Path(outdir)
    paths = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"no notebooks NN_*.ipynb in {notebooks}")
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        copy = student_copy(nbformat.read(path, as_version=4), path.name, notebooks.resolve(), outdir.resolve())
        nbformat.write(copy, outdir / path.name)
        written.append(outdir / path.name)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", nargs="?", default=ROOT / "build" / "student")
    parser.add_argument("--notebooks", default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    editions = [(Path(args.notebooks), Path(args.outdir))]
    if any((Path(args.notebooks) / "ko").glob("[0-9][0-9]_*.ipynb")):
        editions.append((Path(args.notebooks) / "ko", Path(args.outdir) / "ko"))
    for notebooks, outdir in editions:
        try:
            written = write_student_copies(notebooks, outdir)
        except SolutionMarkerError as err:
            sys.exit(f"student copies: {err}")
        exercises = sum(TAG in c.metadata.get("tags", []) for p in written for c in nbformat.read(p, 4).cells)
        print(f"wrote {len(written)} student notebooks with {exercises} exercises to {outdir}")
    print(f"open them with: ./course lab {args.outdir}")


if __name__ == "__main__":
    main()
