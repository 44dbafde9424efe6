"""The lecture's diagrams: each draws, in the lecture's notation, what its lesson says it shows."""
import matplotlib

matplotlib.use("Agg")

from lecture_utils import diagrams  # noqa: E402  (after choosing the Agg backend)


def texts(ax):
    """Every text drawn on the axes, in one string."""
    return " ".join(t.get_text() for t in ax.texts)


def test_the_cell_diagrams_carry_the_lectures_notation():
    lstm = texts(diagrams.draw_lstm_cell())
    for symbol in ("$C_{t-1}$", "$C_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$", "×", "+"):
        assert symbol in lstm, symbol
    gru = texts(diagrams.draw_gru_cell())
    for symbol in ("$h_{t-1}$", "$h_t$", "$x_t$", "$r_t$", "$z_t$", "$n_t$", "1−"):
        assert symbol in gru, symbol
    order = texts(diagrams.draw_gate_order())
    assert order.index("$g$") < order.index("$o$") and order.rindex("$o$") < order.rindex("$g$")
