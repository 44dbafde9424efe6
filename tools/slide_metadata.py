"""Give every notebook cell its slide type, so that `./course export` makes sensible decks.

    python -m tools.slide_metadata notebooks/*.ipynb           # write the slide types
    python -m tools.slide_metadata --check notebooks/*.ipynb   # exit 1 if any would change

The rule (what a teacher presenting the notebook expects):

1. The first cell starts the deck: "slide".
2. Markdown starting with `# ` or `## ` (a lesson or a section) starts a new slide,
   left to right: "slide".
3. Markdown starting with `### ` (a subsection) goes below its section: "subslide".
4. Other markdown (`####` headings included) that follows a code cell is a new
   explanation: "subslide", one below the other, so that a slide holds one idea (the
   decks let a slide taller than the screen scroll). Markdown that follows markdown
   continues the same slide: "-".
5. Code cells are "fragment": the code and its outputs appear on the next click, under
   the text that explains them.
6. No cell is skipped: cells tagged nbval-ignore-output (timings, widgets) are shown
   like every other; so are raw cells ("-").

The rule is the only source of slide types: the script overwrites whatever a cell had,
a value set by hand included, and running it twice changes nothing. To present a cell
differently, change the notebook's headings or this rule, not the cell's metadata.
"""
import argparse
import sys
from pathlib import Path

import nbformat


def heading_level(source):
    """The level of the markdown heading the cell starts with (`## x` -> 2), 0 if none."""
    first = source.lstrip("\n").split("\n", 1)[0]
    hashes = len(first) - len(first.lstrip("#"))
    # "#hashtag" is not a heading: CommonMark needs a space (or nothing) after the hashes.
    if 1 <= hashes <= 6 and first[hashes:hashes + 1] in ("", " ", "\t"):
        return hashes
    return 0


def slide_types(cells):
    """The rule above: one slide type per cell, in order."""
    types, previous = [], None
    for i, cell in enumerate(cells):
        level = heading_level(cell.source) if cell.cell_type == "markdown" else 0
        if i == 0 or level in (1, 2):
            kind = "slide"
        elif level == 3:
            kind = "subslide"
        elif cell.cell_type == "code":
            kind = "fragment"
        elif cell.cell_type == "markdown":
            kind = "subslide" if previous == "code" else "-"
        else:  # raw cells: shown where they are
            kind = "-"
        types.append(kind)
        previous = cell.cell_type
    return types


def apply_slide_metadata(nb):
    """Set every cell's metadata.slideshow.slide_type by the rule; return how many changed."""
    changed = 0
    for cell, kind in zip(nb.cells, slide_types(nb.cells)):
        if cell.metadata.get("slideshow") != {"slide_type": kind}:
            cell.metadata["slideshow"] = {"slide_type": kind}
            changed += 1
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any notebook's slide types differ from the rule")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)

    stale = []
    for path in args.notebooks:
        # NO_CONVERT and nbformat.write keep the file byte for byte, apart from the metadata.
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        changed = apply_slide_metadata(nb)
        if changed and args.check:
            stale.append(path)
            print(f"{path}: {changed} cell(s) lack a slide type or differ from the rule", file=sys.stderr)
        elif changed:
            nbformat.write(nb, path)
            print(f"{path}: set the slide type of {changed} cell(s)")
    if stale:
        print(f"run: python -m tools.slide_metadata {' '.join(map(str, stale))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
