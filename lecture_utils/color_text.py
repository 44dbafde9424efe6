"""Text coloured by a hidden unit's activation, as in Karpathy, Johnson and Fei-Fei's (2015)
figures: HTML for a notebook, red for positive, blue for negative, with a colour key and,
when given, the feature the unit was compared with drawn on the text.

The colours are the course palette's (Okabe and Ito's vermillion and blue, see style.py),
blended over white in 10 steps per sign. The strongest step of each sign is as dark as black
text allows while keeping the WCAG AA contrast of 4.5:1, and both signs' strongest steps
are equally light, so that +0.8 looks as strong as -0.8. `COLORS` holds the 21 steps; the
numbers are computed below (`relative_luminance`, `contrast_ratio`), not picked by eye.

The HTML uses inline styles only (no scripts, no stylesheet), so it looks the same in
JupyterLab, in a dark theme (it brings its own white background and black text), and in an
exported HTML page; and it is the same on every machine, since the colours take 10 steps per
sign. It is a title, a key, then the text in a <pre>, one <span> per run of characters with
the same colour and underline. The underline ("track") is a 3px black bottom border: it is
drawn below the coloured background, in the white gap that the line height of 1.6 leaves
between lines, so it shows whatever the colour above it. The grey line-start numbers
("gutter") are spans of their own, marked user-select:none, so that copying the text leaves
them out; a line too long for the page wraps to the left edge, under the numbers.
"""
import html

import numpy as np

from .interpret import busiest_window

RED = (0xD5, 0x5E, 0x00)    # Okabe-Ito vermillion: positive values (the palette's, style.py)
BLUE = (0x00, 0x72, 0xB2)   # Okabe-Ito blue: negative values
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
MIN_CONTRAST = 4.5          # WCAG 2.x level AA for normal text
STEPS = 10                  # colour steps per sign: a value is shown rounded to 0.1
TRACK = "border-bottom:3px solid #000"   # the underline of characters whose label is 1
GUTTER = "color:#666;user-select:none"   # the label's value at a line's start: not part of the text


def relative_luminance(rgb):
    """WCAG 2.x relative luminance of an sRGB colour (r, g, b) in 0..255: 0 for black, 1 for white."""
    def linear(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(rgb1, rgb2):
    """WCAG 2.x contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(rgb1), relative_luminance(rgb2)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over_white(rgb, alpha):
    """The colour `rgb` at opacity `alpha` laid over white, rounded to whole sRGB values."""
    return tuple(int(round(255 + alpha * (c - 255))) for c in rgb)


def strongest_alpha(rgb, text=BLACK, minimum=MIN_CONTRAST, resolution=1000):
    """The largest opacity (in steps of 1/resolution) at which `rgb` over white keeps
    `minimum` contrast with the text colour."""
    return max(k / resolution for k in range(resolution + 1)
               if contrast_ratio(over_white(rgb, k / resolution), text) >= minimum)


def _caps():
    """The opacity of each sign's strongest step: as strong as black text allows, then the
    darker of the two lightened until both are equally light (the same luminance)."""
    caps = {sign: strongest_alpha(rgb) for sign, rgb in ((1, RED), (-1, BLUE))}
    lightest = max(relative_luminance(over_white(rgb, caps[sign])) for sign, rgb in ((1, RED), (-1, BLUE)))
    for sign, rgb in ((1, RED), (-1, BLUE)):
        while relative_luminance(over_white(rgb, caps[sign])) < lightest - 1e-3:
            caps[sign] = round(caps[sign] - 0.001, 3)
    return caps


CAPS = _caps()   # {+1: opacity of the strongest red, -1: of the strongest blue}
# level k in -STEPS..STEPS (the value rounded to 1/STEPS) -> its background colour, "#rrggbb"
COLORS = {k: "#%02x%02x%02x" % over_white(RED if k > 0 else BLUE, abs(k) / STEPS * CAPS[1 if k > 0 else -1])
          for k in range(-STEPS, STEPS + 1)}


def _span(style, chunk):
    return f'<span style="{style}">{chunk}</span>' if style else chunk


def _check_label(label, text, show_label):
    """The label as floats, and how to draw it: "track" or "gutter"."""
    label = np.asarray(label, dtype=np.float64)
    if label.shape != (len(text),):
        raise ValueError(f"label has shape {label.shape}; expected ({len(text)},), one per character of text")
    if not np.all(np.isfinite(label)):
        raise ValueError("label must be finite numbers")
    binary = bool(np.all((label == 0) | (label == 1)))
    show_label = show_label or ("track" if binary else "gutter")
    if show_label == "track" and not binary:
        raise ValueError("label drawn as a track (underline) must hold only 0 and 1")
    if show_label == "gutter" and not np.all(label == np.round(label)):
        raise ValueError("label written at each line's start (gutter) must hold whole numbers")
    if show_label not in ("track", "gutter"):
        raise ValueError(f"show_label must be 'track' or 'gutter'; got {show_label!r}")
    return label, show_label


def _key(value_name, label_name, show_label):
    swatch = lambda k: f'<span style="background:{COLORS[k]}">&nbsp;</span>'
    scale = ("&minus;1 " + "".join(swatch(k) for k in range(-STEPS, 0)) + "0"
             + "".join(swatch(k) for k in range(1, STEPS + 1)) + " +1")
    parts = [f"{html.escape(value_name)}: {scale} (blue negative, red positive, white 0)"]
    if show_label == "track":
        parts.append(f'<span style="{TRACK}">underline</span>: {html.escape(label_name)} (label = 1)')
    elif show_label == "gutter":
        parts.append(f'<span style="{GUTTER}">grey number</span> at the left: '
                     f"{html.escape(label_name)} at the line's first character")
    return "".join(f'<div style="font-family:monospace">{part}</div>' for part in parts)


def color_text(text, values, title=None, value_name="value", label=None, label_name="label", show_label=None):
    """Text with each character's background coloured by a value in [-1, 1]: red for
    positive, blue for negative, white for 0, as in the lecture's interpretable-cell figure.

    text: T characters; values (T,): for example tanh(C_t) of one LSTM unit, clipped to
    [-1, 1] and rounded to 0.1 (10 colour steps per sign). title: a bold line above.
    value_name: what the values are, for the colour key ("tanh(C_t) of unit 104").
    label (T,), optional: the feature the values are compared with (interpret.FEATURES),
    drawn on the text, and named label_name in the key. show_label says how:
      "track": a black underline under every character whose label is 1 (a 0/1 label:
               inside quotes, inside an if-condition);
      "gutter": the label's value at each line's first character, as a grey number at the
               left of the line (a whole-number label such as brace depth);
      None (default): "track" if the label holds only 0 and 1, else "gutter".

    Returns an IPython HTML object (display it, or let it be a cell's last value): a title,
    the key (the 21 colour steps from -1 to +1, and what the underline or the grey numbers
    mean), then the text. Raises ValueError for values or a label of the wrong length, not
    finite, or a label that cannot be drawn the way show_label asks.
    """
    from IPython.display import HTML  # imported here: only notebooks need IPython

    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(text),):
        raise ValueError(f"values has shape {values.shape}; expected ({len(text)},), one per character of text")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite numbers")
    if label is not None:
        label, show_label = _check_label(label, text, show_label)
    elif show_label is not None:
        raise ValueError(f"show_label={show_label!r} needs a label to draw; give label=, one value per character")
    levels = np.round(np.clip(values, -1, 1) * STEPS).astype(int)
    track = label == 1 if show_label == "track" else np.zeros(len(text), dtype=bool)
    gutter = None
    if show_label == "gutter":
        numbers = label.astype(int)
        gutter = max((len(str(n)) for n in numbers), default=1)

    pieces, start = [], 0
    for t in range(1, len(text) + 1):   # one <span> per run of the same colour and underline
        line_start = bool(gutter) and text[t - 1] == "\n"   # a new line begins at t: its number goes before it
        if t == len(text) or line_start or levels[t] != levels[start] or track[t] != track[start]:
            style = ";".join(([f"background:{COLORS[levels[start]]}"] if levels[start] else [])
                             + ([TRACK] if track[start] else []))
            pieces.append(_span(style, html.escape(text[start:t])))
            start = t
            if line_start and t < len(text):
                pieces.append(_span(GUTTER, f"{numbers[t]:>{gutter}} "))
    if gutter and len(text):
        pieces.insert(0, _span(GUTTER, f"{numbers[0]:>{gutter}} "))

    heading = f"<div><b>{html.escape(title)}</b></div>" if title else ""
    key = _key(value_name, label_name, show_label)
    body = f'<pre style="margin:6px 0 0;font-size:12px;line-height:1.6;white-space:pre-wrap">{"".join(pieces)}</pre>'
    return HTML(f'<div style="color:#000;background:#fff;padding:4px 6px;font-size:12px">{heading}{key}{body}</div>')


# How color_cell draws each feature's label. Position in line is the column itself, which the
# reader sees directly (the distance from the left margin); a track or numbers would add nothing.
# TeX's { } groups open and close inside a line, so numbers at the line's start would not show
# them either: the braces themselves are the label.
SHOW_LABEL = {"inside quotes": "track", "inside if-condition": "track", "inside parentheses": "track",
              "brace depth": "gutter", "position in line": None,
              "inside math": "track", "environment depth": "gutter", "TeX brace depth": None}


def color_cell(text, cell, name, width, value_name="tanh(C_t)"):
    """The stretch of `width` characters where the label of feature `name` varies the most,
    coloured by the unit find_cells picked for it (cell: find_cells(...)[name]), with the
    label drawn as SHOW_LABEL says (a feature not listed there: as color_text decides).
    value_name: what the activations are, for the key."""
    start = busiest_window(cell["label"], width)
    window = slice(start, start + width)
    how = SHOW_LABEL.get(name, "")
    return color_text(text[window], cell["values"][window],
                      title=f"{name}: unit {cell['unit']}, r = {cell['r']:.2f}",
                      value_name=f"{value_name} of unit {cell['unit']}",
                      label=None if how is None else cell["label"][window], label_name=name,
                      show_label=how or None)
