"""Corpora shipped with the course, the standard train/validation split, and the
sequential chunks that truncated backpropagation through time trains on.

Provenance of every corpus (source, licence, size, sha256) is in `corpora/README.md`;
`read_corpus` checks every text against its checksum.
"""
import hashlib
import os
from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Corpus:
    name: str
    filename: str
    description: str
    source: str
    licence: str
    sha256: str


CORPORA = {
    c.name: c
    for c in [
        Corpus(
            "hello", "hello.txt",
            'the word "hello": the lecture\'s first character-level language model',
            'A. Karpathy, "The Unreasonable Effectiveness of Recurrent Neural Networks" (2015)',
            "a single English word: not subject to copyright",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        ),
        Corpus(
            "shakespeare", "tinyshakespeare.txt",
            "Tiny Shakespeare: ~40,000 lines of Shakespeare's plays, 65 distinct characters",
            "data/tinyshakespeare/input.txt of the char-rnn repository (A. Karpathy)",
            "public domain",
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        ),
        Corpus(
            "c", "stb_c_code.txt",
            "C source of the stb single-file libraries (S. Barrett), 97 distinct characters",
            "github.com/nothings/stb at commit 31c1ad37456438565541f4919958214b6e762fb4",
            "public domain (Unlicense), or MIT at the user's choice",
            "261a44278eefab5942458628a8bc7d627c0e831487d898d788bd6c2a92cf5063",
        ),
        Corpus(
            "latex", "stacks_latex.txt",
            "LaTeX source of four chapters of the Stacks project (algebraic geometry), 94 distinct characters",
            "github.com/stacks/stacks-project at commit 4ac4815d5a00dc2eacab7824cf4e4baafe2773ac",
            "GNU Free Documentation License 1.2 (text in stacks_COPYING.txt beside it)",
            "7b7e53e7614f65066eed030b5d1656a3dbae4679fbf275ea4c65848192a480c0",
        ),
    ]
}


def read_corpus(corpus, sha256=None):
    """(text, its sha256) of a shipped corpus ('hello', 'shakespeare', 'c', 'latex') or of a UTF-8
    text file at the path `corpus`.

    A shipped corpus must match its recorded checksum, so that a damaged install fails
    loudly instead of training on the wrong text; a file must match `sha256` when it is
    given (the text a checkpoint was trained on). Every problem is a ValueError saying what.
    """
    if corpus in CORPORA:
        entry = CORPORA[corpus]
        raw = resources.files("lecture_utils").joinpath("corpora", entry.filename).read_bytes()
        expected, damaged = entry.sha256, f"corpus {corpus!r} ({entry.filename}) is damaged"
        advice = "; reinstall lecture_utils"
    elif os.path.isfile(corpus):
        with open(corpus, "rb") as f:
            raw = f.read()
        expected, damaged, advice = sha256, f"the corpus file {corpus} has changed since it was recorded", ""
    else:
        raise ValueError(f"{corpus!r} is neither a shipped corpus ({', '.join(sorted(CORPORA))}) nor a file")
    digest = hashlib.sha256(raw).hexdigest()
    if expected is not None and digest != expected:
        raise ValueError(f"{damaged}: sha256 {digest} does not match the recorded {expected}{advice}")
    try:
        return raw.decode("utf-8"), digest
    except UnicodeDecodeError as e:
        raise ValueError(f"corpus file {corpus} is not UTF-8 text (byte {e.start} cannot be decoded)") from None


def load_corpus(name):
    """The full text of a shipped corpus: 'hello', 'shakespeare', 'c' or 'latex'."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; the shipped corpora are {sorted(CORPORA)}")
    return read_corpus(name)[0]


def train_val_split(text, train_fraction=0.9):
    """The standard split: the first 90% of the characters train, the last 10% validate.

    Contiguous, not shuffled: a character LM must be validated on text it has not seen
    in any context, and the split must match the published baselines (nanoGPT's
    shakespeare_char; char-rnn's own default is 95% / 5%).
    """
    if len(text) == 0:
        raise ValueError("cannot split empty text")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1; got {train_fraction}")
    n = int(len(text) * train_fraction)
    if n == 0 or n == len(text):
        raise ValueError(
            f"a text of {len(text)} characters is too short to split {train_fraction:.0%} / "
            f"{1 - train_fraction:.0%} with both parts non-empty"
        )
    return text[:n], text[n:]


def sequential_chunks(data, seq_length):
    """Cut a long sequence into consecutive (inputs, targets) chunks for truncated BPTT.

    data: (L,) character indices. Chunk k covers inputs data[k*T : (k+1)*T] and targets
    shifted by one, data[k*T + 1 : (k+1)*T + 1], with T = seq_length. The chunks follow
    each other without gaps, so a training loop can carry the last hidden state h_T of
    one chunk in as h_0 of the next: the model then sees the whole text as one sequence,
    while gradients flow back at most T steps. The last chunk may be shorter than T.

    Returns a list of (inputs (T,), targets (T,)) pairs.
    """
    data = np.asarray(data)
    if data.ndim != 1:
        raise ValueError(f"data must be one-dimensional (L,); got shape {data.shape}")
    if isinstance(seq_length, bool) or not isinstance(seq_length, (int, np.integer)):
        raise ValueError(f"seq_length must be an integer; got {seq_length!r}")
    if len(data) < 2:
        raise ValueError(
            f"need at least 2 characters to make one (input, target) pair; got {len(data)}"
        )
    if seq_length < 1:
        raise ValueError(f"seq_length must be at least 1; got {seq_length}")
    if seq_length > len(data) - 1:
        raise ValueError(
            f"seq_length {seq_length} is longer than the text allows: {len(data)} characters "
            f"give {len(data) - 1} (input, target) pairs"
        )
    chunks = []
    for start in range(0, len(data) - 1, seq_length):
        stop = min(start + seq_length, len(data) - 1)  # the last input needs a target
        chunks.append((data[start:stop], data[start + 1:stop + 1]))
    return chunks


def known_word_fraction(text, words):
    """The share of text's words that are in the set `words`, splitting at any whitespace.

    Punctuation stays attached (*lord,* and *lord* are different words). With the training
    text's words as `words`, it measures how many of a sample's words are real.
    """
    tokens = text.split()
    if not tokens:
        raise ValueError("the text has no words to count")
    return sum(token in words for token in tokens) / len(tokens)
