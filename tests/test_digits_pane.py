"""The Digits pane's run through the shared job (tui.jobs): save while training, pause, resume,
stop and fail, driven by keys as a learner would."""

from __future__ import annotations

from pathlib import Path

import torch
from pilot_helpers import opened, until
from textual.widgets import Input, Log, Select

from engine.mlp_run import MLPRun

# 800 mini-batches an epoch on the bundled sample, 80,000 in all: it trains on while the test
# saves, and then stops it
SETTINGS = {"sizes": "784,300,10", "epochs": "100", "mini_batch_size": "10", "seed": "3"}
BATCHES = 800
STEPS = 100 * BATCHES
MORE = 1000  # steps a resumed run is taken on for, past an epoch's end


def position(screen) -> int:  # noqa: ANN001 - the Digits screen
    """Mini-batches the run has done."""
    return -1 if screen.run is None else screen.run.epoch * BATCHES + screen.run.batch


def log_lines(screen) -> list[str]:  # noqa: ANN001 - the Digits screen
    return [str(line) for line in screen.query_one("#epoch-log", Log).lines]


async def use_settings(pilot) -> None:  # noqa: ANN001
    for key, value in SETTINGS.items():
        pilot.app.screen.query_one(f"#set-{key}", Input).value = value
    pilot.app.screen.query_one("#set-data", Select).value = "sample"


async def train_past(pilot, steps: int):  # noqa: ANN001, ANN201 - the Digits screen
    """Start training with SETTINGS; return the screen once it is past `steps` mini-batches."""
    await use_settings(pilot)
    screen = pilot.app.screen
    await pilot.press("s")
    await until(pilot, lambda: position(screen) > steps)
    return screen


def train_to(run: MLPRun, steps: int) -> MLPRun:
    """Train `run` on until it has done `steps` mini-batches in all."""
    events = run.events(loss_every=10**9)
    while run.epoch * BATCHES + run.batch < steps:
        next(events)
    return run


def same_network(a: MLPRun, b: MLPRun) -> bool:
    pairs = [*zip(a.network.weights, b.network.weights), *zip(a.network.biases, b.network.biases)]
    return all(torch.equal(x, y) for x, y in pairs)


async def test_saving_while_training_holds_one_whole_step_and_resumes_exactly(
    tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    async with opened("digits", (120, 36)) as pilot:
        screen = await train_past(pilot, 50)
        kept = tmp_path / "kept"
        kept.mkdir()
        for i in range(8):  # what ctrl+s runs, while the worker updates the weights (a Pilot
            screen.action_save()  # key press waits for an idle screen: seconds here)
            await until(pilot, lambda i=i: sum("Saved" in line for line in log_lines(screen)) > i)
            for path in (tmp_path / "runs").glob("mlp-*.pt"):  # names have whole seconds
                path.rename(kept / f"{i}.pt")
            await pilot.pause(0.1)
        assert screen.state == "running"
        await pilot.press("x")
    saved = sorted(kept.glob("*.pt"))
    assert len(saved) == 8
    assert saved, "no checkpoint was written"
    for path in saved:
        loaded = MLPRun.load(path)
        done = loaded.epoch * BATCHES + loaded.batch
        assert 0 < done < STEPS  # saved while it trained
        reference = train_to(MLPRun.start(loaded.config), done)
        assert same_network(loaded, reference), f"{path.name}: weights of no single step"
    # the last one continues exactly as if it had never stopped (across an epoch's end, too)
    resumed = MLPRun.load(saved[-1])
    done = resumed.epoch * BATCHES + resumed.batch + MORE
    uninterrupted = train_to(MLPRun.start(resumed.config), done)
    assert same_network(train_to(resumed, done), uninterrupted)
    assert resumed.accuracy == uninterrupted.accuracy and resumed.accuracy


async def test_pause_resume_and_stop_drive_the_run():
    async with opened("digits", (120, 36)) as pilot:
        screen = await train_past(pilot, 20)
        await pilot.press("p")
        assert screen.state == "paused"
        await until(pilot, lambda: not screen.job.busy)
        paused_at = position(screen)
        await pilot.pause(0.3)
        assert position(screen) == paused_at  # nothing trains while paused
        await pilot.press("p")
        assert screen.state == "running"
        await until(pilot, lambda: position(screen) > paused_at)
        await pilot.press("x")
        assert screen.state == "done"
        await until(pilot, lambda: not screen.job.busy)
        assert "Stopped." in log_lines(screen)
        assert not screen.query_one("#start").disabled


async def test_a_run_that_cannot_start_says_why_and_the_pane_stays_usable():
    async with opened("digits", (120, 36)) as pilot:
        app = pilot.app
        await use_settings(pilot)
        screen = app.screen
        screen.query_one("#set-sizes", Input).value = "784,30,9"  # the engine refuses it
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "idle")
        assert any("end with 10" in str(n.message) for n in app._notifications)
        screen.query_one("#set-sizes", Input).value = "784,30,10"
        await pilot.press("s")  # and it trains once the settings are right
        await until(pilot, lambda: position(screen) > 5)
        await pilot.press("x")
