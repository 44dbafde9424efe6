"""Text coloured by a hidden unit's activation, as in Karpathy, Johnson and Fei-Fei's (2015)
figures: HTML for a notebook, red for positive, blue for negative.
"""
import html

import numpy as np

from .interpret import busiest_window


def color_text(text, values, title=None):
    """Text with each character's background coloured by a value in [-1, 1]: red for
    positive, blue for negative, white for 0, as in the lecture's interpretable-cell figure.

    text of T characters, values (T,): for example tanh(C_t) of one LSTM unit. Returns an
    IPython HTML object (display it, or let it be a cell's last value). Colours are
    rounded to 10 steps, so the page stays small and the same on every machine.
    """
    from IPython.display import HTML  # imported here: only notebooks need IPython

    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(text),):
        raise ValueError(f"values has shape {values.shape}; expected ({len(text)},), one per character of text")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite numbers")
    levels = np.round(np.clip(values, -1, 1) * 10).astype(int)
    spans, start = [], 0
    for t in range(1, len(text) + 1):  # one <span> per run of characters with the same colour
        if t == len(text) or levels[t] != levels[start]:
            level = levels[start]
            rgb = "255,0,0" if level > 0 else "0,90,255"
            chunk = html.escape(text[start:t])
            spans.append(f'<span style="background:rgba({rgb},{abs(level) / 10:.1f})">{chunk}</span>' if level else chunk)
            start = t
    key = "red: positive, blue: negative, white: near 0"
    heading = f"<div><b>{html.escape(title)}</b> ({key})</div>" if title else f"<div>{key}</div>"
    return HTML(f'{heading}<pre style="line-height:1.35;font-size:12px;white-space:pre-wrap">{"".join(spans)}</pre>')


def color_cell(text, cell, name, width):
    """The stretch of `width` characters where the label of feature `name` varies the most,
    coloured by the unit find_cells picked for it (cell: find_cells(...)[name])."""
    start = busiest_window(cell["label"], width)
    return color_text(text[start:start + width], cell["values"][start:start + width],
                      title=f"{name}: unit {cell['unit']}, r = {cell['r']:.2f}")
