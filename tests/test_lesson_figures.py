"""Lessons never lie: every figure a lesson quotes is marked with the experiment that measures
it, and the fast experiments re-measure them here (the slow ones: `learn-gpt lesson
--verify-slow`, whose output goes in the notes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.lesson_figures import EXPERIMENTS, check, experiment_of
from lessons.loader import Figure, LessonError, get_lesson, load_lessons, read_marks, unmarked
from tui.cli import main
from tui.cli.lesson import help_figures

ROOT = Path(__file__).resolve().parents[1]
LESSONS = load_lessons()
FIGURES = [
    pytest.param(figure, id=f"{lesson.number}.{i}:{figure.shown}")
    for lesson in LESSONS
    for i, step in enumerate(lesson.steps, start=1)
    for figure in step.figures
]
HELP = [pytest.param(figure, id=f"help {pane}:{figure.shown}") for pane, figure in help_figures()]
FAST = [p for p in FIGURES + HELP if not experiment_of(p.values[0].measure).slow]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.path.stem)
def test_every_figure_a_lesson_quotes_is_marked(lesson):
    for step in lesson.steps:
        assert unmarked(step.source) == [], f"{lesson.path.name}: {step.title}"


@pytest.mark.parametrize(
    "path", sorted(ROOT.glob("tui/panes/*/help.md")), ids=lambda path: path.parent.name
)
def test_every_figure_a_panes_help_quotes_is_marked(path):
    assert unmarked(path.read_text(encoding="utf-8")) == []


def test_every_mark_names_an_experiment_that_says_how_it_measures():
    assert len(HELP) >= 3  # the Lab's, the Build pane's and the Sampling pane's times
    for param in FIGURES + HELP:
        found = experiment_of(param.values[0].measure)
        assert found.about, found.name
    assert set(EXPERIMENTS) >= {p.values[0].experiment for p in FIGURES + HELP}


@pytest.mark.parametrize("figure", FAST)
def test_each_fast_figure_is_what_its_experiment_measures(figure):
    checked = check(figure)
    assert checked.holds, f"{figure.shown} measured {checked.measured:.6g} ±{figure.tolerance:g}"


def test_a_mark_reads_as_bold_and_a_given_number_as_plain():
    text, figures = read_marks(
        "it reaches [82.90%](measured: mlp_sample.accuracy_3 ±0.1) at eta [3.0](given)", "x"
    )
    assert text == "it reaches **82.90%** at eta 3.0"
    assert figures == (Figure("82.90%", 82.9, "mlp_sample.accuracy_3", 0.1),)
    assert read_marks("[1,513](measured: a.b)", "x")[1][0].tolerance == 0.5
    assert unmarked("a loss of 2.46 and 85% of it, `0.5` in code") == ["2.46", "85%"]
    with pytest.raises(LessonError, match="no number"):
        read_marks("[most](measured: a.b)", "x")


def test_a_figure_that_no_longer_holds_fails_verify(monkeypatch, capsys):
    lesson = get_lesson(1)
    step = next(s for s in lesson.steps if s.figures)
    wrong = Figure("91.00%", 91.0, step.figures[-1].measure, 0.005)
    broken = type(lesson)(**{**vars(lesson), "steps": (type(step)(**{
        **vars(step), "figures": (wrong,)}),)})  # fmt: skip
    monkeypatch.setattr("lessons.loader.get_lesson", lambda which: broken)
    with pytest.raises(SystemExit) as exit_info:
        main(["lesson", "1", "--verify", "--threads", "1"])
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "DOES NOT HOLD" in out and "0 of 1 figures hold" in out
    with pytest.raises(ConfigError, match="no experiment 'nowhere'"):
        check(Figure("1", 1.0, "nowhere.x", 0))
