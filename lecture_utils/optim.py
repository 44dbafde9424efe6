"""Optimisers and gradient clipping for the NumPy models (dicts of arrays)."""
import numpy as np


class Adagrad:
    """Adagrad, as in min-char-rnn: each parameter's step shrinks with the sum of its
    squared gradients so far.

        G += g**2;   w -= lr * g / (sqrt(G) + eps)

    eps sits outside the square root, as in torch.optim.Adagrad. min-char-rnn puts 1e-8
    inside it, which is harmless for its summed loss but not for a mean loss: gradients
    of 1e-5 give G ~ 1e-10, eps dominates, and training stalls at the unigram loss.
    Outside, the update is unchanged when the loss is scaled. Parameters change in place.
    One optimiser per model: its sums G are kept by parameter name.
    """

    def __init__(self, lr=0.1, eps=1e-10):
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate must be a positive number; got {lr}")
        if not np.isfinite(eps) or eps < 0:
            raise ValueError(f"eps must be a number >= 0; got {eps}")
        self.lr, self.eps = lr, eps
        self.memory = {}

    def step(self, params, grads):
        for name, g in grads.items():
            if name not in params:
                raise ValueError(f"gradient {name!r} has no parameter of that name")
            if g.shape != params[name].shape:
                raise ValueError(f"gradient {name!r} has shape {g.shape}; its parameter has {params[name].shape}")
            G = self.memory.setdefault(name, np.zeros_like(params[name]))
            if G.shape != g.shape:
                raise ValueError(f"this optimiser's sums for {name!r} have shape {G.shape}, not {g.shape}: "
                                 "use a new optimiser for a new model")
            G += g * g
            params[name] -= self.lr * g / (np.sqrt(G) + self.eps)


def clip_by_value(grads, limit):
    """Clip every gradient element into [-limit, limit], in place (min-char-rnn uses 5).

    A crude guard against exploding gradients: it changes the gradient's direction, which
    clipping by the norm does not.
    """
    if not np.isfinite(limit) or limit <= 0:
        raise ValueError(f"clipping limit must be a positive number; got {limit}")
    for g in grads.values():
        np.clip(g, -limit, limit, out=g)
    return grads


def clip_by_norm(grads, max_norm):
    """Rescale all gradients together, in place, so that their joint norm is at most max_norm.

    If ||g|| > max_norm, g <- max_norm * g / ||g|| (Pascanu, Mikolov and Bengio 2013): the
    step keeps its direction and only its length is capped. ||g|| is taken over every
    element of every gradient, as torch.nn.utils.clip_grad_norm_ does.
    Returns the norm before clipping.
    """
    if not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm must be a positive number; got {max_norm}")
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm
