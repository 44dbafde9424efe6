"""Text coloured by a unit's activation: the colours (readable, computed), the key, and the
feature drawn on the text (an underline track, or numbers at the lines' starts), read back
from the HTML by a parser of its own."""
from html.parser import HTMLParser

import numpy as np
import pytest

from lecture_utils.color_text import (BLACK, BLUE, CAPS, COLORS, GUTTER, MIN_CONTRAST, RED, STEPS, TRACK, WHITE,
                                      color_cell, color_text, contrast_ratio, over_white, relative_luminance,
                                      strongest_alpha)
from lecture_utils.interpret import brace_depth, find_cells, inside_if_condition, inside_parentheses, inside_quotes

VALUE = {colour: k / STEPS for k, colour in COLORS.items()}


def rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


class Picture(HTMLParser):
    """What a color_text page shows: per character of the text its value (from its
    background) and whether it is underlined; the numbers in the gutter, each with the index
    of the character it stands before; and the text of the key (everything before <pre>)."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.styles, self.in_pre, self.key = [], False, ""
        self.text, self.values, self.underlined, self.gutter = "", [], [], []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self.in_pre = True
        elif tag == "span" and self.in_pre:
            self.styles.append(dict(attrs).get("style", ""))

    def handle_endtag(self, tag):
        if tag == "pre":
            self.in_pre = False
        elif tag == "span" and self.in_pre:
            self.styles.pop()

    def handle_data(self, data):
        if not self.in_pre:
            self.key += data
            return
        style = ";".join(self.styles)
        if GUTTER in style:
            self.gutter.append((len(self.text), int(data)))
            return
        background = [part.split(":")[1] for part in style.split(";") if part.startswith("background:")]
        self.text += data
        self.values += [VALUE[background[0]] if background else 0.0] * len(data)
        self.underlined += [TRACK in style] * len(data)


def test_wcag_luminance_and_contrast():
    assert relative_luminance(WHITE) == 1 and relative_luminance(BLACK) == 0
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21) == contrast_ratio(WHITE, BLACK)
    assert contrast_ratio((0x76, 0x76, 0x76), WHITE) == pytest.approx(4.54, abs=0.01)   # WCAG's AA grey on white
    assert relative_luminance((0xD5, 0x5E, 0x00)) == pytest.approx(0.2215, abs=1e-4)
    assert over_white(BLUE, 0) == WHITE and over_white(BLUE, 1) == BLUE and over_white(RED, 0.5) == (234, 174, 128)


def test_the_strongest_colours_keep_black_text_readable_and_are_as_strong_as_allowed():
    for sign, colour in ((1, RED), (-1, BLUE)):
        strongest = rgb(COLORS[sign * STEPS])
        assert contrast_ratio(strongest, BLACK) >= MIN_CONTRAST, (sign, COLORS[sign * STEPS])
        # every weaker step is lighter, so readable too, and the scale really is stepped
        contrasts = [contrast_ratio(rgb(COLORS[sign * k]), BLACK) for k in range(STEPS + 1)]
        assert contrasts == sorted(contrasts, reverse=True) and len(set(contrasts)) == STEPS + 1
        # the cap is computed: a shade stronger than strongest_alpha would fail the contrast
        alpha = strongest_alpha(colour)
        assert alpha == 1 or contrast_ratio(over_white(colour, alpha + 0.01), BLACK) < MIN_CONTRAST
    assert COLORS[STEPS] == "#d55e00" and CAPS[1] == 1.0   # vermillion itself keeps 5.43:1 with black
    assert 0.8 < CAPS[-1] < strongest_alpha(BLUE) < 0.95    # blue is capped (full #0072B2 gives only 4.05:1)
    # and both signs' strongest steps are equally light, so +1 and -1 look equally strong
    assert relative_luminance(rgb(COLORS[STEPS])) == pytest.approx(relative_luminance(rgb(COLORS[-STEPS])), abs=2e-3)
    assert COLORS[0] == "#ffffff"


def test_values_are_red_for_positive_blue_for_negative_one_span_per_run_and_escaped():
    page = color_text("a<b c", [1.0, 1.0, -0.5, 0.0, 0.04]).data
    assert page.count("<pre") == 1
    body = page[page.index("<pre"):]
    assert f'<span style="background:{COLORS[10]}">a&lt;</span>' in body   # one span for a run of one colour
    assert f'<span style="background:{COLORS[-5]}">b</span> c</pre>' in body   # 0, and what rounds to 0: no colour
    shown = Picture(page)
    assert shown.text == "a<b c" and shown.values == [1.0, 1.0, -0.5, 0.0, 0.0] and not any(shown.underlined)
    assert color_text("xy", [2.0, -7.0]).data == color_text("xy", [1.0, -1.0]).data   # clipped to [-1, 1]
    with pytest.raises(ValueError, match="one per character"):
        color_text("abc", [0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        color_text("ab", [0.1, np.nan])


def test_the_track_underlines_exactly_the_characters_whose_label_is_1():
    text = 'if (a(b) && c) {\n  x = f("s\\"t");\n} else if (d)\n'
    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, len(text))   # colours change everywhere, the track must not follow them
    for feature in (inside_if_condition, inside_quotes):
        label = feature(text)
        shown = Picture(color_text(text, values, label=label, label_name=feature.__name__).data)
        assert shown.text == text
        assert shown.underlined == (label == 1).tolist(), feature.__name__
        assert shown.values == (np.round(values * 10) / 10).tolist()
        assert shown.gutter == []
        assert f"underline: {feature.__name__} (label = 1)" in shown.key
    marked = "".join(c if u else "_" for c, u in zip(text, shown.underlined))
    assert marked == '_' * 25 + '"s\\"t' + '_' * (len(text) - 30)   # the string, up to its closing quote


def test_a_whole_number_label_is_written_at_each_line_start():
    text = "f() {\n  a {\n\n  }\n}\nz"
    depth = brace_depth(text)
    page = color_text(text, np.zeros(len(text)), label=depth, label_name="brace depth").data
    shown = Picture(page)
    assert shown.text == text and not any(shown.underlined)          # the numbers are not part of the text
    # (index of the line's first character, the label there): the empty line's first character is its "\n"
    assert shown.gutter == [(0, 0), (6, 1), (12, 2), (13, 2), (17, 0), (19, 0)]
    assert "grey number at the left: brace depth at the line's first character" in shown.key
    assert f'<span style="{GUTTER}">2 </span>' in page
    wide = Picture(color_text("a\nb\n", [0.0] * 4, label=[3, 3, 12, 12]).data)
    assert wide.gutter == [(0, 3), (2, 12)] and ' 3 </span>' in color_text("a\nb", [0] * 3, label=[3, 3, 12]).data


def test_the_key_shows_the_scale_from_minus_1_to_plus_1_and_what_the_values_are():
    page = color_text("ab", [0.5, -0.5], title="a title", value_name="tanh(C_t) of unit 7").data
    key = Picture(page).key
    assert key.startswith("a title")
    assert "tanh(C_t) of unit 7: \u22121 " in key and " +1 (blue negative, red positive, white 0)" in key
    head = page[:page.index("<pre")]
    swatches = [colour for colour in COLORS.values() if f'<span style="background:{colour}">&nbsp;</span>' in head]
    assert swatches == [COLORS[k] for k in range(-STEPS, STEPS + 1) if k]   # all 20 steps, -1 first
    assert head.index(COLORS[-1]) < head.index(">0<") < head.index(COLORS[1])
    assert "underline" not in key and "grey number" not in key   # no label, nothing to explain
    with pytest.raises(ValueError, match="show_label='track' needs a label to draw"):
        color_text("ab", [0.5, -0.5], show_label="track")


def test_a_bad_label_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"label has shape \(3,\); expected \(4,\)"):
        color_text("abcd", [0.0] * 4, label=[0, 1, 0])
    with pytest.raises(ValueError, match="label must be finite"):
        color_text("ab", [0.0] * 2, label=[0, np.inf])
    with pytest.raises(ValueError, match="track .* only 0 and 1"):
        color_text("ab", [0.0] * 2, label=[0, 2], show_label="track")
    with pytest.raises(ValueError, match="whole numbers"):
        color_text("ab", [0.0] * 2, label=[0, 0.5])
    with pytest.raises(ValueError, match="show_label must be"):
        color_text("ab", [0.0] * 2, label=[0, 1], show_label="margin")


def test_color_cell_draws_each_feature_the_way_that_suits_it():
    text = "int f(a) {\n  if (a) { g(\"x\"); }\n  return 0;\n}\n" * 30
    acts = np.random.default_rng(0).uniform(-1, 1, (len(text), 2))
    found = find_cells(acts, text, ["inside parentheses", "brace depth", "position in line"], shift=7)
    shown = Picture(color_cell(text, found["inside parentheses"], "inside parentheses", width=120).data)
    assert any(shown.underlined) and shown.underlined == (inside_parentheses(shown.text) == 1).tolist()
    assert f"tanh(C_t) of unit {found['inside parentheses']['unit']}:" in shown.key
    depth = Picture(color_cell(text, found["brace depth"], "brace depth", width=120).data)
    assert depth.gutter and not any(depth.underlined)
    # even where the window's depth is only 0 and 1, depth is written as numbers, not underlined
    shallow = dict(found["brace depth"], label=np.minimum(found["brace depth"]["label"], 1))
    assert Picture(color_cell(text, shallow, "brace depth", width=120).data).gutter
    # position in the line is the column itself: nothing drawn
    line = Picture(color_cell(text, found["position in line"], "position in line", width=120).data)
    assert line.gutter == [] and not any(line.underlined) and "underline" not in line.key


def test_the_notebook_claims_read_the_picture_and_tolerate_one_step():
    import nbcheck
    import notebook_claims
    text = "if (a) {\n  b;\n}\n"
    values = np.linspace(-1, 1, len(text))
    page = color_text(text, values, title="brace depth: unit 3, r = -0.84", label=brace_depth(text)).data
    title, shown, read = notebook_claims.colours(page)
    assert (title, shown) == ("brace depth: unit 3, r = -0.84", text)
    assert read == (np.round(values * 10) / 10).tolist()
    committed = f"[text/plain]\n<IPython.core.display.HTML object>\n[text/html]\n{page}"
    notebook_claims.pictures_match(committed, committed)
    with pytest.raises(nbcheck.OutputMismatch, match="changed colour"):
        flipped = color_text(text, -values, title="brace depth: unit 3, r = -0.84", label=brace_depth(text)).data
        notebook_claims.pictures_match(f"[text/html]\n{flipped}", committed)
