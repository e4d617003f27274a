"""Clicks the way the terminal driver sends them, as tools/monkey.py uses them.

The full monkey run (thousands of seeded random presses and clicks across every pane) lives in
tools/monkey.py: it currently finds a stall (see there), and a stall would hang the suite."""

from __future__ import annotations

from textual import events

from tui.app import LearnGPTApp
from tui.widgets.pane_tabs import PaneTabs


def click(app, x: int, y: int) -> None:
    """A mouse click as the driver posts it (pilot.click waits for the app to go idle after
    each event, which takes up to a second while a model trains)."""
    for kind in (events.MouseDown, events.MouseUp, events.Click):
        app.post_message(kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))


async def test_clicks_reach_the_widget_under_them():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.screen.query_one(PaneTabs)
        start = next(start for start, _, name in tabs.spans if name == "sampling")
        click(app, tabs.region.x + start + 2, tabs.region.y)
        await pilot.pause(0.2)
        assert app.current_mode == "sampling"
