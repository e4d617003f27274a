"""Snapshot tests: each pane in a fixed state at 80x24 and 120x40 (SVGs in __snapshots__/).

Run `pytest tests/test_snapshots.py --snapshot-update` after a deliberate change of look, and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

import functools

import pytest

from tui.app import LearnGPTApp
from tui.panes.digits.digit_canvas import DigitCanvas

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def same_cache_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Digits pane names the cache it looked in: one path (never created) for every run."""
    monkeypatch.setenv("LEARN_GPT_CACHE_DIR", "/nonexistent/learn-gpt-cache")


async def engine_ready(pilot) -> None:
    while not pilot.app.engine_ready or pilot.app.screen.state == "loading":
        await pilot.pause(0.05)


def after_one_step(tab_key: str, draw: bool = False):
    """Step one mini-batch of a fresh network (seed 0: the same numbers every time), then
    show a tab of the Digits pane."""

    async def run_before(pilot) -> None:
        await engine_ready(pilot)
        await pilot.press("n")
        while pilot.app.screen.state != "paused":
            await pilot.pause(0.05)
        await pilot.press(tab_key)
        if draw:
            canvas = pilot.app.screen.query_one(DigitCanvas)
            canvas.focus()
            for _ in range(8):
                await pilot.press("space", "down")
        while not pilot.app.screen.job.idle:  # the tab's view is computed by the pane's job
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_digits_ready(snap_compare, size):
    assert snap_compare(LearnGPTApp(), terminal_size=size, run_before=engine_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tab", ["i", "g", "w"], ids=["shapes", "test-digits", "neurons"])
def test_digits_after_one_mini_batch(snap_compare, size, tab):
    assert snap_compare(LearnGPTApp(), terminal_size=size, run_before=after_one_step(tab))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_digits_draw(snap_compare, size):
    run_before = after_one_step("d", draw=True)
    assert snap_compare(LearnGPTApp(), terminal_size=size, run_before=run_before)


async def a_finished_ladder(pilot) -> None:
    """The Build pane after rungs 1-3 of 60 steps, from fixed events (their losses, seconds
    and samples written here), rung 2 also trained with a learner's Head that parts."""
    from engine.events import LadderDone, RungDone, RungEval, RungResult, RungStarted

    await engine_ready(pilot)
    screen = pilot.app.screen
    screen.apply_lesson({"rungs": "1-3", "iters": 60})

    def result(rung: int, name: str, vals: list[float], theirs: list[str]) -> RungResult:
        history = [RungEval(rung, 6 * i, v + 0.05, v) for i, v in enumerate(vals)]
        return RungResult(
            rung,
            name,
            4225 + 3000 * rung,
            60,
            vals[-1] + 0.05,
            vals[-1],
            2.4,
            2.0 * rung,
            "First Citizen:\nBefore we proceed any further, hear me speak." * rung,
            theirs,
            history,
            None,
            None,  # type: ignore[arg-type] - no model to show
        )

    curves = {
        1: [4.4 - 0.04 * i for i in range(11)],
        2: [4.3 - 0.11 * i for i in range(11)],
        3: [4.3 - 0.12 * i for i in range(11)],
    }
    done = [result(n, screen.rungs[n].name, vals, []) for n, vals in curves.items()]
    for r in done:
        screen.show_rung_started([RungStarted(r.rung, r.name, r.parameters, 60, 2.4, [])])
        screen.show_rung_eval(r.history)
        screen.show_rung_done([RungDone(r)])
    screen.show_ladder_done([LadderDone(done)])
    yours = result(2, "one head", [4.3 - 0.15 * i for i in range(11)], ["head"])
    screen.show_rung_started([RungStarted(2, "one head", yours.parameters, 60, 2.4, ["head"])])
    screen.show_rung_eval(yours.history)
    screen.show_rung_done([RungDone(yours)])
    screen.state = "done"
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_build_a_finished_ladder(snap_compare, size):
    run_before = a_finished_ladder
    assert snap_compare(LearnGPTApp(pane="build"), terminal_size=size, run_before=run_before)


@functools.cache
def induction_events() -> list:
    """A real 2-layer run of 150 steps (seed 0: the same numbers every time), trained once for
    all six pictures, its seconds set to 0 so that the clock does not change them."""
    from dataclasses import replace

    from engine.events import InductionStarted
    from engine.induction import train

    return [
        e if isinstance(e, InductionStarted) else replace(e, seconds=0.0) for e in train(2, 150, 0)
    ]


def an_induction_run(tab_key: str):
    """The Copying pane after `induction_events`, then one of its tabs."""

    async def run_before(pilot) -> None:
        from tui.jobs import handler_name

        await engine_ready(pilot)
        screen = pilot.app.screen
        screen.query_one("#copy-steps").value = "150"
        screen.state = "running"
        for event in induction_events():
            getattr(screen, handler_name(event))([event])
        screen.state = "done"
        await pilot.press(tab_key)
        if tab_key == "c":
            while screen.query_one("#copy-inside-view").look_shown is None:
                await pilot.pause(0.05)
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tab", ["a", "b", "c"], ids=["train", "heads", "inside"])
def test_copying_after_a_run(snap_compare, size, tab):
    run_before = an_induction_run(tab)
    assert snap_compare(LearnGPTApp(pane="copying"), terminal_size=size, run_before=run_before)
