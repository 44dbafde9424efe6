"""Toy tasks with a known answer, one per kind of recurrent model. Each generator takes a
number of examples and a seed (or a numpy Generator) and returns torch tensors, so the
same seed always gives the same data.

    one-to-one            blood_pressure      [height, weight, age] -> high / normal
    one-to-many           spelled_names       a class's feature vector -> its name, letter by letter
    many-to-one           sentiment_phrases   "the film was not very good" -> negative
    many-to-many delayed  reversed_digits     3 1 4 1 5 -> 5 1 4 1 3
    many-to-many synced   pos_tagging         "they duck" -> PRON VERB; "a duck" -> DET NOUN

The small grammars can repeat an example; `unseen` picks the test examples that are not
in the training set, so that a score measures generalisation rather than memory.
"""
import numpy as np
import torch

from . import guards
from .vocab import Vocabulary

IGNORE = -100  # target value that torch's cross-entropy skips: padding past a sequence's end


def _rng(seed):
    return np.random.default_rng(seed)


def unseen(train, test):
    """Boolean mask (n_test,): True where a test example (a row of `test`) is not a row of `train`."""
    if train.shape[1:] != test.shape[1:]:
        raise ValueError(f"train rows {tuple(train.shape[1:])} and test rows {tuple(test.shape[1:])} differ in shape")
    seen = {row.tobytes() for row in train.reshape(len(train), -1).numpy()}
    return torch.tensor([row.tobytes() not in seen for row in test.reshape(len(test), -1).numpy()])


# ------------------------------------------------------------------ one-to-one
def blood_pressure(n, seed):
    """Synthetic patients: x (n, 3) = [height cm, weight kg, age years], y (n,) 1 = high.

    Heights ~ N(170, 9) cm, body-mass index ~ N(25, 4), ages uniform in 20..80. The risk
    rises with BMI and age, as in the epidemiology, plus individual noise that no model
    can see: `blood_pressure_rule` gives the best accuracy any model can reach.
    """
    guards.whole("n", n)
    rng = _rng(seed)
    height = np.clip(rng.normal(170, 9, n), 145, 200)
    bmi = np.clip(rng.normal(25, 4, n), 16, 42)
    age = rng.uniform(20, 80, n)
    weight = bmi * (height / 100) ** 2
    x = np.stack([height, weight, age], axis=1)
    noise = rng.normal(0, 0.5, n)
    y = (_risk(x) + noise > 0).astype(np.int64)
    return torch.tensor(x, dtype=torch.float32), torch.from_numpy(y)


def _risk(x):
    height, weight, age = np.asarray(x, dtype=np.float64).T
    bmi = weight / (height / 100) ** 2
    return 0.15 * (bmi - 26) + 0.05 * (age - 52)


def blood_pressure_rule(x):
    """The noise-free rule behind the labels: (n,) 1 where the risk is positive."""
    return torch.from_numpy((_risk(x) > 0).astype(np.int64))


# ------------------------------------------------------------------ one-to-many
SPELLED_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# "." ends a name; it also pads the shorter names to a common length.
SPELLING = Vocabulary("." + "".join(sorted(set("".join(SPELLED_CLASSES)))))
SPELLED_LENGTH = max(map(len, SPELLED_CLASSES)) + 1
FEATURE_SIZE = 16


def spelled_names(n, seed, noise=0.5):
    """Caption-like: a noisy feature vector of a class (standing in for an image) -> its
    name spelled out (CIFAR-10's ten classes).

    Returns v (n, 16) float, targets (n, 11) letter indices into SPELLING, ending and
    padded with '.', and the classes (n,).
    """
    guards.whole("n", n)
    prototypes = _rng(2015).standard_normal((len(SPELLED_CLASSES), FEATURE_SIZE))  # fixed per class
    rng = _rng(seed)
    classes = rng.integers(0, len(SPELLED_CLASSES), n)
    v = prototypes[classes] + noise * rng.standard_normal((n, FEATURE_SIZE))
    names = [SPELLED_CLASSES[c].ljust(SPELLED_LENGTH, ".") for c in classes]
    targets = np.stack([SPELLING.encode(s) for s in names])
    return torch.tensor(v, dtype=torch.float32), torch.from_numpy(targets), torch.from_numpy(classes)


def spelled_text(tokens):
    """Letter indices (S,) -> the name, up to the first '.'."""
    return SPELLING.decode(np.asarray(tokens)).split(".")[0]


# ------------------------------------------------------------------ many-to-one
_POSITIVE = ["good", "great", "fun", "lovely", "clever", "funny", "moving", "brilliant"]
_NEGATIVE = ["bad", "boring", "awful", "dull", "silly", "slow", "weak", "terrible"]
_NOUNS = ["film", "movie", "plot", "book", "show", "story", "ending", "cast", "song", "play"]
SENTIMENT_WORDS = ["<pad>", "the", "was", "is", "not", "never", "very", "really"] + _NOUNS + _POSITIVE + _NEGATIVE
_SENTIMENT_INDEX = {w: i for i, w in enumerate(SENTIMENT_WORDS)}


def sentiment_phrases(n, seed, length=6):
    """Short reviews, "the NOUN was/is [not|never] [very|really] ADJECTIVE".

    The label is 1 (positive) for a positive adjective, flipped by a negation: an XOR of
    two words, which no linear model of word counts can fit. An RNN reading left to
    right must remember a "not" until the adjective arrives. Phrases are padded at the front with <pad>, so
    every phrase ends at the last step; `length` (6 or more) sets how many steps that is.

    Returns tokens (n, length), labels (n,).
    """
    guards.whole("n", n)
    if length < 6:
        raise ValueError(f"length must be at least 6, the longest phrase; got {length}")
    rng = _rng(seed)
    T = length
    tokens = np.zeros((n, T), dtype=np.int64)
    labels = np.empty(n, dtype=np.int64)
    for k in range(n):
        positive = rng.random() < 0.5
        negated = rng.random() < 0.5
        words = ["the", rng.choice(_NOUNS), rng.choice(["was", "is"])]
        if negated:
            words.append(rng.choice(["not", "never"]))
        if rng.random() < 0.5:
            words.append(rng.choice(["very", "really"]))
        words.append(rng.choice(_POSITIVE if positive else _NEGATIVE))
        tokens[k, T - len(words):] = [_SENTIMENT_INDEX[w] for w in words]
        labels[k] = positive != negated
    return torch.from_numpy(tokens), torch.from_numpy(labels)


def sentiment_text(tokens):
    return " ".join(SENTIMENT_WORDS[i] for i in tokens if i != 0)


# ------------------------------------------------------------------ many-to-many, delayed
def reversed_digits(n, seed, length=5):
    """src (n, length) random digits 0-9; targets (n, length) the same digits reversed.

    Like translation, the first output depends on the last input: nothing can be written
    before everything has been read.
    """
    guards.whole("n", n)
    if length < 1:
        raise ValueError(f"length must be at least 1; got {length}")
    src = _rng(seed).integers(0, 10, (n, length))
    return torch.from_numpy(src), torch.from_numpy(src[:, ::-1].copy())


# ------------------------------------------------------------------ many-to-many, synced
_SUBJECTS = ["dogs", "cats", "men", "birds", "fish"]
_OBJECTS = ["dog", "cat", "man", "bird", "duck", "fish"]
_VERBS = ["see", "like", "chase", "feed", "duck", "fish"]
_ADJECTIVES = ["big", "small", "old"]
POS_WORDS = ["<pad>", "the", "a", "they", "we", *_ADJECTIVES, "dogs", "cats", "men", "birds",
             "dog", "cat", "man", "bird", "see", "like", "chase", "feed", "duck", "fish"]
POS_TAGS = ["DET", "PRON", "ADJ", "NOUN", "VERB"]
AMBIGUOUS = ("duck", "fish")  # nouns after a determiner or an adjective, verbs after a subject
_POS_INDEX = {w: i for i, w in enumerate(POS_WORDS)}


def pos_tagging(n, seed):
    """Tiny sentences with a part-of-speech tag for every word.

    Two patterns, with an optional adjective before each noun: "DET [ADJ] NOUN VERB
    DET [ADJ] NOUN" ("the dogs see a small duck", "the fish duck a cat") and "PRON VERB
    DET [ADJ] NOUN" ("they fish the old dog"). "duck" and "fish" are nouns or verbs;
    only the word before tells which, so a tagger must remember it. Shorter sentences
    are padded at the end with "<pad>", whose tags are IGNORE.

    Returns words (n, 7), tags (n, 7).
    """
    guards.whole("n", n)
    rng = _rng(seed)
    words = np.zeros((n, 7), dtype=np.int64)
    tags = np.full((n, 7), IGNORE, dtype=np.int64)

    def noun_phrase(det, nouns):
        adjective = [(rng.choice(_ADJECTIVES), "ADJ")] if rng.random() < 0.5 else []
        return [(det, "DET"), *adjective, (rng.choice(nouns), "NOUN")]

    for k in range(n):
        if rng.random() < 0.5:
            subject = noun_phrase("the", _SUBJECTS)
        else:
            subject = [(rng.choice(["they", "we"]), "PRON")]
        sentence = subject + [(rng.choice(_VERBS), "VERB")] + noun_phrase(rng.choice(["the", "a"]), _OBJECTS)
        for t, (w, tag) in enumerate(sentence):
            words[k, t], tags[k, t] = _POS_INDEX[w], POS_TAGS.index(tag)
    return torch.from_numpy(words), torch.from_numpy(tags)


# ------------------------------------------------------------------ long-term dependencies
def adding_problem(n, length, seed):
    """The adding problem (Le et al. 2015; Arjovsky et al. 2016).

    Each step holds a pair (value in U[0, 1], marker). Exactly two markers are 1, one in
    each half of the sequence; the target is the sum of the two marked values. Predicting
    the mean, 1, always gives an MSE of Var(U1 + U2) = 2/12 = 1/6 ~ 0.167: a model must
    beat that to show it has carried the values across the sequence.

    Returns x (n, length, 2) float32 and y (n,) float32.
    """
    guards.whole("n", n)
    if length < 2:
        raise ValueError(f"length must be at least 2, for one marker in each half; got {length}")
    rng = _rng(seed)
    values = rng.random((n, length))
    markers = np.zeros((n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    x = np.stack([values, markers], axis=-1)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def copy_memory(n, delay, seed, symbols=8, length=10):
    """The copy-memory task (Arjovsky et al. 2016).

    Input: `length` symbols from 1..symbols, then `delay` blanks (0), then a delimiter
    (symbols + 1) in the place of the last blank... in total length + delay + length
    steps. Target: blanks until the delimiter has been seen, then the first `length`
    symbols again, in order. A model that remembers nothing scores
    length * ln(symbols) / (delay + 2 * length) nats per step at best.

    Returns x (n, T) and y (n, T) token indices, with T = delay + 2 * length.
    """
    guards.whole("n", n)
    if delay < 1 or length < 1 or symbols < 1:
        raise ValueError(f"delay, length and symbols must be at least 1; got {delay}, {length}, {symbols}")
    rng = _rng(seed)
    T = delay + 2 * length
    data = rng.integers(1, symbols + 1, (n, length))
    x = np.zeros((n, T), dtype=np.int64)
    y = np.zeros((n, T), dtype=np.int64)
    x[:, :length] = data
    x[:, length + delay - 1] = symbols + 1  # the delimiter: "now write them out"
    y[:, -length:] = data
    return torch.from_numpy(x), torch.from_numpy(y)


def recall_text(n_blocks, lag, seed, symbols="abcd", filler="."):
    """Text made of blocks "a.........a": a random symbol, lag - 1 fillers, the same symbol.

    A character LM can predict the second symbol of a block only by remembering the
    first, lag steps back; everything else is either certain (the fillers) or a coin
    toss (the first symbol of each block). Truncated BPTT with chunks shorter than the
    lag cannot learn that recall: no gradient ever connects the two.

    Returns a str of n_blocks * (lag + 1) characters.
    """
    guards.whole("n_blocks", n_blocks)
    if lag < 2:
        raise ValueError(f"lag must be at least 2, so that fillers separate the two symbols; got {lag}")
    if len(filler) != 1 or not symbols or filler in symbols:
        raise ValueError(f"filler must be one character that is not among the symbols {symbols!r}; got {filler!r}")
    picks = _rng(seed).integers(0, len(symbols), n_blocks)
    return "".join(symbols[i] + filler * (lag - 1) + symbols[i] for i in picks)
