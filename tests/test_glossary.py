"""GLOSSARY.md, and the Korean terms in the notebooks.

Every key term of the glossary (its English in bold) gets its main Korean term (the
한국어 column) at its first use in each notebook: in the first markdown cell that mentions
the term, one mention is followed by a parenthesis holding that Korean ("hidden state
(은닉 상태)", "recurrent neural network (순환 신경망, RNN)"), or stands inside one
("(truncated BPTT, 잘린 BPTT)"). A mention is a whole-word, case-insensitive match of one
of the row's English names (simple plurals allowed), outside LaTeX, code, link targets
and the glossary's Korean terms (BPTT in 잘린 BPTT); where names overlap, the longest
wins ("truncated BPTT" is not a mention of BPTT). Besides:
- a Korean parenthesis right after any mention holds that row's main Korean;
- the variants the glossary names after "also" never appear in notebook markdown
  (unless inside a longer main term of another row);
- nor do the known mistranslations in BAD_VARIANTS.
Static: nothing is executed.
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


# Renderings that are simply wrong, with the right term; no notebook's markdown may use them.
BAD_VARIANTS = [
    ("숨겨진 상태", "hidden state is 은닉 상태"),
    ("당혹감", "perplexity is 퍼플렉서티, not 'embarrassment'"),
    ("그라데이션", "gradient is 그레디언트; 그라데이션 is a colour gradient"),
]

# The closing clause of a glossary meaning cell that names a row's Korean variants:
# "...; also X, Y (a remark)" or a whole cell "also X".
ALSO = re.compile(r"(?:^|;\s+)also\s+(?P<variants>[^;]+)$")


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


def split_top_level(text):
    """'a, b (c, d), e' -> ['a', 'b (c, d)', 'e']: split at the commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (ch == "(") - (ch == ")")
        current += ch
    parts.append(current)
    return [part.strip() for part in parts]


def parse_variants(meaning):
    """The Korean variants a meaning cell names at its end, after "also":
    '...; also 기울기, 경사 (as in 경사 하강법)' -> ['기울기', '경사']."""
    m = ALSO.search(meaning)
    if not m:
        return []
    return [re.sub(r"\s*\([^()]*\)$", "", item).strip() for item in split_top_level(m["variants"])]


def parse_glossary(text):
    """The table's rows as dicts: english (the cell, markup stripped), names, korean,
    variants, meaning, key (English in bold), line (1-based)."""
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
                         variants=parse_variants(meaning), meaning=meaning, key=key, line=lineno))
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
    """One regex over every name of every row, longest first; the row each name belongs to
    (by lower-cased name); and a regex over the Korean terms that hold Latin letters
    (잘린 BPTT, 바닐라 RNN), inside which an English name is not a mention."""
    owner = {}
    for i, row in enumerate(rows):
        for name in row["names"]:
            owner[name.lower()] = i
    names = sorted(owner, key=len, reverse=True)
    alternatives = "|".join(f"(?P<n{j}>{name_pattern(n)})" for j, n in enumerate(names))
    regex = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)
    group_row = {f"n{j}": owner[n] for j, n in enumerate(names)}
    mixed = sorted({term for row in rows for term in [row["korean"], *row["variants"]]
                    if re.search(r"[A-Za-z]", term)}, key=len, reverse=True)
    korean = re.compile("|".join(korean_regex(term).pattern for term in mixed) or r"(?!)")
    return regex, group_row, korean


def mentions(text, matcher):
    """(row index, start, end) for every term mention in a markdown text."""
    regex, group_row, korean = matcher
    masked = mask(text)
    inside = [m.span() for m in korean.finditer(masked)]
    return [(group_row[m.lastgroup], m.start(), m.end()) for m in regex.finditer(masked)
            if not any(s <= m.start() and m.end() <= e for s, e in inside)]


def korean_regex(term):
    """Regex for a Korean term; its spaces match any whitespace (a line break included)."""
    return re.compile(r"\s+".join(re.escape(word) for word in term.split()))


def korean_spans(term, text):
    return [m.span() for m in korean_regex(term).finditer(text)]


def has_korean(term, text, rows):
    """Whether text holds the Korean term on its own, not only as part of a longer term of
    the glossary (main or variant): 게이트 is not in '망각 게이트'."""
    longer = [span for row in rows for other in [row["korean"], *row["variants"]]
              if len(other) > len(term) for span in korean_spans(other, text)]
    return any(not any(s <= start and end <= e for s, e in longer)
               for start, end in korean_spans(term, text))


# A parenthesis right after a mention: closing bold or italic markup and spaces between.
PAREN_AFTER = re.compile(r"[*_]*[ \t]*\(([^()]*)\)")
PAREN = re.compile(r"\(([^()]*)\)")


def paren_after(masked, end):
    """The text of the parenthesis right after position end of a masked text, or None."""
    m = PAREN_AFTER.match(masked, end)
    return m[1] if m else None


def paren_around(masked, start, end):
    """The text of a parenthesis (one with none inside it) around masked[start:end], or None:
    the English itself in parentheses, "(truncated BPTT, 잘린 BPTT)"."""
    for m in PAREN.finditer(masked):
        if m.start() < start and end < m.end():
            return m[1]
    return None


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
    regex = term_matcher(rows)[0]  # compiles
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


def where(name, cell_index, cell_id, source):
    start = " ".join(source.split())[:60]
    return f"{name}: cell {cell_index} (id {cell_id}, {start!r}...)"


def first_use_problems(name, cells, rows, matcher):
    """Key terms whose first markdown cell does not give the main Korean in parentheses
    right after (or around) a mention of the term."""
    problems = []
    for row_index, (cell_index, cell_id, source) in sorted(first_mentions(cells, rows, matcher).items()):
        row = rows[row_index]
        if not row["key"]:
            continue
        masked = mask(source)
        spans = [(start, end) for r, start, end in mentions(source, matcher) if r == row_index]
        given = [text for start, end in spans
                 for text in (paren_after(masked, end), paren_around(masked, start, end)) if text is not None]
        if not any(has_korean(row["korean"], text, rows) for text in given):
            problems.append(f"{where(name, cell_index, cell_id, source)}: the key term {row['english']!r} first "
                            f"appears here, but no mention of it is followed by ({row['korean']})")
    return problems


def wrong_korean_problems(name, cells, rows, matcher):
    """Mentions followed right away by a Korean parenthesis that lacks the row's main Korean."""
    problems = []
    for cell_index, cell_id, source in cells:
        masked = mask(source)
        for row_index, start, end in mentions(source, matcher):
            row, text = rows[row_index], paren_after(masked, end)
            if text is not None and HANGUL.search(text) and not has_korean(row["korean"], text, rows):
                problems.append(f"{where(name, cell_index, cell_id, source)}: {source[start:end]!r} is followed by "
                                f"({text.strip()}), which lacks its main Korean {row['korean']!r}")
    return problems


def variant_problems(name, cells, rows):
    """Korean variants (the glossary's "also ...") in markdown. A variant inside a longer
    main term is allowed; one inside a longer variant is reported as that one."""
    problems = []
    for cell_index, cell_id, source in cells:
        terms = [span for row in rows for term in [row["korean"], *row["variants"]]
                 for span in korean_spans(term, source)]
        for row in rows:
            for variant in row["variants"]:
                for start, end in korean_spans(variant, source):
                    if not any(s <= start and end <= e and e - s > end - start for s, e in terms):
                        problems.append(f"{where(name, cell_index, cell_id, source)}: {variant!r} is a variant; "
                                        f"use {row['korean']!r} ({row['english']}, GLOSSARY.md:{row['line']})")
    return problems


def bad_variant_problems(name, cells):
    return [f"{where(name, cell_index, cell_id, source)}: {bad!r} is wrong: {right}"
            for cell_index, cell_id, source in cells
            for bad, right in BAD_VARIANTS if korean_regex(bad).search(source)]


def test_variants_parse(rows):
    mains = {row["korean"]: row["line"] for row in rows}
    for row in rows:
        at = f"GLOSSARY.md:{row['line']}"
        also = len(re.findall(r"\balso\b", row["meaning"]))
        assert also == (1 if row["variants"] else 0), \
            f"{at}: 'also' must appear once, in a closing '; also X, Y' clause of Korean variants: {row['meaning']!r}"
        for variant in row["variants"]:
            assert HANGUL.search(variant) and re.fullmatch(r"[\w /-]+", variant), \
                f"{at}: {variant!r} is not a Korean term (variants: {row['variants']})"
            assert variant not in mains, f"{at}: the variant {variant!r} is the main Korean on line {mains[variant]}"
    for bad, _ in BAD_VARIANTS:
        assert not any(bad in row["korean"] for row in rows), f"{bad!r} is a main term in GLOSSARY.md"


def test_checks_can_fail():
    """Each check, on small made-up rows and cells, finds what it must and only that."""
    table = """| English | 한국어 | notation / meaning |
| --- | --- | --- |
| **gate** | 게이트 | a sigmoid |
| **forget gate** | 망각 게이트 | $f$ |
| **long short-term memory (LSTM)** | 장단기 기억 | a cell; also 장단기 메모리 |
| gradient | 그레디언트 | $g$; also 기울기, 경사 (as in 경사 하강법) |
| **vanishing gradient** | 기울기 소실 | $g \\to 0$ |
"""
    rows = parse_glossary(table)
    assert [row["variants"] for row in rows] == [[], [], ["장단기 메모리"], ["기울기", "경사"], []]
    matcher = term_matcher(rows)

    def cells(*sources):
        return [(i, f"c{i}", s) for i, s in enumerate(sources)]

    # first use: 게이트 only inside 망각 게이트 is not the gate's Korean; an alternative is not the main
    bad = first_use_problems("nb", cells("Its gates, and a forget gate (망각 게이트)."), rows, matcher)
    assert len(bad) == 1 and "'gate'" in bad[0]
    assert not first_use_problems("nb", cells("Its **gates** (게이트), and a forget gate (망각 게이트)."), rows, matcher)
    bad = first_use_problems("nb", cells("The **long short-term memory** (장단기 메모리, LSTM)."), rows, matcher)
    assert len(bad) == 1 and "장단기 기억" in bad[0]
    assert not first_use_problems("nb", cells("The **long short-term memory** (장단기 기억, LSTM)."), rows, matcher)
    assert not first_use_problems("nb", cells("A cell (an LSTM, 장단기 기억)."), rows, matcher)
    assert first_use_problems("nb", cells("An LSTM.", "An LSTM (장단기 기억)."), rows, matcher)  # too late
    # an English name inside a Korean term is not a mention
    rows_ = parse_glossary(table + "| **truncated BPTT** | 잘린 BPTT | $k$ |\n| **BPTT** | 시간에 따른 역전파 | $T$ |\n")
    matcher_ = term_matcher(rows_)
    assert [r for r, _, _ in mentions("(truncated BPTT, 잘린 BPTT)", matcher_)] == [5]
    assert not first_use_problems("nb", cells("(truncated BPTT, 잘린 BPTT)"), rows_, matcher_)
    # a Korean parenthesis after a term holds its main Korean
    assert wrong_korean_problems("nb", cells("a gate (망각 게이트)"), rows, matcher)
    assert not wrong_korean_problems("nb", cells("a gate (게이트), the LSTM (장단기 기억, LSTM)"), rows, matcher)
    # variants, but not inside a longer main term
    assert len(variant_problems("nb", cells("an LSTM (장단기\n메모리)", "경사 하강법"), rows)) == 2
    assert not variant_problems("nb", cells("vanishing gradients (기울기 소실)"), rows)
    assert variant_problems("nb", cells("gradients (기울기)"), rows)
    # known mistranslations
    assert len(bad_variant_problems("nb", cells("hidden state (숨겨진 상태)", "당혹감", "그라데이션"))) == 3
    assert not bad_variant_problems("nb", cells("hidden state (은닉 상태)"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_key_terms_in_korean_at_first_use(path, rows):
    problems = first_use_problems(path.name, markdown_cells(path), rows, term_matcher(rows))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_korean_after_a_term_is_its_main(path, rows):
    problems = wrong_korean_problems(path.name, markdown_cells(path), rows, term_matcher(rows))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_korean_variants(path, rows):
    problems = variant_problems(path.name, markdown_cells(path), rows)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_bad_variants(path):
    problems = bad_variant_problems(path.name, markdown_cells(path))
    assert not problems, "\n".join(problems)
