"""Text corpora, the character and word tokenizers, and the train/validation split."""

from __future__ import annotations

import pytest
import torch

from engine.data.digits import DataError
from engine.data.text import (
    CORPORA,
    CharTokenizer,
    Corpus,
    TokenizerError,
    WordTokenizer,
    check_length,
    encode_corpus,
    load_corpus,
    tokenizer_from_state,
    train_val_split,
)
from engine.errors import EngineError

PIZZA = "The pizza came out of the oven and it tasted good."


@pytest.fixture(scope="module")
def sample() -> Corpus:
    return load_corpus("sample")


# --- the bundled sample -------------------------------------------------------------------


def test_sample_is_about_a_megabyte_of_whole_speeches(sample):
    text = sample.text
    assert 950_000 <= len(text) <= 1_000_000
    assert text.startswith("THESEUS:\nNow, fair Hippolyta, our nuptial hour\n")
    assert text.endswith("\n") and not text.endswith("\n\n")  # cut at a speech boundary
    speeches = text.split("\n\n")
    assert len(speeches) > 5000
    assert all(s.split("\n", 1)[0].endswith(":") for s in speeches)  # every one is `NAME:` ...
    assert all("\n" in s for s in speeches)  # ... then its lines
    assert "\r" not in text
    assert "bundled Shakespeare sample" in sample.source
    assert f"{len(text):,} characters" in sample.source
    assert load_corpus() == sample  # the default


def test_sample_is_the_start_of_the_full_plays(sample, shared_data):
    full = load_corpus("shakespeare", shared_data)
    assert full.text.startswith(sample.text)
    assert full.text[len(sample.text)] == "\n"  # the blank line between two speeches
    assert len(full.text) == 4_801_337 and len(set(full.text)) == 77
    assert full.source == f"plays.txt in {shared_data / 'shakespeare'} (from --data-dir)"


# --- the character tokenizer --------------------------------------------------------------


def test_char_tokenizer_round_trips_the_sample_exactly(sample):
    tok = CharTokenizer.from_text(sample.text)
    assert tok.chars == sorted(set(sample.text))
    assert tok.vocab_size == len(set(sample.text)) == 67  # plays.txt's 77 less the digits
    ids = encode_corpus(sample.text, tok)
    assert ids.dtype == torch.int64 and ids.shape == (len(sample.text),)
    assert int(ids.min()) >= 0 and int(ids.max()) == tok.vocab_size - 1
    assert tok.decode(ids) == sample.text
    assert tok.decode(ids.tolist()) == sample.text
    head = sample.text[:500]
    assert tok.encode(head) == ids[:500].tolist()  # the list and the tensor path agree
    assert tok.encode(head) == [tok.chars.index(c) for c in head]  # and are what they mean


def test_char_ids_follow_the_sorted_vocabulary():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == [" ", "d", "e", "h", "l", "o", "r", "w"]
    assert tok.encode("hello") == [3, 2, 4, 4, 5]
    assert tok.tokens("hello") == ["h", "e", "l", "l", "o"]
    assert tok.kind == "char"
    assert tok.encode("") == [] and tok.decode([]) == ""
    assert encode_corpus("", tok).shape == (0,)


def test_char_ids_are_positions_even_when_the_vocabulary_is_not_sorted():
    tok = CharTokenizer(["z", "a", "\n"])
    assert tok.encode("a\nz") == [1, 2, 0]
    assert encode_corpus("zza", tok).tolist() == [0, 0, 1]


def test_unseen_characters_are_named_never_dropped():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(TokenizerError, match="'é'") as err:
        tok.encode("abé")
    assert "\n" not in str(err.value)
    with pytest.raises(TokenizerError):
        tok.tokens("x")
    with pytest.raises(TokenizerError):
        encode_corpus("a\nb", tok)  # "\n" is not in "abc" either
    with pytest.raises(TokenizerError) as err:
        tok.encode("a1234567")
    message = str(err.value)
    assert "'1', '2', '3', '4', '5'" in message and "'6'" not in message  # up to five, in order
    assert "2 more" in message
    assert isinstance(err.value, EngineError)


def test_decode_refuses_ids_outside_the_vocabulary():
    tok = CharTokenizer.from_text("abc")
    for bad in ([3], [-1]):
        with pytest.raises(TokenizerError, match="outside"):
            tok.decode(bad)
    assert tok.decode(torch.tensor([2, 1, 0])) == "cba"


@pytest.mark.parametrize("chars", [[], ["a", "a"], ["ab"], "abc", [1, 2]])
def test_bad_character_vocabularies_are_refused(chars):
    with pytest.raises(TokenizerError):
        CharTokenizer(chars)


# --- the word tokenizer -------------------------------------------------------------------


def test_word_tokenizer_on_the_pizza_sentence():
    tok = WordTokenizer.from_text(PIZZA)
    assert tok.tokens(PIZZA) == [
        "the", "pizza", "came", "out", "of", "the", "oven", "and", "it", "tasted", "good", ".",
    ]  # fmt: skip
    assert tok.kind == "word"
    assert tok.words[0] == WordTokenizer.UNKNOWN == "<unk>"
    assert tok.vocab_size == 12  # 11 distinct pieces and <unk>
    ids = tok.encode(PIZZA)
    assert len(ids) == 12 and 0 not in ids
    assert ids[0] == ids[5]  # "The" and "the" are one word
    assert tok.decode(ids) == "the pizza came out of the oven and it tasted good."


def test_unknown_words_encode_to_unk():
    tok = WordTokenizer.from_text(PIZZA)
    ids = tok.encode("The robot tasted good!")
    assert ids[0] == tok.words.index("the") and ids[1] == 0 and ids[3] == tok.words.index("good")
    assert ids[4] == 0  # "!" was never seen either
    assert tok.tokens("The robot tasted good!") == ["the", "robot", "tasted", "good", "!"]
    assert tok.decode(ids) == "the <unk> tasted good <unk>"
    assert tok.unknown("The robot, the robot tasted good!") == ["robot", ",", "!"]
    assert CharTokenizer.from_text(PIZZA).unknown("pizza?") == ["?"]


def test_word_tokenizer_min_count_and_punctuation():
    text = "Don't stop, mother-in-law. Stop (now)! stop"
    assert WordTokenizer.from_text(text).tokens(text) == [
        "don't", "stop", ",", "mother-in-law", ".", "stop", "(", "now", ")", "!", "stop",
    ]  # fmt: skip
    full = WordTokenizer.from_text(text)
    assert full.decode(full.encode(text)) == "don't stop, mother-in-law. stop (now)! stop"
    tok = WordTokenizer.from_text(text, min_count=2)
    assert tok.words == ["<unk>", "stop"]
    assert tok.decode(tok.encode("stop, now")) == "stop <unk> <unk>"
    with pytest.raises(EngineError):
        WordTokenizer.from_text(text, min_count=0)


def test_word_tokenizer_encodes_a_corpus_to_a_tensor():
    tok = WordTokenizer.from_text(PIZZA)
    ids = encode_corpus(PIZZA, tok)
    assert ids.dtype == torch.int64 and ids.tolist() == tok.encode(PIZZA)


# --- storing a tokenizer in a checkpoint --------------------------------------------------


@pytest.mark.parametrize(
    "tok",
    [
        CharTokenizer.from_text("to be, or not to be\n"),
        CharTokenizer(["z", "a"]),
        WordTokenizer.from_text(PIZZA),
    ],
)
def test_state_round_trips(tok, tmp_path):
    state = tok.state()
    path = tmp_path / "tok.pt"
    torch.save({"tokenizer": state}, path)
    loaded = torch.load(path, weights_only=True)["tokenizer"]  # plain data only
    back = tokenizer_from_state(loaded)
    assert type(back) is type(tok) and back == tok
    assert back.kind == tok.kind and back.vocab_size == tok.vocab_size
    text = "".join(reversed(tok.chars)) if tok.kind == "char" else PIZZA
    assert back.encode(text) == tok.encode(text)


@pytest.mark.parametrize(
    "state",
    [
        None,
        [],
        {},
        {"kind": "bpe", "chars": ["a"]},
        {"kind": "char"},
        {"kind": "char", "chars": "abc"},
        {"kind": "char", "chars": ["a", "a"]},
        {"kind": "char", "chars": ["ab"]},
        {"kind": "word", "words": None},
        {"kind": "word", "words": ["<unk>", "a", "<unk>"]},
        {"kind": "word", "words": ["<unk>", "two words"]},
    ],
)
def test_malformed_states_are_refused(state):
    with pytest.raises(TokenizerError) as err:
        tokenizer_from_state(state)
    assert "\n" not in str(err.value)


# --- the full corpora ---------------------------------------------------------------------


def test_tiny_shakespeare_matches_nanogpt(shared_data):
    corpus = load_corpus("tinyshakespeare", shared_data)
    assert len(corpus.text) == 1_115_394
    tok = CharTokenizer.from_text(corpus.text)
    assert tok.vocab_size == 65
    assert "".join(tok.chars[:13]) == "\n !$&',-.3:;?"  # nanoGPT's itos
    assert "from --data-dir" in corpus.source and "input.txt" in corpus.source
    train, val = train_val_split(encode_corpus(corpus.text, tok))
    assert len(train) == 1_003_854 and len(val) == 111_540  # nanoGPT's prepare.py figures


def test_full_corpora_are_found_through_the_environment(shared_data, monkeypatch):
    monkeypatch.setenv("LEARN_GPT_DATA_DIR", str(shared_data))
    assert len(load_corpus("tinyshakespeare").text) == 1_115_394
    assert "$LEARN_GPT_DATA_DIR" in load_corpus("shakespeare").source


@pytest.mark.parametrize("name", ["tinyshakespeare", "shakespeare"])
def test_missing_full_corpora_say_how_to_get_them(name, tmp_path):
    with pytest.raises(DataError) as err:
        load_corpus(name, tmp_path)
    message = str(err.value)
    assert "\n" not in message and "--data-dir" in message
    if name == "tinyshakespeare":
        assert "learn-gpt data download tinyshakespeare" in message


def test_downloaded_tiny_shakespeare_is_found_in_the_cache(private_dirs):
    (private_dirs / "tinyshakespeare").mkdir()
    (private_dirs / "tinyshakespeare" / "input.txt").write_text("First Citizen:\nSpeak.\n")
    corpus = load_corpus("tinyshakespeare")
    assert corpus.text == "First Citizen:\nSpeak.\n" and "(from cache)" in corpus.source


def test_corpora_names():
    assert CORPORA == ("sample", "shakespeare", "tinyshakespeare")


# --- a text file of the learner's own -----------------------------------------------------


def test_own_text_file_loads_with_crlf_normalised(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_bytes(b"ROMEO:\r\nBut soft!\r\n\r\nJULIET:\r\nAy me.\r\n")
    corpus = load_corpus(str(path))
    assert corpus.text == "ROMEO:\nBut soft!\n\nJULIET:\nAy me.\n"
    assert str(path) in corpus.source
    assert load_corpus(path).text == corpus.text  # a Path works too


def test_byte_order_mark_is_not_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello\n")
    assert load_corpus(str(path)).text == "hello\n"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.txt", None, "no such file"),
        ("folder", "dir", "is a folder"),
        ("binary.bin", b"ab\x00cd\n", "is not UTF-8 text"),
        ("latin1.txt", "caf\xe9 au lait\n".encode("latin-1"), "is not UTF-8 text"),
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b" \r\n\t\n", "only white space"),
    ],
)
def test_bad_text_files_are_one_line_errors(tmp_path, name, content, expected):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError) as err:
        load_corpus(str(path))
    message = str(err.value)
    assert expected in message and str(path) in message
    assert "\n" not in message


# --- lengths and the split ----------------------------------------------------------------


def test_check_length_refuses_a_corpus_shorter_than_a_window():
    check_length(13, 10)  # int(13 * 0.9) = 11 = block_size + 1: just enough
    with pytest.raises(DataError) as err:
        check_length(12, 10)  # int(12 * 0.9) = 10: one short
    message = str(err.value)
    assert message.startswith("corpus of 12 characters is too short for context length 10")
    assert "needs at least 13" in message and "\n" not in message
    with pytest.raises(DataError, match="story of 5 words .*needs at least 1,113"):
        check_length(5, 1000, what="story", unit="words")


def test_check_length_of_a_split_already_made():
    check_length(11, 10, "validation text", val_fraction=None)  # a window and its target
    with pytest.raises(DataError) as err:
        check_length(10, 10, "validation text", val_fraction=None)
    assert str(err.value) == (
        "validation text of 10 characters is too short for context length 10 (needs at least 11)"
    )
    with pytest.raises(EngineError):
        check_length(100, 0)


def test_check_length_agrees_with_the_split():
    for val_fraction in (0.1, 0.25):
        for block_size in (1, 8, 64, 255):
            for n in range(block_size, 12 * (block_size + 1)):
                train, _ = train_val_split(torch.arange(n), val_fraction)
                fits = len(train) >= block_size + 1
                try:
                    check_length(n, block_size, val_fraction=val_fraction)
                except DataError as exc:
                    assert not fits
                    needed = int(str(exc).split("needs at least ")[1].split(",")[0])
                    assert len(train_val_split(torch.arange(needed), val_fraction)[0]) > block_size
                    assert (
                        len(train_val_split(torch.arange(needed - 1), val_fraction)[0])
                        <= block_size
                    )
                else:
                    assert fits


def test_split_is_the_first_ninety_percent_then_the_rest():
    ids = torch.arange(1000)
    train, val = train_val_split(ids)
    assert len(train) == 900 and len(val) == 100
    assert torch.equal(train, ids[:900]) and torch.equal(val, ids[900:])
    again_train, again_val = train_val_split(ids)
    assert torch.equal(again_train, train) and torch.equal(again_val, val)
    train, val = train_val_split(torch.arange(1001), val_fraction=0.2)
    assert len(train) == 800 and len(val) == 201


def test_split_of_the_sample(sample):
    tok = CharTokenizer.from_text(sample.text)
    ids = encode_corpus(sample.text, tok)
    train, val = train_val_split(ids)
    assert len(train) == int(len(ids) * 0.9) and len(train) + len(val) == len(ids)
    assert tok.decode(train) + tok.decode(val) == sample.text
