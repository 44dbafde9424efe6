"""The course's one visual language, shared by every figure.

- One colour per model in every lesson: the RNN blue, the LSTM vermillion, the GRU purple,
  each with its own line style too, so that overlapping curves stay apart in print.
- Other curves take the rest of the palette in turn. The palette is Okabe and Ito's (2008),
  chosen to stay distinct for the common colour-vision deficiencies; the tests check it
  under simulated deuteranopia, protanopia and tritanopia (Machado et al. 2009).
- Ordered parameters (a singular value s, a temperature τ, a truncation length k) take an
  ordered ramp, dark to light along viridis, never unrelated hues.
- Reference lines (a uniform guess, a baseline, a floor) are dashed, in grey or, for a
  second one in the same figure, black with another dash.
- Figures are drawn at twice the pixel density in notebooks ("retina"), crisp on high-DPI
  screens: importing this module (or plots.py or diagrams.py, which import it) switches that on.
"""
import re

import numpy as np
from matplotlib import colormaps

MODEL_COLORS = {"RNN": "#0072B2", "LSTM": "#D55E00", "GRU": "#CC79A7"}
MODEL_LINESTYLES = {"RNN": "-", "LSTM": (0, (7, 2, 1.5, 2)), "GRU": (0, (1.5, 1.5))}
MODEL_HATCHES = {"RNN": "", "LSTM": "..", "GRU": "//"}   # bars: a pattern as well as a colour
# The rest of Okabe and Ito's palette, but for its yellow (too faint on white) and black
# (kept for reference lines). Colours repeat after three; the line style then differs.
OTHER_COLORS = ["#009E73", "#E69F00", "#56B4E9"]
OTHER_LINESTYLES = ["-", (0, (7, 2, 1.5, 2)), (0, (1.5, 1.5)), (0, (4, 1.5, 1.5, 1.5, 1.5, 1.5))]
REFERENCE = {"color": "0.4", "linestyle": "--", "linewidth": 1.1}


def model_of(label):
    """The model a curve's label names ('LSTM, H = 128' -> 'LSTM', 'vanilla RNN' -> 'RNN'), or None."""
    found = [m for m in MODEL_COLORS if re.search(rf"\b{m}\b", label)]
    return found[0] if len(found) == 1 else None


def line_style(label, i):
    """{color, linestyle} for the i-th curve, called `label`: its model's, or the i-th other."""
    model = model_of(label)
    if model:
        return {"color": MODEL_COLORS[model], "linestyle": MODEL_LINESTYLES[model]}
    return {"color": OTHER_COLORS[i % len(OTHER_COLORS)], "linestyle": OTHER_LINESTYLES[i % len(OTHER_LINESTYLES)]}


def ramp(n):
    """n colours for n ordered values, smallest first: dark purple through green to light
    green (viridis, stopping before its pale yellow, which vanishes on white)."""
    return [colormaps["viridis"](x) for x in np.linspace(0.0, 0.8, n)] if n > 1 else [colormaps["viridis"](0.0)]


def use_retina():
    """In a notebook, draw inline figures at twice the pixel density; elsewhere do nothing."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


use_retina()
