"""Vocabulary, corpora, the standard split and the chunks of truncated BPTT."""
import hashlib
from importlib import resources

import numpy as np
import pytest

from lecture_utils.data import CORPORA, load_corpus, sequential_chunks, train_val_split
from lecture_utils.vocab import Vocabulary


def test_vocabulary_from_text_is_sorted_unique():
    vocab = Vocabulary.from_text("hello")
    assert vocab.chars == ["e", "h", "l", "o"]
    assert len(vocab) == 4


def test_vocabulary_keeps_a_chosen_order():
    vocab = Vocabulary("helo")  # the lecture's order
    assert vocab.encode("hello").tolist() == [0, 1, 2, 2, 3]


def test_encode_decode_round_trip_on_shakespeare():
    text = load_corpus("shakespeare")[:5000]
    vocab = Vocabulary.from_text(text)
    assert vocab.decode(vocab.encode(text)) == text


def test_one_hot():
    vocab = Vocabulary("helo")
    x = vocab.one_hot(vocab.encode("hel"))
    np.testing.assert_array_equal(x, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    assert vocab.one_hot(np.zeros((2, 3), dtype=int)).shape == (2, 3, 4)
    assert np.argmax(x, axis=-1).tolist() == [0, 1, 2]


def test_unknown_character_names_it_and_its_position():
    vocab = Vocabulary("helo")
    with pytest.raises(ValueError, match=r"unknown character 'x' at position 3"):
        vocab.encode("helxo")


def test_vocabulary_errors():
    with pytest.raises(ValueError, match="empty text"):
        Vocabulary.from_text("")
    with pytest.raises(ValueError, match="empty text"):
        Vocabulary("helo").encode("")
    with pytest.raises(ValueError, match="unique; repeated: \\['l'\\]"):
        Vocabulary("hello")
    with pytest.raises(ValueError, match="index 7 at position 1 is outside the vocabulary"):
        Vocabulary("helo").decode([0, 7])
    with pytest.raises(ValueError, match="0 to 3"):
        Vocabulary("helo").one_hot([4])


@pytest.mark.parametrize("name,size,distinct", [("hello", 5, 4), ("shakespeare", 1115394, 65), ("c", 1000302, 97),
                                               ("latex", 1043532, 94)])
def test_shipped_corpora(name, size, distinct):
    text = load_corpus(name)
    assert len(text) == size
    assert len(set(text)) == distinct


def test_corpus_checksums_match_the_files_and_the_readme():
    readme = resources.files("lecture_utils").joinpath("corpora", "README.md").read_text()
    for corpus in CORPORA.values():
        raw = resources.files("lecture_utils").joinpath("corpora", corpus.filename).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == corpus.sha256
        assert corpus.sha256 in readme and corpus.filename in readme


def test_the_latex_corpus_ships_with_its_licence():
    """The GNU FDL requires its text to travel with every copy of the Stacks corpus."""
    licence = resources.files("lecture_utils").joinpath("corpora", "stacks_COPYING.txt").read_text()
    assert "GNU Free Documentation License" in licence and "Version 1.2" in licence
    assert "stacks_COPYING.txt" in CORPORA["latex"].licence


def test_unknown_corpus():
    with pytest.raises(ValueError, match="unknown corpus 'klingon'"):
        load_corpus("klingon")


def test_standard_split_matches_nanogpt():
    train, val = train_val_split(load_corpus("shakespeare"))
    assert (len(train), len(val)) == (1003854, 111540)
    assert train[-20:] + val[:20] in load_corpus("shakespeare")  # contiguous, not shuffled


def test_split_errors():
    with pytest.raises(ValueError, match="empty text"):
        train_val_split("")
    with pytest.raises(ValueError, match="too short"):
        train_val_split("a")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        train_val_split("hello", 1.0)


@pytest.mark.parametrize("seq_length", [1, 3, 4, 25])
def test_chunks_round_trip(seq_length):
    data = np.arange(26)
    chunks = sequential_chunks(data, seq_length)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in chunks]), data[:-1])
    np.testing.assert_array_equal(np.concatenate([y for _, y in chunks]), data[1:])
    assert all(len(x) == seq_length for x, _ in chunks[:-1])
    for (_, y), (x_next, _) in zip(chunks, chunks[1:]):
        assert x_next[0] == y[-1]  # the next chunk starts where this one's targets end


def test_hello_is_one_chunk_of_four():
    vocab = Vocabulary("helo")
    [(x, y)] = sequential_chunks(vocab.encode("hello"), 4)
    assert (vocab.decode(x), vocab.decode(y)) == ("hell", "ello")


def test_chunk_errors():
    data = np.arange(10)
    with pytest.raises(ValueError, match="seq_length must be at least 1; got 0"):
        sequential_chunks(data, 0)
    with pytest.raises(ValueError, match="seq_length 10 is longer than the text allows"):
        sequential_chunks(data, 10)
    with pytest.raises(ValueError, match="at least 2 characters"):
        sequential_chunks(np.arange(1), 1)
    with pytest.raises(ValueError, match="must be an integer"):
        sequential_chunks(data, 2.5)


def test_every_chunk_pairs_each_input_with_a_target():
    for L in range(2, 12):
        for seq_length in range(1, L):
            for x, y in sequential_chunks(np.arange(L), seq_length):
                np.testing.assert_array_equal(y, x + 1)


def test_visible_stand_ins():
    from lecture_utils.vocab import visible
    assert [visible(c) for c in " \n\ta"] == ["␣", "\\n", "\\t", "a"]


def test_known_word_fraction_splits_at_any_whitespace():
    from lecture_utils.data import known_word_fraction

    assert known_word_fraction("ROMEO:\nWhat  light\tthrough yonder", {"ROMEO:", "light", "yonder"}) == 3 / 5
    assert known_word_fraction("my lord, my lord", {"lord"}) == 1 / 4      # "lord," is another word
    with pytest.raises(ValueError, match="no words"):
        known_word_fraction(" \n", {"a"})
