"""Diagrams of the lecture's figures, drawn with matplotlib in its notation: an RNN unrolled
over time and its five types, the "hello" network, backpropagation through time and its
truncation, the chain of Jacobians behind a vanishing gradient, and the RNN, LSTM and GRU
cells. Each function draws into the axes it is given (or a new figure) and returns them.
"""
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .models import RNN_TYPES
from .style import OTHER_COLORS, REFERENCE   # importing style also turns on retina figures


_COLOURS = {"x": "#f4a6a6", "h": "#a8d5a2", "y": "#9cc3e6", "L": "#E8E8E8"}
# Gradients flow backwards in a colour of their own, thicker than the black forward pass, so
# the two directions stay apart in print and under colour-vision deficiencies.
GRADIENT = OTHER_COLORS[1]
_FORWARD = dict(arrowstyle="-|>", color="black", lw=1.3, shrinkA=0, shrinkB=0)
_BACKWARD = dict(arrowstyle="-|>", color=GRADIENT, lw=2.6, shrinkA=0, shrinkB=0, mutation_scale=14)


def draw_unrolled(ax, T, inputs, outputs, title="", weights=False, input_labels=None, output_labels=None):
    """Draw an RNN unrolled over T steps: x_t below, h_t in the middle, y_t above.

    inputs, outputs: the steps (1-based) that take an input x_t or give an output y_t.
    weights: label the arrows W_xh, W_hh, W_hy, to show they are the same at every step.
    input_labels, output_labels: {step: text} to write in a box instead of x_t or y_t.
    """
    input_labels, output_labels = input_labels or {}, output_labels or {}
    bad = [t for t in list(inputs) + list(outputs) if not 1 <= t <= T]
    if bad:
        raise ValueError(f"steps must lie in 1..{T}; got {bad}")
    box = dict(boxstyle="round,pad=0.3", edgecolor="black")
    arrow = dict(arrowstyle="->", color="black", lw=1.2)
    size = 11 if T <= 6 else 8
    for t in range(1, T + 1):
        ax.text(t, 1, f"h{_sub(t)}", ha="center", va="center", fontsize=size, bbox={**box, "facecolor": _COLOURS["h"]})
        if t in inputs:
            ax.text(t, 0, input_labels.get(t, f"x{_sub(t)}"), ha="center", va="center", fontsize=size, bbox={**box, "facecolor": _COLOURS["x"]})
            ax.annotate("", (t, 0.8), (t, 0.2), arrowprops=arrow)
            if weights:
                ax.text(t + 0.06, 0.5, "W_xh", fontsize=8, va="center")
        if t in outputs:
            ax.text(t, 2, output_labels.get(t, f"y{_sub(t)}"), ha="center", va="center", fontsize=size, bbox={**box, "facecolor": _COLOURS["y"]})
            ax.annotate("", (t, 1.8), (t, 1.2), arrowprops=arrow)
            if weights:
                ax.text(t + 0.06, 1.5, "W_hy", fontsize=8, va="center")
        if t < T:
            ax.annotate("", (t + 0.72, 1), (t + 0.28, 1), arrowprops=arrow)
            if weights:
                ax.text(t + 0.5, 1.12, "W_hh", fontsize=8, ha="center")
    ax.set_xlim(0.4, T + 0.6)
    ax.set_ylim(-0.5, 2.5)
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    return ax


def _sub(t):
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# Each type of models.RNN_TYPES drawn as (T, the steps that take input, the steps that give output).
LAYOUTS = dict(zip(RNN_TYPES, [(1, [1], [1]), (4, [1], [1, 2, 3, 4]), (4, [1, 2, 3, 4], [4]),
                               (6, [1, 2, 3], [4, 5, 6]), (4, [1, 2, 3, 4], [1, 2, 3, 4])]))


def draw_rnn_types():
    """The lecture's five types side by side: which steps take input, which give output."""
    fig, axes = plt.subplots(1, 5, figsize=(14, 2.6), gridspec_kw={"width_ratios": [1.4, 4, 4, 6, 4]})
    for ax, (name, (T, inputs, outputs)) in zip(axes, LAYOUTS.items()):
        draw_unrolled(ax, T, inputs, outputs, title=name)
    fig.tight_layout()
    return axes


_GATE = {"σ": "#F5D9A8", "tanh": "#CFE3F1"}   # sigmoid gates and tanh boxes, light fills under black text


def _box(ax, x, y, text, fill, w=0.9, h=0.6, size=11):
    ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=fill, edgecolor="black", lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=4)


def _node(ax, x, y, op):
    ax.add_patch(plt.Circle((x, y), 0.28, facecolor="white", edgecolor="black", lw=1.2, zorder=3))
    ax.text(x, y, op, ha="center", va="center", fontsize=12, zorder=4)


def _arrow(ax, points, color="black", lw=1.4):
    """A polyline through `points` with an arrowhead at the end."""
    xs, ys = zip(*points)
    ax.plot(xs[:-1] + (xs[-1],), ys[:-1] + (ys[-1],), color=color, lw=lw, zorder=2, solid_capstyle="round")
    ax.annotate("", points[-1], points[-2], arrowprops=dict(arrowstyle="-|>", color=color, lw=lw,
                                                            shrinkA=0, shrinkB=0), zorder=2)


def _cell_frame(ax, title):
    """Axes for a cell diagram: the cell's grey box, its equation above it. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 4.6))
    ax.add_patch(plt.Rectangle((0.7, 0.4), 8.6, 5.0, facecolor="#F4F4F4", edgecolor="0.5", lw=1, zorder=0))
    ax.text(5.0, 5.55, title, ha="center", fontsize=11)
    ax.set_xlim(-0.2, 10.2)
    ax.set_ylim(-0.4, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _state_path(ax, y, times_at, plus_at, into, out):
    """The state carried from step to step, along the top: one × and one + on its way."""
    _arrow(ax, [(0.0, y), (times_at - 0.28, y)], lw=2.4)
    _node(ax, times_at, y, "×")
    _arrow(ax, [(times_at + 0.28, y), (plus_at - 0.28, y)], lw=2.4)
    _node(ax, plus_at, y, "+")
    _arrow(ax, [(plus_at + 0.28, y), (10.0, y)], lw=2.4)
    ax.text(0.0, y + 0.25, into, fontsize=12, va="bottom")
    ax.text(10.0, y + 0.25, out, fontsize=12, va="bottom", ha="right")


def draw_rnn_cell(ax=None):
    """The vanilla RNN cell in the frame and scale of draw_lstm_cell and draw_gru_cell, so the
    three stand side by side: h_{t-1} in on the bus from the left, x_t from below, one tanh
    box, h_t out to the right. Returns the axes."""
    ax = _cell_frame(ax, "RNN cell:  $h_t = \\tanh(W_{hh}\\, h_{t-1} + W_{xh}\\, x_t + b)$")
    top, bus = 4.7, 1.0
    # Where the LSTM and GRU carry their state along the top, the RNN has nothing: say so.
    ax.text(5.0, top, "no separate state path:  $h_t$ is all that is carried",
            ha="center", va="center", fontsize=10, color="0.35", style="italic")
    ax.plot([0.0, 5.0], [bus, bus], color="black", lw=1.4, zorder=2)
    ax.text(0.0, bus - 0.22, "$h_{t-1}$", fontsize=12, va="top")
    ax.text(0.9, bus + 0.1, "$W_{hh}$", fontsize=10, va="bottom")
    _arrow(ax, [(1.9, -0.3), (1.9, bus)])
    ax.text(2.05, -0.25, "$x_t$", fontsize=12, va="bottom")
    ax.text(2.05, 0.35, "$W_{xh}$", fontsize=10, va="center")
    _arrow(ax, [(5.0, bus), (5.0, 1.9)])
    _box(ax, 5.0, 2.2, "tanh", _GATE["tanh"])
    ax.text(5.5, 1.55, "$W_{hh} h_{t-1} + W_{xh} x_t + b$", fontsize=8, va="center", ha="left", color="0.25")
    _arrow(ax, [(5.45, 2.2), (10.0, 2.2)])
    ax.text(10.0, 2.4, "$h_t$", fontsize=12, ha="right", va="bottom")
    return ax


def draw_lstm_cell(ax=None):
    """The LSTM cell as the lecture draws it, in its notation: the cell state C_{t-1} -> C_t
    along the top, changed only by × f_t and + i_t ⊙ g_t; the four gates computed from h_{t-1}
    and x_t below; h_t = o_t ⊙ tanh(C_t) out to the right. Returns the axes."""
    ax = _cell_frame(ax, "LSTM cell:  $C_t = f_t \\odot C_{t-1} + i_t \\odot g_t$,   $h_t = o_t \\odot \\tanh(C_t)$")
    top, bus = 4.7, 1.0
    # The cell state: the top line, one multiplication and one addition per step.
    _state_path(ax, top, 2.5, 5.5, "$C_{t-1}$", "$C_t$")
    # h_{t-1} and x_t meet on the bus that feeds every gate.
    ax.plot([0.0, 7.2], [bus, bus], color="black", lw=1.4, zorder=2)
    ax.text(0.0, bus - 0.22, "$h_{t-1}$", fontsize=12, va="top")
    _arrow(ax, [(1.4, -0.3), (1.4, bus)])
    ax.text(1.55, -0.25, "$x_t$", fontsize=12, va="bottom")
    gates = [("f", 2.5, "σ", "forget"), ("i", 4.2, "σ", "input"), ("g", 5.5, "tanh", "candidate"),
             ("o", 7.2, "σ", "output")]
    for name, x, kind, meaning in gates:
        _arrow(ax, [(x, bus), (x, 1.9)])
        _box(ax, x, 2.2, kind, _GATE[kind])
        ax.text(x + 0.5, 1.55, f"${name}_t$\n{meaning}", fontsize=8, va="center", ha="left", color="0.25")
    _arrow(ax, [(2.5, 2.5), (2.5, top - 0.28)])                 # f_t scales C_{t-1}
    _node(ax, 5.5, 3.5, "×")                                     # i_t ⊙ g_t, what is written
    _arrow(ax, [(4.2, 2.5), (4.2, 3.5), (5.22, 3.5)])
    _arrow(ax, [(5.5, 2.5), (5.5, 3.22)])
    _arrow(ax, [(5.5, 3.78), (5.5, top - 0.28)])
    _box(ax, 8.3, 3.7, "tanh", _GATE["tanh"], w=0.9, h=0.5, size=10)   # h_t = o_t ⊙ tanh(C_t)
    _arrow(ax, [(8.3, top), (8.3, 3.95)])
    _node(ax, 8.3, 2.2, "×")
    _arrow(ax, [(8.3, 3.45), (8.3, 2.48)])
    _arrow(ax, [(7.65, 2.2), (8.02, 2.2)])
    _arrow(ax, [(8.58, 2.2), (10.0, 2.2)])
    ax.text(10.0, 2.4, "$h_t$", fontsize=12, ha="right", va="bottom")
    return ax


def draw_gate_order(ax=None):
    """The four blocks stacked in an LSTM's weight_ih (4H, D): PyTorch's order i, f, g, o,
    against the order the lecture names them, i, f, o, g. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 1.5))
    fills = {"i": "#F5D9A8", "f": "#F5D9A8", "o": "#F5D9A8", "g": "#CFE3F1"}
    for row, (who, order) in enumerate([("PyTorch stacks the rows of weight_ih (4H, D)", "ifgo"), ("the lecture names them", "ifog")]):
        y = 1 - row
        ax.text(-0.2, y, who, ha="right", va="center", fontsize=10)
        for k, name in enumerate(order):
            ax.add_patch(plt.Rectangle((k, y - 0.35), 1, 0.7, facecolor=fills[name], edgecolor="black"))
            ax.text(k + 0.5, y, f"${name}$", ha="center", va="center", fontsize=12)
            if row == 0:
                ax.text(k + 0.5, y + 0.5, ["0:H", "H:2H", "2H:3H", "3H:4H"][k], ha="center", va="center",
                        fontsize=8, color="0.3")
    ax.set_xlim(-3.6, 4.1)
    ax.set_ylim(-0.5, 1.8)
    ax.axis("off")
    return ax


def draw_gru_cell(ax=None):
    """The GRU cell in PyTorch's convention: reset gate r_t and update gate z_t from h_{t-1}
    and x_t, the candidate n_t, and h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1} along the top.
    Returns the axes."""
    ax = _cell_frame(ax, "GRU cell:  $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$")
    top, bus = 4.7, 1.0
    # The state path: h_{t-1} kept in the share z_t, plus the candidate in the share 1 - z_t.
    _state_path(ax, top, 4.0, 7.5, "$h_{t-1}$", "$h_t$")
    # h_{t-1} and x_t meet on the bus that feeds the gates and the candidate.
    _arrow(ax, [(0.45, top), (0.45, bus), (7.5, bus), (7.5, 1.95)])
    _arrow(ax, [(1.6, -0.3), (1.6, bus)])
    ax.text(1.75, -0.25, "$x_t$", fontsize=12, va="bottom")
    for name, x, meaning in [("r", 2.5, "reset"), ("z", 4.0, "update")]:
        _arrow(ax, [(x, bus), (x, 1.9)])
        _box(ax, x, 2.2, "σ", _GATE["σ"])
        ax.text(x + 0.5, 1.55, f"${name}_t$\n{meaning}", fontsize=8, va="center", ha="left", color="0.25")
    _arrow(ax, [(4.0, 2.5), (4.0, top - 0.28)])                                # z_t keeps h_{t-1}
    _node(ax, 5.5, 3.5, "1−")
    _arrow(ax, [(4.0, 3.5), (5.22, 3.5)])
    _node(ax, 7.5, 3.5, "×")
    _arrow(ax, [(5.78, 3.5), (7.22, 3.5)])                                     # 1 - z_t writes n_t
    _box(ax, 7.5, 2.2, "tanh", _GATE["tanh"], w=0.9, h=0.5, size=10)
    ax.text(8.0, 1.6, "$n_t$ candidate", fontsize=8, va="center", ha="left", color="0.25")
    _arrow(ax, [(2.5, 2.5), (2.5, 2.9), (6.6, 2.9), (6.6, 2.2), (7.05, 2.2)])  # r_t scales h_{t-1}'s part of n_t
    _arrow(ax, [(7.5, 2.45), (7.5, 3.22)])
    _arrow(ax, [(7.5, 3.78), (7.5, top - 0.28)])
    return ax
