"""The visual language (lecture_utils/style.py), checked as readers with a colour-vision
deficiency see it: simulated by daltonlens (Machado et al. 2009 for deuteranopia and
protanopia at full severity, Brettel et al. 1997 for tritanopia, which Machado's model
does not cover well), colours compared by their CIELAB distance ΔE (CIE 1976).

Thresholds: a ΔE of about 2 is just noticeable side by side; curves a few pixels wide and
a legend swatch need far more. The models' three colours must stay 20 apart under every
deficiency (measured: 22.5 at the closest, the RNN's blue against the GRU's purple under
protanopia; Okabe and Ito's green in their place came to 11.3 under tritanopia); any two
colours of the palette, which also differ by line style, 10 apart (measured: 11.2 at the
closest, the GRU's purple against orange under tritanopia).
"""
import itertools
import os

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from lecture_utils import style

VISIONS = ["normal", "deuteranopia", "protanopia", "tritanopia"]


def simulator(vision):
    """(daltonlens simulator, deficiency) for `vision`, or None for normal vision. daltonlens
    is in the [test] extra; without it the colour-vision tests skip, except in CI, where a
    skip would hide a failure."""
    if vision == "normal":
        return None
    if os.environ.get("CI"):
        from daltonlens import simulate
    else:
        simulate = pytest.importorskip("daltonlens.simulate")
    return {"deuteranopia": (simulate.Simulator_Machado2009(), simulate.Deficiency.DEUTAN),
            "protanopia": (simulate.Simulator_Machado2009(), simulate.Deficiency.PROTAN),
            "tritanopia": (simulate.Simulator_Brettel1997(), simulate.Deficiency.TRITAN)}[vision]


def seen_as(color, vision):
    """The colour as CIELAB (L*, a*, b*) for a reader with `vision`."""
    rgb = np.round(np.array(to_rgb(color)) * 255).astype(np.uint8)
    if simulator(vision) is not None:
        sim, deficiency = simulator(vision)
        rgb = sim.simulate_cvd(rgb[None, None, :], deficiency, severity=1.0)[0, 0]
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)          # sRGB -> linear
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ linear / np.array([0.95047, 1.0, 1.08883])  # D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest(colors, vision):
    pairs = itertools.combinations(colors.items(), 2)
    return min((np.linalg.norm(seen_as(a, vision) - seen_as(b, vision)), na, nb) for (na, a), (nb, b) in pairs)


@pytest.mark.parametrize("vision", VISIONS)
def test_the_three_models_stay_apart(vision):
    distance, a, b = closest(style.MODEL_COLORS, vision)
    assert distance >= 20, f"{vision}: {a} and {b} are only ΔE {distance:.1f} apart"


@pytest.mark.parametrize("vision", VISIONS)
def test_every_colour_of_the_palette_stays_apart(vision):
    palette = {**style.MODEL_COLORS, **{f"other {i}": c for i, c in enumerate(style.OTHER_COLORS)}}
    distance, a, b = closest(palette, vision)
    assert distance >= 10, f"{vision}: {a} and {b} are only ΔE {distance:.1f} apart"


@pytest.mark.parametrize("vision", VISIONS)
def test_a_ramp_stays_ordered_in_lightness(vision):
    # An ordered parameter reads as ordered only if its colours do: L* must rise along the ramp.
    lightness = [seen_as(c[:3], vision)[0] for c in style.ramp(6)]
    assert all(np.diff(lightness) > 3), f"{vision}: L* along the ramp {np.round(lightness, 1)}"


def test_references_are_grey_and_dashed():
    r, g, b = to_rgb(style.REFERENCE["color"])
    assert r == g == b and style.REFERENCE["linestyle"] == "--"


def test_each_model_keeps_its_colour_and_style_whatever_the_label():
    for label, model in [("LSTM, H = 128", "LSTM"), ("vanilla RNN, T = 10", "RNN"), ("GRU", "GRU")]:
        assert style.line_style(label, 5) == {"color": style.MODEL_COLORS[model],
                                              "linestyle": style.MODEL_LINESTYLES[model]}
    assert style.model_of("LSTM against RNN") is None   # two models named: neither colour claims it
    assert style.line_style("paragraph", 1)["color"] == style.OTHER_COLORS[1]


def test_plots_give_each_model_its_colour_and_ordered_curves_a_ramp():
    import matplotlib
    matplotlib.use("Agg")
    from lecture_utils import plots
    styles = plots.curve_styles(["RNN", "LSTM, before", "LSTM, after", "paragraph"])
    assert [s["color"] for s in styles] == [style.MODEL_COLORS["RNN"], style.MODEL_COLORS["LSTM"],
                                            style.MODEL_COLORS["LSTM"], style.OTHER_COLORS[0]]
    assert styles[1]["linestyle"] != styles[2]["linestyle"], "the same model twice: told apart by line style"
    assert [s["color"] for s in plots.curve_styles(["s = 0.5", "s = 1", "s = 1.5"], ordered=True)] == style.ramp(3)
    ax = plots.plot_losses({"GRU": [3.0, 2.0], "LSTM": [3.0, 1.0]}, reference={"ln 4": 1.4, "floor": 0.5})
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["GRU"].get_color() == style.MODEL_COLORS["GRU"]
    for name in ("ln 4", "floor"):   # references: grey or black, dashed
        r, g, b = matplotlib.colors.to_rgb(lines[name].get_color())
        assert r == g == b and lines[name].get_linestyle() == "--"
