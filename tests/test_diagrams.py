"""The lecture's diagrams: each draws, in the lecture's notation, what its lesson says it shows."""
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from lecture_utils import diagrams  # noqa: E402  (after choosing the Agg backend)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    """Every text drawn on the axes, in one string."""
    return " ".join(t.get_text() for t in ax.texts)


def words(ax):
    """Every text drawn on the axes, one item each."""
    return [t.get_text() for t in ax.texts]


def arrows(ax, color):
    """The arrows drawn in `color`, as annotations: (start, end) of each."""
    return [(a.xyann, a.xy) for a in ax.texts if isinstance(a, Annotation) and a.arrow_patch is not None
            and to_rgba(a.arrow_patch.get_edgecolor()) == to_rgba(color)]


def where(ax, text):
    """(x, y) of the one text that reads `text`."""
    [found] = [t.get_position() for t in ax.texts if t.get_text() == text]
    return found


def test_the_cell_diagrams_carry_the_lectures_notation():
    lstm = texts(diagrams.draw_lstm_cell())
    for symbol in ("$C_{t-1}$", "$C_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$", "×", "+"):
        assert symbol in lstm, symbol
    gru = texts(diagrams.draw_gru_cell())
    for symbol in ("$h_{t-1}$", "$h_t$", "$x_t$", "$r_t$", "$z_t$", "$n_t$", "1−"):
        assert symbol in gru, symbol
    order = texts(diagrams.draw_gate_order())
    assert order.index("$g$") < order.index("$o$") and order.rindex("$o$") < order.rindex("$g$")


def test_the_rnn_cell_has_one_box_and_the_frame_of_the_lstm_and_gru_cells():
    rnn = diagrams.draw_rnn_cell()
    drawn = texts(rnn)
    for symbol in ("$h_{t-1}$", "$h_t$", "$x_t$", "$W_{hh}$", "$W_{xh}$", "\\tanh"):
        assert symbol in drawn, symbol
    assert words(rnn).count("tanh") == 1 and "σ" not in drawn and "$C_t$" not in drawn
    for other in (diagrams.draw_lstm_cell(), diagrams.draw_gru_cell()):
        assert rnn.get_xlim() == other.get_xlim() and rnn.get_ylim() == other.get_ylim()


def test_draw_unrolled_labels_every_step_and_rejects_a_step_outside_the_sequence():
    _, ax = plt.subplots()
    drawn = words(diagrams.draw_unrolled(ax, 3, inputs=[1, 2, 3], outputs=[3], weights=True))
    for label in ("x₁", "x₂", "x₃", "h₁", "h₂", "h₃", "y₃", "W_xh", "W_hh", "W_hy"):
        assert label in drawn, label
    assert "y₁" not in drawn and "y₂" not in drawn
    with pytest.raises(ValueError, match=r"1\.\.3.*\[4\]"):
        diagrams.draw_unrolled(ax, 3, inputs=[1, 4], outputs=[3])
    with pytest.raises(ValueError, match=r"\[0\]"):
        diagrams.draw_unrolled(ax, 3, inputs=[1], outputs=[0])


W_HY = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5]])
HIDDEN = np.array([[0.7616, -0.7616, 0.4621], [0.7068, 0.5506, 0.2270]])   # the lesson's h_1 and h_2


def test_the_hello_network_writes_the_given_values_and_outlines_the_targets_score():
    ax = diagrams.draw_hello_network({"h": HIDDEN, "y": HIDDEN @ W_HY.T})
    drawn = words(ax)
    for text in ("target: e", "target: l", "target: o", "input: h", "input: e", "input: l",
                 "h", "e", "l", "o", "$W_{xh}$", "$W_{hh}$", "$W_{hy}$"):
        assert text in drawn, text
    for name in ("$W_{xh}$", "$W_{hh}$", "$W_{hy}$"):
        assert drawn.count(name) == 1, name
    # h_1 and y_1 both start 0.76, -0.76; y_2 ends with 0.74; the last two columns stay empty.
    assert drawn.count("0.76") == 2 and drawn.count("-0.76") == 2 and "0.74" in drawn and "0.71" in drawn
    assert sum(bool(re.fullmatch(r"-?\d\.\d\d", w)) for w in drawn) == 3 + 4 + 3 + 4
    # The one-hot 1 of each input, in bold.
    assert [t.get_fontweight() for t in ax.texts if t.get_text() == "1"] == ["bold"] * 4
    # Each thick outline sits on the row of that column's target letter.
    outlined = []
    for rect in [p for p in ax.patches if p.get_linewidth() == 3.0]:
        x, y = rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2
        row = [t for t in ax.texts if t.get_text() in "helo" and len(t.get_text()) == 1
               and abs(t.get_position()[1] - y) < 1e-9 and t.get_position()[0] < x]
        outlined.append(max(row, key=lambda t: t.get_position()[0]).get_text())
    assert outlined == list("ello")


def test_the_hello_network_rejects_values_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"values\['h'\].*\(T, 3\).*\(2, 4\)"):
        diagrams.draw_hello_network({"h": np.zeros((2, 4))})
    with pytest.raises(ValueError, match=r"values\['y'\].*T <= 4"):
        diagrams.draw_hello_network({"y": np.zeros((5, 4))})
    with pytest.raises(ValueError, match=r"values\['y'\]"):
        diagrams.draw_hello_network({"y": np.zeros(4)})
    with pytest.raises(ValueError, match="keys"):
        diagrams.draw_hello_network({"p": np.zeros((1, 4))})
    drawn = words(diagrams.draw_hello_network({"h": [[-0.001, 0.004, -0.006]]}))   # a hidden state alone is fine
    assert "0.00" in drawn and "-0.00" not in drawn and "-0.01" in drawn


def test_bptt_numbers_the_lessons_steps_and_sends_two_gradients_into_each_inner_state():
    T = 4
    ax = diagrams.draw_bptt(T)
    drawn = texts(ax)
    for mark in ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "$h_0$", "W_{hh}^\\top", "W_{hy}^\\top"):
        assert mark in drawn, mark
    for t in range(1, T + 1):
        for name in "xhyL":
            assert f"${name}_{{{t}}}$" in words(ax), (name, t)
    gradients, forward = arrows(ax, diagrams.GRADIENT), arrows(ax, "black")
    assert len(gradients) == 3 * T and len(forward) == 4 * T

    def arriving_at(label):
        x, y = where(ax, label)
        return sum(abs(end[0] - x) < 0.5 and abs(end[1] - y) < 0.5 for _, end in gradients)

    assert [arriving_at(f"$h_{{{t}}}$") for t in range(1, T + 1)] == [2, 2, 2, 1]
    assert arriving_at("$h_0$") == 1
    with pytest.raises(ValueError, match="T must be at least 1"):
        diagrams.draw_bptt(0)


@pytest.mark.parametrize("T, k", [(12, 4), (10, 3), (5, 1), (3, 7), (8, 8)])
def test_truncated_bptt_stops_every_gradient_at_its_chunks_start(T, k):
    ax = diagrams.draw_truncated_bptt(T, k)
    chunks = math.ceil(T / k)
    boundaries = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(boundaries) == chunks - 1
    gradients = arrows(ax, diagrams.GRADIENT)
    assert len(gradients) == T - chunks and len(arrows(ax, "black")) == T - 1
    for start, end in gradients:   # from h_{t+1} to h_t, both in one chunk
        assert (round(start[0]) - 1) // k == (round(end[0]) - 1) // k
    drawn = words(ax)
    assert f"chunk {chunks}" in drawn and f"chunk {chunks + 1}" not in drawn
    assert ("gradient stops" in drawn) == ("state carried (detached)" in drawn) == (chunks > 1)


def test_truncated_bptt_rejects_an_empty_chunk_or_sequence():
    with pytest.raises(ValueError, match="k = 0"):
        diagrams.draw_truncated_bptt(12, 0)
    with pytest.raises(ValueError, match="T = 0"):
        diagrams.draw_truncated_bptt(0, 4)


def verdicts(ax):
    return {t.get_text().split(":")[0]: t.get_text() for t in ax.texts if t.get_text().startswith("k = ")}


def test_recall_truncation_says_which_chunks_hold_a_whole_dependency():
    ax = diagrams.draw_recall_truncation("b....b", ks=(4, 10))
    said = verdicts(ax)
    assert "no chunk" in said["k = 4"] and "no chunk" not in said["k = 10"] and "every chunk" in said["k = 10"]
    assert "5 steps" in words(ax)
    assert words(ax).count("×") == 1                      # k = 4 cuts the one block once
    said = verdicts(diagrams.draw_recall_truncation("b....bb....bb....ba....a...", ks=(4, 5, 10)))
    assert "no chunk" in said["k = 4"]
    assert "every chunk" not in said["k = 5"] and "no chunk" not in said["k = 5"]
    assert "2 of 3 chunks" in said["k = 10"]
    with pytest.raises(ValueError, match="block"):
        diagrams.draw_recall_truncation("abc")
    with pytest.raises(ValueError, match="ks"):
        diagrams.draw_recall_truncation("b....b", ks=(0,))


def test_jacobian_chain_computes_its_numbers_from_w():
    drawn = texts(diagrams.draw_jacobian_chain(3.0))
    assert "= 9 =" in drawn and "3.5 \\times 10^{9}" in drawn and "\\times\\, 3$" in drawn and "explodes" in drawn
    drawn = texts(diagrams.draw_jacobian_chain(0.5))
    assert "= 0.25 =" in drawn and "9.5 \\times 10^{-7}" in drawn and "vanishes" in drawn and "= 9 =" not in drawn


def test_unrolled_decoders_feed_their_outputs_back_and_parts_are_named():
    import matplotlib.pyplot as plt
    _, ax = plt.subplots()
    diagrams.draw_unrolled(ax, 4, inputs=[1, 2, 3, 4], outputs=[2, 3, 4], feedback=[2, 3], parts={"encoder": (1, 1), "decoder": (2, 4)})
    dashed = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None
              and a.arrow_patch.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == 2   # y_2 -> x_3 and y_3 -> x_4
    assert "encoder" in texts(ax) and "decoder" in texts(ax) and "fed back" in texts(ax)
    with pytest.raises(ValueError, match="feedback needs an output at step t and an input at t \\+ 1"):
        diagrams.draw_unrolled(ax, 4, inputs=[1], outputs=[1], feedback=[1])
    with pytest.raises(ValueError, match="output_labels names steps \\[1\\], which have no output"):
        diagrams.draw_unrolled(ax, 4, inputs=[1], outputs=[4], output_labels={1: "a"})
    _, fresh = plt.subplots()
    diagrams.draw_unrolled(fresh, 3, inputs=(t for t in (1, 2)), outputs=[3])   # a generator is read once, and drawn
    assert "x₁" in texts(fresh) and "x₂" in texts(fresh)
    with pytest.raises(ValueError, match="part 'decoder' must span steps within 1..4"):
        diagrams.draw_unrolled(ax, 4, inputs=[1], outputs=[1], parts={"decoder": (3, 5)})
    plt.close("all")


def test_the_five_types_stand_in_a_two_and_three_grid():
    axes = diagrams.draw_rnn_types()
    rows = sorted({round(ax.get_position().y0, 2) for ax in axes}, reverse=True)
    assert [sum(round(ax.get_position().y0, 2) == y for ax in axes) for y in rows] == [2, 3]
    assert [ax.get_title() for ax in axes] == list(diagrams.LAYOUTS)
