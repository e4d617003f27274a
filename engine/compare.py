"""Two GPT configurations trained side by side on the same data, seed and steps, then judged.

`compare(a, b)` is a generator of plain events: it builds both runs (the same initial weights
wherever their shapes agree, the same batches in the same order), then alternates one
optimisation step of A with one of B, so both curves grow together and a front end can stop
between any two events. When both have finished it samples each (seeded, temperature 1), looks
at each one's attention on a fixed probe text, measures how much of each sample is made of
real words, and writes a verdict: sentences computed from those numbers by the rules in
`verdict()`, never written in advance.

The classic result it exists for: a mask that lets each position see the future ("anti_causal",
"none") makes the training loss collapse, because the answer is in the input; the sample then
shows the model cannot write, since at generation time there is no future to read.
"""

from __future__ import annotations

import math
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.events import (
    CompareEvent,
    ComparisonDone,
    Diverged,
    EvalDone,
    StepDone,
    VariantDiverged,
    VariantDone,
    VariantEval,
    VariantReady,
    VariantStep,
)
from engine.variants import STANDARD, VARIANT_KEYS

BASE_MODEL: dict[str, Any] = {"n_layer": 2, "n_embd": 64, "block_size": 32}
PROBE = "ROMEO:\nWhat light through yonder"
SAMPLE_CHARS = 300

# -- the verdict's thresholds -----------------------------------------------------------------
CLOSE = 0.05  # validation losses this close (absolute) count as the same result
CLEARLY = 0.15  # a gap above this is "worse", between CLOSE and this "slightly worse"
CHEAT_LOSS_RATIO = 0.8  # a cheat's final training loss is at most this fraction of the other's
WORDS_RATIO = 0.5  # ... and its share of real words at most this fraction of the other's
WORDS_GAP = 0.05  # ... and at least this much lower (so 2% against 4% is not a finding)
LOOKAHEAD = 0.25  # attention on later positions that, with fewer real words, is a partial cheat
FUTURE_NOTE = 0.1  # mention the attention paid to later positions when it is above this
OVERFIT_GAP = 0.25  # validation loss this far above training loss: memorising the text


@dataclass(frozen=True)
class Variant:
    """One configuration: a name ("A", "B") and GPTConfig overrides (score, mask (a name or a
    tuple of tuples of bools, block_size x block_size), positional, residual, dropout, n_head)."""

    name: str
    model: dict[str, Any] = field(default_factory=dict, hash=False)

    def setting(self, key: str) -> Any:
        """The variant's `key` (one of VARIANT_KEYS): its own, or the standard GPT's."""
        return self.model.get(key, STANDARD[key])


# -- results ----------------------------------------------------------------------------------
@dataclass
class VariantResult:
    variant: Variant
    steps: list[int]
    train_loss: list[float]  # per step, the mini-batch loss
    evals: list[EvalDone]
    sample: str
    attention: np.ndarray  # (T, T) last layer, head 0, on the probe text
    tokens: list[str]  # the probe's tokens (rows and columns of `attention`)
    real_word_share: float  # of the sample's words, the fraction that are words of the text
    future_attention: float = 0.0  # mean weight a probe position puts on later positions
    empty_rows: list[int] = field(default_factory=list)  # probe rows the mask left empty
    visible: np.ndarray | None = None  # bool (T, T): which cells of `attention` the mask shows
    diverged: str = ""  # why it stopped early, if it did
    seconds: float = 0.0  # time spent training this variant
    parameters: int = 0  # the model's trainable parameters

    @property
    def name(self) -> str:
        return self.variant.name

    @property
    def final_train(self) -> float:
        """Training loss at the end: the last evaluation's (fixed batches, no dropout)."""
        if self.evals:
            return self.evals[-1].train_loss
        return self.train_loss[-1] if self.train_loss else math.nan

    @property
    def final_val(self) -> float:
        return self.evals[-1].val_loss if self.evals else math.nan


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
_WHY_SAME = {
    "score": "the learned query and key matrices can absorb this change of score",
    "score-new": (
        "no query or key matrix can undo this change of score, yet at this size the model "
        "learns to work about as well with the other similarity"
    ),
    "positional": "the model finds positions either way at this size",
    "n_head": "splitting the same width into more or fewer heads changes little here",
    "dropout": "at this budget dropout neither helps nor hurts much",
    "residual": "with only a few layers the residual path matters little yet",
    "mask": "the model learns around this change of mask",
}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def differences(a: Variant, b: Variant) -> list[str]:
    """The settings (of VARIANT_KEYS) on which the two variants differ."""
    return [k for k in VARIANT_KEYS if a.setting(k) != b.setting(k)]


def _why_same(a: Variant, b: Variant) -> str:
    """Why two variants differing in exactly one setting can end the same ("" otherwise)."""
    changed = differences(a, b)
    if len(changed) != 1:
        return ""
    if changed == ["score"]:
        scores = {a.setting("score"), b.setting("score")}
        return _WHY_SAME["score" if scores <= ABSORBABLE_SCORES else "score-new"]
    return _WHY_SAME.get(changed[0], "")


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


# -- running ----------------------------------------------------------------------------------
def _check_variant(v: Variant) -> None:
    from engine.gpt import GPTConfig

    known = {f.name for f in fields(GPTConfig)} - {"vocab_size"}
    unknown = sorted(set(v.model) - known)
    if unknown:
        raise ConfigError(f"variant {v.name}: unknown model setting {unknown[0]!r}")


def _model_settings(base: dict[str, Any], v: Variant) -> dict[str, Any]:
    settings = {**base, **v.model}
    mask = settings.get("mask")
    if isinstance(mask, (list, tuple)):  # rows of bools, as a hashable tuple of tuples
        settings["mask"] = tuple(tuple(bool(c) for c in row) for row in mask)
    return settings


class _Track:
    """One variant's run while it trains."""

    def __init__(self, variant: Variant, run: Any) -> None:  # run: GPTRun
        import torch

        self.variant, self.run = variant, run
        # torch's global generator drives dropout: each run keeps its own stream of it, so
        # interleaving A and B gives each the numbers it would have had alone
        self.rng = torch.get_rng_state()
        self.events = run.events()
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.diverged = ""
        self.done = False
        self.seconds = 0.0

    def advance(self) -> Iterator[CompareEvent]:
        """This variant's events up to and including its next step (or its end)."""
        import torch

        name = self.variant.name
        while True:
            began = time.perf_counter()
            torch.set_rng_state(self.rng)
            try:
                event = next(self.events)
            except StopIteration:
                self.done = True
                return
            finally:
                self.rng = torch.get_rng_state()
                self.seconds += time.perf_counter() - began
            if isinstance(event, StepDone):
                self.steps.append(event.step)
                self.losses.append(event.loss)
                yield VariantStep(name, event.step, event.loss)
                return
            if isinstance(event, EvalDone):
                yield VariantEval(name, event)
            elif isinstance(event, Diverged):
                self.diverged = f"at step {event.step}: {event.reason}"
                self.done = True
                yield VariantDiverged(name, event.step, event.reason)
                return


def _finish(track: _Track, probe: str, seed: int, vocabulary: set[str]) -> VariantResult:
    from engine.attention import mask_matrix
    from engine.inspect import inspect_attention

    run = track.run
    sample = "" if track.diverged else run.sample(SAMPLE_CHARS, seed=seed, temperature=1.0)
    last = run.model_config.n_layer - 1
    look = inspect_attention(run.model, run.tokenizer, probe)
    every_head = np.stack([layer["weights"] for layer in look.layers])  # (L, H, T, T)
    t = len(look.tokens)
    visible = mask_matrix(run.model_config.mask_spec(), t, t).cpu().numpy()
    return VariantResult(
        variant=track.variant,
        steps=list(track.steps),
        train_loss=list(track.losses),
        evals=list(run.history),
        sample=sample,
        attention=look.stage(last, 0, "weights"),
        tokens=list(look.tokens),
        real_word_share=real_word_share(sample, vocabulary),
        future_attention=future_attention(every_head),
        empty_rows=list(look.empty_rows[last]),
        visible=visible,
        diverged=track.diverged,
        parameters=run.model.num_params(),
        seconds=track.seconds,
    )


def compare(
    a: Variant,
    b: Variant,
    *,
    steps: int = 300,
    seed: int = 1337,
    corpus: str = "sample",
    base_model: dict[str, Any] | None = None,
    eval_interval: int = 50,
    probe: str = PROBE,
    interleave: bool = True,
    data_dir: str | None = None,
    preset: str = "tiny",
    train: dict[str, Any] | None = None,
) -> Iterator[CompareEvent]:
    """Train `a` and `b` for `steps` steps each on the same corpus, seed and batches, yielding
    VariantReady, VariantStep, VariantEval and VariantDiverged as they happen (one step of A,
    then one of B, when `interleave`), a VariantDone for each, and finally ComparisonDone.

    Raises EngineError (ConfigError, ...) for settings that cannot be trained, before any step.
    """
    from engine.data.text import load_corpus
    from engine.gpt_run import GPTRun

    if steps < 1:
        raise ConfigError(f"steps must be at least 1, got {steps}")
    if a.name == b.name:
        raise ConfigError(f"the two variants need different names, both are {a.name!r}")
    base = dict(BASE_MODEL if base_model is None else base_model)
    text = load_corpus(corpus, data_dir)
    train_settings = {
        **(train or {}),
        "max_iters": steps,
        "eval_interval": eval_interval,
        "sample_interval": 0,
        "seed": seed,
    }
    tracks = []
    for v in (a, b):
        _check_variant(v)
        run = GPTRun.start(
            corpus,
            preset=preset,
            model=_model_settings(base, v),
            train=train_settings,
            corpus=text,
        )
        tracks.append(_Track(v, run))
    for t in tracks:
        yield VariantReady(t.variant.name, t.run.model.num_params())

    if interleave:
        while not all(t.done for t in tracks):
            for t in tracks:
                if not t.done:
                    yield from t.advance()
    else:
        for t in tracks:
            while not t.done:
                yield from t.advance()

    run = tracks[0].run
    vocabulary = set(words_of(run.tokenizer.decode(run.train_ids.tolist())))
    results = []
    for t in tracks:
        result = _finish(t, probe, seed, vocabulary)
        results.append(result)
        yield VariantDone(t.variant.name, result)
    yield ComparisonDone(results, verdict(*results), steps, seed)
