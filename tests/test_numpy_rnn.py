"""The NumPy RNN against torch.nn.RNN, finite differences, autograd and hand-worked values.

Tolerances, all in float64:
- forward vs torch.nn.RNN: 1e-10 absolute. Both compute the same sums in a possibly
  different order; the difference is a few ulps (~1e-16) per operation, far below 1e-10.
- backward vs finite differences: relative error 1e-7. A centred difference with step
  1e-5 is accurate to ~1e-10 relative; a wrong gradient shows errors of 1e-2 or more.
- backward vs torch autograd: 1e-10, the same reasoning as the forward.
"""
import numpy as np
import pytest
import torch

from lecture_utils.gradcheck import grad_check, numeric_gradient, relative_error
from lecture_utils.numpy_char_lm import char_lm_forward, char_lm_loss, init_char_lm, sample, softmax
from lecture_utils.numpy_rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

N, T, D, H = 3, 5, 4, 6


@pytest.fixture
def rnn():
    """Random weights and inputs, and a torch.nn.RNN holding the same weights."""
    rng = np.random.default_rng(0)
    w = {
        "x": rng.standard_normal((N, T, D)),
        "h0": rng.standard_normal((N, H)),
        "W_xh": rng.standard_normal((H, D)) * 0.5,
        "W_hh": rng.standard_normal((H, H)) * 0.5,
        "b_ih": rng.standard_normal(H) * 0.1,
        "b_hh": rng.standard_normal(H) * 0.1,
    }
    w["b"] = w["b_ih"] + w["b_hh"]
    net = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(w["W_xh"]))
        net.weight_hh_l0.copy_(torch.from_numpy(w["W_hh"]))
        net.bias_ih_l0.copy_(torch.from_numpy(w["b_ih"]))
        net.bias_hh_l0.copy_(torch.from_numpy(w["b_hh"]))
    return w, net


def test_step_forward_equals_torch(rnn):
    w, net = rnn
    h, _ = rnn_step_forward(w["x"][:, 0], w["h0"], w["W_xh"], w["W_hh"], w["b"])
    out, _ = net(torch.from_numpy(w["x"][:, :1]), torch.from_numpy(w["h0"])[None])
    np.testing.assert_allclose(h, out[:, 0].detach().numpy(), rtol=0, atol=1e-10)


def test_sequence_forward_equals_torch(rnn):
    w, net = rnn
    h, _ = rnn_forward(w["x"], w["h0"], w["W_xh"], w["W_hh"], w["b"])
    out, h_n = net(torch.from_numpy(w["x"]), torch.from_numpy(w["h0"])[None])
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(h[:, -1], h_n[0].detach().numpy(), rtol=0, atol=1e-10)


def test_step_forward_hand_worked():
    # One input, one hidden unit: h = tanh(2*0.5 + 1*(-0.25) + 0.1) = tanh(0.85).
    h, _ = rnn_step_forward(np.array([[2.0]]), np.array([[1.0]]), np.array([[0.5]]),
                            np.array([[-0.25]]), np.array([0.1]))
    assert h[0, 0] == pytest.approx(np.tanh(0.85), abs=1e-15)
    assert h[0, 0] == pytest.approx(0.691069, abs=1e-6)


def test_step_backward_finite_differences(rnn):
    w, _ = rnn
    x, h_prev = w["x"][:, 0].copy(), w["h0"].copy()
    dh = np.random.default_rng(1).standard_normal((N, H))
    arrays = {"x": x, "h_prev": h_prev, "W_xh": w["W_xh"].copy(), "W_hh": w["W_hh"].copy(), "b": w["b"].copy()}

    def loss():  # a scalar whose gradient wrt h is dh
        h, _ = rnn_step_forward(arrays["x"], arrays["h_prev"], arrays["W_xh"], arrays["W_hh"], arrays["b"])
        return np.sum(h * dh)

    _, cache = rnn_step_forward(arrays["x"], arrays["h_prev"], arrays["W_xh"], arrays["W_hh"], arrays["b"])
    dx, dh_prev, dW_xh, dW_hh, db = rnn_step_backward(dh, cache)
    errors = grad_check(loss, arrays, {"x": dx, "h_prev": dh_prev, "W_xh": dW_xh, "W_hh": dW_hh, "b": db})
    assert max(errors.values()) <= 1e-7, errors


def test_sequence_backward_finite_differences(rnn):
    w, _ = rnn
    arrays = {k: w[k].copy() for k in ("x", "h0", "W_xh", "W_hh", "b")}
    dh = np.random.default_rng(2).standard_normal((N, T, H))

    def loss():
        h, _ = rnn_forward(**arrays)
        return np.sum(h * dh)

    _, cache = rnn_forward(**arrays)
    dx, dh0, dW_xh, dW_hh, db = rnn_backward(dh, cache)
    errors = grad_check(loss, arrays, {"x": dx, "h0": dh0, "W_xh": dW_xh, "W_hh": dW_hh, "b": db})
    assert max(errors.values()) <= 1e-7, errors


def test_sequence_backward_equals_autograd(rnn):
    w, net = rnn
    dh = np.random.default_rng(3).standard_normal((N, T, H))
    x = torch.from_numpy(w["x"]).requires_grad_()
    h0 = torch.from_numpy(w["h0"])[None].requires_grad_()
    out, _ = net(x, h0)
    (out * torch.from_numpy(dh)).sum().backward()

    _, cache = rnn_forward(w["x"], w["h0"], w["W_xh"], w["W_hh"], w["b"])
    dx, dh0, dW_xh, dW_hh, db = rnn_backward(dh, cache)
    pairs = [
        (dx, x.grad), (dh0, h0.grad[0]), (dW_xh, net.weight_ih_l0.grad),
        (dW_hh, net.weight_hh_l0.grad), (db, net.bias_ih_l0.grad), (db, net.bias_hh_l0.grad),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-10)


# ---------------------------------------------------------------- character LM
V, HL, TL = 5, 7, 9


@pytest.fixture
def lm():
    rng = np.random.default_rng(4)
    params = init_char_lm(V, HL, rng, scale=0.5)
    params["b"] += rng.standard_normal(HL) * 0.1
    params["b_y"] += rng.standard_normal(V) * 0.1
    inputs = rng.integers(0, V, TL)
    targets = rng.integers(0, V, TL)
    h_prev = rng.standard_normal(HL) * 0.5
    return params, inputs, targets, h_prev


def test_char_lm_gradients_finite_differences(lm):
    params, inputs, targets, h_prev = lm
    loss, grads, _ = char_lm_loss(params, inputs, targets, h_prev)
    errors = grad_check(lambda: char_lm_loss(params, inputs, targets, h_prev)[0], params, grads)
    assert max(errors.values()) <= 1e-7, errors


def test_char_lm_loss_is_mean_cross_entropy_in_nats(lm):
    params, inputs, targets, h_prev = lm
    loss, _, h_last = char_lm_loss(params, inputs, targets, h_prev)
    probs, h_last_fwd, _ = char_lm_forward(params, inputs, h_prev)
    expected = np.mean([-np.log(probs[t, targets[t]]) for t in range(TL)])
    assert loss == pytest.approx(expected, rel=1e-14)
    np.testing.assert_array_equal(h_last, h_last_fwd)


def test_char_lm_loss_equals_torch_cross_entropy(lm):
    params, inputs, targets, h_prev = lm
    loss, grads, h_last = char_lm_loss(params, inputs, targets, h_prev)
    net = torch.nn.RNN(V, HL, batch_first=True).double()
    W_hy = torch.from_numpy(params["W_hy"]).requires_grad_()
    b_y = torch.from_numpy(params["b_y"]).requires_grad_()
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(params["W_xh"]))
        net.weight_hh_l0.copy_(torch.from_numpy(params["W_hh"]))
        net.bias_ih_l0.copy_(torch.from_numpy(params["b"]))
        net.bias_hh_l0.zero_()
    x = torch.nn.functional.one_hot(torch.from_numpy(inputs), V).double()[None]
    out, h_n = net(x, torch.from_numpy(h_prev)[None, None])
    logits = out[0] @ W_hy.T + b_y
    ref = torch.nn.functional.cross_entropy(logits, torch.from_numpy(targets))
    ref.backward()
    assert loss == pytest.approx(ref.item(), abs=1e-12)
    np.testing.assert_allclose(grads["W_hy"], W_hy.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads["W_hh"], net.weight_hh_l0.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_last, h_n[0, 0].detach().numpy(), rtol=0, atol=1e-12)


def test_untrained_char_lm_starts_near_ln_v():
    params = init_char_lm(V, HL, np.random.default_rng(5))  # weights ~ 0.01
    loss, _, _ = char_lm_loss(params, np.arange(V), np.roll(np.arange(V), -1), np.zeros(HL))
    assert loss == pytest.approx(np.log(V), abs=1e-3)


def test_softmax_is_stable_and_normalised():
    p = softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.25, 0.75]], atol=1e-15)


def test_numeric_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    g = numeric_gradient(lambda: np.sum(x ** 3), x)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-9)
    assert relative_error(g, 3 * x ** 2) < 1e-10
    assert relative_error(np.ones(3), -np.ones(3)) == 1.0


# ---------------------------------------------------------------- sampling
def test_sample_is_seeded_and_in_range(lm):
    params = lm[0]
    a = sample(params, [0, 1], 50, temperature=1.0, seed=7)
    b = sample(params, [0, 1], 50, temperature=1.0, seed=7)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50,) and a.min() >= 0 and a.max() < V


def test_low_temperature_picks_the_most_likely_character(lm):
    params, _, _, _ = lm
    out = sample(params, [2], 1, temperature=1e-3, seed=0)
    probs, _, _ = char_lm_forward(params, [2], np.zeros(HL))
    assert out[0] == np.argmax(probs[0])


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan")])
def test_sample_rejects_bad_temperature(lm, temperature):
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        sample(lm[0], [0], 5, temperature=temperature)


# ---------------------------------------------------------------- shape errors
def test_step_forward_shape_errors(rnn):
    w, _ = rnn
    x, h0, W_xh, W_hh, b = w["x"][:, 0], w["h0"], w["W_xh"], w["W_hh"], w["b"]
    with pytest.raises(ValueError, match=r"x has shape \(3, 5, 4\); expected \(N, D\)"):
        rnn_step_forward(w["x"], h0, W_xh, W_hh, b)
    with pytest.raises(ValueError, match=r"h_prev has shape \(3, 5\); expected \(N, H\) = \(3, 6\)"):
        rnn_step_forward(x, h0[:, :5], W_xh, W_hh, b)
    with pytest.raises(ValueError, match=r"W_xh has shape \(6, 3\); expected \(H, D\) with H = 6, D = 4"):
        rnn_step_forward(x, h0, W_xh[:, :3], W_hh, b)
    with pytest.raises(ValueError, match=r"W_hh has shape \(6, 5\); expected a square \(H, H\)"):
        rnn_step_forward(x, h0, W_xh, W_hh[:, :5], b)
    with pytest.raises(ValueError, match=r"b has shape \(5,\); expected \(H,\) = \(6,\)"):
        rnn_step_forward(x, h0, W_xh, W_hh, b[:5])


def test_backward_shape_errors(rnn):
    w, _ = rnn
    _, cache = rnn_step_forward(w["x"][:, 0], w["h0"], w["W_xh"], w["W_hh"], w["b"])
    with pytest.raises(ValueError, match=r"dh has shape \(3, 5\); expected \(N, H\)"):
        rnn_step_backward(np.zeros((N, H - 1)), cache)
    _, cache = rnn_forward(w["x"], w["h0"], w["W_xh"], w["W_hh"], w["b"])
    with pytest.raises(ValueError, match=r"dh has shape \(3, 4, 6\); expected \(N, T, H\) = \(3, 5, 6\)"):
        rnn_backward(np.zeros((N, T - 1, H)), cache)


def test_sequence_forward_shape_errors(rnn):
    w, _ = rnn
    with pytest.raises(ValueError, match=r"x has shape \(3, 4\); expected \(N, T, D\)"):
        rnn_forward(w["x"][:, 0], w["h0"], w["W_xh"], w["W_hh"], w["b"])
    with pytest.raises(ValueError, match=r"h0 has shape \(2, 6\); expected \(N, H\) = \(3, 6\)"):
        rnn_forward(w["x"], w["h0"][:2], w["W_xh"], w["W_hh"], w["b"])


def test_char_lm_input_errors(lm):
    params, inputs, targets, h_prev = lm
    with pytest.raises(ValueError, match=r"h_prev has shape \(6,\); expected \(H,\) = \(7,\)"):
        char_lm_loss(params, inputs, targets, h_prev[:6])
    with pytest.raises(ValueError, match=r"inputs\[2\] = 9 is not a character index \(0 to 4\)"):
        char_lm_loss(params, np.array([0, 1, 9]), targets[:3], h_prev)
    with pytest.raises(ValueError, match=r"targets has shape \(3,\); expected \(T,\) = \(9,\)"):
        char_lm_loss(params, inputs, targets[:3], h_prev)
    with pytest.raises(ValueError, match=r"params lacks \['W_hy'\]"):
        char_lm_loss({k: v for k, v in params.items() if k != "W_hy"}, inputs, targets, h_prev)


# ---------------------------------------------------------------- LSTM
from lecture_utils.numpy_rnn import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward  # noqa: E402


@pytest.fixture
def lstm():
    """Random LSTM weights from torch.nn.LSTM (float64), and inputs."""
    torch.manual_seed(0)
    net = torch.nn.LSTM(D, H, batch_first=True).double()
    rng = np.random.default_rng(5)
    w = {
        "x": rng.standard_normal((N, T, D)),
        "h0": rng.standard_normal((N, H)) * 0.5,
        "W_xh": net.weight_ih_l0.detach().numpy().copy(),
        "W_hh": net.weight_hh_l0.detach().numpy().copy(),
        "b": (net.bias_ih_l0 + net.bias_hh_l0).detach().numpy().copy(),
    }
    return w, net


def test_lstm_forward_equals_torch(lstm):
    w, net = lstm
    h, _ = lstm_forward(**w)
    zeros = torch.zeros(1, N, H, dtype=torch.float64)
    out, _ = net(torch.from_numpy(w["x"]), (torch.from_numpy(w["h0"])[None], zeros))
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=0, atol=1e-10)


def test_lstm_step_forward_equals_torch_cell(lstm):
    w, net = lstm
    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(net.weight_ih_l0)
        cell.weight_hh.copy_(net.weight_hh_l0)
        cell.bias_ih.copy_(net.bias_ih_l0)
        cell.bias_hh.copy_(net.bias_hh_l0)
    c_prev = np.random.default_rng(6).standard_normal((N, H))
    h, c, _ = lstm_step_forward(w["x"][:, 0], w["h0"], c_prev, w["W_xh"], w["W_hh"], w["b"])
    h_ref, c_ref = cell(torch.from_numpy(w["x"][:, 0]), (torch.from_numpy(w["h0"]), torch.from_numpy(c_prev)))
    np.testing.assert_allclose(h, h_ref.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(c, c_ref.detach().numpy(), rtol=0, atol=1e-10)


def test_lstm_step_backward_finite_differences(lstm):
    w, _ = lstm
    rng = np.random.default_rng(7)
    arrays = {"x_t": w["x"][:, 0].copy(), "h_prev": w["h0"].copy(), "C_prev": rng.standard_normal((N, H)),
              "W_xh": w["W_xh"].copy(), "W_hh": w["W_hh"].copy(), "b": w["b"].copy()}
    dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss():
        h, c, _ = lstm_step_forward(**arrays)
        return np.sum(h * dh) + np.sum(c * dc)

    _, _, cache = lstm_step_forward(**arrays)
    dx, dh_prev, dC_prev, dW_xh, dW_hh, db = lstm_step_backward(dh, dc, cache)
    grads = {"x_t": dx, "h_prev": dh_prev, "C_prev": dC_prev, "W_xh": dW_xh, "W_hh": dW_hh, "b": db}
    errors = grad_check(loss, arrays, grads)
    assert max(errors.values()) <= 1e-7, errors


def test_lstm_backward_finite_differences_and_autograd(lstm):
    w, net = lstm
    arrays = {k: w[k].copy() for k in ("x", "h0", "W_xh", "W_hh", "b")}
    dh = np.random.default_rng(8).standard_normal((N, T, H))

    def loss():
        return np.sum(lstm_forward(**arrays)[0] * dh)

    _, cache = lstm_forward(**arrays)
    grads = dict(zip(["x", "h0", "W_xh", "W_hh", "b"], lstm_backward(dh, cache)))
    errors = grad_check(loss, arrays, grads)
    assert max(errors.values()) <= 1e-7, errors

    x = torch.from_numpy(w["x"]).requires_grad_()
    h0 = torch.from_numpy(w["h0"])[None].requires_grad_()
    out, _ = net(x, (h0, torch.zeros(1, N, H, dtype=torch.float64)))
    (out * torch.from_numpy(dh)).sum().backward()
    for ours, theirs in [(grads["x"], x.grad), (grads["h0"], h0.grad[0]), (grads["W_xh"], net.weight_ih_l0.grad),
                         (grads["W_hh"], net.weight_hh_l0.grad), (grads["b"], net.bias_ih_l0.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-10)


def test_lstm_shape_errors(lstm):
    w, _ = lstm
    with pytest.raises(ValueError, match=r"W_hh has shape \(24, 5\); expected \(4H, H\)"):
        lstm_forward(w["x"], w["h0"], w["W_xh"], w["W_hh"][:, :5], w["b"])
    with pytest.raises(ValueError, match=r"b has shape \(23,\); expected \(4H,\) = \(24,\)"):
        lstm_forward(w["x"], w["h0"], w["W_xh"], w["W_hh"], w["b"][:23])
    with pytest.raises(ValueError, match=r"C_prev has shape \(3, 5\); expected \(N, H\) = \(3, 6\)"):
        lstm_step_forward(w["x"][:, 0], w["h0"], np.zeros((N, 5)), w["W_xh"], w["W_hh"], w["b"])
    _, _, cache = lstm_step_forward(w["x"][:, 0], w["h0"], np.zeros((N, H)), w["W_xh"], w["W_hh"], w["b"])
    with pytest.raises(ValueError, match=r"dC has shape \(3, 5\)"):
        lstm_step_backward(np.zeros((N, H)), np.zeros((N, 5)), cache)
