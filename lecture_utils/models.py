"""The lecture's five types of recurrent model, each built on any cell.

    one-to-one            x -> y                 no sequence at all: T = 1
    one-to-many           v -> y_1 ... y_T       a caption from one vector
    many-to-one           x_1 ... x_T -> y       classify a whole sequence
    many-to-many, delayed x_1 ... x_T -> y_1 ... y_S, after reading everything (translation)
    many-to-many, synced  x_1 ... x_T -> y_1 ... y_T, one output per step (tagging)

Every model takes a cell (`RNNCell`, and later `LSTMCell` or `GRUCell`, or PyTorch's
own) and unrolls it with `Recurrent`, so the cell can change with nothing else changed.
A model that reads its input through one cell (ManyToOne, ManyToManySynced, CharLM) shows
its parts by name: `model.rnn` (the Recurrent, whose `fused` switch the model's
`fused=True` sets), `model.cell`, and `model.embedding` (None if it reads vectors).
Models with `vocab_size` read token indices (N, T) and embed them to the cell's input
size; without it they read vectors (N, T, D). Every model returns logits: scores over
classes or tokens, to be fed to a softmax or a cross-entropy.
"""
import numpy as np
import torch
from torch import nn

from . import guards
from .cells import Recurrent, hidden_of

# The lecture's names of the five types, in its order.
RNN_TYPES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many delayed", "many-to-many synced")


def _dtype(module):
    return next(module.parameters()).dtype


class _SequenceReader(nn.Module):
    """Tokens (N, T) through an embedding, or vectors (N, T, D) as they are, into a Recurrent."""

    def __init__(self, cell, vocab_size=None, fused=False):
        super().__init__()
        self.rnn = Recurrent(cell, fused)
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, cell.input_size) if vocab_size else None

    def forward(self, x, state=None):
        if self.embed is not None:
            guards.tokens("x", x, self.vocab_size)
            x = self.embed(x)
        else:
            guards.vectors("x", x, 3, self.rnn.input_size, _dtype(self.rnn))
        return self.rnn(x, state)


class _Reads(nn.Module):
    """The public names of a model that reads a sequence with a _SequenceReader `reader`."""

    @property
    def rnn(self):
        """The Recurrent that unrolls the cell (its `fused` switch: see cells.Recurrent)."""
        return self.reader.rnn

    @property
    def cell(self):
        """The cell the model is built on."""
        return self.reader.rnn.cell

    @property
    def embedding(self):
        """The nn.Embedding of the input tokens (x_t's row of it is W_xh x_t), or None for vectors."""
        return self.reader.embed


class OneToOne(nn.Module):
    """One input, one output: a feed-forward network is an RNN run for a single step.

    forward(x (N, D)) -> logits (N, num_classes), from h_1 = cell(x, h_0 = 0).
    """

    def __init__(self, cell, num_classes):
        super().__init__()
        self.rnn = Recurrent(cell)
        self.head = nn.Linear(cell.hidden_size, num_classes)

    def forward(self, x):
        guards.vectors("x", x, 2, self.rnn.input_size, _dtype(self.rnn))
        h, _ = self.rnn(x[:, None, :])  # a sequence of length T = 1
        return self.head(h[:, 0])


class ManyToOne(_Reads):
    """Read a whole sequence, then classify it from the last hidden state h_T (sentiment).

    forward(x (N, T) tokens or (N, T, D) vectors) -> logits (N, num_classes).
    """

    def __init__(self, cell, num_classes, vocab_size=None, fused=False):
        super().__init__()
        self.reader = _SequenceReader(cell, vocab_size, fused)
        self.head = nn.Linear(cell.hidden_size, num_classes)

    def forward(self, x):
        _, state = self.reader(x)
        return self.head(hidden_of(state))


class ManyToManySynced(_Reads):
    """One output per input, at the same step, from h_t (part-of-speech tagging).

    forward(x (N, T) tokens or (N, T, D) vectors) -> logits (N, T, num_tags).
    """

    def __init__(self, cell, num_tags, vocab_size=None, fused=False):
        super().__init__()
        self.reader = _SequenceReader(cell, vocab_size, fused)
        self.head = nn.Linear(cell.hidden_size, num_tags)

    def forward(self, x):
        h, _ = self.reader(x)
        return self.head(h)


class _Decoder(nn.Module):
    """Writes tokens one per step. Its input at step t is the embedding of the token
    written at step t - 1 (a start token at t = 1) plus an optional context vector."""

    def __init__(self, cell, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.start = vocab_size  # one extra embedding row for the start token
        self.embed = nn.Embedding(vocab_size + 1, cell.input_size)
        self.rnn = Recurrent(cell)
        self.head = nn.Linear(cell.hidden_size, vocab_size)

    def teacher_forced(self, targets, state=None, context=0.0):
        """Logits (N, S, V) for targets (N, S), feeding the true previous token at each step."""
        guards.tokens("targets", targets, self.vocab_size)
        start = torch.full_like(targets[:, :1], self.start)
        prev = torch.cat([start, targets[:, :-1]], dim=1)
        h, _ = self.rnn(self.embed(prev) + context, state)
        return self.head(h)

    @torch.no_grad()
    def greedy(self, length, batch, state=None, context=0.0):
        """Write `length` tokens (N, length), each the most likely given those before it."""
        guards.whole("length", length)
        token = torch.full((batch,), self.start, dtype=torch.long, device=self.embed.weight.device)
        out = []
        for _ in range(length):
            state = self.rnn.cell(self.embed(token) + context, state)
            token = self.head(hidden_of(state)).argmax(dim=-1)
            out.append(token)
        return torch.stack(out, dim=1)


class OneToMany(nn.Module):
    """From one vector v, write a sequence (image captioning: an image's features in,
    words out). v is projected to the cell's input size and added to every step's input.

    forward(v (N, cond_size), targets (N, S)) -> logits (N, S, vocab_size), teacher-forced.
    generate(v, length) -> tokens (N, length).
    """

    def __init__(self, cell, cond_size, vocab_size):
        super().__init__()
        self.cond_size = cond_size
        self.project = nn.Linear(cond_size, cell.input_size)
        self.decoder = _Decoder(cell, vocab_size)

    def _context(self, v):
        guards.vectors("v", v, 2, self.cond_size, _dtype(self.project))
        return self.project(v)[:, None, :]

    def forward(self, v, targets):
        context = self._context(v)
        guards.tokens("targets", targets, self.decoder.vocab_size)
        if targets.shape[0] != v.shape[0]:
            raise ValueError(f"v has {v.shape[0]} rows but targets has {targets.shape[0]}")
        return self.decoder.teacher_forced(targets, context=context)

    @torch.no_grad()
    def generate(self, v, length):
        return self.decoder.greedy(length, v.shape[0], context=self._context(v)[:, 0])


class ManyToManyDelayed(nn.Module):
    """An encoder reads the whole input; its final state starts a decoder that writes the
    output (machine translation). Nothing is written until everything has been read.

    forward(src (N, T), targets (N, S)) -> logits (N, S, tgt_vocab), teacher-forced.
    generate(src, length) -> tokens (N, length).
    """

    def __init__(self, encoder_cell, decoder_cell, src_vocab, tgt_vocab):
        super().__init__()
        if type(encoder_cell) is not type(decoder_cell):
            raise ValueError(
                f"the encoder's final state starts the decoder, so both cells must be of the same kind; "
                f"got {type(encoder_cell).__name__} and {type(decoder_cell).__name__}"
            )
        if encoder_cell.hidden_size != decoder_cell.hidden_size:
            raise ValueError(
                f"the encoder's final state starts the decoder, so their hidden sizes must match; "
                f"got {encoder_cell.hidden_size} and {decoder_cell.hidden_size}"
            )
        self.encoder = _SequenceReader(encoder_cell, src_vocab)
        self.decoder = _Decoder(decoder_cell, tgt_vocab)

    def forward(self, src, targets):
        guards.tokens("targets", targets, self.decoder.vocab_size)
        _, state = self.encoder(src)
        if targets.shape[:1] != src.shape[:1]:
            raise ValueError(f"src has {src.shape[0]} rows but targets has {targets.shape[0]}")
        return self.decoder.teacher_forced(targets, state)

    @torch.no_grad()
    def generate(self, src, length):
        _, state = self.encoder(src)
        return self.decoder.greedy(length, src.shape[0], state)


class CharLM(_Reads):
    """A character-level language model on any cell: read x_t, predict x_{t+1}.

        x_t (a character index) -> embedding (= W_xh times the one-hot vector) -> cell -> h_t
        y_t = W_hy h_t + b_y, the logits of the next character

    forward(x (N, T) indices, state=None) -> (logits (N, T, V), final state); pass the
    final state back in to continue the text where the last chunk ended.

    dropout: while training, zero this fraction of h_t's entries on the way to the output
    layer (never on the recurrent path, so memory carried across steps is left intact).
    fused: run the cell through PyTorch's own loop (cells.Recurrent), much faster.
    """

    def __init__(self, cell, vocab_size, dropout=0.0, fused=False):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1); got {dropout}")
        self.vocab_size = vocab_size
        self.reader = _SequenceReader(cell, vocab_size, fused)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(cell.hidden_size, vocab_size)

    def forward(self, x, state=None):
        h, state = self.reader(x, state)
        return self.head(self.dropout(h)), state

    @torch.no_grad()
    def generate(self, prime, length, temperature=1.0, seed=None):
        """Read prime (T0,) indices, then sample `length` more characters one at a time.

        Each sampled character is fed back in as the next input x_t. The logits are
        divided by the temperature before the softmax: below 1 sharpens the distribution
        (safer, more repetitive text), above 1 flattens it (more surprising, more errors).
        seed: an int or a torch.Generator, for a sample that repeats (None: PyTorch's global one).
        Returns a long tensor (length,) of the sampled indices (the prime not included).
        """
        guards.temperature(temperature)
        guards.whole("length", length)
        generator = torch.Generator().manual_seed(int(seed)) if isinstance(seed, (int, np.integer)) else seed
        prime = torch.as_tensor(prime, dtype=torch.long)
        if prime.dim() != 1 or len(prime) < 1:
            raise ValueError(f"prime must be (T0,) indices with T0 >= 1; got shape {tuple(prime.shape)}")
        was_training = self.training
        self.eval()  # no dropout while sampling; the caller's mode is restored below
        try:
            logits, state = self(prime[None])
            logits = logits[0, -1]
            out = torch.empty(int(length), dtype=torch.long)
            for t in range(len(out)):
                p = torch.softmax(logits.double() / temperature, dim=-1)
                out[t] = torch.multinomial(p, 1, generator=generator)[0]
                # One step of the cell itself: for a single character, calling it directly
                # skips the whole-sequence machinery of Recurrent.
                state = self.cell(self.embedding(out[t].view(1)), state)
                logits = self.head(hidden_of(state))[0]  # eval mode: dropout would do nothing
            return out
        finally:
            self.train(was_training)


def sample_text(model, vocab, prime, length, temperature=1.0, seed=0):
    """Text from a CharLM: the prime (a str), followed by `length` sampled characters.

    vocab: the Vocabulary the model was trained with. seed: an int or a torch.Generator,
    for a sample that repeats.
    An unknown character in the prime is an error that names it.
    """
    if not isinstance(prime, str) or not prime:
        raise ValueError("the prime must be a non-empty str: the model needs at least one character to start from")
    indices = vocab.encode(prime)
    out = model.generate(indices, length, temperature, seed)
    return prime + vocab.decode(out.numpy())
