"""The Build pane, driven as a learner would: a tiny ladder (two rungs of 60 steps, seconds)
trained, paused mid-rung and resumed exactly, stopped; rung 2 trained again with the learner's
own Head, a correct one (it agrees) and one without the causal mask (it parts); a lesson's
setup. Its snapshots are in test_snapshots.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import opened, until
from textual.widgets import Input, Static

from engine.ladder import AGREE, parting
from tui.app import LearnGPTApp
from tui.panes.build import work
from tui.panes.build.loss_bars import LossBars
from tui.panes.build.table import LadderTable
from tui.widgets.curves import Curves

GOOD_HEAD = '''from engine import ladder_pieces


class Head(ladder_pieces.Head):
    """The reference's head, as a learner's own class."""
'''
NO_MASK_HEAD = '''from torch.nn import functional as F

from engine import ladder_pieces


class Head(ladder_pieces.Head):
    """Attention that sees the future: no causal mask."""

    def forward(self, x):
        k, q = self.key(x), self.query(x)
        wei = F.softmax(q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5, dim=-1)
        return self.dropout(wei) @ self.value(x)
'''


async def fields(pilot, **values: str) -> None:
    """Type into the settings (mine="/tmp/x" fills #build-mine), then give the keys back."""
    for key, value in values.items():
        pilot.app.screen.query_one(f"#build-{key}", Input).value = value
    await pilot.pause()


def cell(screen, rung: int, column: str) -> str:
    return str(screen.query_one(LadderTable).get_cell(str(rung), column))


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def notified(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


def folder(tmp_path: Path, name: str, head: str) -> str:
    (tmp_path / name).mkdir()
    (tmp_path / name / "head.py").write_text(head, encoding="utf-8")
    return str(tmp_path / name)


async def test_a_tiny_ladder_fills_the_table_pauses_mid_rung_and_resumes_exactly():
    async with opened("build", (100, 30)) as pilot:
        screen = pilot.app.screen
        table = screen.query_one(LadderTable)
        assert [str(table.get_cell(k, "lecture")) for k in ("1", "6")] == ["2.49", "2.06"]
        await fields(pilot, rungs="1-2", iters="60")
        await pilot.press("s")
        assert screen.state == "running"
        assert table.row_count == 2  # the table lists the rungs asked for
        await until(pilot, lambda: screen.training == (2, False) and screen.step >= 5)
        await pilot.press("p")
        assert screen.state == "paused"
        await until(pilot, lambda: not screen.job.busy)
        paused_at = screen.step
        assert 0 < paused_at < 60 and "Paused in rung 2 at step" in text(screen, "#build-status")
        await pilot.press("up")  # the pane answers keys: rung 1's sample, while paused mid-rung
        assert text(screen, "#build-detail").startswith("Rung 1, bigram:")
        assert "after 36 steps, val " in text(screen, "#build-sample")
        await pilot.press("p")
        await until(pilot, lambda: screen.state == "done")

        first, second = screen.results[1], screen.results[2]
        assert second.val_loss < first.val_loss < 4.5  # the loss falls rung by rung
        assert cell(screen, 2, "val") == f"{second.val_loss:.3f}"
        assert cell(screen, 1, "pieces") == "reference"
        assert "Climbed 2 rungs in" in text(screen, "#build-status")
        curves = screen.query_one(Curves)
        assert [len(curves.series[s]) for s in ("1", "2")] == [len(first.history), 11]
        assert [bar.val_loss for bar in screen.query_one(LossBars).bars] == [
            first.val_loss,
            second.val_loss,
        ]
        await pilot.press("down")
        assert f"val {second.val_loss:.3f}" in text(screen, "#build-sample")

        # the pause resumed rung 2 from its very step: the same curve as a ladder never paused
        from engine.ladder import climb, load_data

        alone = [
            e for e in climb(work.chosen("1-2", 60), load_data("sample")) if hasattr(e, "result")
        ]
        assert second.history == alone[-1].result.history
        assert second.sample == alone[-1].result.sample


async def test_stop_keeps_what_trained_and_the_pane_answers_keys_while_training():
    async with opened("build", (100, 30)) as pilot:
        screen = pilot.app.screen
        await fields(pilot, rungs="2-3", iters="3000")
        await pilot.press("s")
        await until(pilot, lambda: screen.training == (2, False) and screen.step > 0)
        before = text(screen, "#build-detail")
        await pilot.press("down")  # while rung 2 trains
        assert text(screen, "#build-detail") != before
        assert text(screen, "#build-detail").startswith("Rung 3, multi-head:")
        await pilot.press("x")
        assert screen.state == "done"
        await until(pilot, lambda: not screen.job.busy)
        await until(pilot, lambda: "Stopped in rung 2 at step" in text(screen, "#build-status"))
        assert screen.results == {}
        step = screen.step
        await pilot.pause(0.3)
        assert screen.step == step  # nothing trains on
        await pilot.press("s")  # a new ladder from the start
        await until(pilot, lambda: screen.training == (2, False) and 0 < screen.step < step)
        await pilot.press("x")
        await until(pilot, lambda: not screen.job.busy)


async def test_your_head_agrees_with_the_reference_and_one_without_the_mask_parts(tmp_path):
    async with opened("build", (100, 30)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        await fields(pilot, rungs="1-2", iters="60", mine=folder(tmp_path, "good", GOOD_HEAD))
        await pilot.press("m")  # rung 1 is selected: the bigram uses none of the pieces
        await until(pilot, lambda: notified(app, "rung 1 (bigram) uses none of the pieces"))
        assert screen.state == "idle" and screen.results == {}

        await pilot.press("down", "m")  # rung 2, not trained yet: the reference's first
        await until(pilot, lambda: screen.state == "done" and 2 in screen.yours)
        assert list(screen.results) == [2]
        mine, part = screen.yours[2]
        assert part.step is None and part.largest < AGREE and mine.theirs == ["head"]
        assert cell(screen, 2, "pieces") == "head: yours ✓"
        assert "follows the reference's curve" in text(screen, "#build-status")
        assert len(screen.query_one(Curves).series["yours"]) == 11
        from engine.progress import load

        assert load()[0].rungs[2].theirs == ("head",)  # kept in the learner's progress
        assert "Exercises: head not yet; yours last trained to val" in text(screen, "#build-detail")

        await fields(pilot, mine=folder(tmp_path, "no-mask", NO_MASK_HEAD))
        await pilot.press("m")
        await until(pilot, lambda: screen.state == "done" and 2 in screen.yours)
        mine, part = screen.yours[2]
        assert part.step == 0 and part.largest > 0.05  # it sees the next character at once
        assert mine.val_loss < screen.results[2].val_loss  # so it "wins": by cheating
        assert cell(screen, 2, "pieces") == "head: yours ✗"
        assert "parts from the reference's curve at step 0" in text(screen, "#build-sample")
        assert "yours, val " in text(screen, "#build-sample")

        broken = tmp_path / "broken"
        broken.mkdir()
        (broken / "head.py").write_text("class Head(:\n", encoding="utf-8")
        for where, said in (
            (broken, "head.py does not compile"),
            (tmp_path / "no", "not a folder"),
        ):
            await fields(pilot, mine=str(where))
            await pilot.press("m")
            await until(pilot, lambda said=said: notified(app, said))
            await until(pilot, lambda: screen.state == "done")
        assert cell(screen, 2, "pieces") == "head: yours ✗"  # what trained before stays


async def test_a_lesson_sets_the_pane_up_and_six_opens_it():
    app = LearnGPTApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6")
        assert app.current_mode == "build"
        await until(pilot, lambda: app.engine_ready and app.screen.state == "idle")
        screen = app.screen
        screen.apply_lesson(
            {"rungs": "2-4", "iters": "full", "mine": "~/gpt", "seed": 7, "select": 3, "x": 1}
        )
        assert screen.query_one("#build-iters", Input).value == "full"
        assert screen.query_one("#build-mine", Input).value == "~/gpt"
        settings = screen.query_one("#build-settings").values()
        assert (settings.rungs, settings.iters, settings.seed) == ("2-4", None, 7)
        assert screen.query_one(LadderTable).selected() == 3
        assert screen.query_one(LadderTable).row_count == 3
        assert len(screen.lesson_problems) == 1 and "'x'" in screen.lesson_problems[0]
        screen.apply_lesson({"select": 6, "corpus": "nonesuch"})
        assert len(screen.lesson_problems) == 3


@pytest.mark.parametrize(
    ("reference", "yours", "step"),
    [([2.0, 1.5], [2.0, 1.5], None), ([2.0, 1.5], [2.0, 1.2], 1), ([2.0], [2.0, 9.0], None)],
)
def test_parting_is_the_first_estimate_that_differs(reference, yours, step):
    from engine.events import RungEval

    def evals(values: list[float]) -> list[RungEval]:
        return [RungEval(2, i, 0.0, v) for i, v in enumerate(values)]

    assert parting(evals(reference), evals(yours)).step == step


async def test_on_a_short_screen_keys_scroll_the_table_and_what_is_under_it():
    """13 rows for the pane, as below a lesson at 80x24: → scrolls the table to its "adds"
    column, Tab reaches the curves and sample under it and PageDown scrolls them."""
    async with opened("build", (80, 16)) as pilot:
        screen = pilot.app.screen
        table = screen.query_one(LadderTable)
        assert pilot.app.focused is table and table.max_scroll_x > 0
        await pilot.press("right", "right")
        assert table.scroll_x > 0
        more = screen.query_one("#build-more")
        for _ in range(12):
            await pilot.press("tab")
            if pilot.app.focused is more:
                break
        assert pilot.app.focused is more and more.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert more.scroll_y > 0


async def test_other_settings_between_runs_list_their_rungs_not_the_last_results():
    async with opened("build", (100, 30)) as pilot:
        screen = pilot.app.screen
        assert screen.busy_with() is None
        screen.settings = screen.query_one("#build-settings").values()  # as if it had run
        screen.results = {1: "the last run's"}
        screen.state = "done"
        screen.apply_lesson({"rungs": "1-6", "select": 2})  # the same rungs: kept
        assert screen.results == {1: "the last run's"}
        screen.apply_lesson({"rungs": "2-3"})
        assert screen.results == {} and screen.query_one(LadderTable).row_count == 2
        screen.state = "running"  # what q would name
        assert screen.busy_with() == "training the ladder"
        screen.state = "idle"
