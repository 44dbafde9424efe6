"""The character vocabulary: characters <-> indices <-> one-hot vectors x_t.

A character-level language model sees text as a sequence of indices into a small
alphabet. `Vocabulary.from_text` builds that alphabet from a corpus (sorted unique
characters, so the same text always gives the same indices); `Vocabulary("helo")` keeps
an order you choose, such as the lecture's h, e, l, o.
"""
import numpy as np

# How characters that would be invisible or break a line are shown in tables and plots.
_VISIBLE = {" ": "␣", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def visible(char):
    """A printable stand-in for a character: '␣' for a space, '\\n' for a line break."""
    return _VISIBLE.get(char, char)


class Vocabulary:
    """An ordered set of V characters.

    >>> vocab = Vocabulary("helo")
    >>> vocab.encode("hell").tolist()
    [0, 1, 2, 2]
    >>> vocab.decode([1, 3])
    'eo'
    """

    def __init__(self, chars):
        chars = list(chars)
        if not chars:
            raise ValueError("a vocabulary needs at least one character; got none")
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"vocabulary entries must be single characters; got {c!r}")
        if len(set(chars)) != len(chars):
            seen, dupes = set(), []
            for c in chars:
                if c in seen:
                    dupes.append(c)
                seen.add(c)
            raise ValueError(f"vocabulary characters must be unique; repeated: {dupes!r}")
        self.chars = chars
        self.index = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text):
        """The sorted unique characters of `text`."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str; got {type(text).__name__}")
        if not text:
            raise ValueError("cannot build a vocabulary from empty text")
        return cls(sorted(set(text)))

    def __len__(self):
        return len(self.chars)

    def __repr__(self):
        return f"Vocabulary({''.join(self.chars)!r})"

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.chars == other.chars

    def encode(self, text):
        """str of length T -> int64 array (T,) of indices.

        An unknown character is an error that names it and its position: silently
        dropping or replacing it would train or sample on text the learner never wrote.
        """
        if not isinstance(text, str):
            raise ValueError(f"text must be a str; got {type(text).__name__}")
        if not text:
            raise ValueError("cannot encode empty text")
        out = np.empty(len(text), dtype=np.int64)
        for pos, c in enumerate(text):
            i = self.index.get(c)
            if i is None:
                raise ValueError(
                    f"unknown character {c!r} at position {pos}: not in the vocabulary "
                    f"{''.join(self.chars)!r}"
                )
            out[pos] = i
        return out

    def decode(self, indices):
        """Sequence of T indices -> str of length T."""
        indices = np.asarray(indices)
        if indices.ndim != 1:
            raise ValueError(f"indices must be one-dimensional (T,); got shape {indices.shape}")
        if indices.size and not np.issubdtype(indices.dtype, np.integer):
            raise ValueError(f"indices must be integers; got dtype {indices.dtype}")
        bad = np.flatnonzero((indices < 0) | (indices >= len(self)))
        if bad.size:
            pos = int(bad[0])
            raise ValueError(
                f"index {int(indices[pos])} at position {pos} is outside the vocabulary "
                f"(0 to {len(self) - 1})"
            )
        return "".join(self.chars[i] for i in indices)

    def one_hot(self, indices, dtype=np.float64):
        """Indices of any shape S -> one-hot array of shape S + (V,).

        Row t is x_t: all zeros but a 1 at the character's index.
        """
        indices = np.asarray(indices)
        if indices.size and not np.issubdtype(indices.dtype, np.integer):
            raise ValueError(f"indices must be integers; got dtype {indices.dtype}")
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise ValueError(f"indices must lie in 0 to {len(self) - 1} for this vocabulary")
        return np.eye(len(self), dtype=dtype)[indices]
