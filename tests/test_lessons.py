"""The lessons: every file parses and agrees with itself, every step's setup applies to its
pane in the real app, the terminal renderer prints each one, the step keys move, and the
Lessons pane looks the same at 80x24 and 120x40."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pilot_helpers import until
from rich.console import Console
from textual.widgets import Input, TabbedContent

from engine.exercises import EXERCISES
from lessons.loader import PANES, LessonError, get_lesson, load_lessons, parse_lesson
from tui.app import LearnGPTApp
from tui.cli.lesson import list_lessons, show_lesson
from tui.panes.lesson_beside import LessonSidebar

SIZES = [(80, 24), (120, 40)]
LESSONS = load_lessons()


# -- the files ---------------------------------------------------------------------------------
def test_the_course_is_there_in_order():
    numbers = [lesson.number for lesson in LESSONS]
    assert numbers[:8] == list(range(1, 9))
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.path.stem)
def test_each_lesson_is_consistent(lesson):
    assert lesson.title and lesson.summary
    assert lesson.pane in PANES
    titles = [step.title for step in lesson.steps]
    assert len(set(titles)) == len(titles), "step titles repeat"
    for step in lesson.steps:
        assert step.pane in PANES
        assert "Watch for" in step.text or "learn-gpt exercise" in step.text, step.title
        assert "\n## " not in step.text
    for name in lesson.exercises:
        assert name in EXERCISES
        assert f"learn-gpt exercise start {name}" in lesson.steps[-1].text  # it ends with them


def test_parse_errors_name_the_file_and_the_problem(tmp_path: Path):
    good = '+++\ntitle = "T"\npane = "lab"\n[[steps]]\ntitle = "One"\n+++\n## One\ntext\n'
    assert parse_lesson(good, tmp_path / "01-t.md").steps[0].pane == "lab"
    cases = {
        "front matter between": "## One\ntext\n",
        "its heading is": good.replace("## One", "## Two"),
        "not one of": good.replace('pane = "lab"', 'pane = "kitchen"'),
        "unknown step key": good.replace('title = "One"', 'title = "One"\ncolour = 1'),
        "valid TOML": good.replace('title = "T"', "title = "),
        "2 [[steps]]": good.replace("+++\n## One", '[[steps]]\ntitle = "Two"\n+++\n## One'),
    }
    for words, text in cases.items():
        with pytest.raises(LessonError, match=words.replace("[", r"\[")) as info:
            parse_lesson(text, tmp_path / "01-t.md")
        assert str(info.value).startswith("01-t.md")
    with pytest.raises(LessonError, match="NN-slug.md"):
        parse_lesson(good, tmp_path / "lesson.md")


def test_a_lesson_is_found_by_number_or_slug():
    assert get_lesson("4").number == 4 and get_lesson("04").number == 4
    assert get_lesson(LESSONS[0].slug).number == LESSONS[0].number
    with pytest.raises(LessonError, match="no lesson '99': choose 1, 2"):
        get_lesson("99")


# -- in the terminal ---------------------------------------------------------------------------
def printed(call, *args) -> str:
    out = io.StringIO()
    call(*args, console=Console(file=out, width=100, color_system=None))
    return out.getvalue()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.path.stem)
def test_the_terminal_renders_every_step(lesson):
    text = printed(show_lesson, str(lesson.number))
    assert f"Lesson {lesson.number} · {lesson.title}" in text
    for i, step in enumerate(lesson.steps, start=1):
        assert f"Step {i} of {len(lesson.steps)} · {step.title}" in text
    assert "```" not in text and "+++" not in text


def test_the_terminal_lists_the_lessons():
    text = printed(list_lessons)
    for lesson in LESSONS:
        assert lesson.title in text
    assert "learn-gpt lesson N" in text


# -- in the app (every step set up and in view: test_lesson_focus.py) -------------------------
async def test_step_keys_in_the_lessons_pane_and_beside_a_pane():
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        lessons = app.screen
        where = lessons.query_one("#lesson-where")
        await pilot.press("n")
        assert lessons.step == 1 and "step 2 of" in str(where.render())
        await pilot.press("right", "b")
        assert lessons.step == 1
        await pilot.press("left", "left")
        assert lessons.step == 0  # no step before the first
        await pilot.press("n", "down")
        assert (lessons.index, lessons.step) == (1, 0) and "Lesson 2" in str(where.render())
        await pilot.press("up")
        assert (lessons.index, lessons.step) == (0, 1)  # each lesson keeps its place
        await pilot.press("g")  # lesson 1, step 2, beside the Digits pane
        assert app.current_mode == "digits" and app.lesson.step == 1
        digits = app.screen
        sidebar = digits.query_one(LessonSidebar)
        assert sidebar.display
        assert str(sidebar.query_one("#lesson-side-title").render()) == "Feedforward"
        await pilot.press("ctrl+n")
        assert app.lesson.step == 2 and sidebar.shown == (1, 2)
        assert digits.query_one("#set-epochs", Input).value == "3"
        await pilot.press("ctrl+r", "ctrl+b", "ctrl+r")  # ctrl+r: tmux keeps ctrl+b
        assert app.lesson.step == 0  # and no further
        await pilot.press("ctrl+l")  # folded to one line, still following
        assert sidebar.display and sidebar.has_class("-folded")
        assert sidebar.query_one("#lesson-side-scroll").display is False or not (
            sidebar.query_one("#lesson-side-scroll").region
        )
        await pilot.press("ctrl+n")
        assert app.lesson.step == 1 and sidebar.shown == (1, 1)
        await pilot.press("ctrl+l")
        assert sidebar.has_class("-beside") and not sidebar.has_class("-folded")
        await pilot.press("ctrl+t")  # below the pane instead
        assert sidebar.has_class("-below") and sidebar.region.y > digits.size.height // 2
        await pilot.press("ctrl+t")
        assert sidebar.has_class("-beside")
        await pilot.press("5")
        assert app.current_mode == "lessons"
        assert (lessons.index, lessons.step) == (0, 1)  # where the sidebar had got to
        await pilot.press("ctrl+l")  # back to the followed pane, with the lesson beside it
        assert app.current_mode == "digits" and sidebar.display
        side = sidebar.query_one("#lesson-side-scroll")
        assert side.max_scroll_y > 0  # a narrow sidebar: the step's text runs on
        await pilot.press("ctrl+down")
        assert side.scroll_target_y > 0
        await pilot.resize_terminal(80, 24)
        await pilot.press("5", "ctrl+down")  # and the Lessons pane scrolls its own text
        assert lessons.query_one("#lesson-scroll").scroll_target_y > 0


async def test_g_on_the_step_followed_keeps_the_learners_changes_and_G_sets_it_up_afresh():
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "g")  # lesson 1, step 3: three epochs
        digits = app.screen
        epochs = digits.query_one("#set-epochs", Input)
        assert epochs.value == "3"
        epochs.value = "7"  # the learner's own change
        await pilot.press("5", "g")
        assert app.current_mode == "digits" and epochs.value == "7"
        assert any("as you left it" in n.message for n in app._notifications)
        await pilot.press("5", "G")
        assert app.current_mode == "digits" and epochs.value == "3"
        await pilot.press("5", "n", "g")  # another step is set up as always
        assert app.lesson.step == 3


def test_a_step_inherits_the_setups_of_the_steps_before_it_on_its_pane():
    one = get_lesson("1")
    assert "settings" not in one.steps[1].setup  # "Feedforward" sets only its tab
    assert one.setup_through(1)["settings"]["epochs"] == 3  # the first step's three epochs
    assert one.setup_through(1)["tab"] == "train"
    assert one.setup_through(3)["tab"] == "gallery"  # a later key wins
    seven = get_lesson("7")  # the Lab's b is a whole model: residual off, one head again
    assert seven.setup_through(2)["b"] == {"residual": False}
    assert "sentence" not in seven.setup_through(2)  # step 1 sets the Attention pane up


async def test_jumping_to_a_step_sets_the_pane_up_as_the_lesson_built_it():
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "g")  # lesson 1, step 2, straight from the list
        epochs = app.screen.query_one("#set-epochs", Input)
        assert app.current_mode == "digits" and epochs.value == "3"  # not the default 30
        epochs.value = "7"
        await pilot.press("ctrl+n")  # stepping on applies only the next step's own setup
        assert epochs.value == "3"  # step 3 sets the epochs itself
        epochs.value = "7"
        await pilot.press("ctrl+n")  # step 4 sets only its tab: the learner's 7 stays
        assert epochs.value == "7"
        await pilot.press("ctrl+r")  # back: step 3 as the lesson built it
        assert epochs.value == "3"


async def test_a_setup_a_pane_does_not_know_is_one_warning_each():
    app = LearnGPTApp(pane="digits")
    async with app.run_test(size=(100, 30)) as pilot:
        digits = app.screen
        digits.apply_lesson({"tab": "shapes", "colour": "red", "settings": {"speed": 2}})
        await pilot.pause()
        assert digits.query_one(TabbedContent).active == "tab-shapes"
        assert len(digits.lesson_problems) == 2
        assert any("'colour'" in p for p in digits.lesson_problems)
        await app.switch_mode("lab")
        lab = app.screen
        lab.apply_lesson({"b": {"score": "louder"}, "a": {"mask": "none"}, "steps": -3})
        assert lab.query_one("#config-a").values()["mask"] == "none"
        assert lab.query_one("#config-b").values()["mask"] == "anti_causal"  # unchanged
        assert len(lab.lesson_problems) == 2
        await app.switch_mode("sampling")
        sampling = app.screen
        sampling.apply_lesson({"temperature": 0.5, "preset": "enormous"})
        assert sampling.query_one("#samp-temperature", Input).value == "0.5"
        assert len(sampling.lesson_problems) == 1
        await app.switch_mode("attention")
        attention = app.screen
        await until(pilot, lambda: attention.inspection is not None, what="the first look")
        attention.apply_lesson({"score": "sideways", "stage": "weights", "head": "two"})
        assert len(attention.lesson_problems) == 2
        assert app.is_running


# -- snapshots ---------------------------------------------------------------------------------
async def lesson_one_shown(pilot) -> None:
    text = pilot.app.screen.query_one("#lesson-text")
    await until(pilot, lambda: len(text.children) > 0, what="the lesson text")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lessons_pane_snapshot(snap_compare, size):
    assert snap_compare(
        LearnGPTApp(pane="lessons"), terminal_size=size, run_before=lesson_one_shown
    )
