"""GLOSSARY.md, and the Korean terms in the notebooks.

Every key term of the glossary (its English in bold) gets its Korean term at its first
use in each notebook: the first markdown cell that mentions the term must also contain
the Korean. A mention is a whole-word, case-insensitive match of one of the row's English
names (simple plurals allowed), outside LaTeX, code and link targets; where names
overlap, the longest wins ("truncated BPTT" is not a mention of BPTT). Static: nothing is
executed.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
GLOSSARY = ROOT / "GLOSSARY.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Regions of markdown where a term is not prose: fenced code, display and inline LaTeX,
# inline code, link targets, HTML tags. Masked to NULs of the same length, so that
# positions in the masked text are positions in the source.
NOT_PROSE = re.compile(
    r"```.*?```|~~~.*?~~~|\$\$.*?\$\$|(?<!\\)\$[^$\n]+?(?<!\\)\$|``.+?``|`[^`\n]*`|\]\([^)\n]*\)|<[^>\n]+>",
    re.S,
)


def mask(text):
    """The markdown with its non-prose regions replaced by NULs (same length)."""
    return NOT_PROSE.sub(lambda m: "\0" * len(m.group()), text)


def split_names(english):
    """The names a glossary English cell lists: 'a / b (c, d)' -> [a, b, c, d]."""
    m = re.fullmatch(r"(.+?)(?:\s*\(([^()]+)\))?", english.strip())
    names = [n.strip() for n in m[1].split(" / ")]
    if m[2]:
        names += [n.strip() for n in m[2].split(",")]
    return [n for n in names if n]


def parse_glossary(text):
    """The table's rows as dicts: english (the cell, markup stripped), names, korean,
    meaning, key (English in bold), line (1-based)."""
    rows, in_table = [], False
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            if in_table:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            assert cells[:2] == ["English", "한국어"], f"GLOSSARY.md:{lineno}: unexpected table header {cells}"
            in_table = True
            continue
        if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
            continue
        assert len(cells) == 3, f"GLOSSARY.md:{lineno}: expected 3 cells, got {len(cells)}: {line}"
        english, korean, meaning = cells
        key = bool(re.fullmatch(r"\*\*[^*]+\*\*", english))
        english = english.strip("*").strip()
        rows.append(dict(english=english, names=split_names(english), korean=korean,
                         meaning=meaning, key=key, line=lineno))
    return rows


def name_pattern(name):
    """Regex for one name: words joined by spaces or hyphens, a simple plural on the last
    word, not part of a longer word or hyphenated compound."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", name)]
    last = words[-1]
    if re.search(r"[^aeiou]y$", name, re.I):
        last = last[:-1] + "(?:y|ies)"
    else:
        last += "(?:s|es)?"
    return r"[\s-]+".join(words[:-1] + [last])


def term_matcher(rows):
    """One regex over every name of every row, longest first, and the row each name
    belongs to (by lower-cased name)."""
    owner = {}
    for i, row in enumerate(rows):
        for name in row["names"]:
            owner[name.lower()] = i
    names = sorted(owner, key=len, reverse=True)
    alternatives = "|".join(f"(?P<n{j}>{name_pattern(n)})" for j, n in enumerate(names))
    regex = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)
    group_row = {f"n{j}": owner[n] for j, n in enumerate(names)}
    return regex, group_row


def mentions(text, matcher):
    """(row index, start, end) for every term mention in a markdown text."""
    regex, group_row = matcher
    return [(group_row[m.lastgroup], m.start(), m.end()) for m in regex.finditer(mask(text))]


def markdown_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            out.append((index, cell.get("id", "?"), "".join(source) if isinstance(source, list) else source))
    return out


def first_mentions(cells, rows, matcher):
    """{row index: (cell index, cell id, source)} of the first markdown cell mentioning each row."""
    first = {}
    for index, cell_id, source in cells:
        for row, _, _ in mentions(source, matcher):
            first.setdefault(row, (index, cell_id, source))
    return first


@pytest.fixture(scope="module")
def rows():
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


def test_table_parses(rows):
    assert len(rows) >= 30, f"only {len(rows)} glossary rows parsed"
    for row in rows:
        assert row["names"] and row["korean"] and row["meaning"], f"GLOSSARY.md:{row['line']}: empty cell"
    assert sum(row["key"] for row in rows) >= 20, "too few key terms (bold English)"
    regex, _ = term_matcher(rows)  # compiles
    for row in rows:
        for name in row["names"]:
            assert regex.fullmatch(name), f"GLOSSARY.md:{row['line']}: the name {name!r} does not match itself"


def test_no_duplicate_english(rows):
    seen = {}
    for row in rows:
        for name in row["names"]:
            folded = re.sub(r"[\s-]+", " ", name.lower())
            assert folded not in seen, \
                f"GLOSSARY.md:{row['line']}: {name!r} is already listed on line {seen[folded]}"
            seen[folded] = row["line"]


def test_every_korean_cell_has_hangul(rows):
    for row in rows:
        assert HANGUL.search(row["korean"]), f"GLOSSARY.md:{row['line']}: {row['english']!r} has no Hangul: {row['korean']!r}"


def test_required_key_terms(rows):
    keys = {name.lower() for row in rows if row["key"] for name in row["names"]}
    required = ["recurrent neural network", "hidden state", "vocabulary", "one-hot", "softmax",
                "cross-entropy", "language model", "backpropagation through time", "truncated BPTT",
                "vanishing gradient", "exploding gradient", "gradient clipping", "LSTM", "cell state",
                "forget gate", "input gate", "output gate", "GRU", "reset gate", "update gate",
                "temperature", "sampling"]
    missing = [name for name in required if name.lower() not in keys]
    assert not missing, f"not key terms in GLOSSARY.md: {missing}"


def test_glossary_terms_are_used(rows):
    # Here a name inside a longer one counts: "language model" is used in "character-level
    # language model".
    prose = [mask(source) for path in NOTEBOOKS for _, _, source in markdown_cells(path)]
    unused = [row["english"] for row in rows
              if not any(re.search(rf"(?<![\w-]){name_pattern(name)}(?![\w-])", text, re.I)
                         for name in row["names"] for text in prose)]
    assert not unused, f"glossary terms that no notebook's markdown uses: {unused}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_key_terms_in_korean_at_first_use(path, rows):
    matcher = term_matcher(rows)
    problems = []
    for row_index, (cell_index, cell_id, source) in sorted(first_mentions(markdown_cells(path), rows, matcher).items()):
        row = rows[row_index]
        if row["key"] and row["korean"] not in source:
            start = " ".join(source.split())[:60]
            problems.append(f"{path.name}: key term {row['english']!r} first appears in cell {cell_index} "
                            f"(id {cell_id}, {start!r}...), which lacks its Korean {row['korean']!r}")
    assert not problems, "\n".join(problems)
