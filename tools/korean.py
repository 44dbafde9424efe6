"""The Korean edition: notebooks/ko/NN_*.ipynb, assembled from the English notebooks and the
Korean text of their markdown cells.

    python -m tools.korean            # ./course ko: check the translations, then assemble
    python -m tools.korean --update   # ./course ko --update: mark what the English changed
    python -m tools.korean --seal     # ./course ko --seal: accept the sections just translated

One source of truth. The English notebook is the notebook: its code cells, their outputs
and every cell's metadata are copied into the Korean twin unchanged, so the English
notebook checks (nbval, the claims) cover both editions with no second execution. Only
the markdown cells differ. Their Korean text lives in translations/ko/NN_name.md, one
section per English markdown cell, in the English order, each under a header naming the
cell's id and a hash of its English source:

    <!-- cell 3f2a9c1e en:0123456789ab -->
    ## 2. 은닉 상태 ...

A section is up to date while the hash is that of the English cell's source now. When the
English changes, `--update` turns the header's hash into `en:todo` and puts the change (a
diff of the English, where git still has the version the Korean was written from) in a
comment under it; a new English cell gets a section holding its English in such a comment.
Translate, delete the comment, then `--seal`: every `en:todo` header gets the current hash. Until then
`./course ko` refuses to assemble, and tests/test_korean.py fails, naming each cell.

Links in the Korean text are written as in the English (relative to notebooks/, with the
English headings' anchors, e.g. `05_lstm.ipynb#2.-Why-the-gradient-survives`); assembling
points them at the Korean notebook's heading in the same place (the same cell, the same
position among its headings) and at files from notebooks/ko/.
"""
import argparse
import copy
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "notebooks"
KOREAN = ENGLISH / "ko"
TRANSLATIONS = ROOT / "translations" / "ko"

HEADER = re.compile(r"^<!-- cell (?P<id>\S+) en:(?P<hash>[0-9a-f]{12}|todo) -->$", re.M)
CHANGE = re.compile(r"\n?<!-- English (?:now|change)[^\n]*\n.*?\n-->\n?", re.S)
HEADING = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r" {0,3}(```|~~~)")
CODE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$|``[^`]+``|`[^`\n]+`", re.M | re.S)
# [text](target): a relative link (not a URL or an absolute path), its anchor if any; an
# anchor may hold balanced parentheses, as a heading with "(캐릭터 레벨 언어 모델)" does.
LINK = re.compile(r"\]\((?!\w+:|/)(?P<path>[^()#\s]*)(?:#(?P<anchor>(?:[^()\s]|\([^()\s]*\))*))?\)")
LESSON = re.compile(r"\d\d_[a-z0-9_]+\.ipynb")
FILE_HEAD = ("<!-- The Korean text of each markdown cell of notebooks/{name}, under the English cell's id\n"
             "     and a hash of its English source. See tools/korean.py; ./course ko assembles notebooks/ko/{name}. -->\n")


class TranslationError(ValueError):
    """A translation file that cannot be read, or is not in step with its English notebook."""


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def english_hash(text):
    """The first 12 hex digits of the sha256 of an English cell's source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def read_notebook(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_notebook(nb, path):
    """As the English notebooks are written (one-space indent, UTF-8); True if the file changed."""
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def parse(text, name="translation"):
    """A translation file's sections: [(cell id, hash or 'todo', Korean text)], in file order."""
    headers = list(HEADER.finditer(text))
    if not headers:
        raise TranslationError(f"{name}: no '<!-- cell ID en:HASH -->' header")
    sections, seen = [], set()
    for m, after in zip(headers, headers[1:] + [None]):
        body = text[m.end():after.start() if after else len(text)].strip("\n")
        if m["id"] in seen:
            raise TranslationError(f"{name}: cell {m['id']} has two sections")
        seen.add(m["id"])
        sections.append((m["id"], m["hash"], body))
    return sections


def render(sections, name):
    """The text of a translation file holding `sections`."""
    parts = [FILE_HEAD.format(name=name)]
    for cell_id, digest, body in sections:
        parts.append(f"<!-- cell {cell_id} en:{digest} -->\n{body}\n")
    return "\n".join(parts)


def translation_path(english_path):
    return TRANSLATIONS / (Path(english_path).stem + ".md")


def problems(nb, sections):
    """What keeps a translation from being in step with its English notebook: a list of
    (cell id, what is wrong); empty when every markdown cell has an up-to-date section."""
    markdown = {c["id"]: source(c) for c in nb["cells"] if c["cell_type"] == "markdown"}
    found = []
    by_id = {cell_id: (digest, body) for cell_id, digest, body in sections}
    for cell_id, text in markdown.items():
        if cell_id not in by_id:
            found.append((cell_id, "no Korean section"))
            continue
        digest, body = by_id[cell_id]
        if digest == "todo":
            found.append((cell_id, "marked en:todo: translate it, then --seal"))
        elif digest != english_hash(text):
            found.append((cell_id, "the English changed since it was translated (./course ko --update)"))
        elif CHANGE.search(body):
            found.append((cell_id, "still holds an '<!-- English ...' comment"))
    for cell_id in by_id:
        if cell_id not in markdown:
            found.append((cell_id, "no such markdown cell in the English notebook"))
    order = [cell_id for cell_id, _, _ in sections if cell_id in markdown]
    if order != [cell_id for cell_id in markdown if cell_id in by_id]:
        found.append(("-", "sections are not in the English notebook's order"))
    return found


def headings(text):
    """(level, text) of a markdown cell's headings, in order (none inside fenced code)."""
    found, fenced = [], False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := HEADING.fullmatch(line)):
            found.append((len(m.group(1)), m.group(2).rstrip()))
    return found


def anchor(heading):
    """A heading's anchor, as JupyterLab and nbconvert make it: each space becomes '-'."""
    return heading.replace(" ", "-")


def anchor_map(nb, korean):
    """{English anchor: Korean anchor} for one notebook, `korean` being {cell id: Korean text}.
    A cell's Korean headings stand in for its English ones, position by position, at the
    same levels (the slide metadata, copied from the English, follows the levels)."""
    mapping, taken = {}, set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        en, ko = headings(source(cell)), headings(korean[cell["id"]])
        if [level for level, _ in en] != [level for level, _ in ko]:
            raise TranslationError(f"cell {cell['id']}: headings at levels {[lv for lv, _ in en]} in English, "
                                   f"{[lv for lv, _ in ko]} in Korean")
        for (_, e), (_, k) in zip(en, ko):
            # Two headings with one anchor: a link could not say which it means.
            if anchor(e) in mapping or anchor(k) in taken:
                raise TranslationError(f"cell {cell['id']}: the heading {e!r} / {k!r} repeats an earlier one")
            mapping[anchor(e)] = anchor(k)
            taken.add(anchor(k))
    return mapping


def relink(text, anchors, this):
    """Korean text whose links, written as in the English notebook `this`, work from
    notebooks/ko/: another lesson's link stays beside it, a file's gains '../', and an English
    heading's anchor becomes the Korean heading's. `anchors`: {notebook name: anchor map}."""
    def moved(m):
        path, target = m["path"], m["anchor"]
        if path:
            path = os.path.normpath(path)      # ./05_lstm.ipynb is 05_lstm.ipynb
        lesson = path or this
        if path and not LESSON.fullmatch(path):
            path = "../" + path
        if target is not None and LESSON.fullmatch(lesson):
            if lesson not in anchors or target not in anchors[lesson]:
                raise TranslationError(f"{this}: link to {m['path']}#{target}: no such English heading")
            target = anchors[lesson][target]
        return f"]({path}" + (f"#{target}" if target is not None else "") + ")"
    # Only prose: a link-like text inside code (`a[0](b)`) is code, not a link.
    return "".join(part if code else LINK.sub(moved, part) for part, code in code_split(text))


def code_split(text):
    """[(part, is_code)] of markdown: fenced blocks and inline code spans apart from prose."""
    parts, last = [], 0
    for m in CODE.finditer(text):
        parts += [(text[last:m.start()], False), (m.group(), True)]
        last = m.end()
    return parts + [(text[last:], False)]


def load(english_path):
    """(English notebook, its sections), raising TranslationError if the file is missing."""
    path = translation_path(english_path)
    if not path.exists():
        raise TranslationError(f"{path.relative_to(ROOT)}: missing")
    return read_notebook(english_path), parse(path.read_text(encoding="utf-8"), path.name)


def assemble_all(english_paths):
    """{English path: Korean notebook} for every notebook, once all are in step."""
    loaded = {Path(p): load(p) for p in english_paths}
    wrong = [f"{p.name}, cell {cell_id}: {why}" for p, (nb, sections) in loaded.items()
             for cell_id, why in problems(nb, sections)]
    if wrong:
        raise TranslationError("the Korean edition is not in step with the English:\n  " + "\n  ".join(wrong))
    korean = {p.name: {cell_id: body for cell_id, _, body in sections} for p, (_, sections) in loaded.items()}
    anchors = {p.name: anchor_map(nb, korean[p.name]) for p, (nb, _) in loaded.items()}
    out = {}
    for p, (nb, _) in loaded.items():
        ko = copy.deepcopy(nb)
        for cell in ko["cells"]:
            if cell["cell_type"] == "markdown":
                text = relink(korean[p.name][cell["id"]], anchors, p.name)
                cell["source"] = text.splitlines(keepends=True)
        out[p] = ko
    return out


def english_notebooks():
    return sorted(ENGLISH.glob("[0-9][0-9]_*.ipynb"))


def korean_path(english_path):
    return KOREAN / Path(english_path).name


def git_versions(path, limit=60):
    """Earlier committed texts of `path`, newest first (nothing where git is absent)."""
    rel = Path(path).resolve().relative_to(ROOT).as_posix()
    try:
        commits = subprocess.run(["git", "log", f"-n{limit}", "--format=%H", "--", rel], cwd=ROOT,
                                 capture_output=True, encoding="utf-8", check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return
    for commit in commits:
        shown = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=ROOT, capture_output=True, encoding="utf-8")
        if shown.returncode == 0:   # not where a commit deleted the file
            yield shown.stdout


def old_english(path, cell_id, digest):
    """The English source of a cell whose hash was `digest`, from git's history, or None."""
    for text in git_versions(path):
        try:
            cells = json.loads(text)["cells"]
        except (ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("id") == cell_id and english_hash(source(cell)) == digest:
                return source(cell)
    return None


def update(english_path):
    """Bring a translation file's sections in line with its English notebook: sections in
    the English order, a new cell's section holding its English text, a changed cell's marked
    en:todo with the change in a comment, a deleted cell's dropped. Returns what it did."""
    path = translation_path(english_path)
    nb = read_notebook(english_path)
    sections = parse(path.read_text(encoding="utf-8"), path.name) if path.exists() else []
    by_id = {cell_id: (digest, body) for cell_id, digest, body in sections}
    done, new = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text, cell_id = source(cell), cell["id"]
        if cell_id not in by_id:
            # In a comment, so that --seal refuses until the Korean is written and the comment gone.
            note = f"<!-- English now (a new cell: write its Korean below this comment):\n{text.replace('-->', '-- >')}\n-->"
            new.append((cell_id, "todo", note))
            done.append(f"{cell_id}: new, its English copied in to translate")
            continue
        digest, body = by_id.pop(cell_id)
        if digest not in ("todo", english_hash(text)):
            before = old_english(english_path, cell_id, digest)
            if before is None:
                title, change = "English now (the version translated from is not in git's history)", text
            else:
                title = "English change since this was translated"
                change = "\n".join(difflib.unified_diff(before.splitlines(), text.splitlines(), "English before",
                                                         "English now", lineterm="", n=1))
            # "-->" inside would end the comment early
            body = f"<!-- {title}:\n{change.replace('-->', '-- >')}\n-->\n{body}"
            digest = "todo"
            done.append(f"{cell_id}: the English changed; marked en:todo")
        new.append((cell_id, digest, body))
    done += [f"{cell_id}: the English cell is gone; section dropped" for cell_id in by_id]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(new, Path(english_path).name), encoding="utf-8")
    return done


def seal(english_path):
    """Give every en:todo section of a translation file its English cell's current hash.
    Refuses while a section still holds the '<!-- English ...' comment."""
    path = translation_path(english_path)
    nb = read_notebook(english_path)
    markdown = {c["id"]: source(c) for c in nb["cells"] if c["cell_type"] == "markdown"}
    sections, sealed = [], []
    for cell_id, digest, body in parse(path.read_text(encoding="utf-8"), path.name):
        if digest == "todo" and cell_id in markdown:
            if CHANGE.search(body):
                raise TranslationError(f"{path.name}, cell {cell_id}: delete the '<!-- English ...' comment "
                                       "once the Korean says what the English now says")
            digest = english_hash(markdown[cell_id])
            sealed.append(cell_id)
        sections.append((cell_id, digest, body))
    path.write_text(render(sections, Path(english_path).name), encoding="utf-8")
    return sealed


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def strip_code(text):
    """Markdown prose with its math, code, link targets and HTML tags left out."""
    return re.sub(r"\$\$.*?\$\$|\$[^$]*\$|```.*?```|`[^`]*`|\]\([^)]*\)|<[^>]*>", "", text, flags=re.S)


def latin_words(text):
    """The English words of markdown prose."""
    return re.findall(r"[A-Za-z]{3,}", strip_code(text))


def lint(english_path):
    """What is wrong with one translation file, whether or not it is sealed: sections that do
    not match the English cells, headings that do not match, links to English headings that
    do not exist, prose left untranslated. A list of strings; empty when nothing is."""
    nb, sections = load(english_path)
    wrong = [f"cell {cell_id}: {why}" for cell_id, why in problems(nb, sections) if "todo" not in why]
    english = {c["id"]: source(c) for c in nb["cells"] if c["cell_type"] == "markdown"}
    anchors = {}
    for p in english_notebooks():
        for cell in read_notebook(p)["cells"]:
            if cell["cell_type"] == "markdown":
                anchors.setdefault(p.name, {}).update({anchor(h): h for _, h in headings(source(cell))})
    for cell_id, _, body in sections:
        if cell_id not in english:
            continue
        body = CHANGE.sub("\n", body)   # the English an --update put there is not the translation
        en, ko = headings(english[cell_id]), headings(body)
        if [level for level, _ in en] != [level for level, _ in ko]:
            wrong.append(f"cell {cell_id}: headings {en} in English, {ko} in Korean (same number, same levels)")
        if len(latin_words(english[cell_id])) >= 5 and len(HANGUL.findall(body)) < len(latin_words(body)):
            wrong.append(f"cell {cell_id}: more English words than Korean syllables: not translated?")
        if len(re.findall(r"(?<!~)~(?!~)", strip_code(body))) >= 2:
            wrong.append(f"cell {cell_id}: two single '~' (a range such as 1~2): JupyterLab's markdown strikes "
                         "through the text between them; write 1–2 or 1에서 2")
        for m in LINK.finditer(body):
            lesson = m["path"] or Path(english_path).name
            if m["anchor"] is not None and LESSON.fullmatch(lesson) and m["anchor"] not in anchors.get(lesson, {}):
                wrong.append(f"cell {cell_id}: link {m.group(0)[2:-1]}: not an English heading's anchor "
                             "(keep the English link target)")
    return wrong


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--update", action="store_true", help="mark new and changed English cells en:todo")
    step.add_argument("--seal", action="store_true", help="accept the en:todo sections as translated")
    step.add_argument("--lint", nargs="*", metavar="NN", help="check these notebooks' translations "
                      "(all when none is named), sealed or not")
    args = parser.parse_args(argv)
    paths = english_notebooks()
    try:
        if args.lint is not None:
            unknown = sorted(set(args.lint) - {p.name[:2] for p in paths})
            if unknown:
                parser.error(f"--lint: no notebook numbered {', '.join(unknown)}")
            chosen = [p for p in paths if not args.lint or p.name[:2] in args.lint]
            wrong = [f"{translation_path(p).name}, {line}" for p in chosen for line in lint(p)]
            print("\n".join(wrong) or f"{len(chosen)} translation files: nothing wrong")
            sys.exit(1 if wrong else 0)
        if args.update:
            for p in paths:
                for line in update(p):
                    print(f"{translation_path(p).relative_to(ROOT)}: {line}")
            return
        if args.seal:
            for p in paths:
                if (sealed := seal(p)):
                    print(f"{translation_path(p).relative_to(ROOT)}: sealed {', '.join(sealed)}")
            return
        written = [korean_path(p) for p, nb in assemble_all(paths).items() if write_notebook(nb, korean_path(p))]
    except TranslationError as err:
        sys.exit(f"korean: {err}")
    print(f"notebooks/ko/: {len(paths)} notebooks in step with the English; {len(written)} rewritten")


if __name__ == "__main__":
    main()
