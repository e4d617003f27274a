"""The number translator's task: every number from 0 to 9999 in words and in digits.

    three hundred forty two  ->  342

Source tokens are words (a 30-word vocabulary: "two thousand nineteen", "seven hundred five"),
target tokens are characters (the ten digits, plus a start and an end marker and padding).
About a tenth of the numbers (and 342, the lesson's example) never appear in training; the
held-out exact-match accuracy is measured on them, so it measures composition ("forty two" seen
in 142 and 2042, "three hundred" in 317 and 5300) rather than memory.

The encoder's words are never padded: each training batch holds numbers of one length in
words (bucketing), so no attention weight can fall on padding. Targets of different lengths
are padded after the end marker; the causal mask keeps that padding out of every prediction
that matters and the loss ignores it.

The model is `engine.tasks.seq2seq_model`; `engine.tasks.translator` trains and uses it.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable

from engine.errors import ConfigError
from engine.tasks.runner import pick, spec_digest

MAX_NUMBER = 9999
ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = ("hundred", "thousand")

PAD, START, END = "<pad>", "<s>", "</s>"
SOURCE_VOCAB = ONES + TENS[2:] + SCALES  # 30 words; sources are never padded
TARGET_VOCAB = (PAD, START, END, *"0123456789")
SOURCE_BLOCK = 6  # "seven thousand seven hundred seventy seven" is the longest
TARGET_BLOCK = 5  # the start marker and four digits in; four digits and the end marker out

SPLITS = ("train", "heldout")
EXAMPLE = 342  # the lesson's example, held out so the model shown has never seen it
HELDOUT_SIZE = 400  # held-out numbers the accuracy is measured on while training


def number_words(n: int) -> str:
    """`n` (0..9999) in words: 342 -> "three hundred forty two", 2019 -> "two thousand
    nineteen", 1100 -> "one thousand one hundred"."""
    if not isinstance(n, int) or not 0 <= n <= MAX_NUMBER:
        raise ConfigError(f"numbers go from 0 to {MAX_NUMBER}, got {n!r}")
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    words = []
    if thousands:
        words += [ONES[thousands], "thousand"]
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(TENS[rest // 10])
        if rest % 10:
            words.append(ONES[rest % 10])
    elif rest:
        words.append(ONES[rest])
    return " ".join(words)


def source_tokens(text: str) -> list[str]:
    """The words of `text` as the encoder reads them: lower case, hyphens and commas as spaces,
    "and" dropped ("Three hundred and forty-two" -> three hundred forty two)."""
    words = text.lower().replace("-", " ").replace(",", " ").split()
    return [w for w in words if w != "and"]


def is_heldout(n: int) -> bool:
    """Whether `n` is held out: 342, and the numbers whose sha256 (of the decimal string) is
    0 mod 10, about a tenth; never 0, the only number with the word "zero"."""
    digest = int(hashlib.sha256(str(n).encode("ascii")).hexdigest()[:8], 16)
    return n == EXAMPLE or (n != 0 and digest % 10 == 0)


HELDOUT = tuple(n for n in range(MAX_NUMBER + 1) if is_heldout(n))
_HELDOUT_SET = frozenset(HELDOUT)


def numbers(split: str) -> list[int]:
    """Every number of a split, in increasing order."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}: choose {', '.join(SPLITS)}")
    held = split == "heldout"
    return [n for n in range(MAX_NUMBER + 1) if (n in _HELDOUT_SET) == held]


def sample(split: str, n: int, seed: int = 0) -> list[int]:
    """`n` different numbers of a split, drawn at random (the same ones for the same seed)."""
    pool = numbers(split)
    if not 0 <= n <= len(pool):
        raise ConfigError(f"the {split} split has {len(pool)} numbers, cannot draw {n}")
    rng = random.Random(seed)
    for i in range(n):  # the first n steps of a Fisher-Yates shuffle
        j = i + min(len(pool) - i - 1, int(rng.random() * (len(pool) - i)))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:n]


def by_length(ns: Iterable[int]) -> dict[int, list[int]]:
    """`ns` grouped by their length in words, shortest first, each group in the given order:
    the batches whose sources need no padding."""
    groups: dict[int, list[int]] = {}
    for n in ns:
        groups.setdefault(len(number_words(n).split()), []).append(n)
    return {length: groups[length] for length in sorted(groups)}


_GROUPS = {split: by_length(numbers(split)) for split in SPLITS}


def training_batch(rng: random.Random, size: int, split: str = "train") -> list[int]:
    """`size` numbers of one length in words (so the sources need no padding), drawn at random
    from that length's numbers. A length comes up in proportion to the square root of how many
    numbers have it. In proportion to the count itself, the 26 one-word training numbers would
    fill one batch in 347 and the 80 two-word ones one in 113: after 1500 steps such a model
    still wrote "3" for "zero" and "2" for "twenty one". With the square root they fill one
    batch in 37 and one in 21, and the six-word numbers (58% of them) still one in 2.6."""
    groups = _GROUPS[split]
    lengths = sorted(groups)
    weights = [math.sqrt(len(groups[length])) for length in lengths]
    draw, length = rng.random() * sum(weights), lengths[-1]
    for candidate, weight in zip(lengths, weights):
        if draw < weight:
            length = candidate
            break
        draw -= weight
    return [pick(rng, groups[length]) for _ in range(size)]


def task_digest() -> str:
    """sha256 of everything that defines the task and its split: a checkpoint's "task"."""
    spec = {
        "ones": ONES,
        "tens": TENS,
        "scales": SCALES,
        "source_vocab": SOURCE_VOCAB,
        "target_vocab": TARGET_VOCAB,
        "heldout": HELDOUT,
    }
    return spec_digest(spec)


def task_source() -> str:
    return (
        f"generated numbers 0..{MAX_NUMBER} in words and digits "
        f"({len(HELDOUT)} held out, {EXAMPLE} among them)"
    )
