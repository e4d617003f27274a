"""Waiting in Pilot tests: for the engine to load, or for anything the app shows."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from textual.pilot import Pilot


async def until(pilot, condition: Callable[[], object], timeout: float = 60.0, what: str = ""):
    """Pause until `condition()` holds; fail (saying `what`) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        await pilot.pause(0.05)


async def ready(pilot) -> None:
    """The engine is imported and the pane on screen has left its loading state."""
    await until(
        pilot,
        lambda: pilot.app.engine_ready and getattr(pilot.app.screen, "state", "") != "loading",
        what="the engine",
    )


@asynccontextmanager
async def opened(pane: str = "digits", size: tuple[int, int] = (100, 30)) -> AsyncIterator[Pilot]:
    """The app on `pane`, once the engine has loaded."""
    from tui.app import LearnGPTApp

    app = LearnGPTApp(pane=pane)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        yield pilot
