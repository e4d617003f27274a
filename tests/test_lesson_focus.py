"""Every step of every lesson, followed beside its pane at 80x24 and 120x36: the setup shows,
nothing is reported wrong, and what the step's text points at (its focus) is in view, not cut
off by its box, the lesson, the footer or the screen's edge.

One app per pane and size walks that pane's steps in the course's order (a step's setup may
rely on the step before it on the same pane), so `-k attention` checks one pane."""

from __future__ import annotations

import pytest
from lesson_setups import took_effect
from pilot_helpers import until

from lessons.loader import PANES, load_lessons
from tui.app import LearnGPTApp
from tui.panes.lesson_beside import LessonSidebar

LESSONS = load_lessons()
SIZES = [(80, 24), (120, 36)]
STEP_PANES = sorted({step.pane for lesson in LESSONS for step in lesson.steps})


def test_every_step_names_its_focus():
    for lesson in LESSONS:
        for number, step in enumerate(lesson.steps, start=1):
            assert step.focus, f"lesson {lesson.number}, step {number} names no focus"
            assert step.pane in PANES


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("pane", STEP_PANES)
async def test_every_step_shows_what_it_points_at(pane: str, size: tuple[int, int]):
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.engine_ready, what="the engine")
        for index, lesson in enumerate(LESSONS):
            for number, step in enumerate(lesson.steps):
                if step.pane != pane:
                    continue
                if app.current_mode != "lessons":
                    await app.switch_mode("lessons")
                lessons = app.screen
                lessons.query_one("#lessons-list").highlighted = index
                await pilot.pause()
                lessons.step = number
                await pilot.press("g")
                await until(pilot, lambda: app.current_mode == pane, what=pane)
                screen = app.screen
                what = f"lesson {lesson.number}, step {number + 1} ({step.title}) at {size}"
                await until(pilot, lambda s=screen, t=step: took_effect(s, t.setup), what=what)
                assert screen.lesson_problems == [], what
                sidebar = screen.query_one(LessonSidebar)
                assert sidebar.display and sidebar.shown == (lesson.number, number)
                assert set(step.focus) <= screen.focus_names(), what
                try:
                    await until(pilot, lambda s=screen: not s.focus_hidden(), timeout=10)
                except AssertionError:
                    raise AssertionError(f"{what}: {'; '.join(screen.focus_hidden())}") from None
        assert not [n for n in app._notifications if n.severity in ("warning", "error")]
