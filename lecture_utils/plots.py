"""Pictures and tables for the lessons: loss curves, per-step probabilities, softmax
temperature, gradient norms, gates, diagrams and coloured text. Each plotting function draws
into a new figure and returns its axes; the notebook calls plt.show(). Colours, line styles
and references follow style.py, the course's one visual language.
"""
import matplotlib.pyplot as plt
import numpy as np

from .numpy_char_lm import softmax
from .style import (
    MODEL_COLORS, MODEL_HATCHES, OTHER_COLORS, OTHER_LINESTYLES, REFERENCE, line_style, model_of, ramp,
)
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
    """Horizontal reference lines {label: value}, dashed, black then grey, each named in the legend."""
    dashes = [(0, (5, 3)), (0, (2, 2)), (0, (8, 2, 2, 2))]
    for i, (label, value) in enumerate((reference or {}).items()):
        ax.axhline(value, **{**REFERENCE, "linestyle": dashes[i % len(dashes)], "color": ("0.0", "0.45")[i % 2]},
                   label=label)


def plot_losses(curves, window=1, reference=None, title="Training loss", ylabel="loss (nats per character)",
                ordered=False, validation=None, x=None, xlabel="training step", ylim=None, logy=False):
    """Loss against training step for each {label: losses (n,)}.

    window: running-mean width, for noisy per-chunk losses. reference: {label: value}
    drawn as grey dashed horizontal lines (for example ln V, the loss of a uniform guess).
    ordered: the curves are for increasing values of one parameter: colour them by a ramp.
    validation: {label: [(step, loss), ...]}, validation losses drawn as markers in the
    colour of the curve with that label. x: {label: (n,) positions} to plot against
    instead of the step (seconds, characters read), named by xlabel. ylim: (low, high)
    clips the axis; what the clip hides is written on the figure. logy: a log loss axis.
    """
    validation, x = validation or {}, x or {}
    for name, given in (("validation", validation), ("x", x)):
        unknown = [label for label in given if label not in curves]
        if unknown:
            raise ValueError(f"{name} names {unknown}, which are not curves; the curves are {list(curves)}")
    if x and set(x) != set(curves):
        raise ValueError(f"x must give positions for every curve; missing {[c for c in curves if c not in x]}")
    fig, ax = plt.subplots(figsize=(7, 3.9))
    highest = []
    for (label, losses), style in zip(curves.items(), curve_styles(curves, ordered)):
        shown = smooth(losses, window)
        xs = np.asarray(x[label]) if x else np.arange(1, len(losses) + 1)
        if len(xs) != len(shown):
            raise ValueError(f"x[{label!r}] has {len(xs)} positions for {len(shown)} losses")
        ax.plot(xs, shown, label=label, marker="o" if len(shown) < 20 else None, **style)   # few points: show each
        points = validation.get(label, [])
        for step, loss in points:
            ax.plot(step, loss, marker="o", markersize=7, color=style["color"], markeredgecolor="black", zorder=4)
        if points:   # the values in the legend too: two dots at one step may cover each other
            values = ", ".join(f"{loss:.3f}" for _, loss in points)
            ax.plot([], [], marker="o", linestyle="none", color=style["color"], markeredgecolor="black",
                    label=f"{label}: validation {values}")
        highest.append((shown.max(), xs[shown.argmax()], label))
    draw_references(ax, reference)
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
        peak, at, label = max(highest)
        if peak > ylim[1]:   # say what the clipped axis hides, so that no data is hidden silently
            where = f"step {at:,.0f}" if xlabel == "training step" else f"{at:,.0f} {xlabel.split(' (')[0]}"
            ax.plot([], [], " ", label=f"off the axis: {label} up to {peak:.3g}, at {where}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title if window == 1 else f"{title} (running mean over {window} steps)")
    legend_below(ax)
    ax.grid(alpha=0.3, which="both" if logy else "major")
    fig.tight_layout()
    return ax


def legend_below(ax):
    """The legend under the axes, in two columns: it can hide no curve and no reference."""
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)


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
    if not all(tau > 0 for tau in temperatures):
        raise ValueError(f"every temperature must be a positive number; got {list(temperatures)}")
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


def plot_grad_norms(curves, title="Gradient flowing back through time", ylabel="||dL/dh_t||", ordered=False,
                    background=None, ylim=None):
    """Gradient norm against the step t, on a log scale, for each {label: norms (T,)}.

    The loss is at the last step, so backpropagation runs from right to left; an arrow
    says so. ordered: the curves are for increasing values of one parameter (a ramp).
    background: {label: norms} drawn thin and grey behind, for comparison (a slider's
    fixed curves). ylim: a fixed (low, high), so that redrawn figures compare.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for label, norms in (background or {}).items():
        norms = np.asarray(norms, dtype=np.float64)
        ax.plot(np.arange(1, len(norms) + 1), np.where(norms > 0, norms, np.nan), color="0.75", lw=1, zorder=1)
        ax.annotate(label, (1, norms[0]), fontsize=7, color="0.5", va="center", ha="right",
                    xytext=(-2, 0), textcoords="offset points", annotation_clip=False)
    for (label, norms), style in zip(curves.items(), curve_styles(curves, ordered)):
        norms = np.asarray(norms, dtype=np.float64)
        shown = np.where(norms > 0, norms, np.nan)  # a log scale cannot show 0 (underflow)
        ax.plot(np.arange(1, len(norms) + 1), shown, label=label, lw=2, **style)
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.annotate("", (0.08, 1.04), (0.5, 1.04), xycoords="axes fraction",
                arrowprops=dict(arrowstyle="-|>", color="0.3", lw=1.2), annotation_clip=False)
    ax.text(0.52, 1.04, "backpropagation: from the loss at t = T back to t = 1", transform=ax.transAxes,
            fontsize=8, color="0.3", va="center")
    ax.set_xlabel("step t")
    ax.set_ylabel(ylabel)
    ax.set_title(title, pad=18)
    legend_below(ax)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return ax


def plot_gates(gates, text, units=None, title="Gate activations, one row per hidden unit", mark="\n"):
    """Heat maps of gate values (each (T, H)) over a text of T characters.

    units: the units to show, in that order (for example sorted by their mean forget
    gate); None shows them all. mark: characters whose columns get a grey dashed outline
    (the line break, by default), where the gates often change together.
    """
    names = list(gates)
    units = list(range(np.asarray(gates[names[0]]).shape[1]) if units is None else units)
    fig, axes = plt.subplots(len(names), 1, figsize=(min(14, 0.18 * len(text) + 2.5), 0.14 * len(units) * len(names) + 1.4),
                             sharex=True)
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, names):
        values = np.asarray(gates[name])[:, units].T
        signed = values.min() < 0
        image = ax.imshow(values, aspect="auto", cmap="RdBu_r" if signed else "viridis",
                          vmin=-1 if signed else 0, vmax=1, interpolation="nearest")
        ax.set_ylabel(f"${name}$", rotation=0, labelpad=14, fontsize=12, va="center")
        ax.set_yticks(range(len(units)), [f"unit {u}" for u in units], fontsize=6)
        for t in [t for t, c in enumerate(text) if c in mark]:
            ax.add_patch(plt.Rectangle((t - 0.5, -0.5), 1, len(units), fill=False, **{**REFERENCE, "color": "0.2"}))
        bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.02)
        bar.set_label("candidate" if signed else "gate value", fontsize=8)
    axes[-1].set_xticks(range(len(text)), [visible(c) for c in text], fontsize=7)
    axes[-1].set_xlabel("input character" + (f" (dashed: {', '.join(visible(c) for c in mark)})" if mark else ""))
    axes[0].set_title(title)
    return axes


def plot_probability_maps(tables, chars, inputs, targets, title="p_t = softmax(y_t) at each step"):
    """Side-by-side heat maps of the probabilities {label: probs (T, V)}, one row per step,
    one column per character, each value written in its cell, the target outlined in the
    colour of the label's curve (curve_styles).

    chars: the V characters; inputs, targets: (T,) indices.
    """
    fig, axes = plt.subplots(1, len(tables), figsize=(3.4 * len(tables) + 0.6, 0.55 * len(inputs) + 1.6))
    axes = np.atleast_1d(axes)
    for ax, (label, probs), style in zip(axes, tables.items(), curve_styles(tables)):
        probs = np.asarray(probs)
        if probs.shape != (len(inputs), len(chars)) or len(targets) != len(inputs):
            raise ValueError(f"{label}: probs (T, V) = {probs.shape} must match {len(inputs)} inputs, "
                             f"{len(targets)} targets and {len(chars)} characters")
        ax.imshow(probs, cmap="Greys", vmin=0, vmax=1.6)   # vmax above 1: black text stays readable on 1.0
        for t, row in enumerate(probs):
            for v, p in enumerate(row):
                ax.text(v, t, f"{p:.2f}", ha="center", va="center", fontsize=9,
                        fontweight="bold" if v == targets[t] else "normal")
            ax.add_patch(plt.Rectangle((targets[t] - 0.5, t - 0.5), 1, 1, fill=False, edgecolor=style["color"], lw=2.5))
        ax.set_xticks(range(len(chars)), [visible(c) for c in chars])
        ax.set_yticks(range(len(inputs)), [f"t = {t + 1}: {visible(chars[i])}" for t, i in enumerate(inputs)])
        ax.set_xlabel("next character")
        ax.set_title(label, fontsize=10)
    axes[0].set_ylabel("step: input $x_t$")
    fig.suptitle(f"{title}; outlined: the target", fontsize=10)
    fig.tight_layout()
    return axes


def plot_hidden_states(states, input_chars, highlight=()):
    """One small bar chart per step of the hidden state h_t (states (T, H)), titled with the
    character just read; the steps in `highlight` (1-based) are drawn in the RNN colour,
    the others in grey, to compare them."""
    states = np.asarray(states)
    if states.ndim != 2 or len(input_chars) != len(states):
        raise ValueError(f"states must be (T, H) with one input character per step; got {states.shape} "
                         f"and {len(input_chars)} characters")
    T, H = states.shape
    fig, axes = plt.subplots(1, T, figsize=(2.1 * T + 0.6, 2.6), sharey=True)
    axes = np.atleast_1d(axes)
    for t, ax in enumerate(axes):
        colour = MODEL_COLORS["RNN"] if t + 1 in highlight else "0.6"
        ax.bar(range(H), states[t], color=colour)
        ax.axhline(0, color="0.3", lw=0.8)
        for unit, value in enumerate(states[t]):
            ax.text(unit, value + (0.06 if value >= 0 else -0.06), f"{value:.2f}", ha="center",
                    va="bottom" if value >= 0 else "top", fontsize=8)
        ax.set_xticks(range(H), [f"unit {u}" for u in range(H)], fontsize=8)   # from 0, as the code counts
        ax.set_title(f"$h_{t + 1}$, after reading '{visible(input_chars[t])}'", fontsize=10)
    axes[0].set_ylim(-1.25, 1.25)
    axes[0].set_ylabel("value (tanh: -1 to 1)")
    fig.tight_layout()
    return axes


def plot_unit_values(series, ylabel, title, mark=None):
    """One value per hidden unit for each {label: values (H,)}, the units sorted by the last
    series (largest first), as points. mark: a unit (its index) to point out."""
    labels = list(series)
    sizes = {label: np.shape(values) for label, values in series.items()}
    if len(set(sizes.values())) != 1 or len(next(iter(sizes.values()))) != 1:
        raise ValueError(f"every series must be (H,), one value per unit, of one length; got {sizes}")
    order = np.argsort(np.asarray(series[labels[-1]]))[::-1]
    if mark is not None and not 0 <= mark < len(order):
        raise ValueError(f"mark must be a unit from 0 to {len(order) - 1}; got {mark}")
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for (label, values), style in zip(series.items(), curve_styles(labels)):
        ax.plot(np.arange(1, len(order) + 1), np.asarray(values)[order], marker="o", markersize=4,
                color=style["color"], linestyle=style["linestyle"], lw=1, label=label)
    if mark is not None:
        rank = int(np.flatnonzero(order == mark)[0]) + 1
        value = np.asarray(series[labels[-1]])[mark]
        ax.annotate(f"unit {mark}: {value:.3f}", (rank, value), xytext=(25, -12), textcoords="offset points",
                    fontsize=9, arrowprops=dict(arrowstyle="->", color="0.2"))
    ax.set_xlabel(f"hidden unit, sorted by {labels[-1]} (largest first)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return ax


def plot_model_bars(values, ylabel, title, fmt="{:.1f}"):
    """Grouped bars {group: {model: value}}: one group per setting, one bar per model, in
    the model's colour, each value written above its bar."""
    groups = list(values)
    models = list(dict.fromkeys(m for g in groups for m in values[g]))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(2.2 * len(groups) + 2.5, 3.2))
    for j, model in enumerate(models):
        xs = [i + (j - (len(models) - 1) / 2) * width for i, g in enumerate(groups) if model in values[g]]
        heights = [values[g][model] for g in groups if model in values[g]]
        bars = ax.bar(xs, heights, width * 0.92, label=model, color=line_style(model, j)["color"],
                      hatch=MODEL_HATCHES.get(model_of(model), ""), edgecolor="white")
        ax.bar_label(bars, [fmt.format(h) for h in heights], fontsize=8, padding=2)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.margins(y=0.15)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return ax


def plot_temperature_tradeoff(temperatures, shares, title="What the temperature trades"):
    """Shares (0 to 1) against the temperature τ for each {label: (n,)}, one point per
    sampled text; the model as trained (τ = 1) marked by a grey dashed line."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for (label, values), style in zip(shares.items(), curve_styles(shares)):
        ax.plot(temperatures, 100 * np.asarray(values), marker="o", label=label, **style)
        for tau, v in zip(temperatures, values):
            ax.annotate(f"{v:.0%}", (tau, 100 * v), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=8)
    ax.axvline(1.0, **REFERENCE, label="τ = 1: the model as trained")
    ax.set_xlabel("temperature τ")
    ax.set_ylabel("share of the words written (%)")
    ax.set_ylim(0, 110)
    ax.set_title(title)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)   # below: no curve hidden
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return ax


def plot_correlations(found, name):
    """Every unit's |r| with a feature, sorted (largest first), against the same for the
    shifted label, the chance control (found: interpret.find_cells(...); name: a feature)."""
    cell = found[name]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for (label, rs), style in zip([("the feature's label", cell["rs"]), ("the label shifted (control)", cell["shifted_rs"])],
                                  curve_styles(["label", "control"])):
        ax.plot(np.arange(1, len(rs) + 1), np.sort(np.abs(rs))[::-1], label=label, lw=2, **style)
    ax.annotate(f"unit {cell['unit']}: |r| = {abs(cell['r']):.2f}", (1, abs(cell["r"])), xytext=(30, -6),
                textcoords="offset points", fontsize=9, arrowprops=dict(arrowstyle="->", color="0.2"))
    ax.set_xscale("log")
    ax.set_xlabel("units, sorted by |r| (log scale)")
    ax.set_ylabel("|r|, correlation with the label")
    ax.set_ylim(0, 1)
    ax.set_title(f"{name}: every unit's |r|, against chance")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return ax


def plot_by_level(values, label, xlabel, ylabel, title, model=None):
    """The mean of values (T,) at each level of an integer label (T,), with the spread (one
    standard deviation) as an error bar, and each level's share of the characters; in the
    colour of `model` ('LSTM', say) when the values are one of its units'."""
    values, label = np.asarray(values), np.asarray(label).astype(int)
    if values.shape != label.shape:
        raise ValueError(f"values {values.shape} and label {label.shape} must have the same shape")
    levels = np.unique(label)
    means = [values[label == d].mean() for d in levels]
    spreads = [values[label == d].std() for d in levels]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.errorbar(levels, means, yerr=spreads, marker="o", capsize=4, lw=2,
                color=MODEL_COLORS[model] if model else OTHER_COLORS[0])
    for d, m in zip(levels, means):
        ax.annotate(f"{(label == d).mean():.0%} of text", (d, m), xytext=(6, 6), textcoords="offset points", fontsize=8)
    ax.axhline(0, **REFERENCE)
    ax.set_xticks(levels)
    ax.set_ylim(-1.1, 1.1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return ax


def plot_position_losses(losses, reference, label, title="Loss at each position of a cold window"):
    """Mean loss at each position of windows read from a cold start (losses (W,), entry j
    predicted from the window's first j + 1 characters: train.position_losses), as a curve
    called `label` ('LSTM', say: a model's colour), against reference lines {label: value}
    (the loss with the state carried, say)."""
    losses = np.asarray(losses)
    if losses.ndim != 1 or len(losses) < 1:
        raise ValueError(f"losses must be (W,), one per position of the window; got shape {losses.shape}")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(np.arange(1, len(losses) + 1), losses, marker="o", markersize=3, label=label, **curve_styles([label])[0])
    draw_references(ax, reference)
    ax.set_xlabel("characters of the window read before the prediction")
    ax.set_ylabel("loss (nats per character)")
    ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return ax


def plot_outcomes(results, rows, columns, title, fmt="{:.0%}", low=0.5, high=1.0):
    """A grid of outcomes {(row, column): value} (say seed by method: final accuracy), each
    value written in its cell; the shade runs from `low` (light) to `high` (dark)."""
    grid = np.array([[results[r, c] for c in columns] for r in rows], dtype=np.float64)
    fig, ax = plt.subplots(figsize=(1.9 * len(columns) + 1.6, 0.45 * len(rows) + 1.3))
    # The darkest shade stays mid-blue, so that black text keeps its contrast on it.
    ax.imshow(grid, cmap="Blues", vmin=low - 0.2 * (high - low), vmax=high + 0.9 * (high - low), aspect="auto")
    for i in range(len(rows)):
        for j in range(len(columns)):
            ax.text(j, i, fmt.format(grid[i, j]), ha="center", va="center", fontsize=10)
    ax.set_xticks(range(len(columns)), columns, fontsize=9)
    ax.set_yticks(range(len(rows)), rows, fontsize=9)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return ax
