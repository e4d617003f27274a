"""The verdict on two variants trained side by side (`engine.compare`): what to measure in
their results, and the sentences those measures add up to.

Every sentence is computed from the numbers by the rules in `verdict()` with the thresholds
named below, never written in advance. The measures: how much of a sample is made of real words
(`real_word_share`) and how much attention goes to later positions (`future_attention`); with
the losses they tell a variant that learnt from one that reads the answer from the future
(`cheats`).
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

import numpy as np

from engine.variants import VARIANT_KEYS

if TYPE_CHECKING:
    from engine.compare import Variant, VariantResult


# -- the verdict's thresholds -----------------------------------------------------------------
CLOSE = 0.05  # validation losses this close (absolute) count as the same result
CLEARLY = 0.15  # a gap above this is "worse", between CLOSE and this "slightly worse"
CHEAT_LOSS_RATIO = 0.8  # a cheat's final training loss is at most this fraction of the other's
WORDS_RATIO = 0.5  # ... and its share of real words at most this fraction of the other's
WORDS_GAP = 0.05  # ... and at least this much lower (so 2% against 4% is not a finding)
LOOKAHEAD = 0.25  # attention on later positions that, with fewer real words, is a partial cheat
FUTURE_NOTE = 0.1  # mention the attention paid to later positions when it is above this
OVERFIT_GAP = 0.25  # validation loss this far above training loss: memorising the text


# -- measures ---------------------------------------------------------------------------------
_STRIP = string.punctuation + "“”‘’"


def words_of(text: str) -> list[str]:
    """Whitespace-separated words, lower-cased, punctuation stripped from their ends; words that
    were only punctuation are dropped."""
    out = []
    for raw in text.split():
        word = raw.strip(_STRIP).lower()
        if word:
            out.append(word)
    return out


def real_word_share(sample: str, vocabulary: set[str]) -> float:
    """The fraction of the sample's words of two letters or more (see `words_of`) that are in
    `vocabulary`; 0 when it has none. One-letter words are left out: "a", "I" and "O" are
    real, so letter soup would otherwise score as writing."""
    words = [w for w in words_of(sample) if len(w) > 1]
    if not words:
        return 0.0
    return sum(w in vocabulary for w in words) / len(words)


def future_attention(weights: np.ndarray) -> float:
    """The mean, over query rows, of the weight put on keys after the query's own position:
    0 for a causal model, near 1 for one that looks only ahead. `weights` is (..., T, T)."""
    weights = np.asarray(weights, dtype=np.float64)
    t = weights.shape[-1]
    later = np.triu(np.ones((t, t), dtype=bool), k=1)
    return float((weights * later).sum(axis=-1).mean())


# -- the verdict ------------------------------------------------------------------------------
# a learned W_q or W_k turns any of these scores into any other: scaling, a sign, a permutation
ABSORBABLE_SCORES = frozenset({"scaled_dot", "dot", "negated", "reversed"})
# Why two runs that differ only in their score can end close: what the parametrisation can or
# cannot do, beside the closeness the run measured. No reason is given for any other setting:
# nothing the run measures would back one.
_WHY_SAME = {
    "score": "the learned query and key matrices can absorb this change of score",
    "score-new": (
        "no query or key matrix can undo this change of score, yet at this size the model "
        "learns to work about as well with the other similarity"
    ),
}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def differences(a: Variant, b: Variant) -> list[str]:
    """The settings (of VARIANT_KEYS) on which the two variants differ."""
    return [k for k in VARIANT_KEYS if a.setting(k) != b.setting(k)]


def _why_same(a: Variant, b: Variant) -> str:
    """Why two variants differing only in their score can end the same ("" otherwise)."""
    if differences(a, b) != ["score"]:
        return ""
    scores = {a.setting("score"), b.setting("score")}
    return _WHY_SAME["score" if scores <= ABSORBABLE_SCORES else "score-new"]


def fewer_real_words(x: VariantResult, y: VariantResult) -> bool:
    """x's sample has clearly fewer real words than y's: at most WORDS_RATIO of y's share and
    at least WORDS_GAP lower."""
    return (
        x.real_word_share <= WORDS_RATIO * y.real_word_share
        and x.real_word_share <= y.real_word_share - WORDS_GAP
    )


def cheats(x: VariantResult, y: VariantResult) -> str:
    """ "full" if x's training loss is far below y's (at most CHEAT_LOSS_RATIO of it) while its
    sample has clearly fewer real words; "partial" if x's validation loss is no worse than y's
    (within CLOSE) while its sample has clearly fewer real words and at least LOOKAHEAD of its
    attention on the probe goes to later positions; else ""."""
    if not fewer_real_words(x, y):
        return ""
    if x.final_train <= CHEAT_LOSS_RATIO * y.final_train:
        return "full"
    if x.final_val <= y.final_val + CLOSE and x.future_attention >= LOOKAHEAD:
        return "partial"
    return ""


def verdict(a: VariantResult, b: VariantResult) -> list[str]:
    """Short sentences judging the comparison, from the numbers, by these rules in order:

    1. a variant that diverged is named, with the step and reason (and nothing is compared);
    2. a cheat (see `cheats`): the loss says one variant is better, its sample says it cannot
       write: it reads the answer from the future, fully or in part;
    3. otherwise, validation losses within CLOSE: the same result (with a reason when exactly
       one setting differs); further apart: the higher one "trains worse" ("slightly" up to
       CLEARLY);
    4. a variant whose validation loss is OVERFIT_GAP above its training loss overfits;
    5. always last: the share of real words in each sample.
    """
    out: list[str] = []
    broken = [r for r in (a, b) if r.diverged]
    found = next(((x, y, kind) for x, y in ((a, b), (b, a)) if (kind := cheats(x, y))), None)
    if broken:
        out.extend(
            f"{r.name} diverged ({r.diverged}), so its loss cannot be compared." for r in broken
        )
    elif found is not None:
        x, y, kind = found
        words = (
            f"only {_pct(x.real_word_share)} of its sample's words are real words against "
            f"{_pct(y.real_word_share)} for {y.name}"
        )
        if kind == "full":
            out.append(
                f"{x.name}'s training loss ended at {x.final_train:.2f}, far below "
                f"{y.name}'s {y.final_train:.2f}, but {words}: {x.name} reads the answer "
                "from the future (it cheats)."
            )
            if x.future_attention > FUTURE_NOTE:
                out.append(
                    f"On the probe text {x.name} puts {_pct(x.future_attention)} of its "
                    f"attention on later characters ({y.name}: {_pct(y.future_attention)})."
                )
        else:
            out.append(
                f"{x.name}'s validation loss is no worse than {y.name}'s ({x.final_val:.2f} "
                f"vs {y.final_val:.2f}), yet {words}, and {_pct(x.future_attention)} of its "
                f"attention on the probe goes to later characters: part of its answer comes "
                "from the future, which is not there when it writes."
            )
    else:
        gap = b.final_val - a.final_val
        if abs(gap) <= CLOSE:
            why = _why_same(a.variant, b.variant)
            out.append(
                f"{a.name} and {b.name} end within {CLOSE:.2f} of each other in validation "
                f"loss ({a.final_val:.2f} vs {b.final_val:.2f})" + (f": {why}." if why else ".")
            )
        else:
            worse, better = (b, a) if gap > 0 else (a, b)
            how = "slightly worse" if abs(gap) <= CLEARLY else "worse"
            out.append(
                f"{worse.name} trains {how}: validation loss {worse.final_val:.2f} "
                f"against {better.final_val:.2f}."
            )
    for r in (a, b):
        if not r.diverged and r.final_val - r.final_train > OVERFIT_GAP:
            out.append(
                f"{r.name} overfits: validation loss {r.final_val:.2f}, training "
                f"{r.final_train:.2f}."
            )
    out.append(
        f"Real words in the samples: {a.name} {_pct(a.real_word_share)}, "
        f"{b.name} {_pct(b.real_word_share)}."
    )
    return out
