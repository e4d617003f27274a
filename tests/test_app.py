"""The app, driven as a learner would: keys, buttons, training, stepping, drawing, quitting."""

from __future__ import annotations

import inspect
import pydoc
import threading
import time
from collections.abc import Callable

import pytest
from pilot_helpers import opened, ready, until
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Log, Select

from engine.device import pick_device
from engine.errors import EngineError
from tui.app import LearnGPTApp
from tui.panes.catalog import PANES
from tui.panes.digits.digit_canvas import DigitCanvas
from tui.widgets.help_screen import HelpScreen
from tui.widgets.pane_tabs import PaneTabs


async def settings(pilot: Pilot, **values: str) -> None:
    for key, value in values.items():
        pilot.app.screen.query_one(f"#set-{key}", Input).value = value


async def train_past(pilot: Pilot, batch: int, **values: str) -> None:
    """Start training with these settings; return once the run is past `batch`, still going."""
    await settings(pilot, **values)
    await pilot.press("s")
    screen = pilot.app.screen
    await until(pilot, lambda: screen.run is not None and screen.run.batch > batch)


async def step(pilot: Pilot) -> None:
    """One step of backprop (the n key), over once the pane pauses after it."""
    await pilot.press("n")
    await until(pilot, lambda: pilot.app.screen.state == "paused")


async def test_panes_switch_by_number_key_and_by_tab():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.current_mode == "digits"
        await pilot.press("5")
        assert app.current_mode == "lessons"
        assert "Lesson 1" in str(app.screen.query_one("#lesson-where").render())
        tabs = app.screen.query_one(PaneTabs)
        start = next(start for start, _, name in tabs.spans if name == "attention")
        await pilot.click(PaneTabs, offset=(start + 2, 0))  # the tab
        assert app.current_mode == "attention"
        await pilot.press("1")
        assert app.current_mode == "digits"
        assert app.screen.query_one(PaneTabs).home == "digits"


async def test_help_and_command_palette_entries():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert all(f"Open {pane.title}" in titles for pane in PANES.values())


async def test_training_shows_epochs_and_accuracy():
    async with opened("digits") as pilot:
        app = pilot.app
        await settings(pilot, epochs="2", sizes="784,20,10")
        await pilot.click("#start")
        await until(pilot, lambda: app.screen.state == "done")
        lines = app.screen.query_one("#epoch-log", Log).lines
        epochs = [line for line in lines if line.startswith("Epoch ")]
        assert [e.split(":")[0] for e in epochs] == ["Epoch 0", "Epoch 1"]
        correct = int(epochs[-1].split(": ")[1].split(" /")[0])
        assert correct > 1600  # of 2,000: it learned
        label = str(app.screen.query_one("#acc-label").render())
        assert label.startswith("accuracy ") and "best" in label


async def test_pause_resume_and_stop_are_prompt():
    async with opened("digits") as pilot:
        app = pilot.app
        await train_past(pilot, 50, epochs="200")
        await pilot.press("p")
        assert app.screen.state == "paused"
        await until(pilot, lambda: not app.screen.workers, timeout=2)
        position = (app.screen.run.epoch, app.screen.run.batch)
        await pilot.pause(0.3)
        assert (app.screen.run.epoch, app.screen.run.batch) == position  # really paused
        await pilot.press("p")
        await until(pilot, lambda: (app.screen.run.epoch, app.screen.run.batch) != position)
        await pilot.press("x")
        assert app.screen.state == "done"
        await until(pilot, lambda: not app.screen.workers, timeout=2)


async def test_step_fills_the_shape_inspector():
    async with opened("digits") as pilot:
        app = pilot.app
        await step(pilot)
        table = app.screen.query_one("#shapes", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        shapes = {row[0]: row[1] for row in rows}
        assert shapes["x"] == "784 x 10" and shapes["nabla_w2"] == "30 x 784"
        assert len(rows) == 15  # x, z, a, delta, nabla per layer, then w and b beside their nablas
        assert app.screen.query_one("TabbedContent").active == "tab-shapes"


async def test_drawing_changes_the_prediction():
    async with opened("digits") as pilot:
        app = pilot.app
        await settings(pilot, epochs="1")
        await pilot.press("s")
        await until(pilot, lambda: app.screen.state == "done")
        await pilot.press("d")
        verdict = app.screen.query_one("#draw-verdict")
        assert "Draw a digit" in str(verdict.render())
        canvas = app.screen.query_one(DigitCanvas)
        assert canvas.has_focus  # showing the Draw tab hands the keys to the canvas
        for _ in range(6):  # a vertical stroke: something like a 1
            await pilot.press("space", "down")
        await pilot.pause(0.1)
        assert canvas.pixels.sum() > 0
        assert "It reads" in str(verdict.render())
        bars = str(app.screen.query_one("#draw-bars").render())
        assert bars.count("\n") == 9


async def test_bad_settings_are_a_message_not_a_crash():
    async with opened("digits") as pilot:
        app = pilot.app
        await settings(pilot, sizes="784,thirty,10")
        await pilot.press("s")
        await pilot.pause(0.1)
        assert app.screen.state == "idle"
        assert any("sizes" in n.message for n in app._notifications)
        await settings(pilot, sizes="100,30,10")
        await pilot.press("s")
        await until(pilot, lambda: app.screen.state == "idle" and not app.screen.workers)
        assert any("must start with 784" in n.message for n in app._notifications)


async def test_quitting_mid_training_asks_first_and_then_does_not_hang():
    from tui.widgets.quit_confirm import QuitConfirm

    async with opened("digits") as pilot:
        app = pilot.app
        await train_past(pilot, 10, epochs="500")
        await pilot.press("q")  # not at once: the run has not been saved
        assert isinstance(app.screen, QuitConfirm) and app.is_running
        lines = [str(label.render()) for label in app.screen.query(Label)]
        assert any(line.startswith("• Digits:") for line in lines), lines
        await pilot.press("n")  # stay: the run goes on
        assert app.screen.PANE == "digits" and app.screen.state == "running"
        await pilot.press("q")
        began = time.monotonic()
        await pilot.press("y")
    assert time.monotonic() - began < 2.0
    assert app.return_code in (0, None)


def test_the_cli_refuses_an_unknown_pane(capsys):
    from tui.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--pane", "nowhere"])
    assert exit_info.value.code == 2
    assert "unknown pane 'nowhere'" in capsys.readouterr().err


async def test_survives_resizes_and_runs_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with opened("digits", size=(80, 24)) as pilot:
        app = pilot.app
        await step(pilot)
        for size, tab in (((60, 20), "g"), ((160, 50), "w"), ((80, 24), "d"), ((100, 30), "i")):
            await pilot.resize_terminal(*size)
            await pilot.press(tab)
            await pilot.pause(0.1)
            assert app.screen.size == size
        assert app.screen.query_one("#shapes").row_count == 15


async def test_the_gallery_pages_and_shows_only_mistakes():
    async with opened("digits") as pilot:
        app = pilot.app
        await step(pilot)
        await pilot.press("g")
        status = app.screen.query_one("#gallery-status")
        assert "test digits: page 1 of" in str(status.render())
        await pilot.press("right")
        assert "page 2 of" in str(status.render())
        await pilot.press("m")
        assert str(status.render()).startswith("mistakes: page 1 of")


# -- the device: chosen once torch has loaded, used by every pane's models -------------------
async def test_the_app_chooses_auto_once_torch_has_loaded():
    app = LearnGPTApp(pane="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        assert app.device == pick_device()


async def test_a_device_the_app_cannot_use_closes_it_with_one_line(monkeypatch, capsys):
    """As on a machine without CUDA; the answer waits for the pane to be up, as torch's import
    does (Textual trips over an app closing while its first screen still mounts)."""
    mounted = threading.Event()

    def no_cuda(requested: str) -> str:
        mounted.wait(10)
        return pick_device(requested, has=lambda d: d == "cpu")

    monkeypatch.setattr("engine.device.pick_device", no_cuda)
    app = LearnGPTApp(pane="sampling", device="cuda")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: all(s.is_mounted for s in app.screen.query(Select)))
        mounted.set()
        await until(pilot, lambda: app._exit, what="the app to close")
    assert app.return_code == 1 and not app.engine_ready
    said = "learn-gpt: device cuda is not available on this machine; try --device auto\n"
    assert capsys.readouterr().err == said


class Noted(EngineError):
    """Raised by a stand-in for an engine call once it has noted its device: nothing is built,
    and the pane says so in one line."""


def note_devices(monkeypatch, target: str) -> list[object]:
    """Stand in for the engine function or method at the dotted `target`: each call notes the
    `device` it was given (None: left to the engine's default), then raises Noted."""
    signature = inspect.signature(pydoc.locate(target))
    seen: list[object] = []

    def noted(*args: object, **kwargs: object) -> None:
        seen.append(signature.bind(*args, **kwargs).arguments.get("device"))
        raise Noted("noted the device")

    monkeypatch.setattr(target, noted)
    return seen


Act = Callable[[object], object]


def show(tab: str) -> Act:
    return lambda screen: screen.action_show_tab(tab)


DEVICE_CASES: list[tuple[str, str, Act]] = [
    ("digits", "engine.mlp_run.MLPRun.start", lambda screen: screen.action_step()),
    ("digits", "engine.mlp_run.MLPRun.load", lambda screen: screen.load_from("run.pt")),
    ("sampling", "engine.gpt_run.GPTRun.start", lambda screen: screen.action_start()),
    ("sampling", "engine.gpt_run.GPTRun.load", lambda screen: screen.load_from("run.pt")),
    ("attention", "engine.gpt_checkpoint.load_model", lambda screen: None),  # at once
    ("attention", "engine.tasks.translator.load_translator", show("att-translate")),
    ("copying", "engine.gpt_checkpoint.load_model", show("copy-inside")),
    ("build", "engine.ladder.climb", lambda screen: screen.action_start()),
]


@pytest.mark.parametrize(
    "pane,target,act", [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in DEVICE_CASES]
)
async def test_every_pane_builds_and_loads_its_models_on_the_apps_device(
    pane, target, act, monkeypatch
):
    seen = note_devices(monkeypatch, target)
    app = LearnGPTApp(pane=pane, device="cpu")
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        act(app.screen)
        await until(pilot, lambda: seen, what=target)
        await pilot.pause(0.2)
        assert app.is_running
    assert set(seen) == {"cpu"}


def notices(app) -> list[str]:  # noqa: ANN001 - LearnGPTApp
    return [str(n.message) for n in app._notifications]


async def test_a_screenshot_is_saved_where_a_folder_exists_or_says_why_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("tui.app.user_downloads_path", lambda: tmp_path / "no-Downloads-here")
    async with opened("digits") as pilot:
        pilot.app.action_screenshot()
        await until(pilot, lambda: any("Saved screenshot" in n for n in notices(pilot.app)))
        assert [p.suffix for p in tmp_path.iterdir()] == [".svg"]
        pilot.app.action_screenshot(path=str(tmp_path / "file.svg" / "under"))
        await until(pilot, lambda: any("Could not save" in n for n in notices(pilot.app)))
        assert not any(n == "Failed to save screenshot" for n in notices(pilot.app))
