"""Lesson 8's figures are measured: the quick ladder it sets up is trained again here (rungs
1-3, about 15 s) and every number the lesson quotes for it, or for the lecture, is compared."""

from __future__ import annotations

import math
import re

import pytest

from engine.events import RungDone
from engine.ladder import RUNGS, load_data, quick, train_rung
from engine.ladder_pieces import Pieces
from lessons.loader import get_lesson

LESSON = get_lesson("build-it-rung-by-rung")
SETUP = LESSON.steps[0].setup


def bold(step: int) -> list[float]:
    """The figures the step's text puts in bold, in order."""
    return [float(x) for x in re.findall(r"\*\*(\d+\.\d+)\*\*", LESSON.steps[step].text)]


@pytest.fixture(scope="module")
def trained() -> dict:
    data = load_data(SETUP["corpus"])
    out = {}
    for rung in RUNGS[:4]:
        short = quick(rung, SETUP["iters"])
        if rung.number == 4:  # only its size is quoted
            out[4] = short.build(data.tokenizer.vocab_size, Pieces())
            continue
        events = train_rung(short, data, seed=SETUP["seed"])
        out[rung.number] = next(e.result for e in events if isinstance(e, RungDone))
    return out


def test_the_lesson_sets_up_the_ladder_it_quotes():
    assert LESSON.number == 8 and LESSON.pane == "build"
    assert (SETUP["rungs"], SETUP["iters"], SETUP["corpus"]) == ("1-6", 1500, "sample")
    assert [s.setup.get("select") for s in LESSON.steps[:5]] == [1, 2, 3, 4, 6]


def test_the_bigram_figures(trained):
    bigram = trained[1]
    start, end = bold(0)
    assert start == pytest.approx(bigram.history[0].val_loss, abs=0.01)
    assert end == pytest.approx(bigram.val_loss, abs=0.01)
    text = LESSON.steps[0].text
    assert f"after its {bigram.steps} steps" in text
    assert f"67 × 67 = {bigram.parameters:,} numbers" in text
    assert f"ln 67 = {math.log(67):.2f}" in text


def test_one_head_then_four_figures(trained):
    head, heads = trained[2], trained[3]
    (val,) = bold(1)[:1]
    assert val == pytest.approx(head.val_loss, abs=0.01)
    assert f"against its {trained[1].val_loss:.2f}" in LESSON.steps[1].text
    assert f"with {head.parameters:,}\nparameters" in LESSON.steps[1].text
    assert bold(2)[0] == pytest.approx(heads.val_loss, abs=0.01)
    assert 900 <= heads.parameters - head.parameters <= 1100  # "about a thousand more"
    assert heads.val_loss < head.val_loss < trained[1].val_loss
    ffwd = sum(p.numel() for p in trained[4].parameters())
    assert 1.8 <= ffwd / heads.parameters <= 2.2  # "the parameters, which double"


def test_the_lectures_figures_are_the_engines():
    text = " ".join(step.text for step in LESSON.steps)
    for rung in RUNGS:
        assert str(rung.lecture) in text, rung.name
