"""The experiments behind lesson 11: heads that copy, in the Copying pane.

The lesson trains the attention-only model of engine.induction with one layer, then two (1,000
steps, seed 0), switches heads of the two-layer model off, then looks inside the shipped
Shakespeare GPT on its passage; tests/test_copying_lesson.py measures the same values from its
own runs (the session's `induction_runs`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.lesson_figures.registry import Values, experiment

if TYPE_CHECKING:
    from engine.events import InductionEval

STEPS, SEED = 1000, 0  # lesson 11's first two steps
PASSAGE = "Before we proceed any further, hear me speak."  # its Inside steps' passage


@experiment()
def induction_task() -> Values:
    """The copying task's uniform guess: ln of engine.induction's vocabulary (no training)."""
    from engine.induction import VOCAB

    return {"vocab": VOCAB, "uniform_loss": math.log(VOCAB)}


def _first(history: list[InductionEval], holds: Callable[[InductionEval], bool]) -> float:
    """The first evaluated step where `holds`, NaN if none (no figure can hold then)."""
    return next((float(e.step) for e in history if holds(e)), math.nan)


@experiment(slow=True)
def induction_runs() -> Values:
    """The Copying pane's 1- and 2-layer runs (1,000 steps, seed 0), then heads switched off.

    engine.induction.train as the pane runs it, an evaluation every 25 steps on the held-out
    sequences: loss and % right on the copied tokens, the best induction score and its head,
    the steps where the 2-layer loss and score pass their marks; then the trained 2-layer
    model measured again with heads off, as the Heads tab's o does."""
    from engine.events import InductionTrained
    from engine.induction import FELL_BELOW, INDUCTION_HEAD, N_HEAD, evaluate, held_out, train

    one, two = (
        next(e for e in train(layers, STEPS, SEED) if isinstance(e, InductionTrained))
        for layers in (1, 2)
    )
    values: Values = {}
    for name, done in (("one", one), ("two", two)):
        first, last = done.history[0], done.history[-1]
        values |= {
            f"{name}_start_loss": first.loss,
            f"{name}_loss": last.loss,
            f"{name}_accuracy": 100 * last.accuracy,
            f"{name}_induction": last.best.induction,
        }
    history, last = two.history, two.history[-1]
    values |= {
        "two_below_3": _first(history, lambda e: e.loss < 3),
        "two_fell_below": _first(history, lambda e: e.loss < FELL_BELOW),
        "two_induction_passed": _first(history, lambda e: e.best.induction > INDUCTION_HEAD),
        "two_best_layer": last.best.layer + 1,  # the best induction head, counted from 1
        "two_best_head": last.best.head + 1,
    }
    (previous,) = [s for s in last.scores if (s.layer, s.head) == (0, 0)]  # layer 1 head 1
    values["two_previous_token"] = previous.previous
    # the Heads tab's o: heads of the trained model off, measured again on the held-out data
    data = held_out(SEED)
    each = [evaluate(two.model, data, frozenset({(1, h)})) for h in range(N_HEAD)]
    every = evaluate(two.model, data, frozenset((1, h) for h in range(N_HEAD)))
    values |= {
        "off_one_worst_loss": max(m.loss for m in each),
        "off_layer_2_loss": every.loss,
        "off_layer_2_accuracy": 100 * every.accuracy,
        "off_previous_loss": evaluate(two.model, data, frozenset({(0, 0)})).loss,
    }
    return values


@experiment()
def inside_shipped() -> Values:
    """The Copying pane's Inside tab on the shipped GPT: head scores, halves' losses, the lens.

    The lesson's passage (then random characters) repeated to the model's context, all heads
    on: the best induction score and the loss on each half; and the logit lens at every
    position of the passage: how often each stage's top guess is the current character, or the
    next one."""
    from engine.data.sources import PRETRAINED_GPT
    from engine.gpt_checkpoint import load_model
    from engine.inside import logit_lens, look, repeated_text

    model, tokenizer = load_model(PRETRAINED_GPT)
    values: Values = {}
    for name, passage in (("text", PASSAGE), ("noise", None)):
        ids = repeated_text(tokenizer, passage, model.config.block_size)
        seen = look(model, tokenizer, ids, set(), len(ids) - 2, k=4)  # as the pane looks
        values |= {
            f"{name}_induction": max(s.induction for s in seen.scores),
            f"{name}_first_half": seen.first_half,
            f"{name}_repeated": seen.repeated,
        }
    ids = repeated_text(tokenizer, PASSAGE, model.config.block_size)
    chars = [tokenizer.decode([i]) for i in ids]
    lenses = [  # the top guess at every stage, at every position
        [guesses[0][0] for _, guesses in logit_lens(model, tokenizer, ids, i, k=4)]
        for i in range(len(ids))
    ]
    stages = ["embeddings"] + [f"block_{n + 1}" for n in range(model.config.n_layer)]
    for s, stage in enumerate(stages):
        values[f"lens_{stage}_current"] = sum(top[s] == chars[i] for i, top in enumerate(lenses))
        values[f"lens_{stage}_next"] = sum(
            lenses[i][s] == chars[i + 1] for i in range(len(ids) - 1)
        )
    values["positions"] = len(ids)
    return values
