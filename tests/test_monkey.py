"""Input as fast as a terminal can send it: keys and clicks posted without waiting for the app.

The monkey (tools/monkey.py) drives every pane with thousands of seeded random keys and
clicks while models train; it runs in a subprocess with a time limit so that a stall fails
here instead of hanging the suite. Each bug it found has its own, smaller test below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pilot_helpers import until
from textual import events
from textual.widgets import Markdown, OptionList

from tui.app import LearnGPTApp
from tui.panes.digits.digit_gallery import DigitCard
from tui.widgets.help_screen import HelpScreen
from tui.widgets.modal import Palette
from tui.widgets.pane_footer import PaneFooter
from tui.widgets.pane_tabs import PaneTabs
from tui.widgets.path_prompt import PathPrompt

ROOT = Path(__file__).resolve().parent.parent


def click(app, x: int, y: int) -> None:
    """A mouse click as the driver posts it (pilot.click waits for the app to go idle after
    each event, which takes up to a second while a model trains)."""
    for kind in (events.MouseDown, events.MouseUp, events.Click):
        app.post_message(kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))


def key(app, name: str) -> None:
    app.post_message(events.Key(name, name if len(name) == 1 else None))


async def test_clicks_reach_the_widget_under_them():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.screen.query_one(PaneTabs)
        start = next(start for start, _, name in tabs.spans if name == "sampling")
        click(app, tabs.region.x + start + 2, tabs.region.y)
        await pilot.pause(0.2)
        assert app.current_mode == "sampling"


async def test_a_second_enter_or_escape_closes_only_the_prompt(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        for keys in (["enter", "enter"], ["escape", "escape"], ["enter", "escape"]):
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, PathPrompt))
            for name in keys:
                key(app, name)
            await pilot.pause(0.3)
            assert app._exception is None
            assert app.current_mode == "digits" and type(app.screen).__name__ == "DigitsScreen"
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        key(app, "escape")
        key(app, "escape")  # reaches the help screen too, which is closing already
        await pilot.pause(0.3)
        assert app._exception is None and type(app.screen).__name__ == "DigitsScreen"


async def test_two_clicks_on_the_palette_background_close_only_the_palette():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, Palette))
        click(app, 50, 37)  # below the palette's list: its background
        click(app, 50, 37)
        await pilot.pause(0.3)
        assert app._exception is None and type(app.screen).__name__ == "DigitsScreen"


async def test_bindings_changed_under_a_modal_rebuild_the_footer_once():
    """Each rebuild costs ~15 ms: one per change froze a pane for seconds when it came back."""
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        digits = app.screen
        footer = digits.query_one(PaneFooter)
        rebuilds = []
        rebuild = footer.recompose

        async def counted() -> None:
            rebuilds.append(1)
            await rebuild()

        footer.recompose = counted
        await pilot.press("question_mark")
        for _ in range(100):
            digits.refresh_bindings()
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.screen is digits and 1 <= len(rebuilds) <= 5  # not one per change
        assert len(footer.query("FooterKey")) >= 3  # and it still shows the pane's keys


async def test_keys_typed_just_after_quit_go_nowhere():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        for name in ["q", "2", "3", "question_mark", "escape", "1"]:
            key(app, name)
        await pilot.pause(1.0)
    assert app._exception is None and app.return_code == 0


async def test_paging_a_select_list_before_it_is_laid_out_does_nothing():
    """A dropdown given PageUp/PageDown in the moment it opens has no lines yet."""
    app = LearnGPTApp(pane="lab")
    async with app.run_test(size=(100, 30)) as pilot:
        overlay = app.screen.query_one("#config-b Select").query_one(OptionList)
        overlay.highlighted = 1
        overlay._line_cache.clear()  # as before the first layout
        overlay.styles.height = 0
        await pilot.pause()
        overlay.action_page_down()
        overlay.action_page_up()
        await pilot.pause(0.2)
        assert app._exception is None and app.is_running


def test_a_gallery_card_can_be_shown_before_it_has_mounted():
    card = DigitCard()
    card.show(np.linspace(0, 1, 784), index=7, label=3, guess=5, confidence=0.6)
    image = card.image.matrix  # drawn at half size, 14x14: the brightest corner stays last
    assert image.shape == (14, 14) and image[-1, -1] == image.max()
    assert "#7 is 3\nsays 5" in str(card.verdict.render())


async def test_a_click_on_text_that_was_just_replaced_hits_nothing():
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        text = app.screen.query_one("#lesson-text", Markdown)
        await pilot.pause(0.2)
        x, y = text.region.x + 2, text.region.y + 4
        for _ in range(6):  # the next step's text replaces the paragraph under the mouse
            key(app, "n")
            click(app, x, y)
            await pilot.pause(0)
        await pilot.pause(0.3)
        assert app._exception is None and app.is_running


INPUTS = 2000  # random keys and clicks across the seven panes: a few hundred each


def test_thousands_of_random_keys_and_clicks_leave_the_app_alive():
    monkey = ROOT / "tools" / "monkey.py"
    result = subprocess.run(
        [sys.executable, str(monkey), str(INPUTS), "20261122"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        # a click on the Digits pane's "Download MNIST" must not reach the internet
        env={**os.environ, "LEARN_GPT_MIRROR": "http://127.0.0.1:9/"},
    )
    report = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, report
    assert f"survived {INPUTS} inputs" in result.stdout, report



@pytest.mark.parametrize("pane", ["digits", "sampling", "build"])
def test_a_panes_keys_wait_until_it_has_mounted(pane):
    """A key that reaches a pane while it is still being composed (the monkey found one: m,
    just as the Build pane opened) would read its state before its widgets exist."""
    from tui.panes.catalog import pane_screen

    screen = pane_screen(pane)()
    assert not screen.check_action("start", ())
    assert not screen.check_action("stop", ())
