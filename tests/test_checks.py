"""The exercise checks: right answers pass, the usual mistakes are named, nothing crashes.

Correct answers come from the package's own implementations (tested against PyTorch and
finite differences elsewhere) where it has one. Each wrong answer below is a real slip a
learner makes; the test asserts that the check says which one it is.
"""
import numpy as np
import pytest
import torch

from lecture_utils import checks, guards, numpy_char_lm, numpy_rnn, optim
from lecture_utils.gradients import jacobian_products, rnn_jacobians
from lecture_utils.numpy_rnn import sigmoid

sm = numpy_char_lm.softmax


# Right answers written apart from the package's own code (the checks' references), so that a
# bug in a reference cannot pass its own check: by hand, or by PyTorch's autograd.
def rnn_step(x, h, W_xh, W_hh, b):
    return np.tanh(x @ W_xh.T + h @ W_hh.T + b)


def torch_softmax(z):
    return torch.softmax(torch.from_numpy(z), dim=-1).numpy()


def unroll_by_autograd(dh, caches):
    """(dx, dh0, dW_xh, dW_hh, db) by autograd through the RNN the caches record; b is
    recovered from the first step: b = arctanh(h_1) - x_1 W_xh^T - h_0 W_hh^T."""
    x = torch.tensor(np.stack([c[0] for c in caches], axis=1), requires_grad=True)
    h0, W_xh, W_hh = (torch.tensor(a, requires_grad=True) for a in caches[0][1:4])
    x1, h_0, W1, W2, h1 = caches[0]
    b = torch.tensor((np.arctanh(h1) - x1 @ W1.T - h_0 @ W2.T)[0], requires_grad=True)
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b)
        hs.append(h)
    (torch.stack(hs, 1) * torch.from_numpy(dh)).sum().backward()
    return tuple(a.grad.numpy() for a in (x, h0, W_xh, W_hh, b))


def rnn_step_backward_by_autograd(dh, cache):
    dx, dh_prev, dW_xh, dW_hh, db = unroll_by_autograd(dh[:, None], [cache])
    return dx[:, 0], dh_prev, dW_xh, dW_hh, db


def clip_by_norm_by_hand(grads, max_norm):
    """Written apart from optim.clip_by_norm (PyTorch's own adds 1e-6 to the norm, a 1e-7
    difference that the checks' 1e-8 tolerance would flag)."""
    if not max_norm > 0:
        raise ValueError("max_norm must be > 0")
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    for g in grads.values():
        g *= min(1.0, max_norm / norm)
    return norm


def softmax_ce(z, targets, scale=None):
    N = len(targets)
    p = sm(z)
    dz = p - np.eye(z.shape[1])[targets]
    return -np.log(p[np.arange(N), targets]).mean(), dz / (N if scale is None else scale)


def sample_next(z, temperature, rng, power=-1.0):
    guards.temperature(temperature)
    p = sm(z * temperature ** power)
    return rng.choice(len(p), p=p)


def rnn_backward_no_flow(dh, caches):
    steps = [numpy_rnn.rnn_step_backward(dh[:, t], c) for t, c in enumerate(caches)]
    return (np.stack([s[0] for s in steps], 1), steps[0][1], *(sum(s[k] for s in steps) for k in (2, 3, 4)))


def rnn_backward_assigned(dh, caches):
    """Writes each step's weight gradients with = instead of +=: only step 0's survive."""
    N, T, H = dh.shape
    dx, dh_next = np.zeros((N, T, caches[0][0].shape[1])), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dW_xh, dW_hh, db = numpy_rnn.rnn_step_backward(dh[:, t] + dh_next, caches[t])
    return dx, dh_next, dW_xh, dW_hh, db


def jacobian_scaling_columns(W_hh, h):
    out = np.eye(len(W_hh))
    for h_k in h:
        out = (W_hh * (1 - h_k ** 2)[None, :]) @ out
    return out


def lstm_step(x, h_prev, C_prev, W_xh, W_hh, b, order=(0, 1, 2, 3)):
    H = h_prev.shape[1]
    a = x @ W_xh.T + h_prev @ W_hh.T + b
    i, f, g, o = (a[:, k * H:(k + 1) * H] for k in order)
    C = sigmoid(f) * C_prev + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(C), C


def gru_step(x, h_prev, W_ih, W_hh, b_ih, b_hh, swap=False):
    H = h_prev.shape[1]
    gi, gh = x @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r, z = sigmoid(gi[:, :H] + gh[:, :H]), sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return z * n + (1 - z) * h_prev if swap else (1 - z) * n + z * h_prev


def cell_grad(f, forward=False):
    g = np.ones((len(f) + 1,) + f.shape[1:])
    steps = range(len(f)) if forward else reversed(range(len(f)))
    for t in steps:
        if forward:
            g[t + 1] = g[t] * f[t]
        else:
            g[t] = g[t + 1] * f[t]
    return g


def clip_each(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    norm = np.sqrt(sum((g ** 2).sum() for g in grads.values()))
    for g in grads.values():
        g *= min(1.0, max_norm / np.linalg.norm(g))
    return norm


def counts(D, H, biases=2):
    block = H * D + H * H + biases * H
    return {"rnn": block, "lstm": 4 * block, "gru": 3 * block}


def pearson(x, y, centre=True):
    if centre:
        x, y = x - x.mean(), y - y.mean()
    return x @ y / np.sqrt((x @ x) * (y @ y))


QUIZ = {task: kind for task, (kind, _) in checks.RNN_TYPE_QUIZ.items()}

RIGHT = {
    "rnn_step": rnn_step,
    "rnn_types": QUIZ,
    "softmax": torch_softmax,
    "softmax_cross_entropy": softmax_ce,
    "sample_next": sample_next,
    "rnn_step_backward": rnn_step_backward_by_autograd,
    "rnn_backward": unroll_by_autograd,
    "clip_by_norm": clip_by_norm_by_hand,
    "jacobian_product": lambda W_hh, h: jacobian_products(rnn_jacobians(W_hh, h))[0],
    "lstm_step": lstm_step,
    "cell_state_gradient": cell_grad,
    "gru_step": gru_step,
    "param_counts": counts,
    "known_word_fraction": lambda text, words: np.mean([w in words for w in text.split()]),
    "pearson_r": pearson,
}

# (check, a wrong answer, words the verdict must contain)
WRONG = [
    ("rnn_step", lambda x, h, W_xh, W_hh, b: x @ W_xh.T + h @ W_hh.T + b, "tanh is missing"),
    ("rnn_step", lambda x, h, W_xh, W_hh, b: np.tanh(x @ W_xh.T + h @ W_hh + b), "not transposed"),
    ("rnn_step", lambda x, h, W_xh, W_hh, b: np.tanh(x @ W_xh + h @ W_hh.T + b), "raised ValueError"),
    ("rnn_step", lambda x, h, W_xh, W_hh, b: np.tanh(x @ W_xh.T + b), "no memory"),
    ("rnn_types", {**QUIZ, "machine translation": "many-to-many synced"}, "before the sentence has been read"),
    ("rnn_types", {**QUIZ, "image captioning": "one to several"}, "is not one of the five types"),
    ("rnn_types", {k: v for k, v in QUIZ.items() if k != "image classification"}, "no answer yet"),
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True), "overflows"),
    ("softmax", lambda z: np.exp(z - z.max(0)) / np.exp(z - z.max(0)).sum(0), "each column sums to 1"),
    ("softmax_cross_entropy", lambda z, t: softmax_ce(z, t, scale=1), "divide by N"),
    ("softmax_cross_entropy", lambda z, t: (softmax_ce(z, t)[0], -softmax_ce(z, t)[1]), "sign is flipped"),
    ("softmax_cross_entropy", lambda z, t: softmax_ce(z, t)[1], "should return 2 values"),
    ("sample_next", lambda z, T, rng: sample_next(z, T, rng, power=1.0), "multiply by 1/temperature"),
    ("sample_next", lambda z, T, rng: sample_next(z, 1.0, rng) if T > 0 else sample_next(z, T, rng),
     "temperature is not used"),
    ("sample_next", lambda z, T, rng: (guards.temperature(T), int(np.argmax(z)))[1], "argmax"),
    ("sample_next", lambda z, T, rng: sample_next(z, T, np.random.default_rng()), "same seed gave different draws"),
    ("sample_next", lambda z, T, rng: rng.choice(len(z), p=sm(z / T)), "raise a ValueError"),
    ("rnn_step_backward", lambda dh, c: numpy_rnn.rnn_step_backward(dh / (1 - c[-1] ** 2), c), "derivative is missing"),
    ("rnn_step_backward", lambda dh, c: numpy_rnn.rnn_step_backward(dh / (1 + c[-1]), c), "not 1 - h"),
    ("rnn_backward", rnn_backward_no_flow, "nothing flows back through time"),
    ("rnn_backward", rnn_backward_assigned, "add (+=) their gradients over t"),
    ("jacobian_product", jacobian_scaling_columns, "scales the rows of W_hh, not its columns"),
    ("clip_by_norm", lambda grads, m: optim.clip_by_norm({k: v.copy() for k, v in grads.items()}, m),
     "rescale them in place"),
    ("clip_by_norm", clip_each, "clipped by its own norm"),
    ("jacobian_product", lambda W, h: np.linalg.matrix_power(W, len(h)), "derivative diag(1 - h_k**2) is missing"),
    ("jacobian_product", lambda W, h: np.linalg.multi_dot([np.eye(len(W)), np.eye(len(W)), *rnn_jacobians(W, h)]),
     "wrong way round"),
    ("lstm_step", lambda *a: lstm_step(*a, order=(0, 1, 3, 2)), "i, f, g, o"),
    ("cell_state_gradient", lambda f: cell_grad(f, forward=True), "multiplies from the start"),
    ("gru_step", lambda *a: gru_step(*a, swap=True), "z and 1 - z are swapped"),
    ("param_counts", lambda D, H: counts(D, H, biases=1), "two bias vectors"),
    ("known_word_fraction", lambda text, words: np.mean([w in words for w in text.split(" ")]), "text.split(' ')"),
    ("pearson_r", lambda x, y: pearson(x, y, centre=False), "cosine"),
    # found by a learner's review
    ("sample_next", lambda z, T, rng: rng.choice(len(z), p=sm(z / T)) if T >= 0 else sample_next(z, T, rng),
     "went on to draw a sample"),
    ("param_counts", lambda D, H: {k: [v] for k, v in counts(D, H).items()}, "should be a whole number"),
    ("lstm_step", lambda *a: lstm_step(*a)[::-1], "h_t and C_t are swapped"),
    ("softmax_cross_entropy", lambda z, t: softmax_ce(z, t)[::-1], "the two values are swapped"),
    ("gru_step", lambda x, h, W_ih, W_hh, b_ih, b_hh: gru_step(x, h, *(np.concatenate([W[len(W) // 3:2 * len(W) // 3],
     W[:len(W) // 3], W[2 * len(W) // 3:]]) for W in (W_ih, W_hh, b_ih, b_hh))), "each other's rows"),
    ("rnn_step_backward", lambda dh, c: numpy_rnn.rnn_step_backward(dh, c)[:1]
     + ((dh * (1 - c[-1] ** 2)) @ c[3].T,) + numpy_rnn.rnn_step_backward(dh, c)[2:], "going back is da @ W_hh"),
    ("rnn_backward", lambda dh, c: (lambda r: (r[0], 0 * r[1], *r[2:]))(numpy_rnn.rnn_backward(dh, c)),
     "dh0 is the dh_prev"),
    ("clip_by_norm", lambda grads, m: [grads.update({k: v.copy()}) for k, v in grads.items()] and optim.clip_by_norm(grads, m),
     "put a new array in the dict"),
    ("cell_state_gradient", lambda f: cell_grad(f)[::-1], "reverse time order"),
    ("rnn_step", lambda *a: rnn_step(*a).astype(np.float32), "computed in float32"),
    ("known_word_fraction", lambda text, words: 100 * np.mean([w in words for w in text.split()]), "percentage"),
]


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_right_answer_passes(name, capsys):
    getattr(checks, name)(RIGHT[name])
    assert capsys.readouterr().out.startswith(f"✓ {name}:")


@pytest.mark.parametrize("name, answer, words", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_a_usual_mistake_is_named(name, answer, words):
    with pytest.raises(checks.ExerciseError) as verdict:
        getattr(checks, name)(answer)
    assert words in str(verdict.value)


def stub(*args):
    raise NotImplementedError("not implemented yet: replace this line with your code")


@pytest.mark.parametrize("name", sorted(set(RIGHT) - {"rnn_types"}))
def test_the_student_stub_says_not_implemented_yet(name):
    with pytest.raises(checks.NotImplementedYet, match="stub is not implemented yet"):
        getattr(checks, name)(stub)


@pytest.mark.parametrize("name", sorted(set(RIGHT) - {"rnn_types"}))
def test_no_answer_crashes_a_check(name):
    """Whatever comes back, a check answers with a verdict, never an exception of its own."""
    for answer in (lambda *a: None, lambda *a: "text", lambda *a: np.zeros(7), lambda *a: 1 / 0, 42):
        with pytest.raises(checks.ExerciseError):
            getattr(checks, name)(answer)


def test_a_wrong_element_is_located_and_measured():
    def off_by_a_little(x, h, W_xh, W_hh, b):
        out = rnn_step(x, h, W_xh, W_hh, b)
        out[0, 1] += 0.25
        return out

    with pytest.raises(checks.ExerciseError, match=r"h_t\[0, 1\] is .*off by 0\.25\)\. 1 of 4 elements are wrong"):
        checks.rnn_step(off_by_a_little)


def test_answers_written_another_way_pass(capsys):
    import torch

    checks.rnn_types({task: kind.replace("-", " ") for task, kind in QUIZ.items()})     # "one to many"
    checks.known_word_fraction(lambda text, words: torch.tensor(RIGHT["known_word_fraction"](text, words)))
    checks.param_counts(lambda D, H: {k: float(v) for k, v in counts(D, H).items()})
    checks.rnn_step(lambda x, h, W_xh, W_hh, b: torch.tanh(torch.tensor(x) @ torch.tensor(W_xh).T
                                                             + torch.tensor(h) @ torch.tensor(W_hh).T + torch.tensor(b)))
    checks.softmax(lambda z: np.exp(z - z.max(-1, keepdims=True)) / np.einsum("nv->n", np.exp(z - z.max(-1, keepdims=True)))[:, None])
    assert capsys.readouterr().out.count("✓") == 5


def test_a_wrong_shape_is_reported_as_a_shape():
    with pytest.raises(checks.ExerciseError, match=r"h_t has shape \(4,\); expected \(1, 4\)"):
        checks.rnn_step(lambda *a: rnn_step(*a)[0])


def test_ipython_shows_the_verdict_without_a_traceback():
    with pytest.raises(checks.ExerciseError) as verdict:
        checks.param_counts(lambda D, H: counts(D, H, biases=1))
    lines = verdict.value._render_traceback_()
    assert lines[0].startswith("✗ param_counts(10, 20)['rnn'] is 620; torch.nn.RNN(10, 20) has 640")
    assert lines[1].startswith("  hint: PyTorch keeps two bias vectors")


def test_the_learners_inputs_cannot_spoil_the_reference():
    def overwrites(x, h, W_xh, W_hh, b):
        out = rnn_step(x, h, W_xh, W_hh, b)
        W_xh[:] = 0.0
        return out

    checks.rnn_step(overwrites)  # passes: it was given copies


def test_a_check_leaves_the_random_state_alone():
    """A lesson's later numbers must not depend on whether the learner ran a check."""
    import torch

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    checks.param_counts(counts)       # builds nn.RNN, nn.LSTM, nn.GRU: random weights
    checks.lstm_step(lstm_step)
    assert torch.equal(torch.rand(3), expected)
