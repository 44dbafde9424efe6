"""The lessons' plots draw what they are given, in the course's visual language, and say
what a clipped axis hides."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_utils import plots, style  # noqa: E402


def texts(ax):
    return " ".join(t.get_text() for t in ax.texts)


def teardown_function():
    plt.close("all")


def test_plot_losses_marks_validation_and_says_what_a_clipped_axis_hides():
    ax = plots.plot_losses({"LSTM": [9.0, 3.0, 2.0, 1.5]}, validation={"LSTM": [(4, 1.7)]}, ylim=(1, 4))
    marker = [line for line in ax.lines if line.get_marker() == "o" and len(line.get_xdata()) == 1][0]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (4, 1.7)
    assert marker.get_color() == style.MODEL_COLORS["LSTM"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "off the axis: LSTM up to 9, at step 1" in legend and "LSTM: validation 1.700" in legend
    unclipped = plots.plot_losses({"LSTM": [3.0, 2.0]}, ylim=(1, 4)).get_legend().get_texts()
    assert not any("off the axis" in t.get_text() for t in unclipped)
    with pytest.raises(ValueError, match="2 positions for 3 losses"):
        plots.plot_losses({"a": [1.0, 2.0, 3.0]}, x={"a": [1, 2]})
    with pytest.raises(ValueError, match=r"validation names \['GRU'\], which are not curves"):
        plots.plot_losses({"LSTM": [1.0]}, validation={"GRU": [(1, 1.0)]})
    with pytest.raises(ValueError, match="x must give positions for every curve; missing \\['b'\\]"):
        plots.plot_losses({"a": [1.0], "b": [1.0]}, x={"a": [1]})


def test_plot_grad_norms_points_backwards_and_keeps_its_range():
    ax = plots.plot_grad_norms({"s = 1": np.ones(10)}, background={"s = 0.5": np.full(10, 1e-3)}, ylim=(1e-9, 1e3))
    assert "backpropagation" in texts(ax) and ax.get_ylim() == pytest.approx((1e-9, 1e3))
    grey = [line for line in ax.lines if line.get_color() == "0.75"]
    assert len(grey) == 1 and grey[0].get_ydata()[0] == pytest.approx(1e-3)


def test_probability_maps_outline_each_target():
    probs = np.full((4, 4), 0.25)
    axes = plots.plot_probability_maps({"RNN": probs}, list("helo"), [0, 1, 2, 2], [1, 2, 2, 3])
    outlined = sorted((round(p.get_x() + 0.5), round(p.get_y() + 0.5)) for p in axes[0].patches)
    assert outlined == [(1, 0), (2, 1), (2, 2), (3, 3)]   # (character, step) of each target
    with pytest.raises(ValueError, match="must match"):
        plots.plot_probability_maps({"RNN": probs[:3]}, list("helo"), [0, 1, 2, 2], [1, 2, 2, 3])


def test_hidden_states_draw_each_value_and_highlight_the_chosen_steps():
    states = np.array([[0.5, -0.5], [0.1, 0.9]])
    axes = plots.plot_hidden_states(states, "ab", highlight=(2,))
    assert [bar.get_height() for bar in axes[1].patches] == pytest.approx([0.1, 0.9])
    assert axes[1].patches[0].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(style.MODEL_COLORS["RNN"]))
    assert axes[0].patches[0].get_facecolor()[:3] != axes[1].patches[0].get_facecolor()[:3]
    with pytest.raises(ValueError, match="one input character per step"):
        plots.plot_hidden_states(states, "abc")


def test_unit_values_are_sorted_by_the_last_series_and_the_marked_unit_is_named():
    ax = plots.plot_unit_values({"before": [0.5, 0.4, 0.6], "after": [0.2, 0.998, 0.7]}, "f", "t", mark=1)
    assert list(ax.lines[1].get_ydata()) == [0.998, 0.7, 0.2]
    assert list(ax.lines[0].get_ydata()) == [0.4, 0.6, 0.5]   # the same units, in the same order
    assert "unit 1: 0.998" in texts(ax)
    with pytest.raises(ValueError, match="mark must be a unit from 0 to 2; got 3"):
        plots.plot_unit_values({"after": [0.2, 0.998, 0.7]}, "f", "t", mark=3)
    with pytest.raises(ValueError, match="every series must be \\(H,\\)"):
        plots.plot_unit_values({"before": [0.5, 0.4], "after": [0.2, 0.998, 0.7]}, "f", "t")


def test_model_bars_take_each_models_colour_and_pattern_in_any_order():
    for values in ({"ours": {"RNN": 1.0, "LSTM": 2.0}}, {"ours": {"LSTM": 2.0, "RNN": 1.0}}):
        ax = plots.plot_model_bars(values, "KiB", "memory")
        for bar, model in zip(ax.patches, values["ours"]):
            assert matplotlib.colors.to_hex(bar.get_facecolor()) == style.MODEL_COLORS[model].lower()
            assert (bar.get_hatch() or "") == style.MODEL_HATCHES[model]


def test_position_losses_and_temperatures_refuse_what_they_cannot_draw():
    ax = plots.plot_position_losses([3.0, 2.0, 1.5], {"carried": 1.4}, label="LSTM")
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3] and ax.lines[0].get_color() == style.MODEL_COLORS["LSTM"]
    with pytest.raises(ValueError, match="losses must be \\(W,\\)"):
        plots.plot_position_losses([[1.0]], {}, label="LSTM")
    with pytest.raises(ValueError, match="every temperature must be a positive number"):
        plots.plot_temperature(np.zeros(3), ["a", "b", "c"], temperatures=(1.0, 0.0))


def test_correlations_are_sorted_and_levels_averaged():
    found = {"depth": dict(unit=2, r=-0.9, rs=np.array([0.1, -0.3, -0.9]), shifted_rs=np.array([0.05, 0.2, -0.1]))}
    ax = plots.plot_correlations(found, "depth")
    assert list(ax.lines[0].get_ydata()) == [0.9, 0.3, 0.1] and list(ax.lines[1].get_ydata()) == [0.2, 0.1, 0.05]
    ax = plots.plot_by_level([1.0, 0.0, -1.0, -0.5], [0, 0, 1, 1], "depth", "value", "t")
    assert list(ax.lines[0].get_ydata()) == [0.5, -0.75]
    with pytest.raises(ValueError, match="same shape"):
        plots.plot_by_level([1.0], [0, 1], "depth", "value", "t")


def test_outcomes_and_trade_off_write_their_values():
    ax = plots.plot_outcomes({(0, "a"): 1.0, (0, "b"): 0.5}, [0], ["a", "b"], "accuracy")
    assert texts(ax) == "100% 50%"
    ax = plots.plot_temperature_tradeoff([0.5, 1.0], {"known words": [0.9, 0.8]})
    assert "90%" in texts(ax) and list(ax.lines[0].get_ydata()) == [90.0, 80.0]


def test_gate_maps_show_the_chosen_units_and_outline_line_breaks():
    gates = {"f": np.linspace(0, 1, 3 * 4).reshape(3, 4)}
    axes = plots.plot_gates(gates, "a\nb", units=[3, 0])
    image = axes[0].images[0].get_array()
    assert image.shape == (2, 3) and image[0, 0] == gates["f"][0, 3]
    assert [p.get_x() for p in axes[0].patches] == [0.5]   # the "\n" column
