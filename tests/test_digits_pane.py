"""The Digits pane's run through the shared job (tui.jobs): save while training, pause, resume,
stop and fail, driven by keys as a learner would; and the full MNIST set downloaded from the
pane, from a server on 127.0.0.1 (tests/test_download.py's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from pilot_helpers import opened, until
from test_download import Server, serving, unreachable_url
from textual.widgets import Input, Label, Log, ProgressBar, Select, Static

from engine.data.digits import SAMPLE_DIR, load_digits
from engine.data.download import is_present
from engine.data.sources import MNIST_FILES, catalog
from engine.mlp_run import MLPConfig, MLPRun
from tui.panes.digits.digit_gallery import DigitGallery
from tui.panes.digits.full_mnist import FullMnist

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


SAVES = 4  # checkpoints taken while the worker trains, each checked against a replay


async def test_saving_while_training_holds_one_whole_step_and_resumes_exactly(
    tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    async with opened("digits", (120, 36)) as pilot:
        screen = await train_past(pilot, 50)
        kept = tmp_path / "kept"
        kept.mkdir()
        for i in range(SAVES):  # what ctrl+s runs, while the worker updates the weights (a Pilot
            screen.action_save()  # key press waits for an idle screen: seconds here)
            await until(pilot, lambda i=i: sum("Saved" in line for line in log_lines(screen)) > i)
            for path in (tmp_path / "runs").glob("mlp-*.pt"):  # names have whole seconds
                path.rename(kept / f"{i}.pt")
            await pilot.pause(0.1)
        assert screen.state == "running"
        await pilot.press("x")
    saved = sorted(kept.glob("*.pt"))
    assert len(saved) == SAVES
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


# -- the full MNIST set, downloaded from the pane (served on 127.0.0.1, never the network) ------
def serve_mnist(server: Server, folder: Path, monkeypatch, **route: int) -> None:  # noqa: ANN001
    """Serve the four MNIST files of `folder` and point the downloads at them."""
    for name in MNIST_FILES:
        server.serve(f"/mnist/{name}", (folder / name).read_bytes(), **route)
    monkeypatch.setenv("LEARN_GPT_MIRROR", server.url + "/mnist")


def offer(screen) -> FullMnist:  # noqa: ANN001 - the Digits screen
    return screen.query_one(FullMnist)


def full_line(screen) -> str:  # noqa: ANN001 - the Digits screen
    """The line about the full set, as shown."""
    return str(screen.query_one("#full-line", Label).render())


async def download_fails(pilot, said: str) -> None:  # noqa: ANN001
    """Press f; the pane's one line once the download has failed, which must say `said`."""
    screen = pilot.app.screen
    await pilot.press("f")
    await until(pilot, lambda: "Could not download" in full_line(screen), what="the failure")
    line = full_line(screen)
    assert said in line and "\n" not in line
    assert line.startswith("Could not download MNIST: ")
    assert line.endswith("; the bundled sample stays in use.")
    assert offer(screen).phase == "missing" and screen.check_action("download", ()) is True


async def test_the_full_set_downloads_in_the_pane_and_the_next_run_trains_on_it(
    shared_data: Path, private_dirs: Path, monkeypatch
):
    with serving() as server:
        serve_mnist(server, shared_data / "mnist", monkeypatch, hold_after=1_000_000)
        async with opened("digits", (120, 36)) as pilot:
            screen = pilot.app.screen
            line = full_line(screen)
            assert line.startswith(
                "Training on the bundled 8,000-digit sample (2,000 more to test)"
            )
            assert f"60,000/10,000 MNIST set is not found in cache {private_dirs}." in line
            assert screen.query_one("#set-data", Select).value == "sample"
            await pilot.press("f")
            # the server holds the first file after 1 MB: the pane shows how far it has come
            await until(pilot, lambda: "1.0 of 9.6 MB" in full_line(screen), what="progress")
            assert "train-images-idx3-ubyte.gz (file 1 of 4)" in full_line(screen)
            bar = screen.query_one("#full-progress", ProgressBar)
            assert bar.display and bar.total == 9_630_634 and bar.progress > 0
            server.released.set()
            await until(pilot, lambda: offer(screen).phase == "ready", what="the download")
            assert full_line(screen).startswith(
                "Full MNIST ready: 60,000 training digits (50,000 to train on, the rest to "
                f"validate, as in the book) and 10,000 test digits in {private_dirs / 'mnist'}."
            )
            assert not bar.display and screen.check_action("download", ()) is False
            # the next run trains on it: the settings the pane would start with load 60,000
            data = screen.query_one("#set-data", Select)
            await until(pilot, lambda: data.value == "mnist", what="the full set offered")
            settings = screen.settings()
            assert settings is not None and settings["data"] == "mnist"
            digits = load_digits(settings["data"], pilot.app.data_dir)
            assert len(digits.train) + len(digits.validation) == 60_000
            assert len(digits.test) == 10_000 and "cache" in digits.source
    assert sorted(p.name for p in (private_dirs / "mnist").iterdir()) == sorted(MNIST_FILES)
    assert all(is_present(f, private_dirs / "mnist") for f in catalog()["mnist"])  # checksums


async def test_an_unreachable_server_is_one_line_and_the_pane_goes_on(
    private_dirs: Path, monkeypatch
):
    monkeypatch.setenv("LEARN_GPT_MIRROR", unreachable_url("/mnist"))
    async with opened("digits", (120, 36)) as pilot:
        await download_fails(pilot, "cannot reach 127.0.0.1")
        assert not (private_dirs / "mnist").exists() or not any((private_dirs / "mnist").iterdir())
        screen = pilot.app.screen
        await pilot.press("n")  # and the pane trains on the sample as before
        await until(pilot, lambda: screen.state == "paused", what="one mini-batch")
        assert "bundled sample" in screen.run.digits.source


async def test_a_wrong_checksum_is_one_line_and_leaves_nothing(private_dirs: Path, monkeypatch):
    with serving() as server:
        serve_mnist(server, SAMPLE_DIR, monkeypatch)  # real IDX files, but not MNIST's
        async with opened("digits", (120, 36)) as pilot:
            await download_fails(pilot, "train-images-idx3-ubyte.gz: checksum mismatch")
    assert not any((private_dirs / "mnist").iterdir())


async def test_a_cache_it_cannot_write_is_one_line(bad_folder: Path, monkeypatch):
    monkeypatch.setenv("LEARN_GPT_CACHE_DIR", str(bad_folder))
    monkeypatch.setenv("LEARN_GPT_MIRROR", unreachable_url("/mnist"))  # never reached
    async with opened("digits", (120, 36)) as pilot:
        await download_fails(pilot, f"cannot download into {bad_folder / 'mnist'}: {bad_folder}")


async def test_f_again_stops_the_download_and_nothing_half_written_stays(
    shared_data: Path, private_dirs: Path, monkeypatch
):
    with serving() as server:
        serve_mnist(server, shared_data / "mnist", monkeypatch, hold_after=1_000_000)
        async with opened("digits", (120, 36)) as pilot:
            screen = pilot.app.screen
            await pilot.press("f")
            await until(pilot, lambda: "1.0 of 9.6 MB" in full_line(screen), what="progress")
            await pilot.press("f")  # the worker stops at its next chunk, which the server holds
            assert full_line(screen) == "Stopping the download…"
            server.released.set()
            await until(pilot, lambda: not offer(screen).job.busy, what="the stop")
            assert full_line(screen).startswith("Download stopped, nothing half-written kept")
            assert offer(screen).phase == "missing"
    assert not any((private_dirs / "mnist").iterdir())


# -- what a lesson step points at, and views that never speak of a run gone --------------------
TINY = {"sizes": "784,10", "epochs": "1", "mini_batch_size": "100", "seed": "0"}  # 80 steps


def screen_text(app) -> str:  # noqa: ANN001
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def follow(pilot, number: int, step: int) -> None:  # noqa: ANN001
    """Follow lesson `number` at `step` (0-based) beside the pane, as g does."""
    from lessons.loader import load_lessons
    from tui.panes.lesson_beside import LessonState, follow_step

    lesson = next(lesson for lesson in load_lessons() if lesson.number == number)
    await follow_step(pilot.app, LessonState(lesson, step))
    await pilot.pause()


async def settled(pilot, screen) -> None:  # noqa: ANN001 - the Digits screen
    await until(pilot, lambda: screen.state in ("paused", "done") and screen.job.idle)
    await pilot.pause(0.2)


async def in_view(pilot, screen) -> None:  # noqa: ANN001 - the Digits screen
    """The step's focus, brought into view as the pane does, is all in view."""
    screen.bring_focus_into_view()
    try:
        await until(pilot, lambda: not screen.focus_hidden(), timeout=5)
    except AssertionError:
        raise AssertionError("; ".join(screen.focus_hidden())) from None


async def use(pilot, settings: dict[str, str]) -> None:  # noqa: ANN001
    for key, value in settings.items():
        pilot.app.screen.query_one(f"#set-{key}", Input).value = value
    await pilot.pause()


def shapes(screen) -> dict[str, str]:  # noqa: ANN001 - the Digits screen
    """The Shapes table as shown: tensor name -> shape."""
    table = screen.query_one("#shapes")
    return {str(row[0]): str(row[1]) for row in map(table.get_row_at, range(table.row_count))}


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_the_epoch_log_and_both_charts_show_whole_beside_the_lesson(size):
    async with opened("digits", size) as pilot:
        screen = pilot.app.screen
        await follow(pilot, 1, 2)  # "Train it": 3 epochs on the bundled sample
        await pilot.press("s")
        await settled(pilot, screen)
        await in_view(pilot, screen)
        text = screen_text(pilot.app)
        for line in ("Epoch 0: 1513 / 2000", "Epoch 1: 1631 / 2000", "Epoch 2: 1658 / 2000"):
            assert line in text
        assert "accuracy 82.90% (best 82.90%, epoch 2)" in text
        assert "mean cost per mini-batch: " in text


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_every_shapes_column_shows_and_each_weight_sits_beside_its_gradient(size):
    async with opened("digits", size) as pilot:
        screen = pilot.app.screen
        await follow(pilot, 2, 1)  # "The backward pass"
        await pilot.press("n")
        await settled(pilot, screen)
        await in_view(pilot, screen)
        text = screen_text(pilot.app)
        assert "what it is" in text and "weighted input w·a + b" in text
        shown = shapes(screen)
        assert shown["nabla_w2"] == shown["w2"] == "30 x 784"
        assert shown["nabla_w3"] == shown["w3"] == "10 x 30"
        assert shown["nabla_b2"] == shown["b2"] == "30 x 1"
        assert list(shown)[-4:] == ["w2", "b2", "w3", "b3"]  # after the backward pass


async def test_new_settings_after_a_finished_run_clear_its_training_views():
    async with opened("digits", (120, 36)) as pilot:
        screen = pilot.app.screen
        await use(pilot, TINY)
        await pilot.press("s")
        await settled(pilot, screen)
        label = screen.query_one("#acc-label", Label)
        bar = screen.query_one("#digits-progress", ProgressBar)
        assert "%" in str(label.render()) and bar.progress == bar.total == 80
        screen.apply_lesson({"settings": {"epochs": 2}})  # what g does on a lesson's step
        await pilot.pause()
        assert str(label.render()) == "accuracy per epoch" and bar.progress == 0
        assert log_lines(screen)[-1] == "New settings: s or n trains a new network."
        await pilot.press("n")  # a one-batch run, stopped: its Shapes tab, then new settings
        await settled(pilot, screen)
        assert "mini-batch 1 of 80 applied" in str(screen.query_one("#shapes-status").render())
        await pilot.press("x")
        screen.apply_lesson({"settings": {"epochs": 1}})
        await pilot.pause()
        assert str(screen.query_one("#shapes-status").render()).startswith("Press n")
        assert shapes(screen) == {}


async def test_training_on_clears_the_mini_batch_the_shapes_tab_listed():
    async with opened("digits", (120, 36)) as pilot:
        screen = pilot.app.screen
        await use(pilot, TINY)
        await pilot.press("n")
        await settled(pilot, screen)
        assert shapes(screen)
        await pilot.press("s")  # resumes the run: it goes past that mini-batch
        await settled(pilot, screen)
        assert str(screen.query_one("#shapes-status").render()).startswith("Press n")
        assert shapes(screen) == {}


async def test_a_loaded_checkpoint_replaces_every_view_of_the_last_network(tmp_path: Path):
    from tui.panes.digits.draw_pad import output_bars

    other = MLPRun.start(MLPConfig(sizes=(784, 20, 10), data="sample", seed=5))
    other.save(tmp_path / "other.pt")
    async with opened("digits", (120, 36)) as pilot:
        screen = pilot.app.screen
        await use(pilot, TINY)
        await pilot.press("s")
        await settled(pilot, screen)
        await pilot.press("d")
        canvas = screen.query_one("#canvas")
        for _ in range(6):
            await pilot.press("space", "down")
        await settled(pilot, screen)
        bars = screen.query_one("#draw-bars", Static)
        mine = bars.content
        await pilot.press("t")
        screen.load_from(str(tmp_path / "other.pt"))
        await until(pilot, lambda: screen.run is not None and screen.run.config.sizes[1] == 20)
        await settled(pilot, screen)
        assert bars.content == output_bars(other.read(canvas.pixels)) != mine
        assert str(screen.query_one("#acc-label").render()) == "accuracy per epoch"
        assert screen.query_one("#digits-progress", ProgressBar).progress == 0
        await pilot.press("g")
        await settled(pilot, screen)
        gallery = screen.query_one(DigitGallery)
        assert np.allclose(gallery.outputs, other.test_answers(len(gallery.outputs))[2])


# -- every view larger than its box scrolls from the keyboard, and Tab reaches it -------------
async def tab_to(pilot, widget) -> None:  # noqa: ANN001
    """Press Tab until `widget` has the focus (at most 40 times)."""
    for _ in range(40):
        if pilot.app.focused is widget:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {widget}")


async def scrolls(pilot, widget, key: str, back: str, axis: str = "scroll_y") -> None:  # noqa: ANN001
    """`key` scrolls `widget`'s view, and `back` scrolls it back where it was."""
    before = getattr(widget, axis)
    await pilot.press(key)
    await pilot.pause()
    assert getattr(widget, axis) != before, f"{key} did not scroll {widget}"
    await pilot.press(back)
    await pilot.pause()
    assert getattr(widget, axis) == before, f"{back} did not scroll {widget} back"


async def test_the_train_tab_log_and_columns_scroll_from_the_keyboard():
    async with opened("digits", (80, 24)) as pilot:
        screen = pilot.app.screen
        await follow(pilot, 1, 2)  # the lesson below leaves the columns 11 lines
        log = screen.query_one("#epoch-log", Log)
        for i in range(40):
            screen.say(f"line {i} " + "-" * 60)  # longer and more than the log shows
        await pilot.pause()
        for column in ("#digits-left", "#digits-right"):
            widget = screen.query_one(column)
            await tab_to(pilot, widget)
            await pilot.press("home")
            await scrolls(pilot, widget, "pagedown", "pageup")
        await tab_to(pilot, log)
        await scrolls(pilot, log, "pageup", "pagedown")  # it follows the newest line
        await pilot.press("end")
        await scrolls(pilot, log, "up", "down")
        await scrolls(pilot, log, "right", "left", "scroll_x")


async def test_the_shapes_table_neurons_and_draw_pad_scroll_from_the_keyboard():
    async with opened("digits", (64, 24)) as pilot:
        screen = pilot.app.screen
        await follow(pilot, 2, 1)
        await pilot.press("n")
        await settled(pilot, screen)
        table = screen.query_one("#shapes")
        assert pilot.app.focused is table  # the tab gives it the keys
        assert " b3 " not in screen_text(pilot.app)
        await scrolls(pilot, table, "pagedown", "pageup")
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert " b3 " in screen_text(pilot.app)  # the last row, in view
        await scrolls(pilot, table, "right", "left", "scroll_x")  # 64 columns: too narrow
        await pilot.press("w")
        await settled(pilot, screen)
        grid = screen.query_one("#neurons")
        await until(pilot, lambda: grid.max_scroll_y > 0, what="the neurons")
        assert pilot.app.focused is grid
        await scrolls(pilot, grid, "pagedown", "pageup")
        await scrolls(pilot, grid, "down", "up")
        await pilot.press("d")
        await pilot.pause()
        pad = screen.query_one("#draw-scroll")
        assert pilot.app.focused is screen.query_one("#canvas")
        for _ in range(14):  # the cursor down the pad: the pad follows it
            await pilot.press("down")
        await pilot.pause()
        assert pad.scroll_y > 0
        await pilot.press("pageup")  # the canvas keeps the arrows; the pages scroll the pad
        await pilot.pause()
        assert pad.scroll_y == 0
        await scrolls(pilot, pad, "pagedown", "pageup")


async def test_the_test_digits_page_with_page_keys_and_arrows():
    async with opened("digits", (80, 24)) as pilot:
        screen = pilot.app.screen
        await follow(pilot, 1, 3)  # "Evaluation", on the Test digits tab
        await use(pilot, TINY)
        await pilot.press("n")
        await settled(pilot, screen)
        await pilot.press("g")
        await settled(pilot, screen)
        gallery = screen.query_one(DigitGallery)
        assert pilot.app.focused is gallery
        cards = screen.query("DigitCard")
        assert len(cards) >= 5  # a row of them below the lesson
        await in_view(pilot, screen)
        for key, page in (("pagedown", 1), ("right", 2), ("pageup", 1), ("left", 0)):
            await pilot.press(key)
            await pilot.pause()
            assert gallery.page == page, key
        assert f"#{len(cards)} is " not in screen_text(pilot.app)
        await pilot.press("pagedown")
        await pilot.pause()
        assert f"#{len(cards)} is " in screen_text(pilot.app)  # the next page's first digit


async def test_the_data_line_says_so_when_the_full_set_is_found(shared_data: Path, monkeypatch):
    monkeypatch.setenv("LEARN_GPT_DATA_DIR", str(shared_data))
    async with opened("digits", (120, 36)) as pilot:
        screen = pilot.app.screen
        await until(pilot, lambda: offer(screen).phase == "found", what="the full set")
        line = full_line(screen)
        assert line.startswith("Full MNIST found (") and offer(screen).display
        assert "50,000 digits to train on, 10,000 to test" in line
        assert screen.check_action("download", ()) is False
