"""Toy tasks with a known answer, one per kind of recurrent model. Each generator takes a
number of examples and a seed (or a numpy Generator) and returns torch tensors, so the
same seed always gives the same data.

    one-to-one            blood_pressure      [height, weight, age] -> high / normal
    one-to-many           spelled_names       a class's feature vector -> its name, letter by letter
    many-to-one           sentiment_phrases   "the film was not very good" -> negative
    many-to-many delayed  reversed_digits     3 1 4 1 5 -> 5 1 4 1 3
    many-to-many synced   pos_tagging         "they duck" -> PRON VERB; "the duck" -> DET NOUN
"""
import numpy as np
import torch

from .vocab import Vocabulary

IGNORE = -100  # target value that torch's cross-entropy skips: padding past a sequence's end


def _rng(seed):
    return np.random.default_rng(seed)


def _check_n(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of examples must be a positive integer; got {n!r}")


# ------------------------------------------------------------------ one-to-one
def blood_pressure(n, seed):
    """Synthetic patients: x (n, 3) = [height cm, weight kg, age years], y (n,) 1 = high.

    Heights ~ N(170, 9) cm, body-mass index ~ N(25, 4), ages uniform in 20..80. The risk
    rises with BMI and age, as in the epidemiology, plus individual noise that no model
    can see: `blood_pressure_rule` gives the best accuracy any model can reach.
    """
    _check_n(n)
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
    _check_n(n)
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
_POSITIVE = ["good", "great", "fun", "lovely", "clever"]
_NEGATIVE = ["bad", "boring", "awful", "dull", "silly"]
_NOUNS = ["film", "movie", "plot", "book", "show"]
SENTIMENT_WORDS = ["<pad>", "the", "was", "is", "not", "never", "very", "really", "quite"] + _NOUNS + _POSITIVE + _NEGATIVE
_SENTIMENT_INDEX = {w: i for i, w in enumerate(SENTIMENT_WORDS)}


def sentiment_phrases(n, seed):
    """Short reviews, "the NOUN was/is [not|never] [very|really|quite] ADJECTIVE".

    The label is 1 (positive) for a positive adjective, flipped by a negation. A model
    that only counts words cannot do this (it is an XOR of two words); it must remember
    a "not" until the adjective arrives. Phrases are padded at the front with <pad>, so
    every phrase ends at the last step.

    Returns tokens (n, 6), labels (n,).
    """
    _check_n(n)
    rng = _rng(seed)
    T = 6
    tokens = np.zeros((n, T), dtype=np.int64)
    labels = np.empty(n, dtype=np.int64)
    for k in range(n):
        positive = rng.random() < 0.5
        negated = rng.random() < 0.5
        words = ["the", rng.choice(_NOUNS), rng.choice(["was", "is"])]
        if negated:
            words.append(rng.choice(["not", "never"]))
        if rng.random() < 0.5:
            words.append(rng.choice(["very", "really", "quite"]))
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
    _check_n(n)
    if length < 1:
        raise ValueError(f"length must be at least 1; got {length}")
    src = _rng(seed).integers(0, 10, (n, length))
    return torch.from_numpy(src), torch.from_numpy(src[:, ::-1].copy())


# ------------------------------------------------------------------ many-to-many, synced
_SUBJECTS = ["dogs", "cats", "men", "fish"]
_OBJECTS = ["dog", "cat", "man", "duck", "fish"]
_VERBS = ["see", "like", "chase", "duck", "fish"]
POS_WORDS = ["<pad>", "the", "a", "they", "we", "dogs", "cats", "men", "dog", "cat", "man", "see", "like", "chase",
             "duck", "fish"]
POS_TAGS = ["DET", "PRON", "NOUN", "VERB"]
AMBIGUOUS = ("duck", "fish")  # a noun after "the", a verb after "they"
_POS_INDEX = {w: i for i, w in enumerate(POS_WORDS)}


def pos_tagging(n, seed):
    """Tiny sentences with a part-of-speech tag for every word.

    Two patterns: "DET NOUN VERB DET NOUN" ("the dogs see a duck", "the fish duck a
    cat") and "PRON VERB DET NOUN" ("they fish the cat"). "duck" and "fish" are nouns or
    verbs; only the word before tells which, so a tagger must remember it. Shorter sentences are padded at
    the end with "<pad>", whose tags are IGNORE.

    Returns words (n, 5), tags (n, 5).
    """
    _check_n(n)
    rng = _rng(seed)
    words = np.zeros((n, 5), dtype=np.int64)
    tags = np.full((n, 5), IGNORE, dtype=np.int64)
    for k in range(n):
        if rng.random() < 0.5:
            sentence = [("the", "DET"), (rng.choice(_SUBJECTS), "NOUN"), (rng.choice(_VERBS), "VERB"),
                        (rng.choice(["the", "a"]), "DET"), (rng.choice(_OBJECTS), "NOUN")]
        else:
            sentence = [(rng.choice(["they", "we"]), "PRON"), (rng.choice(_VERBS), "VERB"),
                        (rng.choice(["the", "a"]), "DET"), (rng.choice(_OBJECTS), "NOUN")]
        for t, (w, tag) in enumerate(sentence):
            words[k, t], tags[k, t] = _POS_INDEX[w], POS_TAGS.index(tag)
    return torch.from_numpy(words), torch.from_numpy(tags)
