"""Lesson 11's figures are measured: the induction runs it sets up (the session's
`induction_runs`, one and two layers) and the shipped GPT on its passage are measured again
here, and every figure the lesson puts in bold is compared, in order, step by step."""

from __future__ import annotations

import math
import re

import pytest

from engine.data.sources import PRETRAINED_GPT
from engine.gpt_checkpoint import load_model, load_model_checkpoint
from engine.induction import (
    FELL_BELOW,
    LENGTH,
    MIN_REPEAT,
    N_HEAD,
    VOCAB,
    evaluate,
    held_out,
)
from engine.inside import logit_lens, look, repeated_text
from lessons.loader import get_lesson

LESSON = get_lesson("heads-that-copy")
STEPS = LESSON.steps
PASSAGE = STEPS[4].setup["passage"]


def bold(step: int) -> list[str]:
    """The figures the step's text puts in bold, in order."""
    return re.findall(r"\*\*(\d[\d,.]*%?)\*\*", STEPS[step].text)


def words(step: int) -> str:
    """The step's text on one line, so that a quoted phrase may cross a line break."""
    return " ".join(STEPS[step].text.split())


def first(history, holds) -> int:
    return next(e.step for e in history if holds(e))


def agree(quoted: list[str], measured: list[float | int], kinds: str) -> None:
    """Each quoted figure against its measurement: 'd' a decimal to its last digit (±1 there),
    '%' a percentage (±1), 'n' a count, 's' a step (one evaluation either way)."""
    assert len(quoted) == len(measured) == len(kinds), (quoted, measured)
    for text, value, kind in zip(quoted, measured, kinds):
        if kind == "d":
            places = len(text.split(".")[1])
            assert float(text) == pytest.approx(value, abs=1.01 * 10**-places), text
        elif kind == "%":
            assert float(text.rstrip("%")) == pytest.approx(100 * value, abs=1.01), text
        elif kind == "s":
            assert abs(int(text.replace(",", "")) - value) <= 25, text
        else:
            assert int(text) == value, text


def test_the_setup_is_the_run_measured():
    assert LESSON.number == 11 and LESSON.pane == "copying"
    assert [s.setup.get("layers") for s in STEPS[:2]] == [1, 2]
    assert all((s.setup["steps"], s.setup["seed"]) == (1000, 0) for s in STEPS[:2])
    text = words(0)
    assert f"{LENGTH} random tokens out of {VOCAB}" in text
    assert f"stretch of {MIN_REPEAT} to {(LENGTH + 1) // 2} tokens" in text
    assert f"ln {VOCAB} = {math.log(VOCAB):.2f}" in text and f"{N_HEAD} heads" in text


def test_one_layer(induction_runs):
    history = induction_runs[1].history
    last = history[-1]
    agree(bold(0), [history[0].loss, last.loss, last.best.induction, last.accuracy], "ddd%")


def test_two_layers_jump(induction_runs):
    history = induction_runs[2].history
    last = history[-1]
    measured = [
        first(history, lambda e: e.loss < 3),
        first(history, lambda e: e.loss < FELL_BELOW),
        first(history, lambda e: e.best.induction > 0.5),
        last.loss,
        last.accuracy,
        last.best.induction,
    ]
    agree(bold(1), measured, "sssd%d")
    assert f"below {FELL_BELOW} at step" in words(1)
    assert f"induction head is {last.best.name}" in words(1)
    assert all(s.induction > 0.5 for s in last.scores if s.layer == 1)


def test_the_previous_token_head(induction_runs):
    layer_1 = [s for s in induction_runs[2].history[-1].scores if s.layer == 0]
    previous = max(layer_1, key=lambda s: s.previous)
    assert previous.head == 0  # "in layer 1, head 1"
    agree(bold(2), [previous.previous], "d")


def test_switching_heads_off(induction_runs):
    done = induction_runs[2]
    model, data = done.model, held_out(0)
    one = max(evaluate(model, data, frozenset({(1, h)})).loss for h in range(N_HEAD))
    every = evaluate(model, data, frozenset((1, h) for h in range(N_HEAD)))
    previous = evaluate(model, data, frozenset({(0, 0)}))
    agree(bold(3), [one, every.loss, every.accuracy, previous.loss], "dd%d")
    assert f"untrained model's {done.history[0].loss:.2f}" in words(3)


@pytest.fixture(scope="module")
def shipped():
    return load_model(PRETRAINED_GPT)


def test_inside_the_shipped_gpt(shipped):
    model, tok = shipped
    config = model.config
    seen = []
    for passage in (PASSAGE, None):
        ids = repeated_text(tok, passage, config.block_size)
        seen.append(look(model, tok, ids, set(), len(ids) - 2))
    text, noise = seen
    measured = [
        max(s.induction for s in text.scores),
        text.repeated,
        text.first_half,
        noise.first_half,
        noise.repeated,
        max(s.induction for s in noise.scores),
    ]
    agree(bold(4), measured, "dddddd")
    text_4 = words(4)
    assert f"{config.n_layer} layers of {config.n_head} heads" in text_4
    assert f"context of {config.block_size} characters" in text_4
    assert f"trained {load_model_checkpoint(PRETRAINED_GPT)['step']:,} steps" in text_4


def test_the_logit_lens(shipped):
    model, tok = shipped
    ids = repeated_text(tok, PASSAGE, model.config.block_size)
    lenses = [logit_lens(model, tok, ids, i, k=1) for i in range(len(ids))]

    def top(i: int, stage: int) -> str:
        return lenses[i][stage][1][0][0]

    current = [sum(top(i, s) == tok.decode([ids[i]]) for i in range(len(ids))) for s in (0, -1)]
    right = [
        sum(top(i, s) == tok.decode([ids[i + 1]]) for i in range(len(ids) - 1)) for s in (0, 1, -1)
    ]
    assert current[1] == 0  # "where the current character is the top guess nowhere"
    agree(bold(5), [current[0], *right], "nnnn")
    assert f"of the {len(ids) - 1} positions" in words(5)
    assert f"after block {model.config.n_layer}" in words(5)
