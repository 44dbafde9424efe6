"""The Korean edition (notebooks/ko/) is in step with the English notebooks.

- every English markdown cell has a Korean section, translated from its English as it is now
  (tools/korean.py keys each section by cell id and a hash of the English source), so an
  English edit fails here until its Korean is updated in the same change;
- each Korean notebook is exactly what `./course ko` assembles, and its code cells, outputs
  and metadata equal the English notebook's, so the English notebook checks cover both;
- the Korean uses the glossary's terms: each key term the English lesson uses appears in
  its Korean main form, and no variant or known mistranslation appears;
- links and headings: every link between Korean notebooks names a Korean heading, every
  file link resolves from notebooks/ko/;
- the tools themselves (update, seal, relink) do what they say, on made-up notebooks.
Static: nothing is executed.
"""
import copy
import json
import re
import subprocess
from pathlib import Path

import pytest

from test_glossary import (GLOSSARY, bad_variant_problems, has_korean, markdown_cells, mentions,
                           parse_glossary, term_matcher, variant_problems)
from test_notebooks import broken_notebook_links
from tools import korean

ROOT = Path(__file__).parent.parent
ENGLISH = korean.english_notebooks()
IDS = [p.name for p in ENGLISH]


@pytest.fixture(scope="module")
def rows():
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


def test_every_english_notebook_has_a_korean_twin_and_a_translation():
    assert len(ENGLISH) >= 8
    missing = [p.name for p in ENGLISH if not korean.korean_path(p).exists() or not korean.translation_path(p).exists()]
    assert not missing, f"no notebooks/ko/ twin or translations/ko/ file for {missing}: run ./course ko"
    extra = sorted({p.name for p in korean.KOREAN.glob("*.ipynb")} - set(IDS))
    assert not extra, f"Korean notebooks with no English original: {extra}"


@pytest.mark.parametrize("path", ENGLISH, ids=IDS)
def test_every_english_markdown_cell_has_an_up_to_date_translation(path):
    nb, sections = korean.load(path)
    wrong = korean.problems(nb, sections)
    assert not wrong, (f"{korean.translation_path(path).relative_to(ROOT)} is not in step with {path.name} "
                       "(./course ko --update marks what changed):\n" + "\n".join(f"cell {c}: {w}" for c, w in wrong))


@pytest.mark.parametrize("path", ENGLISH, ids=IDS)
def test_translations_pass_their_lint(path):
    wrong = korean.lint(path)
    assert not wrong, "\n".join(wrong)


def test_korean_notebooks_are_what_the_tool_assembles():
    assembled = korean.assemble_all(ENGLISH)
    stale = [p.name for p, nb in assembled.items()
             if korean.korean_path(p).read_text(encoding="utf-8") != json.dumps(nb, indent=1, ensure_ascii=False) + "\n"]
    assert not stale, f"notebooks/ko/ out of date for {stale}: run ./course ko"


@pytest.mark.parametrize("path", ENGLISH, ids=IDS)
def test_korean_code_and_outputs_equal_the_english(path):
    en = korean.read_notebook(path)
    ko = korean.read_notebook(korean.korean_path(path))
    assert [(c["id"], c["cell_type"]) for c in ko["cells"]] == [(c["id"], c["cell_type"]) for c in en["cells"]]
    for e, k in zip(en["cells"], ko["cells"]):
        assert k["metadata"] == e["metadata"], f"cell {e['id']}: metadata differs"
        if e["cell_type"] == "code":
            assert k == e, f"cell {e['id']}: the Korean code cell differs from the English (source, outputs or count)"
    assert ko["metadata"] == en["metadata"]


def korean_markdown(path):
    return markdown_cells(korean.korean_path(path))


@pytest.mark.parametrize("path", ENGLISH, ids=IDS)
def test_korean_uses_the_main_term_of_each_key_term_its_lesson_uses(path, rows):
    matcher = term_matcher(rows)
    used = {row for _, _, source in markdown_cells(path) for row, _, _ in mentions(source, matcher) if rows[row]["key"]}
    text = "\n".join(source for _, _, source in korean_markdown(path))
    missing = [f"{rows[r]['english']} -> {rows[r]['korean']}" for r in sorted(used) if not has_korean(rows[r]["korean"], text, rows)]
    assert not missing, f"ko/{path.name} never uses the glossary's Korean for terms its English uses: {missing}"


@pytest.mark.parametrize("path", ENGLISH, ids=IDS)
def test_korean_has_no_variants_or_mistranslations(path, rows):
    cells = korean_markdown(path)
    problems = variant_problems(f"ko/{path.name}", cells, rows) + bad_variant_problems(f"ko/{path.name}", cells)
    assert not problems, "\n".join(problems)


def test_korean_links_name_a_korean_notebook_and_heading():
    notebooks = {p.name: korean.read_notebook(korean.korean_path(p)) for p in ENGLISH}
    broken = broken_notebook_links(notebooks)
    assert not broken, "\n".join(f"ko/{name}, cell {i}: {link}: {why}" for name, i, link, why in broken)


def test_korean_file_links_resolve():
    missing = []
    for p in ENGLISH:
        for _, cell_id, source in korean_markdown(p):
            for m in korean.LINK.finditer(source):
                if m["path"] and not korean.LESSON.fullmatch(m["path"]) and not (korean.KOREAN / m["path"]).exists():
                    missing.append(f"ko/{p.name}, cell {cell_id}: {m['path']}")
    assert not missing, "links to files that do not exist from notebooks/ko/:\n" + "\n".join(missing)


# --- the tools, on made-up notebooks ---------------------------------------------------------

def nb_of(*cells):
    return {"cells": [dict(id=i, cell_type=t, metadata={}, source=s, **({"outputs": [], "execution_count": None}
                                                                       if t == "code" else {}))
                      for i, (t, s) in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A made-up course: notebooks/01_a.ipynb and 02_b.ipynb, an empty translations/ko/."""
    monkeypatch.setattr(korean, "ENGLISH", tmp_path / "notebooks")
    monkeypatch.setattr(korean, "KOREAN", tmp_path / "notebooks" / "ko")
    monkeypatch.setattr(korean, "TRANSLATIONS", tmp_path / "translations" / "ko")
    monkeypatch.setattr(korean, "ROOT", tmp_path)
    monkeypatch.setattr(korean, "git_versions", lambda path, limit=60: iter(()))
    a = nb_of(("m1", ("markdown", "# 01 · A\n\nThe hidden state keeps what was read. [Why](02_b.ipynb#2.-Why-(it-works))")),
              ("c1", ("code", "x = 1")),
              ("m2", ("markdown", "## 2. More\n\nSee [the cell](../lecture_utils/cells.py) and [More](#2.-More).")))
    b = nb_of(("n1", ("markdown", "# 02 · B\n\n## 2. Why (it works)\n\nText.")))
    for name, nb in (("01_a.ipynb", a), ("02_b.ipynb", b)):
        korean.write_notebook(nb, tmp_path / "notebooks" / name)
    return tmp_path


def translate(path, texts):
    """Replace each section's body by texts[cell id]."""
    sections = korean.parse(path.read_text(encoding="utf-8"))
    path.write_text(korean.render([(c, d, texts.get(c, b)) for c, d, b in sections], "x"), encoding="utf-8")


def test_update_translate_seal_assemble(course):
    paths = korean.english_notebooks()
    for p in paths:
        korean.update(p)
    a_tr = korean.translation_path(paths[0])
    assert [d for _, d, _ in korean.parse(a_tr.read_text(encoding="utf-8"))] == ["todo", "todo"]
    with pytest.raises(korean.TranslationError, match="01_a.ipynb, cell m1: marked en:todo"):
        korean.assemble_all(paths)
    translate(a_tr, {"m1": "# 01 · 가\n\n은닉 상태. [왜](02_b.ipynb#2.-Why-(it-works))",
                     "m2": "## 2. 더 보기\n\n[셀](../lecture_utils/cells.py)과 [더 보기](#2.-More)를 보라."})
    translate(korean.translation_path(paths[1]), {"n1": "# 02 · 나\n\n## 2. 왜 (되는가)\n\n본문."})
    for p in paths:
        korean.seal(p)
    ko = korean.assemble_all(paths)[paths[0]]
    md = ["".join(c["source"]) for c in ko["cells"] if c["cell_type"] == "markdown"]
    assert md[0] == "# 01 · 가\n\n은닉 상태. [왜](02_b.ipynb#2.-왜-(되는가))"
    assert md[1] == "## 2. 더 보기\n\n[셀](../../lecture_utils/cells.py)과 [더 보기](#2.-더-보기)를 보라."
    assert ko["cells"][1] == korean.read_notebook(paths[0])["cells"][1]

    # The English changes: the section goes back to todo, with the new English in a comment,
    # and sealing is refused until the comment is gone.
    en = korean.read_notebook(paths[0])
    en["cells"][2]["source"] = "## 2. More\n\nSee [the cell](../lecture_utils/cells.py). And more."
    en["cells"].insert(1, dict(id="m0", cell_type="markdown", metadata={}, source="A new cell."))
    korean.write_notebook(en, paths[0])
    with pytest.raises(korean.TranslationError) as err:
        korean.assemble_all(paths)
    assert "cell m0: no Korean section" in str(err.value) and "cell m2: the English changed" in str(err.value)
    done = korean.update(paths[0])
    assert done == ["m0: new, its English copied in to translate", "m2: the English changed; marked en:todo"]
    sections = korean.parse(a_tr.read_text(encoding="utf-8"))
    assert [(c, d) for c, d, _ in sections] == [("m1", korean.english_hash(korean.source(en["cells"][0]))),
                                                ("m0", "todo"), ("m2", "todo")]
    assert "<!-- English now" in sections[2][2] and "And more." in sections[2][2] and "더 보기" in sections[2][2]
    assert sections[1][2].startswith("<!-- English now (a new cell") and "A new cell." in sections[1][2]
    # Lint reads past the comment: the Korean below it is what it checks.
    assert not [w for w in korean.lint(paths[0]) if "m2" in w]
    with pytest.raises(korean.TranslationError, match="delete the '<!-- English"):
        korean.seal(paths[0])     # m0 is still only its English, m2's comment is still there
    translate(a_tr, {"m0": "새 셀.", "m2": "## 2. 더 보기\n\n[셀](../lecture_utils/cells.py)을 보라. 그리고 더."})
    assert korean.seal(paths[0]) == ["m0", "m2"]
    assert not korean.lint(paths[0])
    assert len(korean.assemble_all(paths)[paths[0]]["cells"]) == 4


def test_lint_and_assembly_catch_broken_translations(course):
    paths = korean.english_notebooks()
    for p in paths:
        korean.update(p)
    a_tr = korean.translation_path(paths[0])
    good = {"m1": "# 01 · 가\n\n은닉 상태를 본다. [왜](02_b.ipynb#2.-Why-(it-works))", "m2": "## 2. 더\n\n더 본다."}
    bad = copy.deepcopy(good)
    bad["m1"] = "# 01 · 가\n## 1. 덤\n\n[왜](02_b.ipynb#2.-왜-(되는가))"     # an extra heading; a Korean anchor
    translate(a_tr, bad)
    wrong = korean.lint(paths[0])
    assert any("headings" in w for w in wrong) and any("not an English heading's anchor" in w for w in wrong)
    translate(a_tr, {"m1": "# 01 · A\n\nThe hidden state, and much more English prose here.", "m2": good["m2"]})
    assert any("not translated?" in w for w in korean.lint(paths[0]))
    # a section for a cell that is gone, and sections out of order
    text = a_tr.read_text(encoding="utf-8")
    a_tr.write_text(text + "\n<!-- cell zz en:todo -->\n고아.\n", encoding="utf-8")
    assert any("cell zz: no such markdown cell" in w for w in korean.lint(paths[0]))
    sections = korean.parse(a_tr.read_text(encoding="utf-8"))[:2]
    a_tr.write_text(korean.render(sections[::-1], "x"), encoding="utf-8")
    assert any("not in the English notebook's order" in w for w in korean.lint(paths[0]))
    with pytest.raises(korean.TranslationError, match="two sections"):
        korean.parse("<!-- cell a en:todo -->\nx\n<!-- cell a en:todo -->\ny\n")


def test_headings_keep_their_levels_and_links_in_code_are_code(course):
    paths = korean.english_notebooks()
    for p in paths:
        korean.update(p)
    b = {"n1": "# 02 · 나\n\n## 2. 왜 (되는가)\n\n본문."}
    translate(korean.translation_path(paths[1]), b)
    # '#' and '##' swapped: the same number of headings, at other levels
    translate(korean.translation_path(paths[0]), {"m1": "## 01 · 가\n\n은닉 상태. [왜](02_b.ipynb#2.-Why-(it-works))",
                                                  "m2": "# 2. 더\n\n더."})
    assert any("same levels" in w for w in korean.lint(paths[0]))
    for p in paths:
        korean.seal(p)
    with pytest.raises(korean.TranslationError, match=r"levels \[1\] in English, \[2\] in Korean"):
        korean.assemble_all(paths)
    # A link written inside code stays as written; ./ in a path is dropped.
    text = "`a[0](b.py)` and [셀](./../lecture_utils/cells.py), [나](./02_b.ipynb#2.-Why-(it-works))"
    anchors = {"02_b.ipynb": {"2.-Why-(it-works)": "2.-왜-(되는가)"}}
    assert korean.relink(text, anchors, "01_a.ipynb") == \
        "`a[0](b.py)` and [셀](../../lecture_utils/cells.py), [나](02_b.ipynb#2.-왜-(되는가))"
    # Two headings with one anchor: a link could not say which one it means.
    nb = nb_of(("x", ("markdown", "## Exercise")), ("y", ("markdown", "## Exercise")))
    with pytest.raises(korean.TranslationError, match="repeats an earlier one"):
        korean.anchor_map(nb, {"x": "## 연습", "y": "## 연습 2"})


def test_update_shows_the_english_change_from_git(course, monkeypatch):
    # The real git_versions, on a repository made here: the diff is against the version translated.
    monkeypatch.undo()
    monkeypatch.setattr(korean, "ENGLISH", course / "notebooks")
    monkeypatch.setattr(korean, "TRANSLATIONS", course / "translations" / "ko")
    monkeypatch.setattr(korean, "ROOT", course)
    git = lambda *args: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=course,
                                       check=True, capture_output=True)
    git("init", "-q")
    git("add", "notebooks")
    git("commit", "-qm", "one")
    path = korean.english_notebooks()[1]
    korean.update(path)
    translate(korean.translation_path(path), {"n1": "# 02 · 나\n\n## 2. 왜 (되는가)\n\n본문."})
    korean.seal(path)
    nb = korean.read_notebook(path)
    nb["cells"][0]["source"] = "# 02 · B\n\n## 2. Why (it works)\n\nText, changed."
    korean.write_notebook(nb, path)
    assert korean.update(path) == ["n1: the English changed; marked en:todo"]
    body = korean.parse(korean.translation_path(path).read_text(encoding="utf-8"))[0][2]
    assert "<!-- English change since this was translated:" in body
    assert "-Text.\n+Text, changed." in body and body.endswith("본문.")


def test_the_tool_refuses_mismatched_headings_when_assembling(course):
    paths = korean.english_notebooks()
    for p in paths:
        korean.update(p)
    translate(korean.translation_path(paths[0]), {"m1": "가\n\n은닉 상태. [왜](02_b.ipynb#2.-Why-(it-works))",
                                                  "m2": "## 2. 더\n\n더."})
    translate(korean.translation_path(paths[1]), {"n1": "# 02 · 나\n\n## 2. 왜\n\n본문."})
    for p in paths:
        korean.seal(p)
    with pytest.raises(korean.TranslationError, match=r"cell m1: headings at levels \[1\] in English, \[\] in Korean"):
        korean.assemble_all(paths)

