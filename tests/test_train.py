"""Adagrad, clipping, the training loop and evaluation, against hand-worked values."""
import re

import numpy as np
import pytest

from lecture_utils.numpy_char_lm import evaluate_numpy_lm, init_char_lm, train_numpy_lm
from lecture_utils.optim import Adagrad, clip_by_value
from lecture_utils.plots import probability_table, smooth
from lecture_utils.vocab import Vocabulary


def test_adagrad_hand_worked():
    params = {"w": np.array([1.0, 2.0])}
    opt = Adagrad(lr=0.5, eps=0.0)
    opt.step(params, {"w": np.array([2.0, -4.0])})   # G = (4, 16): step lr * g / sqrt(G) = lr * sign(g)
    np.testing.assert_allclose(params["w"], [0.5, 2.5])
    opt.step(params, {"w": np.array([0.0, 3.0])})    # G = (4, 25): step 0.5 * 3 / 5 = 0.3
    np.testing.assert_allclose(params["w"], [0.5, 2.2])


def test_adagrad_ignores_the_scale_of_the_loss():
    a, b = {"w": np.ones(3)}, {"w": np.ones(3)}
    opt_a, opt_b = Adagrad(0.1), Adagrad(0.1)
    for g in np.random.default_rng(0).standard_normal((5, 3)):
        opt_a.step(a, {"w": g})
        opt_b.step(b, {"w": g * 1e-3})  # a mean loss has smaller gradients than a sum
    np.testing.assert_allclose(a["w"], b["w"], rtol=1e-6)


def test_adagrad_errors():
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        Adagrad(lr=0)
    with pytest.raises(ValueError, match="gradient 'v' has no parameter"):
        Adagrad().step({"w": np.ones(2)}, {"v": np.ones(2)})
    with pytest.raises(ValueError, match=r"gradient 'w' has shape \(3,\); its parameter has \(2,\)"):
        Adagrad().step({"w": np.ones(2)}, {"w": np.ones(3)})


def test_clip_by_value():
    grads = {"a": np.array([-7.0, 0.5, 9.0])}
    clip_by_value(grads, 5.0)
    np.testing.assert_array_equal(grads["a"], [-5.0, 0.5, 5.0])
    with pytest.raises(ValueError, match="clipping limit must be a positive number"):
        clip_by_value(grads, 0)


def test_training_learns_hello():
    vocab = Vocabulary("helo")
    params = init_char_lm(4, 3, seed=0)
    losses = train_numpy_lm(params, vocab.encode("hello"), 4, 300, Adagrad(0.1))
    assert losses[0] == pytest.approx(np.log(4), abs=1e-3)
    assert losses[-1] < 0.05


def test_callback_runs_every_k_steps_and_at_the_end():
    seen = []
    params = init_char_lm(4, 3, seed=0)
    train_numpy_lm(params, np.array([0, 1, 2, 2, 3]), 2, 7, Adagrad(0.1),
                  callback=lambda step, p: seen.append(step), every=3)
    assert seen == [3, 6, 7]


def test_uniform_model_evaluates_to_ln_v():
    # All-zero weights give p = 1/V for every character: the loss is ln V exactly.
    params = {k: np.zeros_like(v) for k, v in init_char_lm(7, 5, seed=0).items()}
    data = np.random.default_rng(0).integers(0, 7, 2500)
    assert evaluate_numpy_lm(params, data, chunk=1000) == pytest.approx(np.log(7), abs=1e-12)


def test_evaluation_does_not_depend_on_the_chunk_size():
    params = init_char_lm(6, 8, seed=0, scale=0.5)
    data = np.random.default_rng(1).integers(0, 6, 300)
    a = evaluate_numpy_lm(params, data, chunk=299)
    b = evaluate_numpy_lm(params, data, chunk=7)
    assert a == pytest.approx(b, abs=1e-12)


def test_smooth_and_table():
    np.testing.assert_allclose(smooth([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    table = probability_table(np.full((2, 4), 0.25), Vocabulary("helo"), [0, 1], [1, 2])
    assert table.splitlines()[2].split() == ["1", "h", "e", "|", "0.250", "0.250", "0.250", "0.250", "|", "0.250"]
    with pytest.raises(ValueError, match="must match"):
        probability_table(np.full((2, 3), 0.25), Vocabulary("helo"), [0, 1], [1, 2])


def test_temperature_plot_keeps_the_full_softmax():
    import matplotlib
    matplotlib.use("Agg")
    from lecture_utils.plots import plot_temperature
    logits = np.log([0.5, 0.3, 0.2])
    ax = plot_temperature(logits, ["a", "b", "c"], temperatures=(1.0,), top=2)
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, [0.5, 0.3])   # not renormalised over the two shown
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_nan_settings_are_refused():
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        Adagrad(lr=float("nan"))
    with pytest.raises(ValueError, match="clipping limit must be a positive number"):
        clip_by_value({"a": np.ones(2)}, float("nan"))
    with pytest.raises(ValueError, match="chunk must be a whole number >= 1"):
        evaluate_numpy_lm(init_char_lm(3, 2, seed=0), np.array([0, 1, 2]), chunk=0)


def test_adagrad_refuses_a_second_model_of_another_shape():
    opt = Adagrad()
    opt.step({"w": np.ones(2)}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match="use a new optimiser for a new model"):
        opt.step({"w": np.ones(3)}, {"w": np.ones(3)})


def test_forward_backward_seconds_runs_and_clears_gradients():
    import torch
    from lecture_utils.timing import forward_backward_seconds
    model = torch.nn.RNN(2, 3, batch_first=True)
    seconds = forward_backward_seconds(model, torch.randn(1, 4, 2), repeats=2, warmup=0)
    assert seconds > 0 and all(p.grad is None for p in model.parameters())
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        forward_backward_seconds(model, torch.randn(1, 4, 2), repeats=0)


def test_train_torch_lm_refuses_a_negative_warmup_or_learning_rate():
    from lecture_utils.cells import LSTMCell
    from lecture_utils.models import CharLM
    from lecture_utils.train import train_torch_lm

    model = CharLM(LSTMCell(8, 16), 5, fused=True)
    data = np.arange(500) % 5
    for bad, says in ((dict(warmup=-10), "warmup and weight_decay must be >= 0; got -10"),
                      (dict(lr=-1e-3), "learning rate must be a positive number; got -0.001"),
                      (dict(weight_decay=-0.1), "warmup and weight_decay must be >= 0; got 0, -0.1")):
        with pytest.raises(ValueError, match=re.escape(says)):
            train_torch_lm(model, data, seq_length=8, steps=2, batch_size=4, **bad)


def test_watch_char_model_prints_the_loss_and_a_sample_at_each_stage(capsys):
    from lecture_utils.experiments import watch_char_model

    text = "the cat sat on the mat. " * 200
    model, vocab = watch_char_model(text, "the ", stages=(0, 3), val_chars=500)
    out = capsys.readouterr().out
    assert "━━ after 0 steps: validation loss" in out and "━━ after 3 steps" in out
    assert f"ln {len(vocab)}" in out
    assert out.count("\nthe ") == 2    # each stage's sample starts with the prime (the text has no line breaks)


def test_the_loops_give_the_model_back_in_the_callers_mode_even_after_an_error():
    import torch
    from lecture_utils.cells import LSTMCell
    from lecture_utils.models import CharLM
    from lecture_utils.train import evaluate_torch_lm, fit, train_torch_lm

    model = CharLM(LSTMCell(4, 8), 5, fused=True)
    data = np.arange(400) % 5
    for mode in (True, False):
        model.train(mode)
        train_torch_lm(model, data, seq_length=8, steps=2, batch_size=4)
        evaluate_torch_lm(model, data[:50])
        fit(model, lambda m, x: m(x)[0].sum() * 0, (torch.zeros(3, 4, dtype=torch.long),), steps=1)
        assert model.training is mode

        def fails(step, m):
            raise RuntimeError("a callback that fails")
        with pytest.raises(RuntimeError, match="a callback that fails"):
            train_torch_lm(model, data, seq_length=8, steps=2, batch_size=4, callback=fails, every=1)
        assert model.training is mode


def test_train_torch_lm_and_evaluate_refuse_sizes_of_zero():
    from lecture_utils.cells import LSTMCell
    from lecture_utils.models import CharLM
    from lecture_utils.train import evaluate_torch_lm, train_torch_lm

    model, data = CharLM(LSTMCell(4, 8), 5), np.arange(400) % 5
    for bad in (dict(seq_length=0), dict(batch_size=0), dict(steps=0)):
        kwargs = {**dict(seq_length=8, steps=2, batch_size=4), **bad}
        name = next(iter(bad))
        with pytest.raises(ValueError, match=f"{name} must be a whole number >= 1; got 0"):
            train_torch_lm(model, data, **kwargs)
    for bad in (dict(chunk=0), dict(window=0)):
        with pytest.raises(ValueError, match=f"{next(iter(bad))} must be a whole number >= 1; got 0"):
            evaluate_torch_lm(model, data[:50], **bad)
