"""The Copying pane: watch an attention-only model learn to copy, and find copying heads in a
GPT.

Train: the induction experiment (engine.induction) runs on the pane's `Job`; each evaluation
adds a point to the copied-token loss and to the best head's induction score, on one step axis,
so the jump in one and the rise of the other show together, and fills the table of every
head's scores. A run of the other depth keeps the first run's curves beside its own.
Heads: one layer's heads on the example sequence as heatmaps, the previous-token head's
sub-diagonal and the induction head's stripe. Once the run has finished, `o` switches the
selected head off and measures the model again (the job's call: never the UI thread).
Inside a GPT (inside_view.py): the shipped model or a checkpoint on a passage repeated once,
its heads' scores, heads switched off, and the logit lens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TabbedContent, TabPane

from tui.jobs import Job
from tui.panes.base import pane_help
from tui.panes.copying import work
from tui.panes.copying.head_maps import HeadMaps
from tui.panes.copying.inside_text import heads_named
from tui.panes.copying.inside_view import InsideView
from tui.panes.copying.narrowing import Narrowing
from tui.panes.copying.score_table import ScoreTable
from tui.panes.copying.work import Pair
from tui.panes.generator_pane import GeneratorPane
from tui.panes.lesson_focus import Target
from tui.widgets.curves import Curves
from tui.widgets.form import SettingsError, choice, whole

if TYPE_CHECKING:
    from engine.events import HeadScores, InductionEval, InductionStarted, InductionTrained
    from engine.induction import Measured

LESSON_KEYS = ("layers", "steps", "seed", "tab", "layer", "head", "model", "passage")
TABS = {"train": "copy-train", "heads": "copy-heads", "inside": "copy-inside"}
FOCUS = {  # the widget that gets the keys on each tab
    "copy-train": "#copy-scores",
    "copy-heads": "#copy-maps",
    "copy-inside": "#copy-gpt-scores",
}

BUTTONS_NEED = 70  # columns below which the buttons give way
HELP = pane_help(__file__)


def curve_name(layers: int) -> str:
    return f"{layers} layer{'s' if layers != 1 else ''}"


class CopyingScreen(GeneratorPane):
    PANE = "copying"
    HELP = HELP
    CSS_PATH = "copying.tcss"
    AUTO_FOCUS = "#copy-scores"
    BUTTON_PREFIX = "copy-"
    RESUME = staticmethod(work.resume)
    READY = "Ready: s trains the attention-only model; c looks inside a GPT."
    BINDINGS = [  # after RunPane's s, p and x
        Binding("l", "layer(1)", "Layer"),
        Binding("L", "layer(-1)", "Layer", show=False),
        Binding("h", "head(1)", "Head"),
        Binding("H", "head(-1)", "Head", show=False),
        Binding("o", "switch_off", "Head off/on"),
        Binding("O", "all_on", "All heads on", show=False),
        Binding("comma", "lens(-1)", "Lens", show=False),
        Binding("full_stop", "lens(1)", "Lens", show=False),
        Binding("ctrl+o", "open_gpt", "Open a GPT", show=False),
        *(
            Binding(key, f"show_tab('{tab}')", title, show=False)
            for key, tab, title in (
                ("a", "copy-train", "Train tab"),
                ("b", "copy-heads", "Heads tab"),
                ("c", "copy-inside", "Inside tab"),
            )
        ),
    ]
    FOCI = {  # what lesson 11's steps point at (see focus_targets)
        "chart": "#copy-curves",
        "table": "#copy-scores",
        "heads": "#copy-maps",
        "lens": "#copy-gpt-lens",
        "loss-line": "#copy-gpt-losses",
    }
    layer: reactive[int] = reactive(0)
    head: reactive[int] = reactive(0)

    def __init__(self) -> None:
        super().__init__(name="copying")
        self.job = Job(self, "induction")  # the experiment's model: its run and measurements
        self.run = None
        self.started: InductionStarted | None = None  # of the run shown
        self.latest: InductionEval | None = None
        self.trained: InductionTrained | None = None
        self.off: frozenset[Pair] = frozenset()  # heads of the experiment's model switched off
        self.measured: Measured | None = None  # the trained model with `off` switched off
        self.strong = 0.5  # engine.induction.INDUCTION_HEAD, read once the engine is in

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Narrowing(BUTTONS_NEED, id="copy-settings"):
            yield Label("layers", classes="copy-field-label")
            yield choice([("2", 2), ("1", 1)], 2, "copy-layers")
            yield Label("steps", classes="copy-field-label")
            yield Input("1000", id="copy-steps", compact=True, select_on_focus=True)
            yield Label("seed", classes="copy-field-label")
            yield Input("0", id="copy-seed", compact=True, select_on_focus=True)
            yield Button("Start", id="copy-start", compact=True, variant="primary")
            yield Button("Pause", id="copy-pause", compact=True)
            yield Button("Stop", id="copy-stop", compact=True)
        yield Label("Loading PyTorch…", id="copy-status")
        with TabbedContent(id="copy-tabs"):
            with TabPane("Train", id="copy-train"), VerticalScroll(id="copy-train-scroll"):
                with Vertical(id="copy-curves"):
                    yield Curves([], "loss on the copied tokens", first_step=0, id="copy-loss")
                    yield Curves([], "best induction score", first_step=0, id="copy-score")
                with Horizontal(id="copy-bottom"):
                    yield ScoreTable(id="copy-scores")
                    yield Static("", id="copy-verdict")
            with TabPane("Heads", id="copy-heads"):
                yield Label("Train first (s): the heads show here as they learn.", id="copy-where")
                yield HeadMaps(id="copy-maps")
                yield Label("", id="copy-off-line")
            with TabPane("Inside a GPT", id="copy-inside"):
                yield InsideView(id="copy-inside-view")

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)

    def _engine_ready(self, ready: bool) -> None:
        if not ready or self.state != "loading":
            return
        from engine.induction import INDUCTION_HEAD

        self.strong = self.query_one(InsideView).strong = INDUCTION_HEAD
        self.query_one(InsideView).offer()
        self.state = "idle"

    def _step(self) -> int:
        return self.latest.step if self.latest else 0

    def busy_with(self) -> str | None:
        """What quitting now would cut short (the app asks before it quits)."""
        if self.state != "running":
            return None
        steps = f" of {self.started.steps:,}" if self.started else ""
        return f"training the induction model (step {self._step():,}{steps})"

    # -- what a lesson step points at --------------------------------------------------------
    def _table(self) -> ScoreTable:
        """The score table on the tab showing: the experiment's, or the GPT's inside."""
        inside = self.query_one(TabbedContent).active == "copy-inside"
        return self.query_one("#copy-gpt-scores" if inside else "#copy-scores", ScoreTable)

    def focus_targets(self, name: str) -> list[Target]:
        """Both curves; the table's best copier (what the steps read from it: sixteen rows
        do not fit beside a lesson); the selected head's title and map, under the line that
        says where the copy is."""
        if name == "chart":
            return [Target(self.query_one(f"#copy-{c}"), what=c) for c in ("loss", "score")]
        if name == "table":
            table = self._table()
            best = table.best_region()
            return [Target(table, best, what="the best induction head's row" if best else "")]
        if name == "heads":
            maps = self.query_one(HeadMaps)
            where = Target(self.query_one("#copy-where"), what="where the copy is")
            if not 0 <= self.head < len(maps.boxes):
                return [where, Target(maps, what="the heads")]
            return [where, Target(maps.boxes[self.head], what=f"head {self.head + 1}")]
        return super().focus_targets(name)

    def bring_focus_into_view(self) -> None:
        """The table scrolls to its best copier's row first: the rest scroll to what shows."""
        if "table" in self.lesson_focus:
            self._table().show_best()
        super().bring_focus_into_view()

    # -- the experiment ----------------------------------------------------------------------
    def _settings(self) -> tuple[int, int, int] | None:
        try:
            steps = whole(self.query_one("#copy-steps", Input).value, "steps", minimum=1)
            seed = whole(self.query_one("#copy-seed", Input).value, "seed", minimum=0)
        except SettingsError as exc:
            self.notify(str(exc), severity="error")
            return None
        return int(self.query_one("#copy-layers", Select).value), int(steps), int(seed)

    def new_run(self) -> Iterator[object] | None:
        settings = self._settings()
        return None if settings is None else work.induction(*settings)

    def where(self) -> str:
        return f"at step {self._step()}"

    def kept(self) -> bool:
        return self.trained is not None

    def show_induction_started(self, events: list[InductionStarted]) -> None:
        self.started = started = events[-1]
        self.latest, self.trained = None, None
        for curves in self.query(Curves).results(Curves):  # runs of other lengths share the axis
            curves.total = max(curves.total, started.steps)
            curves.clear(curve_name(started.n_layer))
        self.query_one("#copy-verdict", Static).update("")
        self.off, self.measured = frozenset(), None
        self.set_reactive(CopyingScreen.layer, min(self.layer, self.started.n_layer - 1))
        self.query_one("#copy-off-line", Label).update("")

    def show_induction_eval(self, events: list[InductionEval]) -> None:
        name = curve_name(self.started.n_layer) if self.started else "?"
        self.query_one("#copy-loss", Curves).add_points(name, [(e.step, e.loss) for e in events])
        self.query_one("#copy-score", Curves).add_points(
            name, [(e.step, e.best.induction) for e in events]
        )
        self.latest = last = events[-1]
        for curves, value in (("#copy-loss", last.loss), ("#copy-score", last.best.induction)):
            self.query_one(curves, Curves).set_legend(name, f"{value:.2f}")
        self.query_one("#copy-scores", ScoreTable).show(last.scores, self.off, self.strong)
        self._show_maps()
        if self.state == "running":
            self.status(
                f"Step {last.step}/{self.started.steps if self.started else '?'}: loss "
                f"{last.loss:.2f}, {last.accuracy:.0%} right; best induction "
                f"{last.best.induction:.2f} ({last.best.name}) · p pauses, x stops"
            )

    def show_induction_trained(self, events: list[InductionTrained]) -> None:
        from engine.induction import verdict

        self.trained = done = events[-1]
        self.run = None
        last = done.history[-1]
        self.summary = (
            f"Done: {curve_name(done.n_layer)}, loss {done.history[0].loss:.2f} → {last.loss:.2f}"
            f" in {done.seconds:.0f} s; o switches the selected head off."
        )
        self.query_one("#copy-verdict", Static).update("\n".join(verdict(done)))

    # -- heads of the experiment's model -----------------------------------------------------
    def _shown(self) -> tuple[list[HeadScores], object] | None:
        """The scores and attention the Heads tab shows: measured with heads off, or the
        latest evaluation's."""
        if self.measured is not None and self.off:
            return self.measured.scores, self.measured.weights
        if self.latest is not None:
            return self.latest.scores, self.latest.weights
        return None

    def _show_maps(self) -> None:
        shown = self._shown()
        if shown is None or self.started is None:
            return
        from engine.induction import copied_stretch

        scores, weights = shown
        layer = min(self.layer, len(weights) - 1)
        maps = self.query_one(HeadMaps)
        maps.show(weights[layer], [s for s in scores if s.layer == layer], self.head)
        a, b, n = copied_stretch(self.started.source)
        n = min(n, len(self.started.source) - b)  # the copy may run past the last position
        self.query_one("#copy-where", Label).update(
            f"Layer {layer + 1} of {len(weights)}, one held-out sequence: positions {b}-"
            f"{b + n - 1} repeat {a}-{a + n - 1}; row i of the copy reads column i − {b - a - 1}."
        )
        maps.bring_into_view(self.head)

    def watch_layer(self) -> None:
        self._show_maps()

    def watch_head(self) -> None:
        self._show_maps()

    def action_layer(self, step: int) -> None:
        layers = self.started.n_layer if self.started else 1
        self.layer = (self.layer + step) % layers

    def action_head(self, step: int) -> None:
        from engine.induction import N_HEAD

        self.head = (self.head + step) % N_HEAD

    @on(DataTable.RowHighlighted, "#copy-scores")
    def _head_highlighted(self) -> None:
        pair = self.query_one("#copy-scores", ScoreTable).selected()
        if pair is not None:
            self.layer, self.head = pair

    def _switch_experiment(self, pair: Pair | None) -> None:
        if self.trained is None:
            self.notify("Switching a head off needs a finished run: s, then o.", timeout=4)
            return
        self.off = frozenset() if pair is None else self.off ^ {pair}
        model, seed, off = self.trained.model, self.trained.seed, self.off
        self.job.call(lambda: work.measure(model, seed, off), then=self._measured)

    def _measured(self, measured: Measured) -> None:
        self.measured = measured
        last = self.trained.history[-1] if self.trained else None
        line = ""
        if self.off and last is not None:
            line = (
                f"Off: {heads_named(self.off)} → copied loss {measured.loss:.2f} (all on "
                f"{last.loss:.2f}), {measured.accuracy:.0%} right ({last.accuracy:.0%})."
            )
        self.query_one("#copy-off-line", Label).update(line)
        scores = measured.scores if self.off else (last.scores if last else measured.scores)
        self.query_one("#copy-scores", ScoreTable).show(scores, self.off, self.strong)
        self._show_maps()

    # -- the keys of both models ------------------------------------------------------------
    def _inside(self) -> InsideView | None:
        """The Inside-a-GPT view when its tab shows (the keys are its own then)."""
        if self.query_one(TabbedContent).active != "copy-inside":
            return None
        return self.query_one(InsideView)

    def action_switch_off(self) -> None:
        inside = self._inside()
        if inside is None:
            self._switch_experiment((self.layer, self.head))
        else:
            inside.switch_off()

    def action_all_on(self) -> None:
        inside = self._inside()
        if inside is None:
            self._switch_experiment(None)
        else:
            inside.all_on()

    def action_lens(self, step: int) -> None:
        inside = self._inside()
        if inside is not None:
            inside.lens(step)

    def action_open_gpt(self) -> None:
        from tui.widgets.path_prompt import PathPrompt

        self.app.push_screen(PathPrompt("Look inside the GPT checkpoint at", "runs/"), self._open)

    def _open(self, path: str | None) -> None:
        if path:
            self.query_one(InsideView).choose(path, now=self._inside() is not None)
            self.action_show_tab("copy-inside")  # not shown yet: it loads as it shows

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.query_one("#copy-scores").focus()  # the pane's keys work again

    # -- tabs --------------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or ""
        self.query_one(FOCUS[pane]).focus()
        if pane == "copy-inside" and self.state != "loading":
            self.query_one(InsideView).showing()

    # -- lessons -----------------------------------------------------------------------------
    def apply_lesson(self, setup: dict) -> None:
        """Set the pane up for a lesson step: `layers`, `steps`, `seed`, `tab` (train, heads,
        inside), `layer` and `head` (from 1), `model` (shipped or a path), `passage` (blank:
        random characters). Nothing starts: the learner presses s."""
        setup = self.lesson_keys(setup, LESSON_KEYS)
        if "layers" in setup:
            self.lesson_select(self.query_one("#copy-layers", Select), setup["layers"], "layers")
        for key in ("steps", "seed"):
            if key in setup:
                self.query_one(f"#copy-{key}", Input).value = str(setup[key])
        if "layer" in setup:
            self.layer = int(setup["layer"]) - 1
        if "head" in setup:
            self.head = int(setup["head"]) - 1
        inside = self.query_one(InsideView)
        if "model" in setup:
            inside.choose(str(setup["model"]), now=self._inside() is not None)
        if "passage" in setup:
            inside.set_passage(str(setup["passage"] or ""))
        if "tab" in setup:
            if setup["tab"] in TABS:
                self.action_show_tab(TABS[setup["tab"]])
            else:
                self.lesson_problem(f"Copying: no tab {setup['tab']!r} ({', '.join(TABS)}).")
