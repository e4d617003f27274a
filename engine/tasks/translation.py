"""What the Translate view shows for one input, computed in one place: the digits the
translator writes for some number words, its cross-attention, each digit's source word, and
whether the number was held out of training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.tasks import numbers, translator
from engine.tasks.seq2seq_model import Seq2Seq


@dataclass(frozen=True)
class Translation:
    words: list[str]
    digits: list[str]  # written tokens, the end marker included when the model wrote one
    weights: np.ndarray  # (layers, heads, len(digits), len(words)); each row sums to 1
    text: str  # the translation
    heldout: bool | None  # whether the number written was held out of training (None: not one)
    canonical: str  # how the training data writes that number in words ("" if not a number)
    aligned: list[tuple[str, str, float]]  # (digit, source word, weight), last layer's mean


def read(model: Seq2Seq, words: str) -> Translation:
    """Translate `words` and look at how: one EngineError if a word is not in the vocabulary."""
    sources, digits, weights = translator.cross_attention(model, words)
    text = translator.translate(model, words)
    aligned = [(a.token, a.source_word, a.weight) for a in translator.alignment(model, words)]
    number = int(text) if text.isdigit() and int(text) <= numbers.MAX_NUMBER else None
    held = numbers.is_heldout(number) if number is not None else None
    canonical = numbers.number_words(number) if number is not None else ""
    return Translation(sources, digits, weights, text, held, canonical, aligned)
