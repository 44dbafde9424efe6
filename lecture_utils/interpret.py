"""Interpretable cells: which units of a character LM track a feature of the text?

Karpathy, Johnson and Fei-Fei (2015) found single LSTM cells that follow the position in
the line, whether the text is inside quotes, and how deep the code is nested. To look for
them we label every character of a text with a feature, run the model over the text, and
correlate every unit's activation with the label. The same LaTeX reader also counts what a
model's LaTeX gets right: environments and math that open and close (`latex_balance`).

Every feature is the state *after reading* character t, which is what the cell state C_t
can know: the opening quote of a string is already "inside", its closing quote is not.
Each returns a float array (T,) for a text of T characters.
"""
from collections import Counter

import numpy as np
import torch

from .cells import LSTMCell


def position_in_line(text):
    """How many characters since the last line break: 0 at the line break itself."""
    out, column = np.empty(len(text)), 0
    for t, c in enumerate(text):
        column = 0 if c == "\n" else column + 1
        out[t] = column
    return out


def _c_lexer(text):
    """For C source: yield (t, c, context) with context in {"code", "string", "char",
    "line comment", "block comment"} after reading character t. Escapes (\\") are honoured."""
    context, escaped = "code", False
    for t, c in enumerate(text):
        prev = text[t - 1] if t else ""
        if context == "code":
            if c == '"':
                context = "string"
            elif c == "'":
                context = "char"
            elif c == "/" and prev == "/":
                context = "line comment"
            elif c == "*" and prev == "/":
                context = "block comment"
        elif context in ("string", "char"):
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == ('"' if context == "string" else "'") or c == "\n":
                context = "code"
        elif context == "line comment" and c == "\n":
            context = "code"
        elif context == "block comment" and c == "/" and prev == "*" and t >= 2 and text[t - 2] != "/":
            context = "code"
        yield t, c, context


def inside_quotes(text):
    """1 inside a C string literal "...", from its opening quote up to (not including) its closing one."""
    out = np.zeros(len(text))
    for t, c, context in _c_lexer(text):
        out[t] = context == "string"
    return out


def brace_depth(text):
    """How many { } blocks of C code enclose the text, counted from 0 at its start (an excerpt
    that starts inside a function reads its depth relative to there). Braces in strings and
    comments do not count."""
    out, depth = np.zeros(len(text)), 0
    for t, c, context in _c_lexer(text):
        if context == "code":
            depth = depth + 1 if c == "{" else max(depth - 1, 0) if c == "}" else depth
        out[t] = depth
    return out


def inside_parentheses(text):
    """1 inside any ( ) of C code (a call's arguments, a cast, a condition), from the ( up to its matching )."""
    out, depth = np.zeros(len(text)), 0
    for t, c, context in _c_lexer(text):
        if context == "code":
            depth = depth + 1 if c == "(" else max(depth - 1, 0) if c == ")" else depth
        out[t] = depth > 0
    return out


def inside_if_condition(text):
    """1 inside the parentheses of an `if (...)` in C code, from the opening ( up to its matching )."""
    out = np.zeros(len(text))
    depth, waiting = 0, False  # depth of parentheses inside the condition; waiting: saw `if`, not yet `(`
    for t, c, context in _c_lexer(text):
        if context == "code":
            if depth:
                depth += {"(": 1, ")": -1}.get(c, 0)
            elif waiting and c == "(":
                depth, waiting = 1, False
            elif c == "f" and text[t - 1:t + 1] == "if" and (t < 2 or not (text[t - 2].isalnum() or text[t - 2] == "_")):
                waiting = True
            elif waiting and not c.isspace():
                waiting = False  # `if` was part of something else (an identifier like `ifdef`)
        out[t] = depth > 0
    return out


# Environments whose body LaTeX typesets in math mode, as $...$ and $$...$$ are.
MATH_ENVIRONMENTS = {"equation", "equation*", "align", "align*", "eqnarray", "eqnarray*", "gather", "gather*",
                     "multline", "multline*"}


def _latex_lexer(text):
    """For LaTeX source: yield (t, event, state) for every character t, where state is what
    holds after reading it: {"math": "$", "$$", a math environment's name or None, "comment":
    bool, "braces": depth of { } groups, "environments": [names still open, innermost last]}.

    event is None, or one of ("begin", name) and ("end", name, outcome) at the } that closes
    \\begin{name} or \\end{name}, ("math open", d) and ("math close", d) at a $ or $$
    delimiter d, and ("math unclosed", d) at a blank line that ends a paragraph inside $ or
    $$ math (an error in TeX). An end closes the innermost open environment, whatever its
    name; outcome says whether the names agree: "matched", "mismatched" (\\begin{proof} ...
    \\end{lemma}), or "unopened" (nothing was open).
    A backslash escapes the next character (\\$, \\%, \\{ are text), and % starts a comment
    that runs to the end of the line.
    """
    state = dict(math=None, comment=False, braces=0, environments=[])
    escaped, t, n = False, 0, len(text)
    while t < n:
        c, event, width = text[t], None, 1
        if state["comment"]:
            state["comment"] = c != "\n"
        elif escaped:
            escaped = False
        elif c == "\\":
            escaped = True
            for kind in ("begin", "end"):
                head = f"\\{kind}{{"
                close = text.find("}", t) if text.startswith(head, t) else -1
                if close != -1 and "\n" not in text[t:close]:
                    event, width, escaped = (kind, text[t + len(head):close]), close - t + 1, False
        elif c == "%":
            state["comment"] = True
        elif c == "$":
            delimiter = "$$" if text.startswith("$$", t) and state["math"] != "$" else "$"
            width = len(delimiter)  # after a first $ the reader is inside math either way
            if state["math"] == delimiter:
                state["math"], event = None, ("math close", delimiter)
            elif state["math"] is None:
                state["math"], event = delimiter, ("math open", delimiter)
        elif c == "{":
            state["braces"] += 1
        elif c == "}":
            state["braces"] = max(state["braces"] - 1, 0)
        elif c == "\n" and state["math"] in ("$", "$$") and text.startswith("\n\n", t):
            event, state["math"] = ("math unclosed", state["math"]), None
        for u in range(t, t + width - 1):  # a multi-character token's first characters: state before it
            yield u, None, state
        open_ = state["environments"]
        if event and event[0] == "begin":
            open_.append(event[1])
            if event[1] in MATH_ENVIRONMENTS and state["math"] is None:
                state["math"] = event[1]
        elif event and event[0] == "end":
            name = event[1]
            outcome = "unopened" if not open_ else "matched" if open_[-1] == name else "mismatched"
            if open_:
                open_.pop()
            if state["math"] in MATH_ENVIRONMENTS and state["math"] not in open_:
                state["math"] = None
            event = ("end", name, outcome)
        yield t + width - 1, event, state
        t += width


def inside_math(text):
    """1 inside LaTeX math: $...$, $$...$$ or a math environment such as equation or eqnarray*,
    from the opening delimiter up to (not including) the closing one."""
    out = np.zeros(len(text))
    for t, _, state in _latex_lexer(text):
        out[t] = state["math"] is not None
    return out


def environment_depth(text):
    """How many \\begin{...} of LaTeX are open (not yet ended), counted from 0 at the text's start;
    the depth changes at the } that closes \\begin{name} or \\end{name}."""
    out = np.zeros(len(text))
    for t, _, state in _latex_lexer(text):
        out[t] = len(state["environments"])
    return out


def tex_brace_depth(text):
    """How many { } groups of LaTeX enclose the text (\\{ and braces in comments do not count),
    from 0 at the text's start."""
    out = np.zeros(len(text))
    for t, _, state in _latex_lexer(text):
        out[t] = state["braces"]
    return out


def latex_balance(text):
    """What a piece of LaTeX gets right and wrong, counted: a dict of

    begins, ends: how many \\begin{name} and \\end{name};
    matched: ends whose name is that of the innermost open environment, which they close;
    mismatched: ends that close it under another name (\\begin{proof} ... \\end{lemma});
    unopened: ends with no environment open;
    left open: environments still open when the text stops;
    math: $ and $$ spans opened; math closed: those closed again;
    math unclosed: spans still open when a blank line ends the paragraph (TeX stops there
    with "Missing $ inserted"); math left open: a span still open when the text stops.
    """
    counts = dict.fromkeys(["begins", "ends", "matched", "mismatched", "unopened", "left open",
                            "math", "math closed", "math unclosed", "math left open"], 0)
    state = None
    for _, event, state in _latex_lexer(text):
        if event is None:
            continue
        if event[0] == "begin":
            counts["begins"] += 1
        elif event[0] == "end":
            counts["ends"] += 1
            counts[event[2]] += 1
        else:
            counts[{"math open": "math", "math close": "math closed", "math unclosed": "math unclosed"}[event[0]]] += 1
    if state is not None:
        counts["left open"] = len(state["environments"])
        counts["math left open"] = int(state["math"] in ("$", "$$"))
    return counts


def environment_pairs(text):
    """Which environment each \\end{name} closed, counted: {(name begun, name ended): n}, over
    the ends that found an environment open (the innermost one is the one an end must close)."""
    pairs = Counter()
    innermost = None
    for _, event, state in _latex_lexer(text):
        if event is not None and event[0] == "end" and innermost is not None:
            pairs[innermost, event[1]] += 1
        innermost = state["environments"][-1] if state["environments"] else None
    return pairs


def balance_table(texts):
    """latex_balance of each text in {name: text}, as a table with a row per text."""
    lines = [f"{'':>28s} {'begin':>6s} {'end':>5s} {'matched':>8s} {'wrong name':>11s} {'nothing open':>13s}"
             f" {'$ spans':>8s} {'closed':>7s} {'cut by a blank line':>20s}"]
    for name, text in texts.items():
        b = latex_balance(text)
        lines.append(f"{name:>28s} {b['begins']:6d} {b['ends']:5d} {b['matched']:8d} {b['mismatched']:11d}"
                     f" {b['unopened']:13d} {b['math']:8d} {b['math closed']:7d} {b['math unclosed']:20d}")
    return "\n".join(lines)


FEATURES = {"position in line": position_in_line, "inside quotes": inside_quotes, "brace depth": brace_depth,
            "inside if-condition": inside_if_condition, "inside parentheses": inside_parentheses,
            "inside math": inside_math, "environment depth": environment_depth, "TeX brace depth": tex_brace_depth}


@torch.no_grad()
def cell_states(model, indices):
    """Run a CharLM with an LSTM cell over (T,) indices; return tanh(C_t) for every t, (T, H).

    tanh(C_t) is what the output gate lets out of the cell (h_t = o_t * tanh(C_t)), in
    [-1, 1] like the lecture's pictures. Starts from h_0 = C_0 = 0.

    Fast on long texts: the model's own loop gives h_1 ... h_T; from them the gates of every
    step come out of one batched product, and only C_t = f_t * C_{t-1} + i_t * g_t, a
    few multiplications per step, is left to run step by step.
    """
    cell = model.cell
    if not isinstance(cell, LSTMCell):
        raise ValueError(f"cell_states needs a CharLM with an LSTMCell; this one has a {type(cell).__name__}")
    x = model.embedding(torch.as_tensor(np.asarray(indices), dtype=torch.long))      # (T, D)
    h, _ = model.rnn(x[None])                                                        # (1, T, H)
    h_prev = torch.cat([h.new_zeros(1, cell.hidden_size), h[0, :-1]])                 # h_{t-1}
    i, f, g, _ = (v.numpy() for v in cell.gates(x, h_prev))   # every step's gates: a batch of T
    written = i * g
    C = np.zeros_like(written)
    C_t = np.zeros(cell.hidden_size, dtype=written.dtype)
    for t in range(len(C)):
        C_t = f[t] * C_t + written[t]
        C[t] = C_t
    return np.tanh(C)


def unit_correlations(activations, feature):
    """Pearson correlation of every unit's activation with the feature.

    activations (T, H), feature (T,) -> (H,) in [-1, 1]; 0 for a unit or a feature that
    never changes (a correlation with a constant is undefined).
    """
    a = np.asarray(activations, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    if a.ndim != 2 or f.shape != (a.shape[0],):
        raise ValueError(f"activations must be (T, H) and feature (T,) with the same T; got {a.shape} and {f.shape}")
    a = a - a.mean(axis=0)
    f = f - f.mean()
    norms = np.sqrt((a ** 2).sum(axis=0) * (f ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * f[:, None]).sum(axis=0) / norms
    return np.where(norms > 0, r, 0.0)


def find_cells(activations, text, features, shift=3000):
    """For each named feature, the unit that follows it best, and a chance level to compare.

    activations (T, H) over text (T characters); features: names from FEATURES.
    Returns {name: {"unit", "r", "control", "label" (T,), "values" (T,), "rs" (H,),
    "shifted_rs" (H,)}}: the unit with the largest |r|, its r, its activation, and the
    control: the largest |r| that any unit reaches with the label shifted by `shift`
    characters (circularly, np.roll); rs and shifted_rs hold every unit's r with each. The
    shifted label has the same statistics but no longer lines up with the text, so the control shows
    how large a correlation chance and slow drifts alone can give.
    """
    unknown = [name for name in features if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; choose from {sorted(FEATURES)}")
    if not 0 < shift < len(text):
        # np.roll wraps: a shift of T (or 0) would compare the label with itself
        raise ValueError(f"shift must be between 1 and the text's length - 1 ({len(text) - 1}); got {shift}")
    found = {}
    for name in features:
        label = FEATURES[name](text)
        r = unit_correlations(activations, label)
        unit = int(np.argmax(np.abs(r)))
        shifted = unit_correlations(activations, np.roll(label, shift))
        found[name] = dict(unit=unit, r=float(r[unit]), control=float(np.abs(shifted).max()), label=label,
                           values=np.asarray(activations)[:, unit], rs=r, shifted_rs=shifted)
    return found


def busiest_window(label, width, step=100):
    """The start of the stretch of `width` characters where the label varies the most
    (largest standard deviation), tried every `step` characters: a good excerpt to show."""
    label = np.asarray(label, dtype=np.float64)
    if width > len(label):
        raise ValueError(f"width {width} is longer than the text ({len(label)} characters)")
    starts = range(0, len(label) - width + 1, step)
    return max(starts, key=lambda s: label[s:s + width].std())


def cells_table(found):
    """find_cells' result as a table: per feature, the best unit, its r, and the control."""
    lines = [f"{'feature':>22s} {'best unit':>10s} {'r':>7s} {'best |r|, shifted label':>24s}"]
    lines += [f"{name:>22s} {cell['unit']:10d} {cell['r']:7.2f} {cell['control']:24.2f}" for name, cell in found.items()]
    return "\n".join(lines)
