"""Gradient tools against autograd and against each other; clipping; the long-dependency tasks."""
import numpy as np
import pytest
import torch

from lecture_utils import tasks
from lecture_utils.cells import LSTMCell, Recurrent, RNNCell
from lecture_utils.gradients import hidden_grad_norms, jacobian_products, rnn_grad_norms_over_time, rnn_jacobians
from lecture_utils.models import ManyToOne
from lecture_utils.numpy_rnn import cache_nbytes, rnn_forward
from lecture_utils.optim import clip_by_norm
from lecture_utils.train import cross_entropy, fit, grad_norm

H, D, T = 5, 3, 7


@pytest.fixture
def rnn():
    torch.manual_seed(0)
    cell = RNNCell(D, H).double()
    x = torch.randn(1, T, D, dtype=torch.float64)
    return cell, x


def test_jacobian_products_equal_autograd(rnn):
    # dh_T/dh_t from the product of one-step Jacobians, against autograd run from h_t on.
    cell, x = rnn
    h, _ = Recurrent(cell)(x)
    h = h[0].detach().numpy()
    products = jacobian_products(rnn_jacobians(cell.weight_hh.detach().numpy(), h))
    for t in range(1, T + 1):
        def h_T_from(h_t):
            state = h_t[None]
            for k in range(t, T):
                state = cell(x[:, k], state)
            return state[0]
        start = torch.from_numpy(h[t - 1])
        expected = torch.autograd.functional.jacobian(h_T_from, start).numpy()
        np.testing.assert_allclose(products[t], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(products[T], np.eye(H))


def test_hidden_grad_norms_equal_the_jacobian_products(rnn):
    # For L = w . h_T, dL/dh_t = w^T dh_T/dh_t: the two tools must agree.
    cell, x = rnn
    w = torch.randn(H, dtype=torch.float64)
    rnn = Recurrent(cell)
    norms = hidden_grad_norms(rnn, lambda: rnn(x)[0][0, -1] @ w)
    h = rnn(x)[0][0].detach().numpy()
    products = jacobian_products(rnn_jacobians(cell.weight_hh.detach().numpy(), h))
    expected = [np.linalg.norm(w.numpy() @ products[t]) for t in range(1, T + 1)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


def test_hidden_grad_norms_work_inside_any_model():
    torch.manual_seed(0)
    model = ManyToOne(torch.nn.LSTMCell(4, 6), 2, vocab_size=9)
    x, y = torch.randint(0, 9, (3, 8)), torch.tensor([0, 1, 1])
    norms = hidden_grad_norms(model.rnn, lambda: cross_entropy(model(x), y))
    # The same gradients by hand: PyTorch's cell unrolled, every h_t kept, one backward pass.
    state, hs = None, []
    for x_t in model.embedding(x).unbind(1):
        state = model.cell(x_t, state)
        state[0].retain_grad()
        hs.append(state[0])
    cross_entropy(model.head(state[0]), y).backward()
    np.testing.assert_allclose(norms, [h.grad.norm().item() for h in hs], rtol=1e-5)  # float32 rounding


def test_hidden_grad_norms_errors(rnn):
    cell, x = rnn
    unrolled = Recurrent(cell)
    with pytest.raises(ValueError, match="the Recurrent never ran"):
        hidden_grad_norms(unrolled, lambda: torch.tensor(1.0, requires_grad=True))
    with pytest.raises(ValueError, match="needs the model's Recurrent"):
        hidden_grad_norms(cell, lambda: unrolled(x)[0].sum())

    def without_grad():
        with torch.no_grad():
            return unrolled(x)[0].sum()
    with pytest.raises(ValueError, match="carry no gradient"):
        hidden_grad_norms(unrolled, without_grad)


def test_grad_norms_over_time_leave_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    rnn_grad_norms_over_time(1.0, T=5)
    assert torch.equal(torch.rand(3), expected)


def test_vanishing_and_exploding_with_the_singular_value():
    small, one, large = (rnn_grad_norms_over_time(s, T=60) for s in (0.5, 1.0, 1.5))
    assert small[0] < 1e-10 * small[-1]             # vanishes: every step back multiplies by < 0.5
    assert large[0] > 10 * large[-1]                # explodes
    assert small[0] < one[0] < large[0]


def test_jacobian_shape_errors():
    with pytest.raises(ValueError, match=r"W_hh has shape \(3, 4\)"):
        rnn_jacobians(np.zeros((3, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"h has shape \(2, 4\); expected \(T, H\) with H = 3"):
        rnn_jacobians(np.zeros((3, 3)), np.zeros((2, 4)))


# -------------------------------------------------------------------- clipping
def test_clip_by_norm_keeps_the_direction_and_matches_torch():
    rng = np.random.default_rng(0)
    grads = {"a": rng.standard_normal((3, 4)) * 10, "b": rng.standard_normal(5) * 10}
    before = {k: v.copy() for k, v in grads.items()}
    norm = clip_by_norm(grads, 2.0)
    assert norm == pytest.approx(np.sqrt(sum((v ** 2).sum() for v in before.values())))
    assert np.sqrt(sum((v ** 2).sum() for v in grads.values())) == pytest.approx(2.0)
    np.testing.assert_allclose(grads["a"] / before["a"], 2.0 / norm)   # same direction
    tensors = [torch.from_numpy(v.copy()).requires_grad_() for v in before.values()]
    for t in tensors:
        t.grad = t.detach().clone()
    torch.nn.utils.clip_grad_norm_(tensors, 2.0)
    for ours, theirs in zip(grads.values(), tensors):
        # PyTorch divides by ||g|| + 1e-6, a relative difference of 1e-6 / ||g|| (~3e-8 here).
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-7)


def test_clip_by_norm_leaves_small_gradients_alone():
    grads = {"a": np.array([0.3, 0.4])}
    assert clip_by_norm(grads, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads["a"], [0.3, 0.4])
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_by_norm(grads, 0)


def test_fit_clips_and_reports_the_norm_before_clipping():
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    x, y = torch.randn(8, 2) * 100, torch.randn(8)
    start = [p.detach().clone() for p in model.parameters()]
    loss_fn = lambda m, x, y: ((m(x).squeeze(-1) - y) ** 2).mean()
    _, norms = fit(model, loss_fn, (x, y), steps=1, batch_size=8, lr=0.1, clip_norm=0.5,
                   optimizer="sgd", return_grad_norms=True)
    moved = torch.cat([(p.detach() - s).reshape(-1) for p, s in zip(model.parameters(), start)])
    assert norms[0] > 0.5                                     # big before clipping
    assert moved.norm().item() == pytest.approx(0.1 * 0.5, rel=1e-5)   # lr * clipped norm
    with pytest.raises(ValueError, match="clip_value must be positive"):
        fit(model, loss_fn, (x, y), steps=1, clip_value=0)
    with pytest.raises(ValueError, match="clip by norm or by value, not both"):
        fit(model, loss_fn, (x, y), steps=1, clip_value=0.1)
    with pytest.raises(ValueError, match="data must be a tuple of tensors"):
        fit(model, loss_fn, x, steps=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        fit(model, loss_fn, (x, y), steps=1, optimizer="rmsprop")


def test_grad_norm_is_the_norm_of_all_gradients_together():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    assert grad_norm([a, b]) == pytest.approx(5.0)


# -------------------------------------------------------------------- memory of BPTT
def test_cache_memory_grows_with_T_and_counts_weights_once():
    rng = np.random.default_rng(0)
    W_xh, W_hh, b = rng.standard_normal((H, D)), rng.standard_normal((H, H)), np.zeros(H)
    sizes = []
    for steps in (10, 20, 40):
        _, cache = rnn_forward(rng.standard_normal((1, steps, D)), np.zeros((1, H)), W_xh, W_hh, b)
        sizes.append(cache_nbytes(cache))
    per_step = (D + H) * 8                      # x_t and h_t; h_{t-1} is the previous step's h_t
    assert (sizes[1] - sizes[0]) / 10 == (sizes[2] - sizes[1]) / 20 == per_step
    assert cache_nbytes(cache) < 40 * (D + 2 * H) * 8 + W_xh.nbytes + W_hh.nbytes + 8 * H


# -------------------------------------------------------------------- tasks
def test_adding_problem_statistics():
    x, y = tasks.adding_problem(20000, 50, seed=0)
    values, markers = x[..., 0], x[..., 1]
    assert x.shape == (20000, 50, 2) and y.shape == (20000,)
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :25].sum(1) == 1).all() and (markers[:, 25:].sum(1) == 1).all()   # one per half
    torch.testing.assert_close((values * markers).sum(1), y)
    assert 0 <= values.min() and values.max() < 1
    assert y.mean().item() == pytest.approx(1.0, abs=0.01)
    baseline = ((y - 1) ** 2).mean().item()              # always predict 1
    assert baseline == pytest.approx(1 / 6, abs=0.005)


def test_long_dependency_tasks_are_seeded():
    for make in (lambda s: tasks.adding_problem(20, 10, s), lambda s: tasks.copy_memory(20, 5, s)):
        assert all(torch.equal(a, b) for a, b in zip(make(0), make(0)))
        assert not all(torch.equal(a, b) for a, b in zip(make(0), make(1)))
    assert tasks.recall_text(10, 4, 0) == tasks.recall_text(10, 4, 0) != tasks.recall_text(10, 4, 1)


def test_copy_memory_layout():
    x, y = tasks.copy_memory(4, delay=6, seed=0, symbols=8, length=10)
    assert x.shape == y.shape == (4, 26)
    assert (x[:, :10] >= 1).all() and (x[:, :10] <= 8).all()
    assert (x[:, 15] == 9).all() and (x[:, 10:15] == 0).all() and (x[:, 16:] == 0).all()
    assert torch.equal(y[:, -10:], x[:, :10]) and (y[:, :-10] == 0).all()


def test_recall_text_blocks():
    text = tasks.recall_text(50, 5, seed=0, symbols="ab")
    assert len(text) == 50 * 6
    for i in range(0, len(text), 6):
        block = text[i:i + 6]
        assert block[0] == block[5] and block[0] in "ab" and block[1:5] == "...."
    with pytest.raises(ValueError, match="lag must be at least 2"):
        tasks.recall_text(5, 1, 0)
    with pytest.raises(ValueError, match="filler must be one character"):
        tasks.recall_text(5, 3, 0, symbols="ab", filler="")
    with pytest.raises(ValueError, match="length must be at least 2"):
        tasks.adding_problem(5, 1, 0)


def test_hidden_grad_norms_refuse_a_fused_recurrent():
    rnn = Recurrent(RNNCell(D, H), fused=True)
    with pytest.raises(ValueError, match="set its fused = False"):
        hidden_grad_norms(rnn, lambda: rnn(torch.randn(1, 3, D))[0].sum())
    rnn.fused = False
    assert hidden_grad_norms(rnn, lambda: rnn(torch.randn(1, 3, D))[0].sum()).shape == (3,)


def test_cell_state_gradient_of_an_lstm():
    torch.manual_seed(0)
    cell = torch.nn.LSTMCell(D, H)
    from lecture_utils.cells import LSTMCell
    ours = LSTMCell(D, H)
    x = torch.randn(2, T, D)
    for c in (cell, ours):
        unrolled = Recurrent(c)
        norms = hidden_grad_norms(unrolled, lambda: unrolled(x)[1][1].sum(), part=1)   # L = sum of C_T
        assert norms.shape == (T,) and norms[-1] == pytest.approx(np.sqrt(2 * H))
    plain = Recurrent(RNNCell(D, H))
    with pytest.raises(ValueError, match="no part 1"):
        hidden_grad_norms(plain, lambda: plain(x)[0].sum(), part=1)


def test_saved_tensor_bytes_grow_by_a_fixed_amount_per_step():
    from lecture_utils.cells import LSTMCell
    from lecture_utils.gradients import saved_tensor_bytes
    torch.manual_seed(0)
    cell = LSTMCell(4, 8)
    sizes = [saved_tensor_bytes(lambda: Recurrent(cell)(torch.randn(2, T, 4)))[1] for T in (10, 20, 40)]
    assert (sizes[1] - sizes[0]) * 2 == sizes[2] - sizes[1] > 0
    y = torch.randn(3, requires_grad=True)
    _, size = saved_tensor_bytes(lambda: (y * y).sum())
    assert size == 3 * 4    # y is saved (once, though it is used twice), in float32


def test_grad_norms_over_time_for_an_lstm_vanish_at_small_scale_and_explode_through_h_at_large():
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    small = rnn_grad_norms_over_time(0.5, T=40, cell=LSTMCell)
    large = rnn_grad_norms_over_time(6.0, T=40, cell=LSTMCell)
    cell_state = rnn_grad_norms_over_time(0.5, T=40, cell=LSTMCell, part=1)
    assert torch.equal(torch.random.get_rng_state(), state)       # the global random state is untouched
    assert small.shape == large.shape == cell_state.shape == (40,)
    assert small[0] < 1e-3 * small[-1]     # vanishes at s = 0.5
    assert large[0] > 1e3 * large[-1]      # explodes through h at s = 6
    with pytest.raises(ValueError):
        rnn_grad_norms_over_time(0.0, cell=LSTMCell)
