"""A monkey test: thousands of seeded random key presses and clicks across every pane, with
tiny models training underneath. Whatever the learner does, the app stays alive and never
shows a traceback."""

from __future__ import annotations

import random

from textual import events

from tui.app import LearnGPTApp
from tui.widgets.pane_tabs import PaneTabs

KEYS = (
    list("12345") * 6
    + list("abcdeghilmnpstvwx?LH[],.") * 2
    + [
        "left",
        "right",
        "up",
        "down",
        "space",
        "enter",
        "escape",
        "tab",
        "shift+tab",
        "backspace",
        "ctrl+s",
        "ctrl+o",
        "0",
        "7",
        "-",
    ]
)
PRESSES = 3000
SIZE = (100, 30)


def click(app, x: int, y: int) -> None:
    """A mouse click as the terminal driver sends it (pilot.click waits for the app to go
    idle after each event, which takes up to a second while a model trains)."""
    for kind in (events.MouseDown, events.MouseUp, events.Click):
        app.post_message(kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))


async def test_clicks_reach_the_widget_under_them():
    app = LearnGPTApp()
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.screen.query_one(PaneTabs)
        start = next(start for start, _, name in tabs.spans if name == "sampling")
        click(app, tabs.region.x + start + 2, tabs.region.y)
        await pilot.pause(0.2)
        assert app.current_mode == "sampling"


async def test_random_keys_and_clicks_leave_a_live_app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # saves land here, not in the checkout
    rng = random.Random(20261122)
    app = LearnGPTApp()
    async with app.run_test(size=SIZE) as pilot:
        while not app.engine_ready:
            await pilot.pause(0.05)
        for i in range(PRESSES):
            if rng.random() < 0.05:
                click(app, rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
            else:
                key = rng.choice(KEYS)
                char = key if len(key) == 1 else None
                app.post_message(events.Key(key, char))
            if i % 25 == 0:
                await pilot.pause()
            assert app._exception is None, f"press {i}: {app._exception!r}"
        await pilot.pause(0.5)
        assert app.is_running and app._exception is None
        await pilot.press("escape", "escape", "1")
        assert app.current_mode == "digits"
