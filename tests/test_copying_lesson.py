"""Lesson 11's figures are measured: the induction runs it sets up (the session's
`induction_runs`, one and two layers) and the shipped GPT on its passage are measured again
here, and every figure the lesson marks is compared, step by step, with this run's value of the
measure its mark names (the experiments in engine/lesson_figures/induction.py measure the same
values; `learn-gpt lesson 11 --verify-slow` runs them)."""

from __future__ import annotations

import math

import pytest

from engine.data.sources import PRETRAINED_GPT
from engine.gpt_checkpoint import load_model, load_model_checkpoint
from engine.induction import (
    FELL_BELOW,
    INDUCTION_HEAD,
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


def words(step: int) -> str:
    """The step's text on one line, so that a quoted phrase may cross a line break."""
    return " ".join(STEPS[step].text.split())


def first(history, holds) -> int:
    return next(e.step for e in history if holds(e))


def agree(step: int, measured: dict[str, float]) -> None:
    """The step marks exactly the measures in `measured` (experiment.value), and each of its
    figures holds, within its mark's tolerance, against this run's value."""
    figures = STEPS[step].figures
    assert {f.measure for f in figures} == measured.keys(), [f.measure for f in figures]
    for figure in figures:
        value = measured[figure.measure]
        assert figure.holds(value), f"{figure.shown} ({figure.measure}) measured {value:.6g}"


def test_the_setup_is_the_run_measured():
    assert LESSON.number == 11 and LESSON.pane == "copying"
    assert [s.setup.get("layers") for s in STEPS[:2]] == [1, 2]
    assert all((s.setup["steps"], s.setup["seed"]) == (1000, 0) for s in STEPS[:2])
    text = words(0)
    assert f"{LENGTH} random tokens out of {VOCAB}" in text
    assert f"stretch of {MIN_REPEAT} to {(LENGTH + 1) // 2} tokens" in text
    assert f"ln {VOCAB} = **" in text and f"{N_HEAD} heads" in text


def test_one_layer(induction_runs):
    history = induction_runs[1].history
    last = history[-1]
    agree(
        0,
        {
            "induction_runs.one_start_loss": history[0].loss,
            "induction_task.uniform_loss": math.log(VOCAB),
            "induction_runs.one_loss": last.loss,
            "induction_runs.one_induction": last.best.induction,
            "induction_runs.one_accuracy": 100 * last.accuracy,
        },
    )


def test_two_layers_jump(induction_runs):
    history = induction_runs[2].history
    last = history[-1]
    agree(
        1,
        {
            "induction_runs.two_below_3": first(history, lambda e: e.loss < 3),
            "induction_runs.two_fell_below": first(history, lambda e: e.loss < FELL_BELOW),
            "induction_runs.two_induction_passed": first(
                history, lambda e: e.best.induction > INDUCTION_HEAD
            ),
            "induction_runs.two_loss": last.loss,
            "induction_runs.two_accuracy": 100 * last.accuracy,
            "induction_runs.two_best_layer": last.best.layer + 1,
            "induction_runs.two_best_head": last.best.head + 1,
            "induction_runs.two_induction": last.best.induction,
        },
    )
    text = words(1)
    assert f"below {FELL_BELOW} at step" in text and f"crosses {INDUCTION_HEAD} at step" in text
    assert f"above {INDUCTION_HEAD} (bold in the table)" in text
    assert all(s.induction > INDUCTION_HEAD for s in last.scores if s.layer == 1)


def test_the_previous_token_head(induction_runs):
    layer_1 = [s for s in induction_runs[2].history[-1].scores if s.layer == 0]
    previous = max(layer_1, key=lambda s: s.previous)
    assert previous.head == 0  # "in layer 1, head 1"
    agree(2, {"induction_runs.two_previous_token": previous.previous})


def test_switching_heads_off(induction_runs):
    done = induction_runs[2]
    model, data = done.model, held_out(0)
    one = max(evaluate(model, data, frozenset({(1, h)})).loss for h in range(N_HEAD))
    every = evaluate(model, data, frozenset((1, h) for h in range(N_HEAD)))
    previous = evaluate(model, data, frozenset({(0, 0)}))
    agree(
        3,
        {
            "induction_runs.off_one_worst_loss": one,
            "induction_runs.off_layer_2_loss": every.loss,
            "induction_runs.off_layer_2_accuracy": 100 * every.accuracy,
            "induction_runs.two_start_loss": done.history[0].loss,  # the untrained model's
            "induction_runs.off_previous_loss": previous.loss,
        },
    )


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
    agree(
        4,
        {
            "inside_shipped.text_induction": max(s.induction for s in text.scores),
            "inside_shipped.text_repeated": text.repeated,
            "inside_shipped.text_first_half": text.first_half,
            "inside_shipped.noise_first_half": noise.first_half,
            "inside_shipped.noise_repeated": noise.repeated,
            "inside_shipped.noise_induction": max(s.induction for s in noise.scores),
        },
    )
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
    agree(
        5,
        {
            "inside_shipped.lens_embeddings_current": current[0],
            "inside_shipped.lens_embeddings_next": right[0],
            "inside_shipped.lens_block_1_next": right[1],
            f"inside_shipped.lens_block_{model.config.n_layer}_next": right[2],
        },
    )
    assert f"of the {len(ids) - 1} positions" in words(5)
    assert f"after block {model.config.n_layer}" in words(5)
