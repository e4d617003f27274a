"""The Lab pane, driven as a learner would: the classic cheat, stopping, the custom mask, the
list of past comparisons, bad settings, resizes, keys alone, the results under a lesson; and two
snapshots before any run."""

from __future__ import annotations

import time

import numpy as np
import pytest
from pilot_helpers import opened, ready, until
from textual.widgets import Input, Select, Static

from lessons.loader import load_lessons
from tui.app import LearnGPTApp
from tui.panes.lab.config import LabConfig, short_name
from tui.panes.lab.curves import LabCurves
from tui.panes.lab.mask_editor import MaskEditor
from tui.panes.lesson_beside import LessonState, follow_step
from tui.widgets.curves import bucket_means, plot_dots
from tui.widgets.heatmap import Heatmap

# The cheat needs about 100 steps to show (the learning rate warms up over the first 100):
# at 60 steps A and B are still both near 2.9. 150 steps take about 5 s here.
CHEAT_STEPS = 150


def text_of(widget) -> str:
    return str(widget.render())


def shown_choice(select: Select) -> str:
    """The text a collapsed Select shows."""
    return text_of(select.query_one("SelectCurrent #label", Static))


def set_steps(pilot, steps: int) -> None:
    pilot.app.screen.query_one("#lab-steps", Input).value = str(steps)


def screen_text(app) -> str:
    """What the terminal shows, as text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def active_tab(screen) -> str:
    return screen.query_one("#lab-tabs").active


async def test_the_classic_cheat_end_to_end():
    async with opened("lab", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        assert screen.query_one("#b-mask", Select).value == "anti_causal"  # one key away
        set_steps(pilot, CHEAT_STEPS)
        await pilot.press("s")
        assert screen.state == "running"
        assert screen.query_one("#lab-tabs").active == "lab-results"
        await until(pilot, lambda: screen.state == "done", timeout=120)  # 150 steps each
        await pilot.pause(0.1)  # one layout pass for the new content
        verdict = text_of(screen.query_one("#lab-verdict", Static))
        assert "B reads the answer from the future (it cheats)" in verdict
        assert "Real words in the samples: A " in verdict
        curves = screen.query_one(LabCurves)
        assert [len(curves.series[n]) for n in "AB"] == [CHEAT_STEPS, CHEAT_STEPS]
        assert curves.legend["A"].startswith("105k params · train ")
        assert " val " in curves.legend["B"]
        a, b = screen.comparisons[0].results
        assert b.final_train < 0.5 * a.final_train
        for k in "ab":
            heatmap = screen.query_one(f"#lab-map-{k}", Heatmap)
            assert heatmap.matrix is not None and heatmap.matrix.shape == (32, 32)
            assert heatmap.size.height > 32 and heatmap.size.width >= 34  # laid out in full
            assert text_of(screen.query_one(f"#lab-sample-{k}", Static)).strip()
        assert curves.size.height == 9
        status = text_of(screen.query_one("#lab-status"))
        assert status.startswith("Done in ") and f"A train {a.final_train:.2f}" in status
        history = screen.query_one("#lab-history", Select)
        assert history.value == 0 and not history.disabled


async def test_stop_is_prompt_and_a_new_run_starts_clean():
    async with opened("lab", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        set_steps(pilot, 5000)
        await pilot.press("s")
        await until(pilot, lambda: len(screen.query_one(LabCurves).series["B"]) > 10)
        began = time.monotonic()
        await pilot.press("x")
        assert screen.state == "idle"
        await until(pilot, lambda: not screen.workers, timeout=2)
        assert time.monotonic() - began < 1.0
        assert "Stopped at step" in text_of(screen.query_one("#lab-status"))
        assert not screen.comparisons
        assert screen.query_one("#lab-history", Select).is_blank()
        # a short run after the stop: nothing of the stopped one leaks into it
        set_steps(pilot, 3)
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        assert [len(screen.query_one(LabCurves).series[n]) for n in "AB"] == [3, 3]


async def test_enter_in_the_steps_field_starts_and_quitting_mid_run_does_not_hang():
    async with opened("lab", (100, 30)) as pilot:
        app = pilot.app
        steps = app.screen.query_one("#lab-steps", Input)
        steps.focus()
        steps.value = ""
        await pilot.press("5", "0", "0", "0", "enter")
        assert app.screen.state == "running" and app.screen.total == 5000
        await until(pilot, lambda: len(app.screen.query_one(LabCurves).series["A"]) > 5)
        assert app.focused.id == "lab-results-scroll"  # q is no digit for the field now
        await pilot.press("q")
        assert "Lab: comparing A and B (step " in screen_text(app)  # quit while it runs?
        began = time.monotonic()
        await pilot.press("y")
    assert time.monotonic() - began < 2.0


async def test_custom_mask_clicks_toggle_and_an_empty_row_is_flagged():
    async with opened("lab", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        editor = screen.query_one("#b-mask-editor", MaskEditor)
        assert not editor.display
        screen.query_one("#b-mask", Select).value = "custom"
        await pilot.pause()
        assert editor.display
        assert np.array_equal(editor.matrix, np.tril(np.ones((32, 32), dtype=bool)))
        editor.scroll_visible(animate=False, top=True)
        await pilot.pause(0.1)
        assert await pilot.click(editor, offset=(3, 5))  # row 5, column 3: hide it
        assert not editor.matrix[5, 3]
        assert await pilot.click(editor, offset=(3, 5))  # and show it again
        assert editor.matrix[5, 3]
        assert await pilot.click(editor, offset=(0, 0))  # row 0's only visible key
        assert editor.empty_rows == [0]
        assert editor.status_text() == "! row 0 sees nothing"
        red = editor.get_component_rich_style("mask-editor--empty")
        line = list(editor.render_line(0))
        assert "".join(seg.text for seg in line)[:32] == "·" * 32
        assert {seg.style.color for seg in line if seg.text.strip()} == {red.color}  # all red
        diff = text_of(screen.query_one("#lab-diff", Static))
        assert "B's mask: row 0 sees nothing" in diff
        assert "B: custom mask" in diff
        assert screen.query_one("#config-b", LabConfig).values()["mask"][0][0] is False
        set_steps(pilot, 2)
        await pilot.press("s")  # allowed, with a clear warning
        assert any("hides every key" in n.message for n in app._notifications)
        await until(pilot, lambda: screen.state == "done")
        b = screen.comparisons[0].results[1]
        assert b.empty_rows == [0] and np.isfinite(b.attention).all()
        assert "custom mask" in shown_choice(screen.query_one("#lab-history", Select))
        # keys: c resets to causal
        await pilot.press("e")
        editor.focus()
        await pilot.press("c")
        assert editor.empty_rows == [] and editor.matrix[0, 0]
        await pilot.press("space")  # the cursor sits on (0, 0)
        assert editor.empty_rows == [0]


async def test_past_comparisons_flip_and_bad_settings_are_messages():
    async with opened("lab", (100, 30)) as pilot:
        app = pilot.app
        screen = app.screen
        set_steps(pilot, 0)
        await pilot.press("s")
        assert screen.state == "idle"
        assert any("steps must be from 1" in n.message for n in app._notifications)
        screen.query_one("#a-dropout", Input).value = "often"
        set_steps(pilot, 2)
        await pilot.press("s")
        assert screen.state == "idle"
        assert any("A: dropout must be a number" in n.message for n in app._notifications)
        screen.query_one("#a-dropout", Input).value = "0"
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        await pilot.press("n")  # the next classic experiment after anti_causal: negated score
        assert screen.query_one("#b-score", Select).value == "negated"
        assert screen.query_one("#b-mask", Select).value == "causal"
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        history = screen.query_one("#lab-history", Select)
        assert len(screen.comparisons) == 2 and history.value == 1
        await pilot.press("left_square_bracket")
        assert history.value == 0 and screen.shown == 0
        first = screen.comparisons[0].results[1]
        assert short_name(first.variant.model) == "anti_causal"
        assert "A standard vs B anti_causal, 2 steps" in shown_choice(history)
        await pilot.press("right_square_bracket")
        assert screen.shown == 1
        await pilot.press("right_square_bracket")  # stays on the last
        assert screen.shown == 1 and history.value == 1
        assert text_of(screen.query_one("#lab-verdict")).startswith(
            screen.comparisons[1].verdict[0]
        )


async def test_survives_resizes_and_runs_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with opened("lab", (80, 24)) as pilot:
        app = pilot.app
        set_steps(pilot, 3)
        screen = app.screen
        screen.query_one("#a-mask", Select).value = "custom"
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        for size, tab in (((60, 20), "e"), ((160, 50), "r"), ((80, 24), "e"), ((100, 30), "r")):
            await pilot.resize_terminal(*size)
            await pilot.press(tab)
            await pilot.pause(0.1)
            assert app.screen.size == size
        assert screen.query_one("#lab-map-a", Heatmap).matrix is not None


FIELDS = ("score", "mask", "positional", "residual", "dropout", "n_head")  # as on screen
TAB_ORDER = [
    *(f"{k}-{field}" for k in "ab" for field in FIELDS),
    "lab-steps",
    "lab-start",
]


async def test_keys_alone_run_a_and_b_change_b_and_run_again():
    async with opened("lab", (80, 24)) as pilot:
        app = pilot.app
        screen = app.screen
        order = []
        for _ in TAB_ORDER[:-1]:
            await pilot.press("tab")
            order.append(app.focused.id)
        assert order == TAB_ORDER[:-1]  # A's fields, then B's, then the steps
        await pilot.press("3", "enter")  # the field's text is selected: 3 replaces 300
        # 3 steps may be over by now on a fast machine: started, at least, and on Results
        assert screen.state in ("running", "done") and screen.total == 3
        assert active_tab(screen) == "lab-results"
        await until(pilot, lambda: screen.state == "done")
        await pilot.pause(0.1)
        assert active_tab(screen) == "lab-results"  # still there when it is done
        assert "Real words in the samples" in screen_text(app)
        await pilot.press("e")
        assert active_tab(screen) == "lab-setup" and app.focused.id == "a-score"
        while app.focused.id != "b-mask":
            await pilot.press("tab")
        await pilot.press("enter", "down", "enter")  # open the list, anti_causal -> none
        assert screen.query_one("#b-mask", Select).value == "none"
        assert "They differ in: mask." in screen_text(app)
        await pilot.press("r")  # the pane's keys work once the list has closed
        assert active_tab(screen) == "lab-results"
        await pilot.press("e")
        assert active_tab(screen) == "lab-setup"
        await pilot.press("s")
        assert active_tab(screen) == "lab-results"
        await until(pilot, lambda: screen.state == "done")
        await pilot.pause(0.1)
        assert len(screen.comparisons) == 2
        shown = screen_text(app)
        assert "Real words in the samples" in shown
        assert "2. A standard vs B none, 3 steps" in shown


async def test_the_results_scroll_from_the_keyboard():
    async with opened("lab", (80, 24)) as pilot:
        app = pilot.app
        screen = app.screen
        set_steps(pilot, 2)
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        await pilot.pause(0.1)
        results = screen.query_one("#lab-results-scroll")
        assert app.focused is results and results.scroll_y == 0
        scale = "▁▂▃▄▅▆▇█ 1.00"  # the heatmaps' colour scale, at the bottom
        assert scale not in screen_text(app)
        await pilot.press("pagedown")
        await pilot.pause(0.1)
        assert results.scroll_y > 0
        await pilot.press("end")
        await pilot.pause(0.1)
        assert results.scroll_y == results.max_scroll_y and scale in screen_text(app)
        bottom = results.scroll_y
        await pilot.press("pageup")
        await pilot.pause(0.1)
        assert 0 <= results.scroll_y < bottom
        await pilot.press("home", "down")
        await pilot.pause(0.1)
        assert results.scroll_y == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_results_show_whole_beside_a_lesson(size):
    """The parts of the Results a lesson points at, each wholly in view once brought there."""
    async with opened("lab", size) as pilot:
        app = pilot.app
        lesson = next(lesson for lesson in load_lessons() if lesson.number == 6)
        await follow_step(app, LessonState(lesson, 3))  # "the model cheats": anti_causal B
        screen = app.screen
        set_steps(pilot, 3)
        await pilot.press("s")
        await until(pilot, lambda: screen.state == "done")
        curves = screen.query_one(LabCurves)
        for name in ("curves", "legend", "verdict", "samples"):
            screen.lesson_focus = (name,)
            screen.bring_focus_into_view()
            await until(pilot, lambda: not screen.focus_hidden(), timeout=5, what=name)
            shown = screen_text(app)
            if name == "legend":  # each legend whole, the numbers to compare in it
                for k in "AB":
                    assert f"━━ {k} {curves.legend[k]}" in shown
                    assert curves.legend[k].startswith("105k params · train ")
            if name == "samples":
                assert "A: " in shown and "B: " in shown
        if size == (120, 36):  # beside the lesson all four show at once
            screen.lesson_focus = ("curves", "legend", "verdict", "samples")
            screen.bring_focus_into_view()
            await until(pilot, lambda: not screen.focus_hidden(), timeout=5)


def test_the_curves_average_steps_per_column_and_stay_joined():
    steps = list(enumerate([1.0, 3.0, 5.0, 7.0]))
    assert bucket_means(steps, total=4, columns=2) == [(0, 2.0), (1, 6.0)]
    assert bucket_means([(0, 2.0)], total=100, columns=10) == [(0, 2.0)]  # a run just begun
    assert bucket_means([(0, 4.0), (100, 2.0)], total=100, columns=10) == [(0, 4.0), (9, 2.0)]
    dots = plot_dots([(0, 4.0), (3, 1.0)], lo=1.0, hi=4.0, dot_rows=8)
    assert {c for _, c in dots} == {0, 1, 2, 3}
    assert (0, 0) in dots and (7, 3) in dots  # top-left to bottom-right


# -- snapshots: before any run, PyTorch loaded --------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_lab_ready(snap_compare, size):
    assert snap_compare(LearnGPTApp(pane="lab"), terminal_size=size, run_before=ready)


async def test_an_engine_error_mid_comparison_is_one_line_and_the_pane_goes_on(monkeypatch):
    import engine.compare
    from engine.errors import EngineError

    real = engine.compare.compare

    def failing(*args, **kwargs):  # noqa: ANN202 - compare's events, then an engine error
        for i, event in enumerate(real(*args, **kwargs)):
            yield event
            if i == 30:
                raise EngineError("the text ran out (made to fail here)")

    monkeypatch.setattr(engine.compare, "compare", failing)
    async with opened("lab", (120, 40)) as pilot:
        app = pilot.app
        screen = app.screen
        await pilot.press("s")
        await until(pilot, lambda: screen.state != "running")
        assert screen.state == "idle"
        status = str(screen.query_one("#lab-status").render())
        assert status == "Could not compare: the text ran out (made to fail here)"
        assert any("made to fail" in str(n.message) for n in app._notifications)
        monkeypatch.setattr(engine.compare, "compare", real)
        screen.query_one("#lab-steps", Input).value = "20"
        await pilot.press("s")  # and the next comparison runs to its verdict
        await until(pilot, lambda: screen.state == "done", timeout=120)
        assert len(screen.comparisons) == 1
