"""Two GPT configurations trained side by side on the same data, seed and steps, then judged.

`compare(a, b)` is a generator of plain events: it builds both runs (the same initial weights
wherever their shapes agree, the same batches in the same order), then alternates one
optimisation step of A with one of B, so both curves grow together and a front end can stop
between any two events. When both have finished it samples each (seeded, temperature 1), looks
at each one's attention on a fixed probe text, measures how much of each sample is made of
real words, and writes a verdict: sentences computed from those numbers by the rules of
`engine.verdict`, never written in advance.

The classic result it exists for: a mask that lets each position see the future ("anti_causal",
"none") makes the training loss collapse, because the answer is in the input; the sample then
shows the model cannot write, since at generation time there is no future to read.
"""

from __future__ import annotations

import math
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
from engine.variants import STANDARD
from engine.verdict import future_attention, real_word_share, verdict, words_of

BASE_MODEL: dict[str, Any] = {"n_layer": 2, "n_embd": 64, "block_size": 32}
PROBE = "ROMEO:\nWhat light through yonder"
SAMPLE_CHARS = 300


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
