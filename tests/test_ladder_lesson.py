"""Lesson 8's figures are measured: the quick ladder it sets up is trained again here (rungs
1-3, about 15 s) and every figure the lesson marks is compared, by the value its mark names,
with this run's measurement of it (the experiments in engine/lesson_figures/ladder.py measure
the same values; `learn-gpt lesson 8 --verify-slow` runs them)."""

from __future__ import annotations

import math

import pytest

from engine.events import RungDone
from engine.ladder import RUNGS, load_data, quick, train_rung
from engine.ladder_pieces import Pieces
from lessons.loader import get_lesson

LESSON = get_lesson("build-it-rung-by-rung")
SETUP = LESSON.steps[0].setup
QUICK = {1: "bigram", 2: "one_head", 3: "multi_head"}  # ladder_quick's names for the rungs


@pytest.fixture(scope="module")
def trained() -> dict:
    data = load_data(SETUP["corpus"])
    out = {"vocab": data.tokenizer.vocab_size}
    for rung in RUNGS[:4]:
        short = quick(rung, SETUP["iters"])
        if rung.number == 4:  # only its size is quoted
            out[4] = short.build(data.tokenizer.vocab_size, Pieces())
            continue
        events = train_rung(short, data, seed=SETUP["seed"])
        out[rung.number] = next(e.result for e in events if isinstance(e, RungDone))
    return out


@pytest.fixture(scope="module")
def measured(trained) -> dict[str, float]:
    """This run's value of every measure the lesson's marks may name."""
    values = {"ladder_models.uniform_loss": math.log(trained["vocab"])}
    values |= {f"ladder_lecture.rung_{rung.number}": rung.lecture for rung in RUNGS}
    for number, name in QUICK.items():
        result = trained[number]
        values |= {
            f"ladder_quick.{name}_start": result.history[0].val_loss,
            f"ladder_quick.{name}_val": result.val_loss,
            f"ladder_quick.{name}_steps": result.steps,
            f"ladder_quick.{name}_parameters": result.parameters,
            f"ladder_models.parameters_{number}": result.parameters,
        }
    return values


def test_the_lesson_sets_up_the_ladder_it_quotes():
    assert LESSON.number == 8 and LESSON.pane == "build"
    assert (SETUP["rungs"], SETUP["iters"], SETUP["corpus"]) == ("1-6", 1500, "sample")
    assert [s.setup.get("select") for s in LESSON.steps[:5]] == [1, 2, 3, 4, 6]


@pytest.mark.parametrize("step", range(len(LESSON.steps)), ids=lambda i: f"step {i + 1}")
def test_every_marked_figure_is_what_the_ladder_measures(step, measured):
    for figure in LESSON.steps[step].figures:
        assert figure.measure in measured, f"nothing here measures {figure.measure}"
        value = measured[figure.measure]
        assert figure.holds(value), f"{figure.shown} ({figure.measure}) measured {value:.6g}"


def test_the_figures_are_the_rungs_the_text_says(trained):
    quoted = [[f.measure for f in step.figures] for step in LESSON.steps[:3]]
    assert quoted[0][0] == "ladder_quick.bigram_start" and "ladder_quick.bigram_val" in quoted[0]
    assert quoted[1][:3] == [
        "ladder_quick.one_head_val",
        "ladder_quick.bigram_val",  # "against its 2.54"
        "ladder_models.parameters_2",
    ]
    assert quoted[2][0] == "ladder_quick.multi_head_val"


def test_the_bigram_and_the_sizes(trained):
    bigram, head, heads = trained[1], trained[2], trained[3]
    text = " ".join(LESSON.steps[0].text.split())  # a quoted phrase may cross a line break
    vocab = trained["vocab"]
    assert f"after its {bigram.steps} steps" in text
    assert f"{vocab} × {vocab} = {bigram.parameters:,} numbers" in text
    assert f"ln {vocab} = **" in text and f"among {vocab} characters" in text
    assert 900 <= heads.parameters - head.parameters <= 1100  # "about a thousand more"
    assert heads.val_loss < head.val_loss < bigram.val_loss
    ffwd = sum(p.numel() for p in trained[4].parameters())
    assert 1.8 <= ffwd / heads.parameters <= 2.2  # "the parameters, which double"


def test_the_lectures_figures_are_the_engines():
    text = " ".join(step.text for step in LESSON.steps)
    for rung in RUNGS:
        assert str(rung.lecture) in text, rung.name
