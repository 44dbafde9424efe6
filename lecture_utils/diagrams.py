"""Diagrams of the lecture's figures, drawn with matplotlib in its notation: an RNN unrolled
over time and its five types, the "hello" network, backpropagation through time and its
truncation, the chain of Jacobians behind a vanishing gradient, and the RNN, LSTM and GRU
cells. Each function draws into the axes it is given (or a new figure) and returns them.
"""
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


def draw_unrolled(ax, T, inputs, outputs, title="", weights=False, input_labels=None, output_labels=None,
                  feedback=(), parts=None):
    """Draw an RNN unrolled over T steps: x_t below, h_t in the middle, y_t above.

    inputs, outputs: the steps (1-based) that take an input x_t or give an output y_t.
    weights: label the arrows W_xh, W_hh, W_hy, to show they are the same at every step.
    input_labels, output_labels: {step: text} to write in a box instead of x_t or y_t.
    feedback: the steps t whose output y_t is fed back as the input x_{t+1} (a decoder's
    loop), drawn as dashed curved arrows. parts: {name: (first step, last step)}, brackets
    under the inputs that name a part of the model (an encoder and a decoder, say).
    """
    inputs, outputs, feedback = list(inputs), list(outputs), list(feedback)   # ranges and generators alike
    input_labels, output_labels = input_labels or {}, output_labels or {}
    bad = [t for t in inputs + outputs if not 1 <= t <= T]
    if bad:
        raise ValueError(f"steps must lie in 1..{T}; got {bad}")
    for kind, labels, steps in (("input", input_labels, inputs), ("output", output_labels, outputs)):
        stray = [t for t in labels if t not in steps]
        if stray:
            raise ValueError(f"{kind}_labels names steps {stray}, which have no {kind}")
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
    bad = [t for t in feedback if not (t in outputs and t + 1 in inputs)]
    if bad:
        raise ValueError(f"feedback needs an output at step t and an input at t + 1; not so for {bad}")
    for t in feedback:   # the output written at step t is read back in as the next input
        ax.annotate("", (t + 0.82, 0.12), (t + 0.2, 1.9), arrowprops=dict(
            arrowstyle="-|>", color="0.35", lw=1.2, linestyle=(0, (3, 2)), connectionstyle="arc3,rad=-0.35"))
    if feedback:
        ax.text(T + 0.55, 2.45, "dashed: each output is fed back as the next input", fontsize=8, color="0.3",
                ha="right", va="top")
    for name, (first, last) in (parts or {}).items():
        if not 1 <= first <= last <= T:
            raise ValueError(f"part {name!r} must span steps within 1..{T}; got {first}..{last}")
        ax.plot([first - 0.35, first - 0.35, last + 0.35, last + 0.35], [-0.45, -0.55, -0.55, -0.45], color="black", lw=1.2)
        ax.text((first + last) / 2, -0.65, name, ha="center", va="top", fontsize=10, fontweight="bold")
    ax.set_xlim(0.4, T + 0.6)
    ax.set_ylim(-1.0 if parts else -0.5, 2.5)
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    return ax


def _sub(t):
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# Each type of models.RNN_TYPES drawn as (T, the steps that take input, the steps that give output).
LAYOUTS = dict(zip(RNN_TYPES, [(1, [1], [1]), (4, [1], [1, 2, 3, 4]), (4, [1, 2, 3, 4], [4]),
                               (6, [1, 2, 3], [4, 5, 6]), (4, [1, 2, 3, 4], [1, 2, 3, 4])]))


def draw_rnn_types():
    """The lecture's five types, which steps take input and which give output: the two that
    read one input above, the three that read a sequence below, every step at one scale."""
    fig = plt.figure(figsize=(12, 5.4))
    grid = fig.add_gridspec(2, 16)   # 16 columns: a step takes about one, so every panel has one scale
    slots = [grid[0, 0:3], grid[0, 4:9], grid[1, 0:5], grid[1, 5:12], grid[1, 12:16]]
    axes = []
    for slot, (name, (T, inputs, outputs)) in zip(slots, LAYOUTS.items()):
        axes.append(draw_unrolled(fig.add_subplot(slot), T, inputs, outputs, title=name))
        axes[-1].title.set_fontsize(12)
    fig.tight_layout()
    return axes


_GATE = {"σ": "#F5D9A8", "tanh": "#CFE3F1"}   # sigmoid gates and tanh boxes, light fills under black text


def _box(ax, x, y, text, fill, w=0.9, h=0.6, size=11, lw=1.2, **text_style):
    ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=fill, edgecolor="black", lw=lw, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=4, **text_style)


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
    ax.text(0.75, bus + 0.1, "$W_{hh}$", fontsize=10, va="bottom")
    _arrow(ax, [(1.6, -0.3), (1.6, bus)])
    ax.text(1.75, -0.25, "$x_t$", fontsize=12, va="bottom")
    ax.text(1.75, 0.68, "$W_{xh}$", fontsize=10, va="center")
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


# ---- The hello network, backpropagation through time and its truncation, the Jacobian chain.

def _axes(ax, figsize):
    """The axes given, or a new figure's of `figsize`; without their frame and ticks."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    ax.axis("off")
    return ax


def _link(ax, start, end, backward=False):
    """A straight arrow from start to end: black for the forward pass, or a gradient's.
    Both are annotations, so a test can count a figure's gradient arrows by their colour."""
    ax.annotate("", end, start, arrowprops=_BACKWARD if backward else _FORWARD, zorder=2)


def _direction_legend(ax, **where):
    handles = [Line2D([], [], color=_FORWARD["color"], lw=_FORWARD["lw"], label="forward"),
               Line2D([], [], color=GRADIENT, lw=_BACKWARD["lw"], label="gradient (backward)")]
    ax.legend(handles=handles, fontsize=9, frameon=False, **where)


def _decimals(v):
    """v to 2 decimals, without the '-0.00' that a tiny negative value would give."""
    return f"{v:.2f}" if round(v, 2) != 0 else "0.00"


def _num(v):
    """v for a mathtext label: plain when moderate ('9', '0.25'), else m × 10^e ('3.5 \\times 10^{9}')."""
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.3g}"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


_VOCAB, _HELLO_INPUT, _HELLO_TARGET = "helo", "hell", "ello"


def _hello_values(values):
    """values checked: {'h': (T, 3) array, 'y': (T, 4) array}, either key optional, T <= 4."""
    values = dict(values or {})
    unknown = sorted(set(values) - {"h", "y"})
    if unknown:
        raise ValueError(f"values takes the keys 'h' and 'y'; got also {unknown}")
    checked = {}
    for key, width in (("h", 3), ("y", 4)):
        if key in values:
            array = np.asarray(values[key], dtype=float)
            if array.ndim != 2 or array.shape[1] != width or array.shape[0] > 4:
                raise ValueError(f"values[{key!r}] must have shape (T, {width}) with T <= 4 steps; "
                                 f"got shape {array.shape}")
            checked[key] = array
    return checked


def draw_hello_network(values=None, ax=None):
    """The "hello" network over steps t = 1..4: in each column the one-hot input (vocabulary
    h, e, l, o; inputs h, e, l, l), 3 hidden units, 4 output scores y_t with the target's
    outlined thickly, and the target letter (e, l, l, o) on top; W_xh, W_hh, W_hy labelled once.

    values: optional {"h": (T, 3) hidden states, "y": (T, 4) output scores}, T <= 4, written
    in the cells of the first T columns to 2 decimals. Returns the axes."""
    values = _hello_values(values)
    ax = _axes(ax, (11, 6.6))
    gap, w, hgt = 3.2, 1.0, 0.45
    bottom = {"x": 0.0, "h": 2.7, "y": 4.95}      # where each layer's stack of cells starts
    top = {"x": 4 * hgt, "h": 2.7 + 3 * hgt, "y": 4.95 + 4 * hgt}
    for t in range(4):
        cx = t * gap
        for k, letter in enumerate(_VOCAB):       # the vocabulary top to bottom, in both layers
            hot = letter == _HELLO_INPUT[t]
            _box(ax, cx, bottom["x"] + (3.5 - k) * hgt, "1" if hot else "0", "#E06666" if hot else _COLOURS["x"],
                 w, hgt, size=10, fontweight="bold" if hot else "normal")
            score = _decimals(values["y"][t, k]) if "y" in values and t < len(values["y"]) else ""
            _box(ax, cx, bottom["y"] + (3.5 - k) * hgt, score, _COLOURS["y"], w, hgt, size=10, lw=1.0)
            for layer in ("x", "y"):
                ax.text(cx - w / 2 - 0.12, bottom[layer] + (3.5 - k) * hgt, letter, ha="right", va="center",
                        fontsize=9, color="0.3", family="monospace")
        # The target's score, outlined above its neighbours' edges.
        ax.add_patch(plt.Rectangle((cx - w / 2, bottom["y"] + (3 - _VOCAB.index(_HELLO_TARGET[t])) * hgt), w, hgt,
                                   facecolor="none", edgecolor="black", lw=3.0, zorder=3.5))
        for k in range(3):
            state = _decimals(values["h"][t, k]) if "h" in values and t < len(values["h"]) else ""
            _box(ax, cx, bottom["h"] + (2.5 - k) * hgt, state, _COLOURS["h"], w, hgt, size=10, lw=1.0)
        ax.text(cx, top["y"] + 0.35, f"target: {_HELLO_TARGET[t]}", ha="center", fontsize=11, fontweight="bold",
                family="monospace")
        ax.text(cx, bottom["x"] - 0.35, f"input: {_HELLO_INPUT[t]}", ha="center", va="top", fontsize=11,
                family="monospace")
        ax.text(cx, bottom["x"] - 0.95, f"$t = {t + 1}$", ha="center", va="top", fontsize=11)
        _link(ax, (cx, top["x"] + 0.05), (cx, bottom["h"] - 0.05))
        _link(ax, (cx, top["h"] + 0.05), (cx, bottom["y"] - 0.05))
        if t < 3:
            _link(ax, (cx + w / 2 + 0.1, bottom["h"] + 1.5 * hgt), (cx + gap - w / 2 - 0.1, bottom["h"] + 1.5 * hgt))
    # The same three matrices at every step: name each once.
    ax.text(0.12, (top["x"] + bottom["h"]) / 2, "$W_{xh}$", fontsize=11, va="center")
    ax.text(0.12, (top["h"] + bottom["y"]) / 2, "$W_{hy}$", fontsize=11, va="center")
    ax.text(gap / 2 - 0.1, bottom["h"] + 1.5 * hgt + 0.12, "$W_{hh}$", fontsize=11, ha="center", va="bottom")
    for layer, name in [("x", "input $x_t$\n(one-hot)"), ("h", "hidden $h_t$"), ("y", "output $y_t$\n(scores)")]:
        ax.text(-1.0, (bottom[layer] + top[layer]) / 2, name, ha="right", va="center", fontsize=11)
    ax.text(1.5 * gap, bottom["x"] - 1.55, "thick outline: the target's score, which training should make the largest",
            ha="center", va="top", fontsize=10, color="0.3")
    ax.set_xlim(-2.9, 3 * gap + 1.1)   # room for the last "target: o"
    ax.set_ylim(bottom["x"] - 2.1, top["y"] + 0.8)
    return ax


_BPTT_STEPS = [
    "(1) $\\partial L/\\partial y_t = (p_t - \\mathrm{onehot}(\\mathrm{target}_t))\\,/\\,T$",
    "(2) $\\partial L/\\partial W_{hy} = {\\sum}_t\\, \\partial L/\\partial y_t\\; h_t^\\top$",
    "(3) $\\delta h_t = W_{hy}^\\top\\, \\partial L/\\partial y_t + W_{hh}^\\top\\, \\delta a_{t+1}$",
    "(4) at each $h_t$:  $\\delta a_t = \\delta h_t \\odot (1 - h_t^2)$",
    "(5) $\\partial L/\\partial W_{hh} = {\\sum}_t\\, \\delta a_t\\, h_{t-1}^\\top$, likewise $W_{xh}$, $b$",
    "(6) $\\partial L/\\partial h_0 = W_{hh}^\\top\\, \\delta a_1$",
]


def draw_bptt(T=4, ax=None):
    """Backpropagation through time on the unrolled RNN h_0 -> h_1 ... h_T, x_t below and y_t,
    L_t above each h_t. Forward arrows black; gradient arrows run back, numbered with the
    lesson's steps (1)-(6), and each h_t receives two: from y_t and from h_{t+1}. One step
    (t = 2) is labelled in full; the steps' equations are listed underneath. Returns the axes."""
    if T < 1:
        raise ValueError(f"T must be at least 1 step; got T = {T}")
    ax = _axes(ax, (max(9.0, 2.4 * T + 2.5), 6.8))
    dx, row, bw, bh = 2.4, {"x": 0.0, "h": 1.6, "y": 3.2, "L": 4.8}, 0.8, 0.56
    full = max(1, min(2, T - 1))      # a step that receives both gradient arrows, where T allows
    _box(ax, 0, row["h"], "$h_0$", _COLOURS["h"], bw, bh, size=12)
    for t in range(1, T + 1):
        X, named = dx * t, t == full
        for name, fill in [("x", _COLOURS["x"]), ("h", _COLOURS["h"]), ("y", _COLOURS["y"]), ("L", _COLOURS["L"])]:
            _box(ax, X, row[name], f"${name}_{{{t}}}$", fill, bw, bh, size=12)
        _link(ax, (X, row["x"] + bh / 2), (X, row["h"] - bh / 2))
        _link(ax, (X - dx + bw / 2, row["h"] + 0.12), (X - bw / 2, row["h"] + 0.12))
        for lower, upper, number, label in [("h", "y", 3, f"$W_{{hy}}^\\top\\, \\partial L/\\partial y_{t}$"),
                                            ("y", "L", 1, f"$\\partial L/\\partial y_{t}$")]:
            _link(ax, (X - 0.18, row[lower] + bh / 2), (X - 0.18, row[upper] - bh / 2))
            _link(ax, (X + 0.18, row[upper] - bh / 2), (X + 0.18, row[lower] + bh / 2), backward=True)
            ax.text(X + 0.32, (row[lower] + row[upper]) / 2, f"({number}) {label}" if named else f"({number})",
                    fontsize=10, va="center")
        # The future's share of δh_{t-1}, or, out of h_1, the gradient for h_0.
        _link(ax, (X - bw / 2, row["h"] - 0.14), (X - dx + bw / 2, row["h"] - 0.14), backward=True)
        back = "(6) $W_{hh}^\\top\\, \\delta a_1$" if t == 1 else (
            f"(3) $W_{{hh}}^\\top\\, \\delta a_{t}$" if t == full + 1 else "(3)")
        ax.text(X - dx / 2, row["h"] - 0.3, back, fontsize=10, ha="center", va="top")
    ax.text(dx * (T + 1) / 2, row["L"] + 0.75, "$L = \\dfrac{1}{T} {\\sum}_t\\, L_t$", fontsize=13, ha="center")
    width = max(dx * T + 1.2, 10.5)
    for i, step in enumerate(_BPTT_STEPS):
        ax.text(-0.5 + (i // 3) * width / 2, -1.1 - 0.55 * (i % 3), step, fontsize=10, va="baseline")
    ax.text(-0.5, -2.85, "Each $h_t$ before $h_T$ receives two gradient arrows, from $y_t$ and from $h_{t+1}$: "
            "line (3) adds them.", fontsize=10, va="baseline")
    _direction_legend(ax, loc="upper left")
    ax.set_xlim(-0.6, width)
    ax.set_ylim(-3.1, row["L"] + 1.3)
    return ax


def draw_truncated_bptt(T=12, k=4, ax=None):
    """Truncated BPTT over h_1..h_T cut into chunks of k steps: the forward arrows (black)
    carry the state across the chunk boundaries (grey dashed); the gradient arrows run back
    only inside a chunk and stop at its start. There are T - ceil(T/k) gradient arrows and
    ceil(T/k) - 1 boundaries. Returns the axes."""
    if T < 1 or k < 1:
        raise ValueError(f"T and k must both be at least 1; got T = {T}, k = {k}")
    ax = _axes(ax, (max(6.0, 0.95 * T + 1.0), 2.6))
    bw, bh, forward, backward = 0.5, 0.36, 0.07, -0.09     # box size; heights of the two arrows
    for t in range(1, T + 1):
        _box(ax, t, 0, f"$h_{{{t}}}$", _COLOURS["h"], bw, bh, size=11)
    for c, start in enumerate(range(0, T, k)):
        ax.text((start + 1 + min(start + k, T)) / 2, 0.72, f"chunk {c + 1}", ha="center", fontsize=10)
    for t in range(1, T):
        _link(ax, (t + bw / 2, forward), (t + 1 - bw / 2, forward))
        if t % k:
            _link(ax, (t + 1 - bw / 2, backward), (t + bw / 2, backward), backward=True)
            continue
        # A boundary: the state goes on (detached); its gradient ends in a stop bar, drawn as
        # lines rather than an arrow since nothing arrives.
        edge = t + 0.5
        ax.plot([edge, edge], [-0.75, 0.95], **REFERENCE)
        ax.plot([t + 1 - bw / 2, edge], [backward] * 2, color=GRADIENT, lw=_BACKWARD["lw"], solid_capstyle="butt")
        ax.plot([edge, edge], [backward - 0.16, backward + 0.16], color=GRADIENT, lw=_BACKWARD["lw"])
        if t == k:
            ax.text(edge, 0.3, "state carried (detached)", ha="center", fontsize=9, color="0.2",
                    bbox=dict(facecolor="white", edgecolor="none", pad=1))
            ax.text(edge, -0.34, "gradient stops", ha="center", va="top", fontsize=9, color="0.2",
                    bbox=dict(facecolor="white", edgecolor="none", pad=1))
    _direction_legend(ax, loc="upper center", bbox_to_anchor=(0.5, 0.06), ncol=2)
    ax.set_xlim(0.4, T + 0.6)
    ax.set_ylim(-0.9, 1.05)
    return ax


def _recall_blocks(text):
    """(i, j) for each symbol at i whose repeat is at j, with only dots between."""
    blocks = []
    for i, symbol in enumerate(text):
        if symbol != "." and text[i + 1:i + 2] == ".":
            j = i + 1
            while j < len(text) and text[j] == ".":
                j += 1
            if j < len(text) and text[j] == symbol:
                blocks.append((i, j))
    return blocks


def _recall_verdict(k, chunks, blocks):
    """Whether the chunks hold a block's inputs i..j-1: the symbol through the input that
    predicts its repeat, all of which one backward pass must connect."""
    holding = sum(any(start <= i and j - 1 < end for i, j in blocks) for start, end in chunks)
    which = "no chunk holds" if holding == 0 else (
        "every chunk holds" if holding == len(chunks) else f"{holding} of {len(chunks)} chunks hold")
    return f"k = {k}: {which} a symbol and the input that predicts its repeat"


def draw_recall_truncation(text="b....b", ks=(4, 10), ax=None):
    """The recall task's blocks (a symbol, dots, the symbol again) as a row of characters, an
    arc from each symbol to its repeat, and for each k in ks a row of chunks of k characters
    (boundaries grey dashed) with the verdict: which chunks hold a symbol together with the
    input that predicts its repeat. Under each row, a line spans those inputs for each block,
    with × where a boundary cuts it. Returns the axes."""
    blocks = _recall_blocks(text)
    if not blocks:
        raise ValueError(f"text must hold a block like 'b....b' (a symbol, dots, the symbol again); got {text!r}")
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must be chunk lengths of at least 1; got {ks}")
    n = len(text)
    ax = _axes(ax, (max(7.5, 0.5 * n + 1.5), 1.7 + 1.25 * len(ks)))
    for i, char in enumerate(text):
        _box(ax, i, 0, char, "white", 0.8, 0.8, size=14, family="monospace")
    for i, j in blocks:
        ax.annotate("", (j, 0.45), (i, 0.45), arrowprops=dict(arrowstyle="-|>", color="black", lw=1.1,
                                                              connectionstyle="arc3,rad=-0.35"))
        ax.text((i + j) / 2, 0.45 + 0.175 * (j - i) + 0.1, f"{j - i} steps", ha="center", fontsize=10)
    for r, k in enumerate(ks):
        y = -1.6 - 2.2 * r
        chunks = [(s, min(s + k, n)) for s in range(0, n, k)]
        ax.text(-0.5, y + 0.45, _recall_verdict(k, chunks, blocks), fontsize=10, va="bottom")
        for c, (start, end) in enumerate(chunks):
            ax.add_patch(plt.Rectangle((start - 0.45, y - 0.2), end - start - 0.1, 0.4,
                                       facecolor=("#EDEDED", "#D5D5D5")[c % 2], edgecolor="0.3", lw=0.8))
            if start:
                ax.plot([start - 0.5] * 2, [y - 1.0, y + 0.35], **REFERENCE)
        for i, j in blocks:
            ax.plot([i, j - 1], [y - 0.6] * 2, color="black", lw=1.6, marker="|", markersize=8)
            for cut in [start for start, _ in chunks if i < start <= j - 1]:
                ax.text(cut - 0.5, y - 0.6, "×", color=GRADIENT, fontsize=16, fontweight="bold",
                        ha="center", va="center")
    ax.text(-0.5, -1.6 - 2.2 * len(ks) + 0.9,
            "bars: the chunks.  Line under them: a block's inputs, from the symbol to the last dot;\n"
            "one chunk must hold them all for a gradient to link the repeat to the symbol.  ×: cut by a boundary.",
            fontsize=9, color="0.3", va="top", linespacing=1.4)
    ax.set_aspect("equal")
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylim(-1.6 - 2.2 * len(ks) - 0.3, 0.9 + 0.175 * max(j - i for i, j in blocks) + 0.3)
    return ax


def draw_jacobian_chain(w=3.0, ax=None):
    """The lecture's ∂h_3/∂h_1 for a scalar RNN with W_hh = w, tanh left out: h_1 -> h_2 -> h_3,
    each step "× w", and the chain of factors underneath, ∂h_3/∂h_1 = w · w = w², then w^k
    k steps back (w^20 shown), and with tanh each factor w(1 - h_k²). Returns the axes."""
    ax = _axes(ax, (8.5, 3.6))
    W = _num(w) if w >= 0 and "times" not in _num(w) else f"({_num(w)})"   # brackets for W^2, W^k
    for step in (1, 2, 3):
        _box(ax, 3 * (step - 1), 2.2, f"$h_{step}$", _COLOURS["h"], 0.9, 0.6, size=13)
    for step in (1, 2):
        x = 3 * (step - 1)
        _link(ax, (x + 0.45, 2.35), (x + 2.55, 2.35))
        ax.text(x + 1.5, 2.45, f"$\\times\\, {W}$", ha="center", va="bottom", fontsize=12)
        _link(ax, (x + 2.55, 2.02), (x + 0.45, 2.02), backward=True)
        ax.text(x + 1.5, 1.85, f"$\\partial h_{step + 1} / \\partial h_{step} = {_num(w)}$", ha="center", va="top",
                fontsize=11)
    trend = "explodes" if abs(w) > 1 else ("vanishes" if abs(w) < 1 else "stays 1")
    factor = f"${W}\\,(1 - h_k^2) \\leq {W}$" if w >= 0 else f"${W}\\,(1 - h_k^2)$, in size $\\leq {_num(-w)}$"
    lines = [f"$\\partial h_3/\\partial h_1 = \\partial h_3/\\partial h_2 \\cdot \\partial h_2/\\partial h_1"
             f" = {W} \\cdot {W} = {_num(w * w)} = {W}^2$",
             f"$k$ steps back: ${W}^k$;   ${W}^{{20}} \\approx {_num(w ** 20)}$  ({trend})",
             f"with tanh, each factor is {factor}: tanh can only shrink the product"]
    for i, line in enumerate(lines):
        ax.text(-0.5, 1.0 - 0.5 * i, line, fontsize=12, va="center")
    ax.set_title(f"A scalar RNN with $W_{{hh}} = {_num(w)}$, tanh left out: $h_{{k+1}} = {W}\\, h_k$", fontsize=12)
    _direction_legend(ax, loc="center", bbox_to_anchor=(3.0, 1.42), bbox_transform=ax.transData, ncol=2)
    ax.set_xlim(-0.6, 7.5)
    ax.set_ylim(-0.3, 2.8)
    return ax
