"""Claim checks: what the prose says of the outputs no two CPUs repeat character for character.

A text sampled from a trained model, which runs of an exploding RNN diverge, the colours of
a unit's activation over a text: another CPU rounds the last bit of one training step
differently, training amplifies it, and the sample or the picture changes. Each function
below checks, for one cell (named by notebook and cell id, and tagged
``"nbcheck": {"compare": "claims"}`` in the notebook), what the lesson's prose claims about
it, with thresholds that held on every CPU class measured (README, "Tests, and notebook
checks"). The exact parts a claim relies on (headers, stages, counts) it compares exactly.

Each takes the fresh output text and the committed one (nbcheck.output_text), and raises
nbcheck.OutputMismatch, via `claim_that`, when a claim fails.
"""
import html
import math
import re

from lecture_utils.data import known_word_fraction, load_corpus, train_val_split

CLAIMS = {}   # (notebook stem, cell id) -> function(got, want)


def claim(notebook, cell_id):
    def register(function):
        CLAIMS[notebook, cell_id] = function
        return function
    return register


def claim_that(condition, message):
    import nbcheck  # nbcheck imports this module's registry
    if not condition:
        raise nbcheck.OutputMismatch("a claim of the lesson does not hold: " + message)


def numbers_within(got, want, **tolerance):
    import nbcheck
    nbcheck.compare_numbers(want, got, tolerance)


def split_on(pattern, text):
    """[(header, body)] for each line matching `pattern` and the text after it."""
    parts = re.split(f"^({pattern})$", text, flags=re.M)
    return [(parts[i], parts[i + 1].replace("[stdout]\n", "")) for i in range(1, len(parts) - 1, 2)]


def headers(pattern, text):
    return re.findall(f"^{pattern}$", text, flags=re.M)


_words = {}


def training_words(corpus="shakespeare"):
    if corpus not in _words:
        _words[corpus] = set(train_val_split(load_corpus(corpus))[0].split())
    return _words[corpus]


def known(text, corpus="shakespeare"):
    return known_word_fraction(text, training_words(corpus)) if text.split() else 0.0


def longest_shared(a, b):
    """The length of the longest stretch of `a` that occurs in `b`."""
    best = 0
    for i in range(len(a)):
        while i + best < len(a) and a[i:i + best + 1] in b:
            best += 1
    return best


def speaker_lines(text):
    """Lines that are a speaker's name in a play: capitalised words ending with a colon."""
    return [line for line in text.split("\n") if re.fullmatch(r"[A-Z][A-Za-z' ]{0,30}:", line.strip())]


def lines_starting_with_a_capital(text):
    lines = [line for line in text.split("\n") if line.strip()]
    return sum(line.lstrip()[0].isupper() for line in lines) / len(lines)


# ---- 02: the character LM on "hello", then a paragraph, then Tiny Shakespeare ----

@claim("02_char_rnn_hello", "fd94b112")
def paragraph_samples(got, want):
    """Samples of a model memorising one paragraph: 'already in the paragraph's layout: a name,
    a colon, a line break', then 'whole phrases of the paragraph come back word for word'."""
    steps = r"--- after \d+ steps ---"
    claim_that(headers(steps, got) == headers(steps, want), f"the samples are taken after {headers(steps, want)}")
    shakespeare = load_corpus("shakespeare")
    paragraph = shakespeare[:shakespeare.index("\n\nAll:\nWe know't")]
    samples = [body.strip("\n") for _, body in split_on(steps, got)]
    claim_that(len(samples) == 3, "three samples")
    claim_that(":\n" in samples[0], "the first sample already has a name, a colon and a line break")
    phrase = max(longest_shared(s, paragraph) for s in samples[1:])
    claim_that(phrase >= 20, f"whole phrases come back: the longest stretch of the paragraph in a later sample "
                             f"is {phrase} characters, expected at least 20")


@claim("02_char_rnn_hello", "cd021e27")
def shakespeare_samples(got, want):
    """8,000 steps on Tiny Shakespeare: 'capitals after line breaks, and the NAME: layout of a
    play', and some common words."""
    steps = r"--- after \d+ steps ---"
    first = got.split("\n")[:2]
    claim_that(first == want.split("\n")[:2], f"the sizes of the split: {want.split(chr(10))[1]!r}")
    claim_that(headers(steps, got) == headers(steps, want), f"the samples are taken after {headers(steps, want)}")
    samples = [body.strip("\n") for _, body in split_on(steps, got)]
    late = "\n".join(samples[1:])
    claim_that(lines_starting_with_a_capital(late) >= 0.6,
               f"lines start with a capital: {lines_starting_with_a_capital(late):.0%} of the lines after 4,000 "
               "to 8,000 steps, expected at least 60%")
    claim_that(any(line.rstrip().endswith(":") for s in samples for line in s.split("\n")),
               "the NAME: layout: a line ending with a colon in some sample")
    claim_that(known(late) >= 0.08, f"some real words: {known(late):.0%} of the words after 4,000 to 8,000 steps "
                                    "occur in the training text, expected at least 8%")


@claim("02_char_rnn_hello", "8d72f087")
def temperature_samples(got, want):
    """'tau < 1: safer and more repetitive ... tau > 1 more varied, then garbled.'"""
    tau = r"=== temperature [\d.]+ ==="
    claim_that(headers(tau, got) == headers(tau, want), f"samples at {headers(tau, want)}")
    low, _, high = [body.strip("\n") for _, body in split_on(tau, got)]
    claim_that(known(low) > known(high) + 0.15,
               f"real words: {known(low):.0%} at temperature 0.5 against {known(high):.0%} at 1.5, "
               "expected at least 15 points more at 0.5")
    claim_that(len(set(low)) < len(set(high)),
               f"more varied at 1.5: {len(set(high))} distinct characters against {len(set(low))} at 0.5")


# ---- 03: truncated BPTT ----

@claim("03_bptt", "84668d1c")
def truncation_table(got, want):
    """'The loss after the same reading is best at small k here ... full BPTT ... ends worse than
    a uniform guess (ln 65 = 4.17).' Updates and memory are exact."""
    rows = lambda text: re.findall(r"^\s*(\d+(?: \(full\))?)\s+([\d,]+)\s+([\d.]+) MB\s+([\d.]+)$", text, re.M)
    claim_that(len(rows(got)) == 4, "four truncation lengths")
    claim_that([r[:3] for r in rows(got)] == [r[:3] for r in rows(want)],
               f"k, updates and memory per update are exact: {[r[:3] for r in rows(want)]}")
    losses = [float(r[3]) for r in rows(got)]
    claim_that(losses[0] == min(losses), f"k = 25 has the lowest validation loss: {losses}")
    claim_that(losses[-1] > math.log(65), f"full BPTT ends above ln 65 = 4.17: {losses[-1]}")
    claim_that(all(loss < math.log(65) for loss in losses[:-1]), f"every truncated run beats a uniform guess: {losses}")


@claim("03_bptt", "0b00e248")
def recall_runs(got, want):
    """'With k = 4 ... every run stays at the coin toss. With k = 10 ... every run learns.'"""
    claim_that(got.split("\n")[:2] == want.split("\n")[:2], "the text starts as committed")
    recall = {int(k): [float(v) for v in re.findall(r"([\d.]+)%", rest)]
              for k, rest in re.findall(r"k = +(\d+): repeated symbols recalled, four initialisations: (.*)", got)}
    claim_that(sorted(recall) == [4, 10] and all(len(v) == 4 for v in recall.values()), "four runs at k = 4 and 10")
    claim_that(all(35 <= r <= 65 for r in recall[4]), f"k = 4: every run at chance (35% to 65%): {recall[4]}")
    claim_that(all(r >= 95 for r in recall[10]), f"k = 10: every run recalls (at least 95%): {recall[10]}")


# ---- 04: exploding gradients and clipping ----

@claim("04_vanishing_exploding", "be09cd77")
def clipping_runs(got, want):
    """'Without clipping, one of the four runs diverged ... Clipping by norm trained all four to a
    perfect classifier'; every run without clipping meets a gradient far above the threshold."""
    rows = re.findall(r"^\s+(\d)\s+(.*)$", got, re.M)
    claim_that([seed for seed, _ in rows] == ["0", "1", "2", "3"], "four seeds")
    runs = [re.findall(r"([\d.]+)% \(max norm +([\d.]+)\)", rest) for _, rest in rows]
    claim_that(all(len(r) == 3 for r in runs), "three runs per seed: no clipping, by norm, by value")
    plain = [(float(a), float(n)) for a, n in (r[0] for r in runs)]
    by_norm = [float(a) for a, _ in (r[1] for r in runs)]
    claim_that(all(a >= 99 for a in by_norm), f"clipping by norm trains every seed to a perfect classifier: {by_norm}")
    claim_that(any(a < 60 for a, _ in plain), f"without clipping, some run ends near chance: {plain}")
    claim_that(all(n > 10 for _, n in plain), f"without clipping, every run meets a gradient norm above 10: {plain}")
    diverged = [int(s) for s, (a, _) in zip("0123", plain) if a < 60]
    claim_that(f"seeds {diverged}; plotted below: seed {diverged[0]}" in got,
               f"the summary names the diverged seeds {diverged}")


# ---- 05: the LSTM ----

@claim("05_lstm", "39d046d2")
def lstm_against_rnn(got, want):
    """'On a character LM, after this short training, the two are close', within 0.05 nats."""
    numbers_within(got, want, rel=0.02)
    val = dict(re.findall(r"^(vanilla RNN|LSTM) .* validation loss after 300 steps ([\d.]+)", got, re.M))
    claim_that(len(val) == 2 and abs(float(val["LSTM"]) - float(val["vanilla RNN"])) < 0.05,
               f"the two validation losses are within 0.05 nats: {val}")


@claim("05_lstm", "d9360f94")
def lstm_against_rnn_by_position(got, want):
    """'After 300 steps both rows fall only a little after 16 characters read, and not at all
    after 32 ... With 2 to 8 characters read, the vanilla RNN is even ahead ... With 17 to 64
    characters read, the LSTM is ahead by less than 0.02' (checked to within a few hundredths)."""
    row = r"^(vanilla RNN|LSTM|RNN - LSTM)\s+" + r"\s+".join([r"([-+]?[\d.]+)"] * 6) + r"$"
    table = {r[0]: [float(v) for v in r[1:]] for r in re.findall(row, got, re.M)}
    claim_that(list(table) == ["vanilla RNN", "LSTM", "RNN - LSTM"], "a row per model and their difference")
    numbers_within(got, want, abs=0.05)
    for name in ("vanilla RNN", "LSTM"):
        first, few, _, to16, to32, to64 = table[name]
        claim_that(first > few > to16 and 0 <= to16 - to32 < 0.05 and to64 > to32 - 0.01,
                   f"{name}: the loss falls over the first characters, a little after 16, not after 32: {table[name]}")
    gap = table["RNN - LSTM"]
    claim_that(gap[1] < 0 and gap[2] < 0, f"with 2 to 8 characters read the vanilla RNN is ahead: {gap}")
    claim_that(abs(gap[4]) < 0.05 and abs(gap[5]) < 0.05, f"with 17 to 64 characters read the two are close: {gap}")


# ---- 07: character LMs on real text ----

def stages(got, want, prime, vocabulary):
    """The samples printed by watch_char_model, as {stage: (loss, sample without its prime)};
    the stages, exactly, and their losses, to 0.05, checked against the committed ones."""
    head = r"━━ .*"
    numbers_within("\n".join(headers(head, got)), "\n".join(headers(head, want)), abs=0.05)
    out = {}
    for header, body in split_on(head, got):
        stage = "shipped" if "shipped" in header else int(re.search(r"after (\d+) steps", header)[1])
        body = body.strip("\n")
        claim_that(body.startswith(prime), f"each sample starts with the prime {prime!r}")
        out[stage] = (float(re.search(r"validation loss ([\d.]+)", header)[1]), body[len(prime):])
    claim_that(abs(out[0][0] - math.log(vocabulary)) < 0.1,
               f"untrained, the loss is about ln {vocabulary} = {math.log(vocabulary):.2f}: {out[0][0]}")
    return out


@claim("07_char_lm_real_text", "d80a3205")
def shakespeare_as_it_learns(got, want):
    """'The form of the text is learnt long before its sense': real words grow with training;
    at 400 steps 'a name in capitals, a colon, a line break'; the shipped model writes
    'nearly every word real, and speakers ... take turns'."""
    out = stages(got, want, "ROMEO:\n", 65)
    share = {stage: known(text) for stage, (_, text) in out.items()}
    claim_that(share[0] < 0.15 < share[50] < share[400], f"real words grow with training: {share}")
    claim_that(speaker_lines(out[400][1]), "after 400 steps, a speaker's name and a colon on a line")
    claim_that(share["shipped"] >= 0.85, f"the shipped model's words are nearly all real: {share['shipped']:.0%}")
    claim_that(len(speaker_lines(out["shipped"][1])) >= 2, "speakers take turns in the shipped model's sample")


@claim("07_char_lm_real_text", "648fe9d9")
def c_as_it_learns(got, want):
    """C code: noise, then statements with ';' and braces; the shipped model writes C-like
    declarations, names in the stb style and a // comment."""
    out = stages(got, want, "static int ", 97)
    claim_that(out[0][0] > out[50][0] > out[150][0] > out[400][0] > out["shipped"][0],
               f"the loss falls at every stage: {[loss for loss, _ in out.values()]}")
    early, late = out[150][1], out[400][1]
    claim_that(re.search(r"^ {3,}", early, re.M), "after 150 steps, lines that start with runs of spaces")
    claim_that(";" in late and re.search(r"[{}()]", late), "after 400 steps, statements ending in ';', and brackets")
    shipped = out["shipped"][1]
    claim_that("//" in shipped or "/*" in shipped, "a comment in the shipped model's sample")
    claim_that(re.search(r"\bstb\w*", shipped) and re.search(r"\b(int|char|float|void|unsigned)\b", shipped),
               "names in the stb libraries' style and C types in the shipped model's sample")


@claim("07_char_lm_real_text", "db12e216")
def latex_as_it_learns(got, want):
    """LaTeX: noise, then backslashes, braces and $; command-like words and braces by 150 steps;
    the shipped model writes a lemma and a proof with \\label or \\ref, \\begin and \\end, and $ math."""
    out = stages(got, want, "\\begin{lemma}\n", 94)
    claim_that(out[0][0] > out[50][0] > out[150][0] > out[400][0] > out["shipped"][0],
               f"the loss falls at every stage: {[loss for loss, _ in out.values()]}")
    claim_that(all(c in out[50][1] for c in "\\{$"), "after 50 steps, backslashes, braces and $ signs")
    claim_that(re.search(r"\\[a-z]+\{", out[150][1]), "after 150 steps, command-like words with braces")
    shipped = out["shipped"][1]
    claim_that(re.search(r"\\(label|ref)\{", shipped) and re.search(r"\\(begin|end)\{(lemma|proof)\}", shipped),
               "a \\label or \\ref, and a lemma or proof environment, in the shipped model's sample")
    claim_that(re.search(r"\$[^$\n]+\$", shipped), "math between $ signs in the shipped model's sample")


@claim("07_char_lm_real_text", "c88e51c3")
def latex_counted(got, want):
    """'Math is nearly always closed ... environments are closed, but often under the wrong name
    ... the real text has no error at all.' The real text's row is exact."""
    row = r"^\s*(sampled at τ = [\d.]+|the real text \(validation\))" + r"\s+(\d+)" * 8 + r"$"
    rows_got = {r[0]: [int(v) for v in r[1:]] for r in re.findall(row, got, re.M)}
    rows_want = {r[0]: [int(v) for v in r[1:]] for r in re.findall(row, want, re.M)}
    claim_that(list(rows_got) == list(rows_want) == ["sampled at τ = 0.5", "sampled at τ = 1.0",
                                                     "the real text (validation)"], "a row per text")
    real = "the real text (validation)"
    claim_that(rows_got[real] == rows_want[real], f"the real text's counts are exact: {rows_got[real]}")
    claim_that(rows_got[real][3] == 0 and rows_got[real][7] == 0, "the real text has no wrong name and no unclosed math")
    for name in ("sampled at τ = 0.5", "sampled at τ = 1.0"):
        begins, ends, matched, wrong, _, spans, closed, cut = rows_got[name]
        claim_that(spans >= 50 and closed >= 0.9 * spans, f"{name}: math is nearly always closed ({closed} of {spans})")
        claim_that(ends >= 5 and matched <= 0.6 * ends and wrong >= ends / 3,
                   f"{name}: many ends carry the wrong name ({matched} right, {wrong} wrong of {ends})")
    pairs = re.findall(r"^sampled at τ = 0.5: .*\n\s+(.*)$", got, re.M)
    claim_that(pairs and re.search(r"\b(proof by lemma|lemma by proof)\b", pairs[0]),
               "lemma and proof confused among the commonest endings at τ = 0.5")


@claim("07_char_lm_real_text", "272d1288")
def latex_cells_pictures(got, want):
    pictures_match(got, want)


@claim("07_char_lm_real_text", "a790abc1")
def temperature_table(got, want):
    """'Low temperature (0.2): almost every word is a real one (99%) but the text repeats itself
    ... High temperature (1.5): nine words in ten are different, but only 55% of them exist.'"""
    row = r"^\s+([\d.]+)\s+([\d.]+)%\s+([\d.]+)%   (.*)$"
    rows_got, rows_want = re.findall(row, got, re.M), re.findall(row, want, re.M)
    claim_that(len(rows_got) == 5 and [r[0] for r in rows_got] == [r[0] for r in rows_want],
               "a row for each temperature, 0.2 to 1.5")
    table = lambda rows: "\n".join(f"{t} {k}% {d}%" for t, k, d, _ in rows)
    numbers_within(table(rows_got), table(rows_want), abs=3.0)   # percentage points
    real, distinct = [float(r[1]) for r in rows_got], [float(r[2]) for r in rows_got]
    claim_that(real == sorted(real, reverse=True), f"fewer real words at each higher temperature: {real}")
    claim_that(distinct == sorted(distinct), f"more distinct words at each higher temperature: {distinct}")


def colours(picture):
    """A coloured-text picture (color_text.color_text) as (its title, its plain text, and per
    character +v for red, -v for blue, 0 for no colour, v the value's size rounded to 0.1).

    Reads the current HTML (solid backgrounds from color_text.COLORS, an underline track,
    grey line-start numbers, which are not part of the text, and a colour key above the
    text) and the one before it (backgrounds as rgba(255,0,0,v) and rgba(0,90,255,v)), so
    that outputs stored before and after a change of the picture compare alike."""
    from lecture_utils.color_text import COLORS, GUTTER, STEPS
    value_of = {colour: k / STEPS for k, colour in COLORS.items()}
    title = re.search(r"<b>(.*?)</b>", picture, re.S)
    title = html.unescape(re.sub(r"<[^>]+>", "", title.group(1))) if title else ""
    body = picture[picture.index("<pre"):]
    body = body[body.index(">") + 1:body.rindex("</pre>")]
    text, values = [], []
    for m in re.finditer(r'<span style="([^"]*)">(.*?)</span>|([^<]+)', body, re.S):
        style, inner, bare = m.groups()
        if style == GUTTER:
            continue   # the label's value at a line's start: drawn beside the text, not part of it
        chars = html.unescape(bare if style is None else inner)
        old = re.search(r"background:rgba\((\d+),\d+,\d+,([\d.]+)\)", style or "")
        new = re.search(r"background:(#[0-9a-f]{6})", style or "")
        claim_that(not new or new.group(1) in value_of, f"a colour of the picture's scale: {new and new.group(1)}")
        value = ((1 if old.group(1) == "255" else -1) * float(old.group(2)) if old
                 else value_of[new.group(1)] if new else 0.0)
        text.append(chars)
        values += [value] * len(chars)
    return title, "".join(text), values


def pictures_match(got, want):
    """Each picture shows the same text, the same unit and r (to 0.01), and nearly every
    character in the same colour: a CPU's last bits may tip a character over a rounding
    boundary of the colour scale (steps of 0.1), not change the picture."""
    shown = lambda text: [p for p in text.split("[text/html]\n")[1:]]
    pictures_got, pictures_want = shown(got), shown(want)
    claim_that(len(pictures_got) == len(pictures_want), f"{len(pictures_want)} pictures")
    for g, w in zip(pictures_got, pictures_want):
        (title_g, text_g, values_g), (title_w, text_w, values_w) = colours(g), colours(w)
        numbers_within(title_g, title_w, abs=0.01)
        claim_that(text_g == text_w, f"the picture {title_w!r} shows the same text")
        moved = sum(abs(a - b) > 0.1 + 1e-9 for a, b in zip(values_g, values_w)) / len(values_w)
        claim_that(moved <= 0.02, f"{title_w!r}: {moved:.1%} of the characters changed colour by more than one "
                                  "step of 0.1, expected at most 2%")


@claim("07_char_lm_real_text", "b58d90bb")
def c_cells_pictures(got, want):
    pictures_match(got, want)


@claim("07_char_lm_real_text", "bc2e2a5a")
def shakespeare_cell_picture(got, want):
    stream = lambda text: text.split("[text/html]")[0]
    numbers_within(stream(got), stream(want), abs=0.01)
    pictures_match(got, want)
