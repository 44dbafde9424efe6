"""Instant feedback on the exercises: pass your function to its check and read the verdict.

    from lecture_utils import checks
    checks.rnn_step(rnn_step)
    # ✓ rnn_step: matches the reference on 3 cases ...
    # or ✗ what is wrong (a shape, or which element and by how much) and a hint

Every check calls the learner's function on a few small cases with fixed seeds and compares
what comes back with a reference: the package's own implementation (tested against PyTorch's
modules and finite differences in tests/) or a PyTorch module with the same weights. When
the answer is wrong, the check also runs the usual mistakes (a missing tanh, gates in the
wrong order, a product taken the wrong way round) and, if one of them reproduces the
learner's numbers, names it.

How a verdict is reached and worded (tolerance, errors, the usual mistakes) is in
verdicts.py.
"""
import math

import numpy as np
import torch

from . import numpy_char_lm, numpy_rnn
from .gradients import jacobian_products, rnn_jacobians
from .models import RNN_TYPES
from .optim import clip_by_norm as _clip_by_norm
from .verdicts import (ExerciseError, NoDraws, NotImplementedYet, as_array, call, compare,  # noqa: F401
                       expect_value_error, isolated, not_implemented, passed, random_arrays, require_callable,
                       unpack)


# ------------------------------------------------------------------- lesson 01
@isolated
def rnn_step(fn):
    """fn(x_t, h_prev, W_xh, W_hh, b) -> h_t (N, H), h_t = tanh(x_t W_xh^T + h_prev W_hh^T + b)."""
    names = ("x_t", "h_prev", "W_xh", "W_hh", "b")
    cases = [(1, 3, 4), (2, 5, 3), (4, 2, 6)]  # (N, D, H): D != H, so a transpose shows as a shape
    for seed, (N, D, H) in enumerate(cases):
        x, h_prev, W_xh, W_hh, b = random_arrays(seed, (N, D), (N, H), (H, D), (H, H), (H,), scale=0.7)
        got = call("rnn_step", fn, names, x, h_prev, W_xh, W_hh, b)
        a = x @ W_xh.T + h_prev @ W_hh.T + b
        compare("rnn_step", "h_t", got, numpy_rnn.rnn_step_forward(x, h_prev, W_xh, W_hh, b)[0],
                 "h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b): rows are examples, so the weights are transposed.",
                 [("the tanh is missing: without it h_t is a linear function of the inputs.", a),
                  ("that is a sigmoid; the vanilla RNN squashes with tanh, into (-1, 1).", 1 / (1 + np.exp(-a))),
                  ("the bias b is missing.", np.tanh(a - b)),
                  ("h_prev @ W_hh.T is missing: without it the RNN has no memory.", np.tanh(x @ W_xh.T + b)),
                  ("W_hh is square, so h_prev @ W_hh (not transposed) has the right shape but the wrong values.",
                   np.tanh(x @ W_xh.T + h_prev @ W_hh + b))])
    passed("rnn_step", f"h_t matches the reference on {len(cases)} cases of shapes (N, D, H) = "
            + ", ".join(map(str, cases)))


# task -> (type, a question that leads to it without giving it away)
RNN_TYPE_QUIZ = {
    "image classification": ("one-to-one", "one picture in, one label out: is there a sequence anywhere?"),
    "image captioning": ("one-to-many", "one picture in; how many words come out?"),
    "sentiment of a review": ("many-to-one", "a whole review in; how many labels come out?"),
    "machine translation": ("many-to-many delayed",
                            "can the first word of the translation be written before the sentence has been read?"),
    "labelling every frame of a video": ("many-to-many synced", "one label per frame, as each frame arrives"),
    "the character language model of lesson 02": ("many-to-many synced",
                                                  "after each character it reads, what does the model output?"),
}


def _normalise_type(answer):
    words = str(answer).lower().replace("(", " ").replace(")", " ").replace(",", " ").replace("_", "-").split()
    return " ".join(words).replace(" to ", "-to-")


@isolated
def rnn_types(answers):
    """answers: {task: type} for every task in RNN_TYPE_QUIZ; types as in RNN_TYPES."""
    if not isinstance(answers, dict):
        raise ExerciseError(f"answers should be a dict {{task: type}}; got a {type(answers).__name__}")
    problems = []
    missing = [task for task in RNN_TYPE_QUIZ if answers.get(task) in (None, "", ...)]
    if missing:
        problems.append("no answer yet for: " + "; ".join(repr(t) for t in missing))
    unknown = [task for task in answers if task not in RNN_TYPE_QUIZ]
    if unknown:
        problems.append("not a task of this quiz (check the spelling): " + "; ".join(repr(t) for t in unknown))
    for task, (right, question) in RNN_TYPE_QUIZ.items():
        if task in missing:
            continue
        given = _normalise_type(answers[task])
        if given not in RNN_TYPES:
            problems.append(f"{task!r}: {answers[task]!r} is not one of the five types {', '.join(RNN_TYPES)}")
        elif given != right:
            problems.append(f"{task!r}: not {given}. Ask: {question}")
    if problems:
        raise ExerciseError(f"rnn_types: {len(problems)} to fix\n" + "\n".join(problems))
    passed("rnn_types", f"all {len(RNN_TYPE_QUIZ)} tasks have their type")


# ------------------------------------------------------------------- lesson 02
@isolated
def softmax(fn):
    """fn(z) -> p: softmax over the last axis of z (N, V)."""
    cases = [random_arrays(0, (3, 4))[0], random_arrays(1, (1, 6), scale=3)[0],
             np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -999.0]])]
    for z in cases:
        got = as_array("softmax", "p", call("softmax", fn, ("z",), z, hint=(
            "sum over the last axis with keepdims=True, so that the (N, 1) sums broadcast against (N, V).")))
        if z.max() >= 1000 and got.shape == z.shape and not np.all(np.isfinite(got)):
            raise ExerciseError(
                "softmax: for z = [1000, 1001, 1002] the result holds nan or inf: exp(1000) overflows.\n"
                "hint: softmax(z) = softmax(z - max(z)): subtract each row's maximum before exp.")
        compare("softmax", "p", got, numpy_char_lm.softmax(z),
                 "p = exp(z) / sum(exp(z)), each row on its own; every row of p sums to 1.",
                 [("each column sums to 1, not each row: normalise over the last axis (axis=-1, keepdims=True).",
                   np.exp(z - z.max(0)) / np.exp(z - z.max(0)).sum(0)),
                  ("that is exp(z) without the division: divide by the row's sum.", np.exp(z))])
    passed("softmax", "rows sum to 1, match the reference, and logits of 1000 do not overflow")


@isolated
def softmax_cross_entropy(fn):
    """fn(z (N, V), targets (N,) ints) -> (loss, dz): mean over N of -ln p[target], and dloss/dz (N, V)."""
    names = ("z", "targets")
    for seed, (N, V) in enumerate([(1, 4), (5, 7)]):
        z = random_arrays(seed, (N, V), scale=2)[0]
        targets = np.random.default_rng(seed + 10).integers(0, V, size=N)
        loss, dz = unpack("softmax_cross_entropy", call("softmax_cross_entropy", fn, names, z, targets,
                                                          hint="targets holds integer indices, one per row of z."),
                           ("loss", "dz"))
        if np.shape(loss) == (N, V) and np.ndim(dz) == 0:
            raise ExerciseError("softmax_cross_entropy: the two values are swapped: return (loss, dz), in this order.")
        zt = torch.tensor(z, requires_grad=True)
        ref = torch.nn.functional.cross_entropy(zt, torch.tensor(targets))  # PyTorch: mean over N
        ref.backward()
        p, onehot = numpy_char_lm.softmax(z), np.eye(V)[targets]
        compare("softmax_cross_entropy", "loss", loss, ref.item(),
                 "loss = mean over the N rows of -ln p[n, targets[n]], with p = softmax(z).",
                 [("that is the sum over rows; the loss is their mean.", -np.log(p[np.arange(N), targets]).sum()),
                  ("the minus sign is missing: -ln p is positive.", np.log(p[np.arange(N), targets]).mean())])
        compare("softmax_cross_entropy", "dz", dz, zt.grad.numpy(),
                 "dz = (p - onehot(targets)) / N: the softmax and the log cancel to this simple form.",
                 [("divide by N: the loss is a mean over the rows.", p - onehot),
                  ("the sign is flipped: dz = p - onehot, not onehot - p.", (onehot - p) / N),
                  ("subtract 1 at the target: dz = (p - onehot) / N.", p / N)])
    passed("softmax_cross_entropy", "loss and dz equal torch.nn.functional.cross_entropy and its autograd gradient")


@isolated
def sample_next(fn, draws=4000):
    """fn(z, temperature, rng) -> one index drawn from softmax(z / temperature), using rng."""
    names = ("z", "temperature", "rng")
    z = np.array([2.0, 1.0, 0.1, -1.0])
    for bad in (0, -1.0):
        expect_value_error("sample_next", fn, (z.copy(), bad, NoDraws()), f"temperature={bad!r}",
                            "the temperature must be > 0; z / 0 is not a distribution")
    for temperature in (0.5, 1.0, 2.0):
        rng = np.random.default_rng(0)
        counts = np.zeros(len(z))
        for _ in range(draws):
            ix = call("sample_next", fn, names, z, temperature, rng,
                       hint="z is one row of scores (V,); p = softmax(z / temperature); draw with rng.choice(len(p), p=p).")
            if not isinstance(ix, (int, np.integer)) or not 0 <= ix < len(z):
                raise ExerciseError(f"sample_next should return one integer index in 0 .. {len(z) - 1}; got {ix!r}")
            counts[ix] += 1
        freq, p = counts / draws, numpy_char_lm.softmax(z / temperature)
        # 5 standard errors: a correct sampler is inside with probability > 0.9999, and with
        # the seed fixed the verdict is the same on every run.
        if np.any(np.abs(freq - p) > 5 * np.sqrt(p * (1 - p) / draws)):
            hint = "draw from p = softmax(z / temperature), e.g. rng.choice(len(p), p=p)."
            for why, q in [("the temperature is not used: divide the logits by it.", numpy_char_lm.softmax(z)),
                           ("multiply by 1/temperature, not by temperature.", numpy_char_lm.softmax(z * temperature)),
                           ("that is always the most likely index: sample, don't take the argmax.", np.eye(len(z))[0])]:
                if np.all(np.abs(freq - q) <= 5 * np.sqrt(q * (1 - q) / draws) + 1e-12):
                    hint = why
                    break
            shown = ", ".join(f"{f:.3f}" for f in freq)
            raise ExerciseError(f"sample_next: at temperature {temperature}, {draws} draws gave frequencies [{shown}]; "
                                f"expected about [{', '.join(f'{q:.3f}' for q in p)}]\nhint: {hint}")
    first = [call("sample_next", fn, names, z, 1.0, np.random.default_rng(7)) for _ in range(20)]
    again = [call("sample_next", fn, names, z, 1.0, np.random.default_rng(7)) for _ in range(20)]
    if first != again:
        raise ExerciseError("sample_next: the same seed gave different draws.\nhint: draw with the rng that is "
                            "passed in (rng.choice or rng.random), not np.random, so that samples can be repeated.")
    passed("sample_next", f"frequencies over {draws} draws match softmax(z / temperature) at temperatures 0.5, 1 and 2; "
            "temperature 0 raises ValueError")


# ------------------------------------------------------------------- lesson 03
@isolated
def rnn_step_backward(fn):
    """fn(dh (N, H), cache) -> (dx (N, D), dh_prev (N, H), dW_xh (H, D), dW_hh (H, H), db (H,)),
    cache = (x (N, D), h_prev (N, H), W_xh, W_hh, h (N, H)), as rnn_step_forward keeps it."""
    whats = ("dx", "dh_prev", "dW_xh", "dW_hh", "db")
    for seed, (N, D, H) in enumerate([(1, 3, 4), (3, 2, 5)]):
        x, h_prev, W_xh, W_hh, b, dh = random_arrays(seed, (N, D), (N, H), (H, D), (H, H), (H,), (N, H), scale=0.7)
        h, cache = numpy_rnn.rnn_step_forward(x, h_prev, W_xh, W_hh, b)
        got = unpack("rnn_step_backward", call("rnn_step_backward", fn, ("dh", "cache"), dh, cache), whats)
        want = numpy_rnn.rnn_step_backward(dh, cache)
        no_tanh = (dh @ W_xh, dh @ W_hh, dh.T @ x, dh.T @ h_prev, dh.sum(0))
        da_bad = dh * (1 - h)
        wrong_tanh = (da_bad @ W_xh, da_bad @ W_hh, da_bad.T @ x, da_bad.T @ h_prev, da_bad.sum(0))
        da = dh * (1 - h * h)
        hints = {
            "dx": "dx = da @ W_xh, with da = dh * (1 - h**2).",
            "dh_prev": "dh_prev = da @ W_hh, with da = dh * (1 - h**2).",
            "dW_xh": "dW_xh = da.T @ x: (H, N) @ (N, D) sums over the batch.",
            "dW_hh": "dW_hh = da.T @ h_prev: the weights saw h_prev, not h.",
            "db": "db = da.sum(axis=0): b was added to every row of the batch.",
        }
        extra = {"dW_hh": [("that uses h instead of h_prev: W_hh multiplied h_prev in the forward pass.", da.T @ h),
                           ("that is the transpose: dW_hh = da.T @ h_prev.", h_prev.T @ da)],
                 "dh_prev": [("W_hh is square, so da @ W_hh.T has the right shape but the wrong values: the forward "
                              "pass computed h_prev @ W_hh.T, so going back is da @ W_hh.", da @ W_hh.T)]}
        for k, what in enumerate(whats):
            compare("rnn_step_backward", what, got[k], want[k], hints[what],
                     [("the tanh's derivative is missing: multiply dh by 1 - h**2 first.", no_tanh[k]),
                      ("tanh'(a) = 1 - tanh(a)**2 = 1 - h**2, not 1 - h.", wrong_tanh[k])] + extra.get(what, []))
    passed("rnn_step_backward", "all five gradients match the reference (itself checked against finite differences)")


@isolated
def rnn_backward(fn):
    """fn(dh, caches) -> (dx, dh0, dW_xh, dW_hh, db); dh (N, T, H), caches from rnn_forward."""
    whats = ("dx", "dh0", "dW_xh", "dW_hh", "db")
    for seed, (N, T, D, H) in enumerate([(1, 4, 3, 5), (2, 6, 2, 3)]):
        x, h0, W_xh, W_hh, b, dh = random_arrays(seed, (N, T, D), (N, H), (H, D), (H, H), (H,), (N, T, H), scale=0.7)
        h, caches = numpy_rnn.rnn_forward(x, h0, W_xh, W_hh, b)
        got = unpack("rnn_backward", call("rnn_backward", fn, ("dh", "caches"), dh, caches), whats)
        want = numpy_rnn.rnn_backward(dh, caches)
        # The two classic slips, computed with the reference step so that they can be named.
        local = [numpy_rnn.rnn_step_backward(dh[:, t], caches[t]) for t in range(T)]
        no_flow = (np.stack([g[0] for g in local], 1), local[0][1], *(sum(g[k] for g in local) for k in (2, 3, 4)))
        # Steps 1..T-1 never see step 0, so BPTT over them alone gives their share of the sums.
        later = numpy_rnn.rnn_backward(dh[:, 1:], caches[1:]) if T > 1 else (None, None, 0, 0, 0)
        last_only = want[:2] + tuple(want[k] - later[k] for k in (2, 3, 4))
        for k, what in enumerate(whats):
            compare("rnn_backward", what, got[k], want[k],
                     "go from t = T-1 down to 0; the gradient reaching h_t is dh[:, t] + dh_next, and each "
                     "weight gradient is the sum over all steps.",
                     [("nothing flows back through time: pass dh[:, t] + dh_next (dh_next = the dh_prev of step t+1) "
                       "to the step, not dh[:, t] alone.", no_flow[k]),
                      ("only the last step computed (t = 0) is kept: the same weights are used at every step, so "
                       "add (+=) their gradients over t.", last_only[k])]
                     + ([("dh0 is the dh_prev that step t = 0 returns (dh_next after the loop), not zeros.",
                          np.zeros_like(want[k]))] if what == "dh0" else []))
    passed("rnn_backward", "dx, dh0 and the summed weight gradients match the reference BPTT")


# ------------------------------------------------------------------- lesson 04
@isolated
def clip_by_norm(fn):
    """fn(grads, max_norm) -> the norm before clipping; rescales the dict's arrays in place."""
    for seed, max_norm in enumerate((1.0, 100.0, 5.0)):
        grads = dict(zip(("W_xh", "W_hh", "b"), random_arrays(seed, (4, 3), (4, 4), (4,), scale=2)))
        mine = {k: v.copy() for k, v in grads.items()}
        arrays = dict(mine)  # the very objects passed in: clipping must change them, not replace them
        require_callable("clip_by_norm", fn)
        try:
            norm = fn(mine, max_norm)  # not through call(): the arrays are meant to change in place
        except NotImplementedError:
            raise not_implemented("clip_by_norm", fn) from None
        except Exception as err:
            raise ExerciseError(f"clip_by_norm raised {type(err).__name__}: {err}\nhint: grads is a dict "
                                "{name: array}; loop over grads.values().") from None
        want = {k: v.copy() for k, v in grads.items()}
        want_norm = _clip_by_norm(want, max_norm)
        compare("clip_by_norm", "the returned norm", norm, want_norm, "return the joint norm before clipping: sqrt of the sum of g**2 over every array.")
        per_array = {k: v * min(1.0, max_norm / np.linalg.norm(v)) for k, v in grads.items()}
        for k in grads:
            if mine.get(k) is not arrays[k]:
                raise ExerciseError(f"clip_by_norm: grads[{k!r}] = ... put a new array in the dict; scale the one "
                                    "that is there, in place (g *= ...), so that whoever holds it sees the change.")
            compare("clip_by_norm", f"grads[{k!r}]", mine[k], want[k],
                     f"joint norm {want_norm:.3f}, max_norm {max_norm}: " +
                     ("scale every array by max_norm / norm, in place (g *= ...)." if want_norm > max_norm else
                      "below max_norm nothing changes."),
                     [("the arrays are unchanged: rescale them in place (g *= max_norm / norm), so that the caller "
                       "sees the clipped values.", grads[k]),
                      ("each array is clipped by its own norm; clip by the norm of all of them together, which "
                       "keeps the direction of the whole step.", per_array[k])])
    expect_value_error("clip_by_norm", fn, ({"b": np.ones(3)}, 0.0), "max_norm=0",
                        "max_norm must be > 0; 0 would zero every gradient")
    passed("clip_by_norm", "above the threshold the step keeps its direction, below it nothing changes; "
            "max_norm = 0 raises ValueError")


@isolated
def jacobian_product(fn):
    """fn(W_hh, h) -> dh_T/dh_0 (H, H) = J_T ... J_1 with J_k = diag(1 - h_k**2) W_hh; h (T, H)."""
    for seed, (T, H) in enumerate([(1, 3), (4, 3), (6, 5)]):
        W_hh, a = random_arrays(seed, (H, H), (T, H))
        h = np.tanh(a)
        got = call("jacobian_product", fn, ("W_hh", "h"), W_hh, h)
        J = rnn_jacobians(W_hh, h)
        reversed_order = jacobian_products(J[::-1])[0]  # J_1 @ J_2 @ ... @ J_T
        compare("jacobian_product", "dh_T/dh_0", got, jacobian_products(J)[0],
                 "J_k = diag(1 - h_k**2) @ W_hh (scale row i by 1 - h_k[i]**2); multiply J_T @ ... @ J_1.",
                 [("the product is the wrong way round: the last step's Jacobian J_T goes on the left.", reversed_order),
                  ("the tanh's derivative diag(1 - h_k**2) is missing.", np.linalg.matrix_power(W_hh, T)),
                  ("diag(1 - h_k**2) scales the rows of W_hh, not its columns: (1 - h**2)[:, None] * W_hh.",
                   jacobian_products(W_hh[None] * (1 - h ** 2)[:, None, :])[0])])
    passed("jacobian_product", "dh_T/dh_0 matches the reference for T = 1, 4, 6")


# ------------------------------------------------------------------- lesson 05
@isolated
def lstm_step(fn):
    """fn(x_t (N, D), h_prev (N, H), C_prev (N, H), W_xh (4H, D), W_hh (4H, H), b (4H,)) -> (h_t, C_t), both (N, H).

    The blocks of W_xh, W_hh and b are in PyTorch's order i, f, g, o.
    """
    names = ("x_t", "h_prev", "C_prev", "W_xh", "W_hh", "b")
    for seed, (N, D, H) in enumerate([(1, 3, 2), (3, 4, 5)]):
        x, h_prev, C_prev, W_xh, W_hh, b = random_arrays(seed, (N, D), (N, H), (N, H), (4 * H, D), (4 * H, H), (4 * H,))
        h_C = unpack("lstm_step", call("lstm_step", fn, names, x, h_prev, C_prev, W_xh, W_hh, b), ("h_t", "C_t"))
        cell = torch.nn.LSTMCell(D, H).double()
        with torch.no_grad():
            cell.weight_ih.copy_(torch.tensor(W_xh))
            cell.weight_hh.copy_(torch.tensor(W_hh))
            cell.bias_ih.copy_(torch.tensor(b))
            cell.bias_hh.zero_()
            h_ref, C_ref = (t.numpy() for t in cell(torch.tensor(x), (torch.tensor(h_prev), torch.tensor(C_prev))))
        a = x @ W_xh.T + h_prev @ W_hh.T + b
        blocks = [a[:, k * H:(k + 1) * H] for k in range(4)]
        sig = numpy_rnn.sigmoid

        def variant(order=(0, 1, 2, 3), g_act=np.tanh, tanh_C=True, use_i=True):
            i, f, g, o = (blocks[k] for k in order)
            i, f, g, o = sig(i), sig(f), g_act(g), sig(o)
            C = f * C_prev + (i * g if use_i else g)
            return (o * np.tanh(C) if tanh_C else o * C), C

        mistakes = [
            ("the blocks are read in the lecture's order i, f, o, g; PyTorch (and this course) stacks them "
             "i, f, g, o: g is rows 2H:3H and o is rows 3H:4H.", variant((0, 1, 3, 2))),
            ("the candidate g takes tanh (values in (-1, 1)); the three gates i, f, o take sigmoid.",
             variant(g_act=sig)),
            ("h_t = o * tanh(C_t): the cell state is squashed before the output gate.", variant(tanh_C=False)),
            ("C_t = f * C_prev + i * g: the input gate i decides how much of g is written.", variant(use_i=False)),
        ]
        swapped = [("h_t and C_t are swapped: return (h_t, C_t), in this order.", h_ref)]
        compare("lstm_step", "C_t", h_C[1], C_ref, "C_t = f * C_prev + i * g.", swapped + [(m, v[1]) for m, v in mistakes])
        compare("lstm_step", "h_t", h_C[0], h_ref, "h_t = o * tanh(C_t).", [(m, v[0]) for m, v in mistakes])
    passed("lstm_step", "h_t and C_t equal torch.nn.LSTMCell's with the same weights")


@isolated
def cell_state_gradient(fn):
    """fn(f) -> dC (T + 1, N, H), dC[t] = dC_T/dC_t along the cell state = f_{t+1} * ... * f_T; f (T, N, H)."""
    for seed, (T, N, H) in enumerate([(2, 1, 2), (5, 2, 3)]):  # T >= 2, so that a wrong order shows
        f = numpy_rnn.sigmoid(random_arrays(seed, (T, N, H), scale=2)[0] + 1)
        got = call("cell_state_gradient", fn, ("f",), f, hint="f has shape (T, N, H); f[t] is the gate of step t+1.")
        # Reference by autograd: C_t = f_t * C_{t-1} + (a constant), gradient of C_T w.r.t. each C_t.
        Cs = [torch.zeros(N, H, dtype=torch.float64, requires_grad=True)]
        for t in range(T):
            Cs.append(torch.tensor(f[t]) * Cs[-1] + 0.5)
            Cs[-1].retain_grad()
        Cs[-1].sum().backward()
        want = np.stack([C.grad.numpy() for C in Cs])
        forward = np.concatenate([np.ones((1, N, H)), np.cumprod(f, axis=0)])
        compare("cell_state_gradient", "dC", got, want,
                 "dC[T] = 1; going back one step multiplies by that step's forget gate: dC[t] = dC[t+1] * f[t] "
                 "(f[t] is f_{t+1}, the gate of step t+1).",
                 [("that multiplies from the start (f_1 * ... * f_t); the gradient reaches C_t from the end, "
                   "so dC[t] = f_{t+1} * ... * f_T.", forward),
                  ("the entries are in reverse time order: index by t, so that dC[T], the last entry, is 1 and "
                   "dC[0] is the product of every gate.", want[::-1])])
    passed("cell_state_gradient", "matches autograd through C_t = f_t * C_{t-1} + i_t * g_t")


# ------------------------------------------------------------------- lesson 06
@isolated
def gru_step(fn):
    """fn(x_t (N, D), h_prev (N, H), W_ih (3H, D), W_hh (3H, H), b_ih (3H,), b_hh (3H,)) -> h_t (N, H).

    PyTorch's layout and names (W_ih is the lecture's W_xh), blocks r, z, n.
    """
    names = ("x_t", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh")
    for seed, (N, D, H) in enumerate([(1, 3, 2), (3, 4, 5)]):
        x, h_prev, W_ih, W_hh, b_ih, b_hh = random_arrays(seed, (N, D), (N, H), (3 * H, D), (3 * H, H), (3 * H,), (3 * H,))
        got = call("gru_step", fn, names, x, h_prev, W_ih, W_hh, b_ih, b_hh)
        cell = torch.nn.GRUCell(D, H).double()
        with torch.no_grad():
            for p, v in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
                p.copy_(torch.tensor(v))
            want = cell(torch.tensor(x), torch.tensor(h_prev)).numpy()
        gi, gh = x @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
        sig = numpy_rnn.sigmoid
        r, z = sig(gi[:, :H] + gh[:, :H]), sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        n_cho = np.tanh(gi[:, 2 * H:] + (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:])
        n_outside = np.tanh(gi[:, 2 * H:] + r * (h_prev @ W_hh[2 * H:].T) + b_hh[2 * H:])
        n_rz = np.tanh(gi[:, 2 * H:] + z * gh[:, 2 * H:])  # r and z read from each other's rows
        compare("gru_step", "h_t", got, want, "h_t = (1 - z) * n + z * h_prev, n = tanh(W_in x_t + b_in + r * (W_hn h_prev + b_hn)).",
                 [("z and 1 - z are swapped: in PyTorch's form z keeps the old state, h = (1 - z) * n + z * h_prev. "
                   "(The other form is a GRU too, with z relabelled; the weights would mean different things.)",
                   z * n + (1 - z) * h_prev),
                  ("r is applied to h_prev before the weights (Cho et al.'s form); PyTorch applies it after: "
                   "r * (h_prev @ W_hn.T + b_hn).", (1 - z) * n_cho + z * h_prev),
                  ("b_hn belongs inside the reset gate's product: r * (h_prev @ W_hn.T + b_hn).",
                   (1 - z) * n_outside + z * h_prev),
                  ("r and z are read from each other's rows: the blocks are r (rows 0:H), z (H:2H), n (2H:3H).",
                   (1 - r) * n_rz + r * h_prev)])
    passed("gru_step", "h_t equals torch.nn.GRUCell's with the same weights")


@isolated
def param_counts(fn):
    """fn(D, H) -> {"rnn": n, "lstm": n, "gru": n}: parameters of one-layer nn.RNN, nn.LSTM, nn.GRU."""
    for D, H in [(10, 20), (32, 128), (1, 1)]:
        got = call("param_counts", fn, ("D", "H"), D, H, hint="D and H are ints; return a dict of three ints.")
        if not isinstance(got, dict) or set(got) != {"rnn", "lstm", "gru"}:
            raise ExerciseError(f"param_counts should return a dict with the keys 'rnn', 'lstm', 'gru'; got {got!r}")
        for name, count in got.items():
            whole = isinstance(count, (int, np.integer)) or (isinstance(count, float) and count.is_integer())
            if not whole or isinstance(count, bool):
                raise ExerciseError(f"param_counts({D}, {H})[{name!r}] should be a whole number; got {count!r}")
        for name, module, k in [("rnn", torch.nn.RNN, 1), ("lstm", torch.nn.LSTM, 4), ("gru", torch.nn.GRU, 3)]:
            want = sum(p.numel() for p in module(D, H).parameters())
            if got[name] != want:
                one_bias, no_bias = k * (H * D + H * H + H), k * (H * D + H * H)
                hint = {one_bias: "PyTorch keeps two bias vectors per block, b_ih and b_hh (they are added "
                                  "together, but both are parameters).",
                        no_bias: "the biases are missing: each block has b_ih and b_hh, H numbers each."
                        }.get(got[name], f"{k} block(s), each with W_ih (H, D), W_hh (H, H), b_ih (H,) and b_hh (H,).")
                raise ExerciseError(f"param_counts({D}, {H})[{name!r}] is {got[name]!r}; torch.nn.{module.__name__}"
                                    f"({D}, {H}) has {want}\nhint: {hint}")
    passed("param_counts", "equal to the parameters of torch.nn.RNN, LSTM and GRU for three sizes")


# ------------------------------------------------------------------- lesson 07
@isolated
def known_word_fraction(fn):
    """fn(text, words) -> the share of text's whitespace-separated words that are in the set `words`."""
    cases = [("the king is dead , long live the king", {"the", "king", "is", "live"}, 6 / 9),
             ("ROMEO:\nWhat  light\tthrough yonder", {"ROMEO:", "light", "yonder"}, 3 / 5),
             ("thou art", set(), 0.0)]
    for text, words, want in cases:
        got = call("known_word_fraction", fn, ("text", "words"), text, words,
                    hint="text is a str and words a set of str: `word in words` tests one word.")
        try:
            got = float(got)  # a NumPy or PyTorch scalar, or a Fraction, is a number too
        except Exception:
            raise ExerciseError(f"known_word_fraction should return one number; got {type(got).__name__}") from None
        if not math.isclose(got, want, abs_tol=1e-12):
            hint = "split at whitespace with text.split() (no argument), then count the words that are in `words`."
            spaces = np.mean([w in words for w in text.split(" ")])
            if not math.isclose(spaces, want) and math.isclose(got, spaces, abs_tol=1e-12):
                hint = "text.split(' ') keeps line breaks, tabs and empty strings inside the words; text.split() does not."
            elif math.isclose(got, want * len(text.split()), abs_tol=1e-12):
                hint = "that is a count; divide by the number of words."
            elif math.isclose(got, 100 * want, abs_tol=1e-9):
                hint = "that is a percentage; return the share, in [0, 1]."
            raise ExerciseError(f"known_word_fraction({text!r}, {sorted(words)}) is {got!r}; expected {want:.6g}\nhint: {hint}")
    passed("known_word_fraction", "matches on 3 texts, with line breaks, tabs and double spaces")


@isolated
def pearson_r(fn):
    """fn(a, label) -> Pearson's r between a unit's activations a (T,) and a label (T,)."""
    rng = np.random.default_rng(0)
    for a in [rng.standard_normal(50), np.arange(10.0), rng.random(30) + 5]:
        label = 0.6 * a + rng.standard_normal(len(a)) + 3.0
        got = call("pearson_r", fn, ("a", "label"), a, label, hint="a and label are 1-D arrays of the same length T.")
        cosine = a @ label / (np.linalg.norm(a) * np.linalg.norm(label))
        ac, lc = a - a.mean(), label - label.mean()
        compare("pearson_r", "r", got, np.corrcoef(a, label)[0, 1],
                 "r = sum(ac * lc) / sqrt(sum(ac**2) * sum(lc**2)), with ac = a - mean(a), lc = label - mean(label).",
                 [("that is the cosine of a and label: subtract each one's mean first.", cosine),
                  ("that is the covariance; divide by both standard deviations to get r in [-1, 1].",
                   np.mean(ac * lc))])
    passed("pearson_r", "equals np.corrcoef on 3 pairs, including data far from 0")
