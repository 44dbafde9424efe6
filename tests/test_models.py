"""The five model types: shapes, errors, any cell, and the toy tasks they are trained on."""
import numpy as np
import pytest
import torch
from torch import nn

from lecture_utils import tasks
from lecture_utils.cells import GRUCell, LSTMCell, RNNCell
from lecture_utils.models import ManyToManyDelayed, ManyToManySynced, ManyToOne, OneToMany, OneToOne

CELLS = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell,
         "nn.RNNCell": nn.RNNCell, "nn.LSTMCell": nn.LSTMCell, "nn.GRUCell": nn.GRUCell}


@pytest.fixture(params=list(CELLS))
def make_cell(request):
    torch.manual_seed(0)
    return CELLS[request.param]


@pytest.mark.parametrize("N", [1, 4])
def test_shapes_for_any_cell(make_cell, N):
    T, D, H = 6, 8, 12
    assert OneToOne(make_cell(D, H), 3)(torch.randn(N, D)).shape == (N, 3)
    assert ManyToOne(make_cell(D, H), 2)(torch.randn(N, T, D)).shape == (N, 2)
    assert ManyToOne(make_cell(D, H), 2, vocab_size=9)(torch.randint(0, 9, (N, T))).shape == (N, 2)
    assert ManyToManySynced(make_cell(D, H), 5, vocab_size=9)(torch.randint(0, 9, (N, T))).shape == (N, T, 5)
    assert ManyToManySynced(make_cell(D, H), 5)(torch.randn(N, T, D)).shape == (N, T, 5)
    one_to_many = OneToMany(make_cell(D, H), cond_size=4, vocab_size=7)
    assert one_to_many(torch.randn(N, 4), torch.randint(0, 7, (N, 3))).shape == (N, 3, 7)
    assert one_to_many.generate(torch.randn(N, 4), 5).shape == (N, 5)
    delayed = ManyToManyDelayed(make_cell(D, H), make_cell(D, H), src_vocab=9, tgt_vocab=7)
    assert delayed(torch.randint(0, 9, (N, T)), torch.randint(0, 7, (N, 3))).shape == (N, 3, 7)
    assert delayed.generate(torch.randint(0, 9, (N, T)), 4).shape == (N, 4)


def test_teacher_forcing_matches_generation_on_its_own_output():
    # Fed its own greedy output, the teacher-forced pass must score that output highest.
    torch.manual_seed(0)
    model = ManyToManyDelayed(RNNCell(4, 8), RNNCell(4, 8), src_vocab=5, tgt_vocab=6)
    src = torch.randint(0, 5, (3, 4))
    out = model.generate(src, 5)
    assert torch.equal(model(src, out).argmax(-1), out)


def test_input_errors():
    D, H = 4, 6
    with pytest.raises(ValueError, match=r"x has shape \(2, 3, 4\); expected a float tensor \(N, D\) with D = 4"):
        OneToOne(RNNCell(D, H), 2)(torch.randn(2, 3, D))
    with pytest.raises(ValueError, match=r"x has shape \(2, 5, 3\); expected a float tensor \(N, T, D\) with D = 4"):
        ManyToOne(RNNCell(D, H), 2)(torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match=r"x has shape \(2, 5, 4\); expected \(N, T\) token indices"):
        ManyToManySynced(RNNCell(D, H), 3, vocab_size=10)(torch.randn(2, 5, D))
    with pytest.raises(ValueError, match="outside 0 to 9"):
        ManyToOne(RNNCell(D, H), 2, vocab_size=10)(torch.tensor([[1, 10]]))
    with pytest.raises(ValueError, match=r"v has shape \(2, 5\); expected a float tensor \(N, D\) with D = 3"):
        OneToMany(RNNCell(D, H), 3, 5)(torch.randn(2, 5), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="v has 2 rows but targets has 3"):
        OneToMany(RNNCell(D, H), 3, 5)(torch.randn(2, 3), torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"x has dtype torch.int32; token indices must be torch.long"):
        ManyToOne(RNNCell(D, H), 2, vocab_size=10)(torch.tensor([[1, 2]], dtype=torch.int32))
    with pytest.raises(ValueError, match=r"x has dtype torch.float64 but the model's weights are torch.float32"):
        OneToOne(RNNCell(D, H), 2)(torch.randn(2, D, dtype=torch.float64))
    with pytest.raises(ValueError, match="both cells must be of the same kind; got LSTMCell and GRUCell"):
        ManyToManyDelayed(nn.LSTMCell(D, H), nn.GRUCell(D, H), 5, 5)
    with pytest.raises(ValueError, match="hidden sizes must match"):
        ManyToManyDelayed(RNNCell(D, H), RNNCell(D, H + 1), 5, 5)
    with pytest.raises(ValueError, match=r"targets has shape \(2, 3, 1\)"):
        ManyToManyDelayed(RNNCell(D, H), RNNCell(D, H), 5, 5)(torch.zeros(2, 3, dtype=torch.long),
                                                              torch.zeros(2, 3, 1, dtype=torch.long))
    with pytest.raises(ValueError, match="length must be a whole number >= 1"):
        ManyToManyDelayed(RNNCell(D, H), RNNCell(D, H), 5, 5).generate(torch.zeros(2, 3, dtype=torch.long), 0)


# ------------------------------------------------------------------ the tasks' data
@pytest.mark.parametrize("make", [tasks.blood_pressure, tasks.spelled_names, tasks.sentiment_phrases,
                                  tasks.reversed_digits, tasks.pos_tagging])
def test_tasks_are_seeded(make):
    a, b, c = make(50, 0), make(50, 0), make(50, 1)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not all(torch.equal(x, y) for x, y in zip(a, c))
    with pytest.raises(ValueError, match="whole number"):
        make(0, 0)


def test_blood_pressure_is_plausible_and_noisy():
    x, y = tasks.blood_pressure(20000, 0)
    height, weight, age = x.T
    assert 165 < height.mean() < 175 and 65 < weight.mean() < 80 and 45 < age.mean() < 55
    assert 0.3 < y.float().mean() < 0.5
    agree = (tasks.blood_pressure_rule(x) == y).float().mean()
    assert 0.8 < agree < 0.95   # the noise-free rule is the best possible, and it is not perfect


def test_spelled_names_spell_the_class():
    v, targets, classes = tasks.spelled_names(30, 0)
    assert v.shape == (30, tasks.FEATURE_SIZE) and targets.shape == (30, tasks.SPELLED_LENGTH)
    assert [tasks.spelled_text(t) for t in targets] == [tasks.SPELLED_CLASSES[c] for c in classes]


def test_sentiment_label_is_adjective_polarity_flipped_by_negation():
    tokens, labels = tasks.sentiment_phrases(300, 0)
    for row, label in zip(tokens, labels):
        words = tasks.sentiment_text(row).split()
        positive = words[-1] in tasks._POSITIVE
        negated = bool({"not", "never"} & set(words))
        assert label == (positive != negated), words
    assert 0.4 < labels.float().mean() < 0.6


def test_unseen_marks_test_rows_absent_from_training():
    train = torch.tensor([[1, 2], [3, 4]])
    test = torch.tensor([[3, 4], [5, 6], [1, 2], [2, 1]])
    assert tasks.unseen(train, test).tolist() == [False, True, False, True]


def test_enough_unseen_test_examples():
    for make in (tasks.sentiment_phrases, tasks.pos_tagging):
        train, test = make(2000, 0)[0], make(1000, 1)[0]
        assert tasks.unseen(train, test).sum() >= 300


def test_reversed_digits():
    src, tgt = tasks.reversed_digits(10, 0, length=4)
    assert torch.equal(tgt, src.flip(1))


def test_pos_tags_follow_the_previous_word():
    words, tags = tasks.pos_tagging(300, 0)
    duck, fish = tasks.POS_WORDS.index("duck"), tasks.POS_WORDS.index("fish")
    for w, t in zip(words, tags):
        for i in range(1, w.shape[0]):
            if w[i] in (duck, fish):
                before = tasks.POS_WORDS[w[i - 1]]
                assert tasks.POS_TAGS[t[i]] == ("NOUN" if before in ("the", "a", "big", "small", "old") else "VERB")
    assert (tags[words == 0] == tasks.IGNORE).all()


# ------------------------------------------------------------------ the toy tasks are solved
# Lesson 01 trains each of the five models on its task and prints its test accuracy; the
# notebook output checks (tests/test_notebook_outputs.py) hold those within a point, so the
# same training is not repeated here.


# ------------------------------------------------------------------ character LM
from lecture_utils.models import CharLM  # noqa: E402
from lecture_utils.train import evaluate_torch_lm, train_torch_lm  # noqa: E402


@pytest.mark.parametrize("cell", [RNNCell, LSTMCell, GRUCell])
def test_char_lm_shapes_and_state(cell):
    torch.manual_seed(0)
    model = CharLM(cell(8, 16), vocab_size=5)
    x = torch.randint(0, 5, (3, 7))
    logits, state = model(x)
    assert logits.shape == (3, 7, 5)
    # Reading a text in two chunks with the state carried equals reading it at once.
    a, s = model(x[:, :4])
    b, _ = model(x[:, 4:], s)
    torch.testing.assert_close(torch.cat([a, b], dim=1), logits)


def test_char_model_learns_a_repeating_text_and_evaluation_is_per_character():
    data = np.tile(np.arange(5), 200)   # 0 1 2 3 4 0 1 2 ... : perfectly predictable after one step
    torch.manual_seed(0)
    model = CharLM(LSTMCell(8, 16), vocab_size=5)
    losses = train_torch_lm(model, data, seq_length=10, steps=150, batch_size=4, lr=1e-2)
    assert losses[0] > 1.4 and losses[-1] < 0.05
    assert evaluate_torch_lm(model, data[:300]) < 0.05
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    assert evaluate_torch_lm(model, data[:300], chunk=7) == pytest.approx(np.log(5), abs=1e-6)  # uniform: ln V


def test_generate_keeps_the_callers_mode_and_takes_numpy_lengths():
    """Sampling in the middle of training must not leave dropout switched off."""
    model = CharLM(LSTMCell(8, 16), 10, dropout=0.3)
    model.train()
    out = model.generate(torch.tensor([1, 2]), np.int64(5), temperature=0.8, seed=torch.Generator().manual_seed(0))
    assert model.training and out.shape == (5,)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        model.generate(torch.tensor([1]), 3, temperature="0.8")
