"""What the Copying pane runs in its jobs' workers: the induction experiment, a measurement of
its model with heads switched off, and a look inside a GPT. Plain functions and generators of
the engine's events; nothing here touches the screen. Creating the run runs nothing: torch
starts in the worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.gpt import GPT
    from engine.induction import AttentionOnly, Measured
    from engine.inside import Look

SHIPPED = "shipped"
SPEECH = "Before we proceed any further, hear me speak."  # a one-line box holds it
Pair = tuple[int, int]  # (layer, head), from 0


def resume(run: Iterator[object], threads: int | None) -> Iterator[object]:
    """The job's work: the run (new or paused) itself, under the induction thread policy."""
    from engine.device import default_threads, use_threads

    use_threads(default_threads("induction") if threads is None else threads)
    return run


def induction(layers: int, steps: int, seed: int) -> Iterator[object]:
    """The experiment's events (engine.induction.train), started in the worker."""
    from engine.induction import train

    yield from train(layers, steps, seed)


def measure(model: AttentionOnly, seed: int, off: frozenset[Pair]) -> Measured:
    """The trained model on its held-out sequences with the heads in `off` switched off."""
    from engine.induction import evaluate, held_out

    return evaluate(model, held_out(seed), off)


def load_gpt(which: str, device: str) -> tuple[GPT, object]:
    """The shipped Shakespeare GPT, or the GPT checkpoint at the path `which`, on `device`."""
    from engine.data.sources import PRETRAINED_GPT
    from engine.gpt_checkpoint import load_model

    return load_model(PRETRAINED_GPT if which == SHIPPED else Path(which), device)


def look_inside(
    model: GPT, tokenizer: object, passage: str, off: frozenset[Pair], position: int | None
) -> Look:
    """The passage (blank: random characters) repeated to the model's context, looked at with
    `off` switched off; the lens at `position` (None: the last prediction of the copy)."""
    from engine.inside import look, repeated_text

    ids = repeated_text(tokenizer, passage or None, model.config.block_size)
    where = len(ids) - 2 if position is None else max(0, min(position, len(ids) - 1))
    return look(model, tokenizer, ids, off, where, k=4)  # four guesses fit beside the table
