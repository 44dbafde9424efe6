"""The from-scratch cells and `Recurrent` against PyTorch's own modules.

Tolerances: float32 1e-6 and float64 1e-12 on outputs and gradients, absolute for values
up to 1 and relative above that (|a - b| <= tol * (1 + |b|)). The two implementations do
the same arithmetic, perhaps summed in another order: the difference is a few units in
the last place (~1e-7 in float32, ~1e-16 in float64) of the values involved. A weight's
gradient sums dozens of terms over the batch and the time steps and can reach several
units, so its last place is larger than the output's; hence the relative part.
"""
import numpy as np
import pytest
import torch
from torch import nn

from lecture_utils.cells import GRUCell, LSTMCell, Recurrent, RNNCell, clamp_gate, record_gates
from lecture_utils.models import ManyToOne

D, H = 5, 7
TOL = {torch.float32: 1e-6, torch.float64: 1e-12}


def pair(dtype, seed=0):
    torch.manual_seed(seed)
    ours = RNNCell(D, H).to(dtype)
    theirs = nn.RNNCell(D, H).to(dtype)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def assert_close(a, b, dtype):
    torch.testing.assert_close(a, b, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rnn_cell_equals_torch_outputs_and_gradients(dtype):
    ours, theirs = pair(dtype)
    x = torch.randn(4, D, dtype=dtype)
    h = torch.randn(4, H, dtype=dtype)
    outs, grads = [], []
    for cell in (ours, theirs):
        xi, hi = x.clone().requires_grad_(), h.clone().requires_grad_()
        out = cell(xi, hi)
        (out * torch.linspace(-1, 1, H, dtype=dtype)).sum().backward()
        outs.append(out)
        grads.append([xi.grad, hi.grad] + [p.grad for p in cell.parameters()])
    assert_close(outs[0], outs[1], dtype)
    for a, b in zip(*grads):
        assert_close(a, b, dtype)


def test_state_dict_moves_both_ways_and_names_match():
    ours, theirs = pair(torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [p.shape for p in ours.parameters()] == [p.shape for p in theirs.parameters()]
    torch.manual_seed(1)
    other = nn.RNNCell(D, H).double()
    ours.load_state_dict(other.state_dict())
    x = torch.randn(2, D, dtype=torch.float64)
    assert_close(ours(x), other(x), torch.float64)


def test_same_seed_same_initial_weights_as_torch():
    torch.manual_seed(3)
    ours = RNNCell(D, H)
    torch.manual_seed(3)
    theirs = nn.RNNCell(D, H)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_no_state_and_unbatched_input_behave_like_torch():
    ours, theirs = pair(torch.float64)
    x = torch.randn(D, dtype=torch.float64)
    assert ours(x).shape == (H,)
    assert_close(ours(x), theirs(x), torch.float64)                       # h = None means zeros
    h = torch.randn(H, dtype=torch.float64)
    assert_close(ours(x, h), theirs(x, h), torch.float64)


def test_cell_shape_errors():
    cell = RNNCell(D, H)
    with pytest.raises(ValueError, match=r"x has shape \(3, 4\); expected \(N, D\) or \(D,\) with D = input_size = 5"):
        cell(torch.zeros(3, 4))
    with pytest.raises(ValueError, match=r"h has shape \(3, 6\); expected \(3, 7\)"):
        cell(torch.zeros(3, D), torch.zeros(3, 6))
    with pytest.raises(ValueError, match="whole number >= 1"):
        RNNCell(0, H)
    with pytest.raises(ValueError, match=r"h must be a tensor \(N, H\) or \(H,\); got a tuple"):
        cell(torch.zeros(3, D), (torch.zeros(3, H), torch.zeros(3, H)))


def copy_into_rnn(cell, rnn):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(rnn, f"{name}_l0").copy_(getattr(cell, name))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_recurrent_equals_one_layer_nn_rnn(dtype):
    torch.manual_seed(0)
    ours = Recurrent(RNNCell(D, H)).to(dtype)
    theirs = nn.RNN(D, H, batch_first=True).to(dtype)
    copy_into_rnn(ours.cell, theirs)
    x = torch.randn(3, 11, D, dtype=dtype)
    h0 = torch.randn(3, H, dtype=dtype)
    results = []
    for model, state in ((ours, h0), (theirs, h0[None])):
        xi, hi = x.clone().requires_grad_(), state.clone().requires_grad_()
        out, final = model(xi, hi)
        (out.sin().sum() + final.sum()).backward()
        results.append((out, final.reshape(3, H), xi.grad, hi.grad.reshape(3, H),
                        [p.grad for p in model.parameters()]))
    (o1, f1, gx1, gh1, gp1), (o2, f2, gx2, gh2, gp2) = results
    for a, b in [(o1, o2), (f1, f2), (gx1, gx2), (gh1, gh2), *zip(gp1, gp2)]:
        assert_close(a, b, dtype)


def test_recurrent_takes_a_cell_with_a_tuple_state():
    # PyTorch's LSTMCell keeps (h, C): Recurrent must pass it along and output h.
    torch.manual_seed(0)
    cell = nn.LSTMCell(D, H).double()
    lstm = nn.LSTM(D, H, batch_first=True).double()
    copy_into_rnn(cell, lstm)
    x = torch.randn(2, 6, D, dtype=torch.float64)
    out, (h, c) = Recurrent(cell)(x)
    ref, (h_ref, c_ref) = lstm(x)
    assert_close(out, ref, torch.float64)
    assert_close(c, c_ref[0], torch.float64)


def test_recurrent_shape_errors():
    rnn = Recurrent(RNNCell(D, H))
    with pytest.raises(ValueError, match=r"x has shape \(2, 5\); expected \(N, T, D\)"):
        rnn(torch.zeros(2, D))
    with pytest.raises(ValueError, match=r"x has shape \(2, 0, 5\); expected \(N, T, D\) with T >= 1"):
        rnn(torch.zeros(2, 0, D))
    with pytest.raises(ValueError, match=r"D = input_size = 5"):
        rnn(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="needs an input_size attribute"):
        Recurrent(nn.Linear(3, 3))


# ------------------------------------------------------------------ LSTM and GRU
GATED = [(LSTMCell, nn.LSTMCell, nn.LSTM), (GRUCell, nn.GRUCell, nn.GRU)]


def gated_state(ours_cls, n, dtype):
    h = torch.randn(n, H, dtype=dtype)
    return (h, torch.randn(n, H, dtype=dtype)) if ours_cls is LSTMCell else h


def flat(state):
    return torch.cat([s.reshape(-1) for s in state]) if isinstance(state, tuple) else state.reshape(-1)


@pytest.mark.parametrize("ours_cls,theirs_cls,_", GATED)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gated_cells_equal_torch_outputs_and_gradients(ours_cls, theirs_cls, _, dtype):
    torch.manual_seed(0)
    ours = ours_cls(D, H).to(dtype)
    theirs = theirs_cls(D, H).to(dtype)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(4, D, dtype=dtype)
    state = gated_state(ours_cls, 4, dtype)
    results = []
    for cell in (ours, theirs):
        xi = x.clone().requires_grad_()
        si = tuple(s.clone().requires_grad_() for s in state) if isinstance(state, tuple) else state.clone().requires_grad_()
        out = flat(cell(xi, si))
        (out * torch.linspace(-1, 1, out.numel(), dtype=dtype)).sum().backward()
        state_grads = [s.grad for s in si] if isinstance(si, tuple) else [si.grad]
        results.append([out, xi.grad, *state_grads, *[p.grad for p in cell.parameters()]])
    for a, b in zip(*results):
        assert_close(a, b, dtype)


@pytest.mark.parametrize("ours_cls,theirs_cls,_", GATED)
def test_gated_cells_names_init_and_unbatched(ours_cls, theirs_cls, _):
    torch.manual_seed(3)
    ours = ours_cls(D, H)
    torch.manual_seed(3)
    theirs = theirs_cls(D, H)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    x = torch.randn(D)
    assert_close(flat(ours(x)), flat(theirs(x)), torch.float32)


@pytest.mark.parametrize("ours_cls,_,module_cls", GATED)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_recurrent_with_gated_cells_equals_one_layer_module(ours_cls, _, module_cls, dtype):
    torch.manual_seed(0)
    ours = Recurrent(ours_cls(D, H)).to(dtype)
    theirs = module_cls(D, H, batch_first=True).to(dtype)
    copy_into_rnn(ours.cell, theirs)
    x = torch.randn(3, 9, D, dtype=dtype)
    results = []
    for model in (ours, theirs):
        xi = x.clone().requires_grad_()
        out, _ = model(xi)
        out.sin().sum().backward()
        results.append([out, xi.grad, *[p.grad for p in model.parameters()]])
    for a, b in zip(*results):
        assert_close(a, b, dtype)


def test_gated_cell_state_errors():
    with pytest.raises(ValueError, match=r"an LSTM's state is a tuple \(h, C\); got Tensor"):
        LSTMCell(D, H)(torch.zeros(2, D), torch.zeros(2, H))
    with pytest.raises(ValueError, match=r"C has shape \(2, 4\); expected \(2, 7\)"):
        LSTMCell(D, H)(torch.zeros(2, D), (torch.zeros(2, H), torch.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"h must be a tensor"):
        GRUCell(D, H)(torch.zeros(2, D), (torch.zeros(2, H), torch.zeros(2, H)))
    with pytest.raises(ValueError, match=r"x has shape \(2, 4\)"):
        GRUCell(D, H)(torch.zeros(2, 4))


@pytest.mark.parametrize("cell_cls", [RNNCell, LSTMCell, GRUCell])
def test_fused_recurrent_equals_the_step_loop(cell_cls):
    torch.manual_seed(0)
    cell = cell_cls(D, H).double()
    x = torch.randn(3, 8, D, dtype=torch.float64)
    state = gated_state(cell_cls, 3, torch.float64) if cell_cls is LSTMCell else torch.randn(3, H, dtype=torch.float64)
    results = []
    rnn = Recurrent(cell)
    for fused in (False, True):
        rnn.fused = fused   # a switch to flip at will, on the same module
        cell.zero_grad()
        out, final = rnn(x, state)
        (out.sin().sum() + flat(final).sum()).backward()
        results.append([out, flat(final), *[p.grad.clone() for p in cell.parameters()]])
    for a, b in zip(*results):
        assert_close(a, b, torch.float64)
    assert sum(p.numel() for p in Recurrent(cell).parameters()) == sum(p.numel() for p in cell.parameters())


def test_record_gates_match_the_cells_forward():
    from lecture_utils.cells import record_gates
    torch.manual_seed(0)
    x = torch.randn(6, D)
    lstm = LSTMCell(D, H)
    trace = record_gates(lstm, x)
    assert set(trace) == {"i", "f", "g", "o", "C"} and trace["f"].shape == (6, H)
    out, (h, c) = Recurrent(lstm)(x[None])
    np.testing.assert_allclose(trace["C"][-1], c[0].detach().numpy(), atol=1e-6)
    assert (trace["f"] > 0).all() and (trace["f"] < 1).all()
    gru = record_gates(GRUCell(D, H), x)
    assert set(gru) == {"r", "z", "n"}
    with pytest.raises(ValueError, match="needs an LSTMCell or a GRUCell"):
        record_gates(RNNCell(D, H), x)


def test_fused_is_refused_for_a_cell_pytorch_cannot_run_whole_and_recording_does_not_nest():
    rnn = Recurrent(torch.nn.LSTMCell(D, H))
    with pytest.raises(ValueError, match="LSTMCell is not one"):
        rnn.fused = True
    assert rnn.fused is False
    with rnn.recording():
        with pytest.raises(ValueError, match="already recording"):
            with rnn.recording():
                pass


def test_gates_take_h_and_refuse_a_state_tuple():
    cell = LSTMCell(D, H)
    x, h = torch.zeros(2, D), torch.zeros(2, H)
    assert [g.shape for g in cell.gates(x, h)] == [(2, H)] * 4
    with pytest.raises(ValueError, match="h must be a tensor"):
        cell.gates(x, (h, h))


# ---------------------------------------------------------------- clamp_gate: an ablation of one gate
def _lstm_model(seed=0):
    torch.manual_seed(seed)
    return ManyToOne(LSTMCell(3, 5), num_classes=1).double()


def test_clamp_gate_forget_zero_matches_a_hand_written_loop():
    model = _lstm_model()
    x = torch.randn(4, 7, 3, dtype=torch.float64)
    cell = model.cell
    h = C = torch.zeros(4, 5, dtype=torch.float64)
    for t in range(7):     # the LSTM step with f of units 1 and 3 set to 0
        i, f, g, o = cell.gates(x[:, t], h)
        f = f.clone()
        f[:, [1, 3]] = 0.0
        C = f * C + i * g
        h = o * torch.tanh(C)
    with clamp_gate(model.rnn, "f", [1, 3], 0.0):
        _, (h_clamped, C_clamped) = model.rnn(x)
    torch.testing.assert_close(h_clamped, h)
    torch.testing.assert_close(C_clamped, C)


def test_clamp_gate_restores_the_cell_even_after_an_error():
    model = _lstm_model()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    before = model(x)
    with pytest.raises(RuntimeError):
        with clamp_gate(model.rnn, "i", 0, 0.0):
            assert not torch.equal(model(x), before)
            raise RuntimeError("inside")
    torch.testing.assert_close(model(x), before, rtol=0, atol=0)
    assert "_gates" not in vars(model.cell)


def test_clamp_gate_is_seen_by_record_gates_and_each_gate_can_be_clamped():
    model = _lstm_model()
    x = torch.randn(6, 3, dtype=torch.float64)
    for gate in "ifgo":
        with clamp_gate(model.rnn, gate, 2, 0.25):
            recorded = record_gates(model.cell, x)
        assert np.all(recorded[gate][:, 2] == 0.25)
        assert not np.all(recorded[gate][:, 1] == 0.25)


def test_clamp_gate_refuses_what_it_cannot_clamp():
    model = _lstm_model()
    model.rnn.fused = True
    with pytest.raises(ValueError, match="fused"):
        with clamp_gate(model.rnn, "f", 0):
            pass
    model.rnn.fused = False
    for gate, units in [("c", 0), ("f", 5), ("f", -1), ("f", [])]:
        with pytest.raises(ValueError):
            with clamp_gate(model.rnn, gate, units):
                pass
    with pytest.raises(ValueError, match="LSTMCell"):
        with clamp_gate(Recurrent(RNNCell(3, 5)), "f", 0):
            pass


def test_clamp_gates_nest_and_unwind_in_order():
    model = _lstm_model()
    x = torch.randn(5, 3, dtype=torch.float64)
    before = model(x[None])
    with clamp_gate(model.rnn, "i", [0, 1], 0.0), clamp_gate(model.rnn, "f", 1, 1.0):
        both = record_gates(model.cell, x)
        assert np.all(both["i"][:, :2] == 0.0) and np.all(both["f"][:, 1] == 1.0)
        assert np.all(both["C"][:, 1] == 0.0)      # i = 0 writes nothing, f = 1 keeps the zero
    with clamp_gate(model.rnn, "i", [0, 1], 0.0):
        with clamp_gate(model.rnn, "f", 1, 1.0):
            pass
        inner_left = record_gates(model.cell, x)
    assert np.all(inner_left["i"][:, :2] == 0.0) and not np.all(inner_left["f"][:, 1] == 1.0)
    assert "_gates" not in vars(model.cell)
    torch.testing.assert_close(model(x[None]), before, rtol=0, atol=0)
