"""The course's own tools, run from the repository root as `python -m tools.NAME` (./course
runs them): run_notebooks (regen), student_copies (student), export (the static site),
slide_metadata and web_assets."""
