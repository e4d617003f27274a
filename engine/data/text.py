"""Text for the language models: corpora, tokenizers, and the train/validation split.

A corpus comes from the bundled Shakespeare sample, from the full plays or tiny Shakespeare
(found like every full data set: `--data-dir`, $LEARN_GPT_DATA_DIR, the cache), or from any
UTF-8 text file. A tokenizer turns it into integer ids: `CharTokenizer` (every character is a
token, as in char-rnn and nanoGPT's Shakespeare runs) or `WordTokenizer` (lower-cased words and
punctuation, for small sentence experiments). Nothing here prints.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from engine.data.digits import DataError
from engine.data.sources import BUNDLED_DIR, find_dataset
from engine.errors import ConfigError, EngineError

SAMPLE_FILE = BUNDLED_DIR / "shakespeare-sample.txt.gz"
CORPORA = ("sample", "shakespeare", "tinyshakespeare")
VAL_FRACTION = 0.1  # nanoGPT's split: the first 90% to train on, the last 10% to validate

_SHOWN_UNKNOWN = 5  # how many unseen characters an error names


class TokenizerError(EngineError):
    """Text or ids a tokenizer cannot handle, or a malformed stored tokenizer; one line."""


def _check_vocab(items: Sequence[str], what: str) -> list[str]:
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise TokenizerError(f"{what} must be a list of strings")
    vocab = list(items)
    if not all(isinstance(item, str) for item in vocab):
        raise TokenizerError(f"{what} must be a list of strings")
    seen: set[str] = set()
    for item in vocab:
        if item in seen:
            raise TokenizerError(f"{what} lists {item!r} twice")
        seen.add(item)
    return vocab


def _as_ids(ids: Iterable[int], vocab_size: int) -> list[int]:
    raw = ids.tolist() if hasattr(ids, "tolist") else list(ids)  # tensors and arrays too
    if not isinstance(raw, list):  # a 0-d tensor
        raw = [raw]
    out = [int(i) for i in raw]
    for i in out:
        if not 0 <= i < vocab_size:
            raise TokenizerError(
                f"token id {i} is outside this tokenizer's vocabulary (0..{vocab_size - 1})"
            )
    return out


class _Tokenizer:
    """What both tokenizers share: a fixed list of pieces, which is all that `state()` stores
    and all that equality compares. Each tokenizer keeps it under its own name, `key`."""

    kind: ClassVar[str]  # "char" or "word": the name in `state()` and in TOKENIZERS
    key: ClassVar[str]  # the attribute that holds the pieces, and their name in `state()`
    unit: ClassVar[str]  # what `repr` counts

    @property
    def pieces(self) -> list[str]:
        return getattr(self, self.key)

    @property
    def vocab_size(self) -> int:
        return len(self.pieces)

    def state(self) -> dict[str, Any]:
        return {"kind": self.kind, self.key: list(self.pieces)}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.pieces == other.pieces

    def __hash__(self) -> int:
        return hash((self.kind, tuple(self.pieces)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vocab_size} {self.unit})"


class CharTokenizer(_Tokenizer):
    """Every distinct character of the training text is a token, sorted; round-trips exactly."""

    kind, key, unit = "char", "chars", "characters"

    def __init__(self, chars: Sequence[str]) -> None:
        self.chars: list[str] = _check_vocab(chars, "a character tokenizer's vocabulary")
        if not self.chars:
            raise TokenizerError("a character tokenizer needs at least one character")
        bad = [c for c in self.chars if len(c) != 1]
        if bad:
            raise TokenizerError(
                f"a character tokenizer's tokens are single characters, not {bad[0]!r}"
            )
        self._index = {c: i for i, c in enumerate(self.chars)}
        codes = np.array([ord(c) for c in self.chars], dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        self._sorted_codes = codes[order]
        self._sorted_ids = order.astype(np.int64)

    def unknown(self, text: str) -> list[str]:
        """The characters of `text` this vocabulary lacks (each once, in order); `encode`
        refuses a text with any."""
        return list(dict.fromkeys(c for c in text if c not in self._index))

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        if not text:
            raise TokenizerError("cannot build a character tokenizer from empty text")
        return cls(sorted(set(text)))

    def encode_array(self, text: str) -> np.ndarray:
        """`text` as an int64 array of ids, vectorised: a megabyte takes milliseconds."""
        if not text:
            return np.zeros(0, dtype=np.int64)
        points = np.frombuffer(
            text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32
        ).astype(np.int64)
        pos = np.searchsorted(self._sorted_codes, points)
        np.minimum(pos, len(self._sorted_codes) - 1, out=pos)
        known = self._sorted_codes[pos] == points
        if not known.all():
            unknown = points[~known]
            values, first = np.unique(unknown, return_index=True)
            in_order = [chr(int(v)) for v in values[np.argsort(first)]]
            shown = ", ".join(repr(c) for c in in_order[:_SHOWN_UNKNOWN])
            more = len(in_order) - _SHOWN_UNKNOWN
            extra = f" (and {more} more)" if more > 0 else ""
            raise TokenizerError(
                f"the text has characters this tokenizer never saw: {shown}{extra}; "
                f"it knows only the {self.vocab_size} characters of its training text"
            )
        return self._sorted_ids[pos]

    def encode(self, text: str) -> list[int]:
        return self.encode_array(text).tolist()

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i] for i in _as_ids(ids, self.vocab_size))

    def tokens(self, text: str) -> list[str]:
        """The pieces as the learner sees them: one per character (unseen ones raise)."""
        self.encode_array(text)
        return list(text)


# A word (letters and digits, with inner apostrophes or hyphens: "don't", "mother-in-law"),
# or any single other mark that is not white space.
_WORD_RE = re.compile(r"\w+(?:['\u2019-]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}%\u2026")
_NO_SPACE_AFTER = set("([{")


class WordTokenizer(_Tokenizer):
    """Lower-cased words and punctuation marks, for small sentence experiments."""

    kind, key, unit = "word", "words", "words"
    UNKNOWN = "<unk>"  # id 0; words the tokenizer never saw encode to it

    def __init__(self, words: Sequence[str]) -> None:
        vocab = _check_vocab(words, "a word tokenizer's vocabulary")
        if not vocab or vocab[0] != self.UNKNOWN:
            vocab.insert(0, self.UNKNOWN)
        if self.UNKNOWN in vocab[1:]:
            raise TokenizerError(f"a word tokenizer's vocabulary lists {self.UNKNOWN!r} twice")
        bad = [w for w in vocab[1:] if not w or w != w.strip() or any(c.isspace() for c in w)]
        if bad:
            raise TokenizerError(f"a word tokenizer's words hold no spaces, unlike {bad[0]!r}")
        self.words: list[str] = vocab
        self._index = {w: i for i, w in enumerate(vocab)}

    @classmethod
    def from_text(cls, text: str, min_count: int = 1) -> WordTokenizer:
        """Every word seen at least `min_count` times, sorted, after `<unk>`."""
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ConfigError(f"min_count must be a whole number of at least 1, not {min_count!r}")
        counts = Counter(cls.split(text))
        return cls([cls.UNKNOWN] + sorted(w for w, n in counts.items() if n >= min_count))

    @staticmethod
    def split(text: str) -> list[str]:
        return _WORD_RE.findall(text.lower())

    def encode(self, text: str) -> list[int]:
        return [self._index.get(w, 0) for w in self.split(text)]

    def decode(self, ids: Iterable[int]) -> str:
        out: list[str] = []
        for i in _as_ids(ids, self.vocab_size):
            word = self.words[i]
            if out and word not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
                out.append(" ")
            out.append(word)
        return "".join(out)

    def tokens(self, text: str) -> list[str]:
        """The pieces as the learner sees them: the text's own words, even ones that encode
        to `<unk>`; one piece per id of `encode(text)`."""
        return self.split(text)

    def unknown(self, text: str) -> list[str]:
        """The words of `text` this vocabulary lacks (each once, in order): all of them are
        read as `<unk>`, so nothing the model does with them is about the word itself."""
        return list(dict.fromkeys(w for w in self.split(text) if w not in self._index))


Tokenizer = CharTokenizer | WordTokenizer
TOKENIZERS: dict[str, type[CharTokenizer] | type[WordTokenizer]] = {
    "char": CharTokenizer,
    "word": WordTokenizer,
}


def tokenizer_from_state(state: dict) -> CharTokenizer | WordTokenizer:
    """The tokenizer that `state()` described (as stored in a checkpoint)."""
    if not isinstance(state, dict):
        raise TokenizerError("stored tokenizer is malformed: expected a dict")
    kind = state.get("kind")
    cls = TOKENIZERS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise TokenizerError(f"stored tokenizer is malformed: unknown kind {kind!r}")
    vocab = state.get(cls.key)
    if not isinstance(vocab, (list, tuple)):
        raise TokenizerError(f"stored {kind} tokenizer is malformed: no list of {cls.key}")
    try:
        return cls(vocab)
    except TokenizerError as exc:
        raise TokenizerError(f"stored {kind} tokenizer is malformed: {exc}") from None


@dataclass(frozen=True)
class Corpus:
    text: str
    source: str  # what was loaded, from where: shown to the learner


def _decode_text(raw: bytes, where: str) -> str:
    if b"\0" in raw:
        raise DataError(f"{where}: is not UTF-8 text (it holds NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")  # a leading byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: is not UTF-8 text (bad byte at offset {exc.start})") from None
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise DataError(f"{where}: is empty" if not text else f"{where}: holds only white space")
    return text


def read_text_file(path: str | Path) -> str:
    """A UTF-8 text file's content, with \\r\\n made \\n; DataError for anything else."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a text file or one of {', '.join(CORPORA)}")
    if not path.is_file():
        raise DataError(f"{path}: no such file (and not one of {', '.join(CORPORA)})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return _decode_text(raw, str(path))


def load_sample() -> Corpus:
    """The Shakespeare sample that ships inside the package (about 1 MB of whole speeches)."""
    try:
        with gzip.open(SAMPLE_FILE, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{SAMPLE_FILE}: cannot read the bundled sample ({exc})") from None
    text = _decode_text(raw, str(SAMPLE_FILE))
    return Corpus(text, f"bundled Shakespeare sample ({len(text):,} characters)")


def _load_named(name: str, filename: str, data_dir: str | Path | None, missing: str) -> Corpus:
    found = find_dataset(name, [filename], data_dir)
    if not found:
        raise DataError(missing)
    origin, folder = found
    return Corpus(read_text_file(folder / filename), f"{filename} in {folder} (from {origin})")


def load_corpus(spec: str = "sample", data_dir: str | Path | None = None) -> Corpus:
    """Text by name: "sample" (bundled), "shakespeare" (the 38 plays), "tinyshakespeare"
    (char-rnn's corpus), or a path to a UTF-8 text file."""
    where = "point --data-dir (or $LEARN_GPT_DATA_DIR) at a folder holding it"
    if spec == "sample":
        return load_sample()
    if spec == "shakespeare":
        return _load_named(
            "shakespeare",
            "plays.txt",
            data_dir,
            f"Shakespeare's plays (plays.txt) not found: {where}",
        )
    if spec == "tinyshakespeare":
        return _load_named(
            "tinyshakespeare",
            "input.txt",
            data_dir,
            "tiny Shakespeare not found: run `learn-gpt data download tinyshakespeare`, "
            f"or {where}",
        )
    text = read_text_file(spec)
    return Corpus(text, f"{Path(spec).expanduser()} ({len(text):,} characters)")


def _train_size(n: int, val_fraction: float = VAL_FRACTION) -> int:
    return int(n * (1 - val_fraction))


def check_length(
    n_tokens: int,
    block_size: int,
    what: str = "corpus",
    *,
    unit: str = "characters",
    val_fraction: float | None = VAL_FRACTION,
) -> None:
    """DataError unless `n_tokens` hold a window of `block_size` inputs and the one target
    beyond them (`block_size + 1` tokens) in the part kept for training: the first
    (1 - val_fraction) of them, as `train_val_split` cuts it. With `val_fraction=None` the
    `n_tokens` are one split already and must hold the window themselves."""
    if block_size < 1:
        raise ConfigError(f"context length must be at least 1, not {block_size}")
    window = block_size + 1
    if val_fraction is None:
        if n_tokens >= window:
            return
        why = f"needs at least {window:,}"
    else:
        if _train_size(n_tokens, val_fraction) >= window:
            return
        needed = max(window, int(window / (1 - val_fraction)))
        while _train_size(needed, val_fraction) < window:
            needed += 1
        why = (
            f"needs at least {needed:,}, so that the {1 - val_fraction:.0%} kept for training "
            f"holds {window:,}"
        )
    raise DataError(
        f"{what} of {n_tokens:,} {unit} is too short for context length {block_size} ({why})"
    )


def train_val_split(
    ids: torch.Tensor, val_fraction: float = VAL_FRACTION
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first (1 - val_fraction) of `ids` to train on and the rest to validate on; no
    shuffling, so the same text always splits the same way (as nanoGPT does)."""
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"validation fraction must be in [0, 1), not {val_fraction}")
    n_train = _train_size(len(ids), val_fraction)
    return ids[:n_train], ids[n_train:]


def encode_corpus(text: str, tokenizer: CharTokenizer | WordTokenizer) -> torch.Tensor:
    """The whole text as a 1-D int64 tensor of token ids."""
    if isinstance(tokenizer, CharTokenizer):
        return torch.from_numpy(np.ascontiguousarray(tokenizer.encode_array(text)))
    return torch.tensor(tokenizer.encode(text), dtype=torch.int64)
