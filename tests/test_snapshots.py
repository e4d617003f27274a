"""Snapshot tests: each pane in a fixed state at 80x24 and 120x40 (SVGs in __snapshots__/).

Run `pytest tests/test_snapshots.py --snapshot-update` after a deliberate change of look, and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

import pytest

from tui.app import LearnGPTApp
from tui.panes.digits.digit_canvas import DigitCanvas

SIZES = [(80, 24), (120, 40)]


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
