"""A save in the app that fails (a read-only folder, a full disk) costs nothing: the app stays
up, the run is paused and kept, one line says where, why and what now, and the learner saves
it elsewhere. The folders are real: conftest's `bad_folder`, a read-only and a 64 KB tmpfs
mounted for the test (it skips where mounting is not allowed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import opened, until
from textual.widgets import Input, Log

from tui.panes.sampling.sample_log import SampleLog
from tui.widgets.path_prompt import PathPrompt

SETTINGS = {  # a run that trains on while the test saves
    "digits": {"set-epochs": "100", "set-sizes": "784,30,10"},
    "sampling": {"samp-max-steps": "100000"},
}


def log_text(screen) -> str:  # noqa: ANN001 - either pane
    """What the pane's log says: Digits' epoch log, or Sampling's notes and samples."""
    if screen.PANE == "digits":
        return "\n".join(str(line) for line in screen.query_one("#epoch-log", Log).lines)
    return "\n".join(text for _, text in screen.query_one(SampleLog).entries)


@pytest.mark.parametrize("pane", ["digits", "sampling"])
async def test_a_failed_save_pauses_the_run_and_it_can_be_saved_elsewhere(
    pane: str, bad_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(bad_folder)  # the app saves into runs/ here
    async with opened(pane, (120, 36)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        for field, value in SETTINGS[pane].items():
            screen.query_one(f"#{field}", Input).value = value
        await pilot.press("s")
        await until(pilot, lambda: screen.run is not None and screen.state == "running")
        await pilot.pause(0.5)
        screen.action_save()  # what ctrl+s runs
        await until(
            pilot,
            lambda: isinstance(app.screen, PathPrompt) and app.screen.query("#path-input"),
            timeout=30,
        )  # the prompt, with its field mounted
        assert app.is_running
        assert screen.state == "paused" and screen.run is not None
        failed = [line for line in log_text(screen).splitlines() if "Could not save" in line]
        assert len(failed) == 1 and str(bad_folder) not in failed[0]  # runs/…, relative
        assert "paused and kept: save it elsewhere" in failed[0]
        assert "Traceback" not in log_text(screen)
        good = tmp_path / "elsewhere.pt"
        app.screen.query_one("#path-input", Input).value = str(good)
        await pilot.press("enter")
        await until(pilot, lambda: good.is_file(), timeout=30)
        await until(pilot, lambda: str(good) in log_text(screen))
        assert screen.state == "paused"  # still the learner's to resume
