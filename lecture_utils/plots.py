"""Pictures and tables for the lessons: loss curves, per-step probabilities, softmax
temperature, gradient norms, gates, diagrams and coloured text. Each plotting function draws
into a new figure and returns its axes; the notebook calls plt.show(). Colours, line styles
and references follow style.py, the course's one visual language.
"""
import html

import matplotlib.pyplot as plt
import numpy as np

from .interpret import busiest_window
from .models import RNN_TYPES
from .numpy_char_lm import softmax
from .style import OTHER_LINESTYLES, REFERENCE, line_style, model_of, ramp
from .vocab import visible


def smooth(values, window):
    """Running mean over the last `window` values (shorter at the start): (n,) -> (n,)."""
    values = np.asarray(values, dtype=np.float64)
    if window < 1:
        raise ValueError(f"window must be at least 1; got {window}")
    c = np.cumsum(np.insert(values, 0, 0.0))
    start = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (c[1:] - c[start]) / (np.arange(1, len(values) + 1) - start)


def curve_styles(labels, ordered=False):
    """{color, linestyle} for each curve: a ramp for ordered values (ordered=True), else each
    model's own colour (style.py), a model that comes back again keeping its colour with
    another line style, and other curves the rest of the palette."""
    labels = list(labels)
    if ordered:
        return [{"color": c, "linestyle": OTHER_LINESTYLES[i % len(OTHER_LINESTYLES)]}
                for i, c in enumerate(ramp(len(labels)))]
    styles, seen, others = [], {}, 0
    for label in labels:
        model = model_of(label)
        if model is None:
            styles.append(line_style(label, others))
            others += 1
            continue
        style = line_style(label, 0)
        if model in seen:   # the same model again (before and after training, say): another line style
            alternatives = [ls for ls in OTHER_LINESTYLES if ls != style["linestyle"]]
            style["linestyle"] = alternatives[seen[model] % len(alternatives)]
        seen[model] = seen.get(model, -1) + 1
        styles.append(style)
    return styles


def draw_references(ax, reference):
    """Horizontal reference lines {label: value}, grey and dashed, each named in the legend."""
    dashes = [(0, (5, 3)), (0, (2, 2)), (0, (8, 2, 2, 2))]
    for i, (label, value) in enumerate((reference or {}).items()):
        ax.axhline(value, **{**REFERENCE, "linestyle": dashes[i % len(dashes)], "color": ("0.45", "0.0")[i % 2]},
                   label=label)


def plot_losses(curves, window=1, reference=None, title="Training loss", ylabel="loss (nats per character)",
                ordered=False):
    """Loss against training step for each {label: losses (n,)}.

    window: running-mean width, for noisy per-chunk losses. reference: {label: value}
    drawn as grey dashed horizontal lines (for example ln V, the loss of a uniform guess).
    ordered: the curves are for increasing values of one parameter: colour them by a ramp.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for (label, losses), style in zip(curves.items(), curve_styles(curves, ordered)):
        ax.plot(np.arange(1, len(losses) + 1), smooth(losses, window), label=label, **style)
    draw_references(ax, reference)
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.set_title(title if window == 1 else f"{title} (running mean over {window} steps)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return ax


def probability_table(probs, vocab, inputs, targets):
    """A text table of p_t = softmax(y_t) at every step, with the target's probability.

    probs (T, V); inputs, targets (T,) indices. Probabilities are rounded to 3 places.
    """
    probs = np.asarray(probs)
    T, V = probs.shape
    if V != len(vocab) or len(inputs) != T or len(targets) != T:
        raise ValueError(
            f"probs (T, V) = {probs.shape} must match {len(inputs)} inputs, "
            f"{len(targets)} targets and a vocabulary of {len(vocab)}"
        )
    names = [visible(c) for c in vocab.chars]
    head = f"{'t':>2}  {'x_t':>4} {'target':>6} | " + " ".join(f"{n:>6}" for n in names) + " | p(target)"
    lines = [head, "-" * len(head)]
    for t in range(T):
        row = " ".join(f"{p:6.3f}" for p in probs[t])
        lines.append(
            f"{t + 1:>2}  {names[inputs[t]]:>4} {names[targets[t]]:>6} | {row} | {probs[t, targets[t]]:.3f}"
        )
    return "\n".join(lines)


def plot_temperature(logits, labels, temperatures=(0.5, 1.0, 2.0), top=None):
    """Bars of softmax(logits / tau) for each temperature tau, one group per label.

    logits (V,), labels: V names. top: show only the `top` likeliest characters; their
    probabilities are still those of the softmax over all V.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or len(labels) != len(logits):
        raise ValueError(f"need one label per logit; got {len(labels)} labels for logits of shape {logits.shape}")
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1; got {top}")
    shown = np.argsort(logits)[::-1][:top]
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / len(temperatures)
    x = np.arange(len(shown))
    for i, (tau, color) in enumerate(zip(sorted(temperatures), ramp(len(temperatures)))):
        ax.bar(x + (i - (len(temperatures) - 1) / 2) * width, softmax(logits / tau)[shown], width,
               label=f"temperature {tau:g}", color=color)
    ax.set_xticks(x, [visible(labels[j]) for j in shown])
    ax.set_xlabel("next character")
    ax.set_ylabel("probability")
    ax.set_title("softmax(y / temperature)" + (f": the {len(shown)} likeliest characters" if top else ""))
    ax.legend()
    fig.tight_layout()
    return ax


# ------------------------------------------------------------ unrolled diagrams
_COLOURS = {"x": "#f4a6a6", "h": "#a8d5a2", "y": "#9cc3e6"}


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


def plot_grad_norms(curves, title="Gradient flowing back through time", ylabel="||dL/dh_t||", ordered=False):
    """Gradient norm against the step t, on a log scale, for each {label: norms (T,)}.
    ordered: the curves are for increasing values of one parameter: colour them by a ramp."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for (label, norms), style in zip(curves.items(), curve_styles(curves, ordered)):
        norms = np.asarray(norms, dtype=np.float64)
        shown = np.where(norms > 0, norms, np.nan)  # a log scale cannot show 0 (underflow)
        ax.plot(np.arange(1, len(norms) + 1), shown, label=label, **style)
    ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return ax


def plot_gates(gates, text, units=16, title="Gate activations, one row per hidden unit"):
    """Heat maps of gate values (each (T, H)) over a text of T characters, first `units` units."""
    names = list(gates)
    fig, axes = plt.subplots(len(names), 1, figsize=(min(14, 0.18 * len(text) + 2), 1.3 * len(names) + 0.8), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, names):
        values = np.asarray(gates[name])[:, :units].T
        signed = values.min() < 0
        image = ax.imshow(values, aspect="auto", cmap="RdBu_r" if signed else "viridis",
                          vmin=-1 if signed else 0, vmax=1, interpolation="nearest")
        ax.set_ylabel(f"{name}\n{values.shape[0]} units", rotation=0, labelpad=24, fontsize=10, va="center")
        ax.set_yticks([])
        bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.02)
        bar.set_label("candidate" if signed else "gate value", fontsize=8)
    axes[-1].set_xticks(range(len(text)), [visible(c) for c in text], fontsize=7)
    axes[-1].set_xlabel("input character")
    axes[0].set_title(title)
    return axes


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


# ------------------------------------------------------------------ cell diagrams
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
