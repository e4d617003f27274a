"""The Copying pane, driven as a learner would: the induction experiment trained live (curves,
table, heatmaps), paused and resumed exactly, a head switched off after it; a second depth
beside the first; the shipped GPT and a `train gpt` checkpoint looked inside; a lesson's setup.
Its snapshots are in test_snapshots.py."""

from __future__ import annotations

import numpy as np
import pytest
from pilot_helpers import opened, until
from textual.widgets import Input, Label, Select, Static

from engine.events import InductionTrained
from engine.induction import train
from tui.cli import main
from tui.panes.copying.head_maps import HeadMaps
from tui.panes.copying.inside_view import InsideView
from tui.panes.copying.score_table import ScoreTable
from tui.widgets.curves import Curves
from tui.widgets.heatmap import Heatmap


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def notified(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def settings(pilot, layers: int, steps: int, seed: int = 0) -> None:
    screen = pilot.app.screen
    screen.query_one("#copy-layers", Select).value = layers
    screen.query_one("#copy-steps", Input).value = str(steps)
    screen.query_one("#copy-seed", Input).value = str(seed)
    await pilot.pause()


async def test_training_shows_live_pauses_resumes_exactly_and_a_head_switches_off():
    async with opened("copying", (120, 36)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        await settings(pilot, 2, 150)
        await pilot.press("s")
        assert screen.state == "running"
        await until(pilot, lambda: screen.latest is not None and screen.latest.step >= 50)
        said = screen.busy_with()  # what q names before it quits
        assert said.startswith("training the induction model (step ") and said.endswith(" of 150)")
        await pilot.press("p")
        assert screen.state == "paused"
        assert screen.busy_with() is None
        await until(pilot, lambda: not screen.job.busy)
        assert "Paused at step" in text(screen, "#copy-status")
        await pilot.press("o")  # the model is still training: no measurement of it
        assert notified(app, "needs a finished run")
        await pilot.press("p")
        await until(pilot, lambda: screen.state == "done" and screen.trained is not None)

        # the same evaluations as a run never paused
        done = [e for e in train(2, 150, 0) if isinstance(e, InductionTrained)][0]
        assert [(e.step, e.loss) for e in screen.trained.history] == [
            (e.step, e.loss) for e in done.history
        ]
        loss = screen.query_one("#copy-loss", Curves).series["2 layers"]
        assert loss == [(e.step, e.loss) for e in done.history]
        score = screen.query_one("#copy-score", Curves).series["2 layers"]
        assert score == [(e.step, e.best.induction) for e in done.history]
        assert "Done: 2 layers, loss 4.30 →" in text(screen, "#copy-status")
        assert "The loss went from 4.30" in text(screen, "#copy-verdict")
        table = screen.query_one("#copy-scores", ScoreTable)
        last = done.history[-1]
        assert table.row_count == 8
        assert str(table.get_cell("1.3", "induction")) == f"{last.scores[7].induction:.2f}"

        # the heads tab: a layer's heads on the example, causal rows that sum to one
        await pilot.press("b")
        maps = list(screen.query_one(HeadMaps).query(Heatmap))
        assert len(maps) == 4 and app.focused is screen.query_one(HeadMaps)
        assert text(screen, "#copy-where").startswith("Layer 1 of 2, one held-out sequence")
        for heatmap, weights in zip(maps, last.weights[0]):
            assert np.allclose(heatmap.matrix.sum(axis=1), 1.0, atol=1e-5)
            assert np.array_equal(heatmap.matrix, weights.astype(np.float64))
        await pilot.press("l", "h")
        assert (screen.layer, screen.head) == (1, 1)
        assert text(screen, "#copy-where").startswith("Layer 2 of 2")
        assert "▶ head 2" in str(list(screen.query(".copy-map-title"))[1].render())
        screen.lesson_focus = ("heads",)  # as lesson 11 step 4 points: head 2's title and map
        screen.bring_focus_into_view()
        await until(pilot, lambda: not screen.focus_hidden(), timeout=5)
        screen.lesson_focus = ()
        head_maps = screen.query_one(HeadMaps)
        head_maps.scroll_to(x=0, animate=False)
        await pilot.pause()
        assert head_maps.max_scroll_x > 0 and head_maps.scroll_y == 0  # titles in view
        await pilot.press("right", "right")  # the four maps are wider than the pane
        assert head_maps.scroll_x > 0
        await pilot.press("o")
        await until(pilot, lambda: "Off: L2 H2" in text(screen, "#copy-off-line"))
        assert str(table.get_cell("1.1", "off")) == "off"
        assert screen.measured is not None and screen.measured.loss != last.loss
        await pilot.press("l", "o")  # layer 1's head 2 as well: the maps of layer 2 change
        await until(pilot, lambda: "Off: L1 H2, L2 H2" in text(screen, "#copy-off-line"))
        await pilot.press("O")
        await until(pilot, lambda: text(screen, "#copy-off-line") == "")
        assert str(table.get_cell("1.1", "off")) == ""

        # one layer beside it: its curve joins the two-layer one
        await pilot.press("a")
        await settings(pilot, 1, 50)
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done" and screen.trained.n_layer == 1)
        series = screen.query_one("#copy-loss", Curves).series
        assert len(series["2 layers"]) == len(done.history) and len(series["1 layer"]) == 3
        assert screen.query_one("#copy-scores", ScoreTable).row_count == 4
        await pilot.press("b", "l")
        assert screen.layer == 0 and text(screen, "#copy-where").startswith("Layer 1 of 1")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("gpt") / "g.pt"
    with pytest.raises(SystemExit) as done:
        main(["train", "gpt", "--preset", "tiny", "--max-iters", "20", "--n-layer", "2",
              "--threads", "1", "--out", str(path)])  # fmt: skip
    assert done.value.code == 0
    return str(path)


async def test_inside_the_shipped_gpt_and_a_checkpoint_from_train_gpt(checkpoint, tmp_path):
    async with opened("copying", (120, 36)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        view = screen.query_one(InsideView)
        await pilot.press("c")
        await until(pilot, lambda: view.look_shown is not None, what="the shipped GPT's look")
        table = screen.query_one("#copy-gpt-scores", ScoreTable)
        assert table.row_count == 16 and app.focused is table
        look = view.look_shown
        shown = text(screen, "#copy-gpt-losses")
        assert f"first half {look.first_half:.2f} · repeated half {look.repeated:.2f}" in shown
        lens = text(screen, "#copy-gpt-lens")
        assert f"Logit lens at {look.position} " in lens and "block 4" in lens
        await pilot.press("down", "o")
        await until(pilot, lambda: view.look_shown.off == {(0, 1)})
        assert f"Off: L1 H2 → repeated half {view.look_shown.repeated_off:.2f}" in text(
            screen, "#copy-gpt-losses"
        )
        assert str(table.get_cell("0.1", "off")) == "off"
        position = view.look_shown.position
        await pilot.press("comma")
        await until(pilot, lambda: view.look_shown.position == position - 1)
        assert view.look_shown.off == {(0, 1)}  # moving the lens keeps the heads off

        screen.query_one("#copy-passage", Input).value = ""  # random characters
        await pilot.press("O")
        await until(pilot, lambda: not view.look_shown.off and view.look_shown.tokens != look.tokens)  # noqa: E501

        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#path-input", Input).value = checkpoint
        await pilot.press("enter")
        await until(pilot, lambda: view.look_shown and len(view.look_shown.scores) == 8)
        assert table.row_count == 8 and screen.query_one("#copy-gpt", Select).value == checkpoint
        assert "block 2" in text(screen, "#copy-gpt-lens")

        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#path-input", Input).value = str(tmp_path / "none.pt")
        await pilot.press("enter")
        await until(pilot, lambda: "none.pt" in text(screen, "#copy-gpt-losses") and
                    view.job.idle)  # fmt: skip
        assert app.screen is screen  # one line; the app goes on
        # and nothing of the GPT before it shows as if it were none.pt's
        assert table.row_count == 0 and not text(screen, "#copy-gpt-lens").strip()


async def test_a_lesson_sets_the_pane_up_and_seven_opens_it():
    async with opened("digits", (100, 30)) as pilot:
        app = pilot.app
        await pilot.press("7")
        assert app.current_mode == "copying"
        await until(pilot, lambda: app.screen.state == "idle")
        screen = app.screen
        screen.apply_lesson(
            {"layers": 1, "steps": 300, "seed": 4, "tab": "heads", "layer": 1, "head": 3, "x": 0}
        )
        assert screen._settings() == (1, 300, 4)
        assert (screen.layer, screen.head) == (0, 2)
        assert screen.query_one("#copy-tabs").active == "copy-heads"
        assert len(screen.lesson_problems) == 1 and "'x'" in screen.lesson_problems[0]
        screen.apply_lesson({"tab": "inside", "passage": ""})
        view = screen.query_one(InsideView)
        await until(pilot, lambda: view.look_shown is not None)
        assert screen.query_one("#copy-passage", Input).value == ""
        screen.apply_lesson({"tab": "nowhere", "layers": 3})
        assert len(screen.lesson_problems) == 3
        assert isinstance(screen.query_one("#copy-status"), Label)
        assert isinstance(screen.query_one("#copy-verdict"), Static)
