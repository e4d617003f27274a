"""Save SVG screenshots of the app in fixed states, for the README and for looking at.

Usage: python tools/screenshots.py [OUT_DIR]   (default docs/)
Drives the real app with Textual's Pilot: steps one mini-batch by hand, trains the digit
network on the bundled sample (seed 0, 30 epochs), then saves each tab of the Digits pane at
120x40.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tui.app import LearnGPTApp

TABS = {"t": "train", "g": "test-digits", "w": "neurons", "i": "shapes", "d": "draw"}


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = LearnGPTApp()
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.engine_ready:
            await pilot.pause(0.1)
        screen = app.screen
        await pilot.press("n")  # one mini-batch first, to fill the shape inspector
        while screen.state != "paused":
            await pilot.pause(0.1)
        await pilot.press("s")  # then train on from there
        while screen.state != "done":
            await pilot.pause(0.2)
        for key, name in TABS.items():
            await pilot.press(key)
            await pilot.pause(0.3)
            app.save_screenshot(str(out / f"digits-{name}.svg"))
            print(out / f"digits-{name}.svg")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
