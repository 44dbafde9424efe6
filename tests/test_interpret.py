"""Interpretable cells: the text features (worked by hand) and the correlations (the colouring: test_color_text.py)."""
import numpy as np
import pytest
import torch

from lecture_utils.cells import LSTMCell, RNNCell, record_gates
from lecture_utils.data import load_corpus, train_val_split
from lecture_utils.interpret import (balance_table, brace_depth, cell_states, environment_depth, environment_pairs,
                                     inside_if_condition, inside_math, inside_parentheses, inside_quotes, latex_balance,
                                     position_in_line, tex_brace_depth, unit_correlations)
from lecture_utils.models import CharLM


def marks(text, feature):
    """The characters where the feature is non-zero, for readable assertions."""
    return "".join(c if v else "_" for c, v in zip(text, feature))


def test_position_in_line_counts_from_the_line_break():
    assert position_in_line("ab\ncd\n\ne").tolist() == [1, 2, 0, 1, 2, 0, 0, 1]


def test_inside_quotes_follows_c_strings_with_escapes_and_ignores_comments_and_char_literals():
    text = 'x = "a\\"b"; c = \'"\'; // "no"\ny = "";'
    #       the string "a\"b" from its opening quote to just before its closing one; "" is a quote only
    assert marks(text, inside_quotes(text)) == '____"a\\"b________________________"__'


def test_inside_if_condition_runs_from_the_opening_to_the_matching_parenthesis():
    text = "if (a(b) && c) x(1); iffy(2); /* if (no) */ else if(d)"
    assert marks(text, inside_if_condition(text)) == "___(a(b) && c______________________________________(d_"


def test_inside_parentheses_covers_every_kind_of_parenthesis_but_not_those_in_strings():
    text = 'f(a, (int)b); if (x) g(")");'
    assert marks(text, inside_parentheses(text)) == '_(a, (int)b______(x___(")"__'  # the ) in the string is not one


def test_brace_depth_ignores_braces_in_strings_and_comments():
    text = 'f() { a { "}" } // }\n }'
    assert brace_depth(text).tolist() == [0] * 4 + [1] * 4 + [2] * 6 + [1] * 8 + [0]


LATEX = r"""A $x$, $$y$$, \$5 % $ no
\begin{lemma} {a \{ b} \begin{equation} z \end{equation}
\end{proof}\end{lemma}

$open

x"""


def test_inside_math_runs_from_the_opening_delimiter_and_ignores_escapes_comments_and_text():
    # $x$ and $$y$$ from the opening $ to just before the closing one; \\$5 and the commented $ are not
    # math; equation's body is math from the } of its \\begin to just before the } of its \\end; $open
    # is cut off by the blank line (TeX's "Missing $ inserted"), so its math ends there
    assert marks(LATEX, inside_math(LATEX)) == ("__$x___$$y" + "_" * 53 + "} z \\end{equation" + "_" * 26
                                                 + "$open___")


def test_environment_depth_changes_at_the_brace_that_closes_begin_and_end():
    depth = "".join(str(int(d)) for d in environment_depth(LATEX))
    # an \\end closes the innermost environment whatever its name: \\end{proof} closes lemma
    assert depth == "0" * 37 + "1" * 26 + "2" * 17 + "1" * 12 + "0" * 22


def test_tex_brace_depth_counts_groups_but_not_escaped_braces_or_begin_end_names():
    assert marks(LATEX, tex_brace_depth(LATEX)) == "_" * 39 + "{a \\{ b" + "_" * 68


def test_latex_balance_and_environment_pairs():
    assert latex_balance(LATEX) == {"begins": 2, "ends": 3, "matched": 1, "mismatched": 1, "unopened": 1,
                                    "left open": 0, "math": 3, "math closed": 2, "math unclosed": 1,
                                    "math left open": 0}
    assert environment_pairs(LATEX) == {("equation", "equation"): 1, ("lemma", "proof"): 1}
    cut = latex_balance(r"\end{proof} \begin{a}\begin{b} $x")  # a sample cut off mid-way
    assert (cut["unopened"], cut["left open"], cut["math left open"]) == (1, 2, 1)
    # the model's favourite mistake: a proof closed as a lemma; the lemma after it is fine
    text = r"\begin{proof} x \end{lemma} \begin{lemma} y \end{lemma}"
    assert environment_pairs(text) == {("proof", "lemma"): 1, ("lemma", "lemma"): 1}
    table = balance_table({"sample": text}).splitlines()
    assert table[1].split() == ["sample", "2", "2", "1", "1", "0", "0", "0", "0"]


def test_the_real_latex_corpus_is_balanced():
    """The counter's control: the Stacks project's own validation text has no error. (The split cuts
    one environment in two: its \\end is the text's one unopened end.)"""
    counts = latex_balance(train_val_split(load_corpus("latex"))[1])
    assert counts["mismatched"] == counts["math unclosed"] == counts["math left open"] == 0
    assert counts["unopened"] == 1 and counts["begins"] > 100 and counts["math"] > 1000


def test_unit_correlations():
    feature = np.array([0.0, 1, 1, 0, 1])
    acts = np.stack([feature, -2 * feature + 3, np.ones(5), np.array([1.0, 0, 1, 0, 1])], axis=1)
    r = unit_correlations(acts, feature)
    np.testing.assert_allclose(r[:3], [1.0, -1.0, 0.0])  # the same, reversed, constant (undefined -> 0)
    assert -1 < r[3] < 1
    assert unit_correlations(acts, np.zeros(5)).tolist() == [0.0] * 4
    with pytest.raises(ValueError, match="same T"):
        unit_correlations(acts, feature[:4])


def test_cell_states_are_the_cells_memory_behind_h():
    torch.manual_seed(0)
    model = CharLM(LSTMCell(6, 10), vocab_size=7, fused=True)
    x = torch.randint(0, 7, (30,))
    squashed = cell_states(model, x)
    gates = record_gates(model.cell, model.embedding(x).detach())
    h, _ = model.rnn(model.embedding(x[None]))
    np.testing.assert_allclose(gates["o"] * squashed, h[0].detach().numpy(), atol=1e-6)  # h_t = o_t * tanh(C_t)
    with pytest.raises(ValueError, match="LSTMCell"):
        cell_states(CharLM(RNNCell(6, 10), vocab_size=7), x)


def test_find_cells_picks_the_best_unit_and_a_shifted_control():
    from lecture_utils.interpret import busiest_window, find_cells
    text = ("x = f(a) + g(b, c);\n" * 40)
    label = inside_parentheses(text)
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(len(text), 5))
    acts[:, 3] = -label + 0.1 * rng.normal(size=len(text))   # unit 3 follows the parentheses, reversed
    found = find_cells(acts, text, ["inside parentheses"], shift=7)
    cell = found["inside parentheses"]
    assert cell["unit"] == 3 and cell["r"] < -0.9 and cell["control"] < 0.6
    np.testing.assert_array_equal(cell["values"], acts[:, 3])
    assert cell["rs"].shape == cell["shifted_rs"].shape == (5,) and cell["rs"][3] == cell["r"]
    assert np.abs(cell["shifted_rs"]).max() == cell["control"]
    with pytest.raises(ValueError, match="unknown feature"):
        find_cells(acts, text, ["inside comments"])
    with pytest.raises(ValueError, match="shift must be between 1 and"):
        find_cells(acts, text, ["inside parentheses"], shift=len(text))   # would compare the label with itself
    assert busiest_window(np.r_[np.zeros(500), np.tile([0.0, 1.0], 100)], 200) == 500


def test_cells_table_and_color_cell_show_what_find_cells_found():
    from lecture_utils.interpret import cells_table, find_cells
    from lecture_utils.color_text import color_cell

    text = "f(a); " * 200
    acts = np.random.default_rng(0).normal(size=(len(text), 3))
    acts[:, 1] = inside_parentheses(text)
    found = find_cells(acts, text, ["inside parentheses"], shift=7)
    rows = cells_table(found).splitlines()
    assert rows[0].split()[:3] == ["feature", "best", "unit"]
    assert rows[1].split() == ["inside", "parentheses", "1", "1.00", f"{found['inside parentheses']['control']:.2f}"]
    page = color_cell(text, found["inside parentheses"], "inside parentheses", width=60).data
    assert "inside parentheses: unit 1, r = 1.00" in page and "tanh(C_t) of unit 1: " in page   # more in test_color_text.py
