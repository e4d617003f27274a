"""The Sampling pane, driven as a learner would: train and watch samples, change the sampling
settings mid-run, generate character by character, save and load; and two snapshots."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pilot_helpers import opened, ready, until
from textual.widgets import Input

import tui.panes.sampling.generated as generated
import tui.panes.sampling.screen as sampling
import tui.panes.sampling.work as work
from tui.app import LearnGPTApp
from tui.panes.sampling.sample_log import SampleLog
from tui.panes.sampling.token_bars import TokenBars
from tui.widgets.quit_confirm import QuitConfirm

PRETRAINED = Path(__file__).resolve().parents[1] / "engine" / "pretrained" / "shakespeare-cpu.pt"


async def fields(pilot, **values: str) -> None:
    """Type into the settings (max_steps="30" fills #samp-max-steps)."""
    for key, value in values.items():
        pilot.app.screen.query_one(f"#samp-{key.replace('_', '-')}", Input).value = value
    await pilot.pause()  # the pane hears of it


def log_lines(screen) -> list[str]:
    return [strip.text for strip in screen.query_one(SampleLog).lines]


def samples(screen) -> list[tuple[str, str]]:
    """(heading, text) of each sample in the log, oldest first."""
    return [(h.strip(), text) for h, text in screen.query_one(SampleLog).entries if h]


def gen(screen) -> generated.GeneratedText:
    return screen.query_one(generated.GeneratedText)


def notified(app, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


@pytest.fixture
def quick_generation(monkeypatch):
    """Show generated characters ten times faster than a learner would want (still batched at
    GEN_HZ redraws a second), and record every batch of pieces the pane shows."""
    monkeypatch.setattr(generated, "GEN_RATE", 600.0)
    posts: list[list] = []
    shown = sampling.SamplingScreen.on_generated_text_shown

    def record(self, message: generated.GeneratedText.Shown) -> None:
        posts.append(message.pieces)
        shown(self, message)

    monkeypatch.setattr(sampling.SamplingScreen, "on_generated_text_shown", record)
    return posts


async def test_training_shows_samples_and_loss_and_pauses_resumes_stops():
    async with opened("sampling", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        await fields(pilot, every="20")
        await pilot.press("s")
        await until(pilot, lambda: len(samples(screen)) >= 2)
        headings = [line.strip() for line in log_lines(screen) if line.startswith(" step ")]
        assert headings[0].startswith("step 0 · untrained · temperature 0.8")
        assert headings[1].startswith("step 20 · loss ")
        first = samples(screen)[0][1]
        assert first.startswith("ROMEO:")
        assert len(first) == len("ROMEO:") + work.SAMPLE_TOKENS
        await until(pilot, lambda: "loss" in str(screen.query_one("#samp-loss-label").render()))
        assert " / 2500  loss " in str(screen.query_one("#samp-loss-label").render())

        for size in ((80, 24), (60, 20), (120, 40)):  # samples wrap again to the new width
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            log = screen.query_one(SampleLog)
            assert max(len(line.rstrip()) for line in log_lines(screen)) <= log.size.width
        assert any(line.startswith(" step 20 · loss") for line in log_lines(screen))

        await pilot.press("p")
        assert screen.state == "paused"
        await until(pilot, lambda: not screen.job.busy, timeout=2)
        step = screen.run.step
        await pilot.pause(0.3)
        assert screen.run.step == step  # really paused
        await pilot.press("p")
        assert screen.state == "running"
        await until(pilot, lambda: screen.run.step > step)
        await pilot.press("x")
        assert screen.state == "done"
        await until(pilot, lambda: not screen.job.busy, timeout=2)
        await pilot.pause()
        notes = [text for heading, text in screen.query_one(SampleLog).entries if not heading]
        assert notes[-1] == f"Stopped at step {screen.run.step}."


async def test_a_new_temperature_is_used_by_the_next_sample():
    async with opened("sampling", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        await fields(pilot, max_steps="60", every="30")
        await pilot.press("s")
        await until(pilot, lambda: bool(samples(screen)))
        await fields(pilot, temperature="0", top_k="5")  # while it trains
        await until(pilot, lambda: screen.state == "done")
        (first, _), (last, text) = samples(screen)[0], samples(screen)[-1]
        assert first.startswith("step 0 · untrained · temperature 0.8")
        assert last.startswith("step 60 · loss") and last.endswith("temperature 0, top-k 5")
        assert text == screen.run.sample(200, "ROMEO:", temperature=0)  # greedy


async def test_top_p_is_a_live_setting_and_a_bad_one_is_refused():
    async with opened("sampling", (100, 30)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        await fields(pilot, max_steps="60", every="30", top_p="0.9")
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        heading, text = samples(screen)[-1]
        assert heading.endswith("temperature 0.8, top-p 0.9")
        assert text == screen.run.sample(200, "ROMEO:", temperature=0.8, top_p=0.9)
        await fields(pilot, top_p="1.5")
        await pilot.press("s")
        assert screen.state == "done" and notified(app, "top-p must be above 0 and at most 1")


async def test_generate_now_streams_characters_with_their_candidates(quick_generation):
    async with opened("sampling", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        await pilot.press("g")

        def done() -> bool:  # written, and every batch's message handled (a loaded run lagged)
            shown = sum(len(batch) for batch in quick_generation)
            return bool(gen(screen).text) and not gen(screen).writing and shown == work.GEN_TOKENS

        await until(pilot, done)
        assert notified(app, "Nothing trained yet")
        assert len(gen(screen).text) == work.GEN_TOKENS
        assert 5 < len(quick_generation) < work.GEN_TOKENS  # streamed, in batches
        assert "".join(p.text for batch in quick_generation for p in batch) == gen(screen).text
        for batch in quick_generation:
            probs = [p for _, p in batch[-1].top]
            assert len(probs) == 5 and probs == sorted(probs, reverse=True)
            assert all(0 <= p <= 1 for p in probs)
        assert "untrained" in str(screen.query_one("#samp-gen-title").render())
        bars = str(screen.query_one(TokenBars).render())
        assert bars.count("\n") == 4
        last = quick_generation[-1][-1]
        assert ("▸" in bars) == (last.text in [piece for piece, _ in last.top])
        chose = str(screen.query_one("#samp-bars-title").render())
        assert chose == f"chose {last.text!r} (p {last.probability:.3f}) of:"
        assert str(screen.query_one("#samp-gen-text").render()).startswith("ROMEO:")


async def test_bad_settings_are_a_message_not_a_crash():
    async with opened("sampling", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        await fields(pilot, temperature="-1")
        temperature = screen.query_one("#samp-temperature", Input)
        assert temperature.has_class("samp-bad")
        assert screen.live["temperature"] == 0.8  # the last good value stays in force
        temperature.focus()
        await pilot.press("enter")
        assert notified(app, "temperature must be zero (greedy) or positive, got -1.0")
        await pilot.click("#samp-start")
        assert screen.state == "idle"
        await fields(pilot, temperature="0.8", top_k="lots")
        await pilot.click("#samp-generate")
        assert notified(app, "top-k must be a whole number or empty: 'lots'")
        assert screen.state == "idle" and not gen(screen).writing
        titles = [c.title for c in app.get_system_commands(screen)]
        assert {"Generate now", "Save the GPT", "Load a GPT"} <= set(titles)


async def test_save_and_load_round_trip(tmp_path, monkeypatch, quick_generation):
    monkeypatch.chdir(tmp_path)
    async with opened("sampling", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        await fields(pilot, max_steps="30")
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        trained = screen.run
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.saved_path is not None)
        assert screen.saved_path.parent == Path("runs") and (tmp_path / screen.saved_path).is_file()
        assert notified(app, f"Saved to {screen.saved_path}")

        await pilot.press("ctrl+o")
        path_input = app.screen.query_one("#path-input", Input)
        assert path_input.value == str(screen.saved_path)
        await pilot.press("enter")
        await until(pilot, lambda: screen.run is not trained and screen.run is not None)
        assert screen.run.step == 30 and screen.state == "done"
        assert screen.run.history[-1] == trained.history[-1]
        await pilot.press("g")  # from the loaded weights
        await until(pilot, lambda: len(gen(screen).text) == work.GEN_TOKENS)
        assert "(step 30, T 0.8)" in str(screen.query_one("#samp-gen-title").render())

        junk = tmp_path / "junk.pt"
        junk.write_bytes(b"not a checkpoint")
        await pilot.press("ctrl+o")
        app.screen.query_one("#path-input", Input).value = str(junk)
        await pilot.press("enter")
        await until(pilot, lambda: notified(app, "is not a readable learn-gpt checkpoint"))
        assert screen.state == "done" and screen.run.step == 30

        await pilot.press("ctrl+o")  # a model-only checkpoint: not resumable, but it can write
        app.screen.query_one("#path-input", Input).value = str(PRETRAINED)
        await pilot.press("enter")
        # a notice is a message: it is on the list a moment after the pane has the model
        await until(pilot, lambda: screen.model_only is not None and notified(app, "not resumed"))
        assert screen.run is None and screen.state == "idle"
        await pilot.press("g")
        await until(pilot, lambda: len(gen(screen).text) == work.GEN_TOKENS)
        assert "shakespeare-cpu.pt" in str(screen.query_one("#samp-gen-title").render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_ready(snap_compare, size):
    assert snap_compare(LearnGPTApp(pane="sampling"), terminal_size=size, run_before=ready)


async def test_a_missing_corpus_is_a_message_and_quitting_mid_training_is_prompt():
    async with opened("sampling", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        screen.query_one("#samp-corpus").value = "tinyshakespeare"  # not downloaded here
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "idle")
        assert notified(app, "tiny Shakespeare not found")
        screen.query_one("#samp-corpus").value = "sample"
        await pilot.press("s")
        await until(pilot, lambda: screen.run is not None and screen.run.step > 5)
        asked = screen.busy_with()
        assert asked is not None and asked.startswith("training the GPT (step ")
        assert asked.endswith(f" of {screen.run.train_config.max_iters:,})")
        await pilot.press("q")  # it asks first, naming the run
        await until(pilot, lambda: isinstance(app.screen, QuitConfirm))
        assert any("Sampling: training the GPT" in run for run in app.screen.runs)
        began = time.monotonic()
        await pilot.press("y")
    assert time.monotonic() - began < 2.0


async def test_the_app_given_a_device_trains_on_it_and_says_so():
    app = LearnGPTApp(pane="sampling", device="cpu")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("s")
        status = str(screen.query_one("#samp-status").render())
        assert status == "Training on cpu… p pauses, x stops."
        await until(pilot, lambda: screen.step >= 2)  # it trains (on the pane's run)
        await pilot.press("x")
        assert screen.run.device == "cpu"
        assert next(screen.run.model.parameters()).device.type == "cpu"


@pytest.mark.parametrize("error", [TypeError, KeyError, AttributeError])
async def test_an_engine_bug_in_the_worker_is_a_line_in_the_pane_not_the_end_of_the_app(
    error, monkeypatch
):
    def broken(*args: object) -> None:
        raise error("model_config")

    monkeypatch.setattr(work, "build", broken)
    async with opened("sampling", (100, 30)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "idle" and notified(app, "model_config"))
        assert app.is_running and app.screen is screen


async def test_on_a_short_screen_the_log_and_the_left_column_scroll_by_keys():
    """13 rows for the pane, as below a lesson at 80x24: the log and the left column hold
    more than they show; Tab reaches each, and the page keys scroll it. Nothing is being
    trained, so q would not ask."""
    async with opened("sampling", (80, 16)) as pilot:
        screen = pilot.app.screen
        assert screen.busy_with() is None
        for n in range(30):
            screen.say(f"note {n}")
        await pilot.pause()
        log = screen.query_one(SampleLog)
        assert pilot.app.focused is log and log.max_scroll_y > 0
        bottom = log.scroll_y
        await pilot.press("pageup")
        assert log.scroll_y < bottom
        left = screen.query_one("#samp-left")
        left.focus()
        await pilot.pause()
        assert left.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert left.scroll_y > 0
        for _ in range(20):  # Tab goes round the pane and comes back to the log
            await pilot.press("tab")
            if pilot.app.focused is log:
                break
        assert pilot.app.focused is log
