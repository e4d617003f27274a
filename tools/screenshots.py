"""Save SVG screenshots of the app in fixed states, for the README and for looking at.

Usage: python tools/screenshots.py [OUT_DIR]   (default docs/)
Drives the real app with Textual's Pilot at 120x40: steps one mini-batch by hand, trains the
digit network on the bundled sample (seed 0, 30 epochs) and saves each tab of the Digits pane;
then the Attention pane on the pizza sentence (the shipped model, as it opens), its Translate
tab, and the Lessons pane on lesson 4; last the Copying pane after its 1,000-step induction
run (lesson 11's), its Train tab and layer 2's heads.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tui.app import LearnGPTApp
from tui.panes.attention.translation_view import TranslationView

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
            save(app, out / f"digits-{name}.svg")
        await pilot.press("2")
        while app.screen.inspection is None:
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        save(app, out / "attention-pizza.svg")
        await pilot.press("d")
        while app.screen.query_one(TranslationView).translation is None:
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        save(app, out / "attention-translate.svg")
        await pilot.press("5", "down", "down", "down")
        await pilot.pause(0.3)
        save(app, out / "lessons.svg")
    await copying(out)


async def copying(out: Path) -> None:
    """The Copying pane after the two-layer run of lesson 11 (1,000 steps, seed 0)."""
    app = LearnGPTApp(pane="copying")
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.engine_ready or app.screen.state == "loading":
            await pilot.pause(0.1)
        await pilot.press("s")
        while app.screen.state != "done" or app.screen.trained is None:
            await pilot.pause(0.2)
        await pilot.pause(0.3)
        save(app, out / "copying-train.svg")
        await pilot.press("b", "l")
        await pilot.pause(0.3)
        save(app, out / "copying-heads.svg")


def save(app: LearnGPTApp, path: Path) -> None:
    app.save_screenshot(str(path))
    print(path)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
