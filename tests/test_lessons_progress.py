"""The Lessons pane keeps the steps the learner has seen (engine.progress), counts them in its
list, and brings them back after a restart; a progress file it cannot write is one warning."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import until
from textual.widgets import OptionList

from engine.progress import ENV_PROGRESS_FILE, load, progress_path
from tui.app import LearnGPTApp


def prompt(app: LearnGPTApp, lesson: int) -> str:
    return str(app.screen.query_one(OptionList).get_option(str(lesson)).prompt)


def steps_saved() -> dict[int, tuple[int, ...]]:
    return load()[0].steps


async def test_steps_read_are_counted_kept_and_back_after_a_restart():
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down", "up", "up")  # looking over the list marks nothing
        assert prompt(app, 1) == "1 The digit network" and steps_saved() == {}
        await pilot.press("n")  # step 1 read, step 2 shown
        assert prompt(app, 1) == "1 The digit network 2/5"
        await until(pilot, lambda: steps_saved() == {1: (0, 1)}, what="the steps saved")
        await pilot.press("n", "n", "n")
        assert prompt(app, 1) == "1 The digit network ✓"
        await pilot.press("down", "g")  # lesson 2's first step, followed beside its pane
        await until(pilot, lambda: steps_saved() == {1: (0, 1, 2, 3, 4), 2: (0,)}, what="saved")
        await pilot.press("ctrl+n")  # the next step, from the sidebar beside the pane
        await until(pilot, lambda: steps_saved()[2] == (0, 1), what="the sidebar's step saved")
    app = LearnGPTApp(pane="lessons")  # a restart
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert prompt(app, 1) == "1 The digit network ✓"
        assert prompt(app, 2) == "2 Backprop, by shape 2/4"
        assert prompt(app, 3) == "3 Text becomes numbers"
        assert not app._notifications
        lessons = app.screen  # open where the learner last followed: lesson 2, step 2
        assert (lessons.lesson.number, lessons.step) == (2, 1)
        assert "Where you were last time" in str(lessons.query_one("#lesson-keys").render())
        await pilot.press("n")  # said once, until the cursor moves
        assert "last time" not in str(lessons.query_one("#lesson-keys").render())


async def test_a_bad_or_unwritable_progress_file_is_one_warning_and_the_pane_goes_on(
    tmp_path: Path, monkeypatch
):
    progress_path().write_text("{", encoding="utf-8")
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        (note,) = app._notifications
        assert note.severity == "warning" and "set aside" in note.message
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(ENV_PROGRESS_FILE, str(tmp_path / "file" / "progress.json"))
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.clear_notifications()
        await pilot.press("n")
        assert prompt(app, 1) == "1 The digit network 2/5"  # counted for this session
        await until(pilot, lambda: len(app._notifications) == 2, what="a warning per step")
        assert all("not saved" in n.message and n.severity == "warning" for n in app._notifications)
        assert app.is_running
