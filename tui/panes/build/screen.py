"""The Build pane: the ladder of "Let's build GPT", from a bigram table to a GPT, rung by rung.

One `Job` (tui.jobs) trains: its worker iterates a ladder (`engine.ladder.climb`) or one rung
built with the learner's classes (`work.retrain`), and the pane only shows the events: the
table and the bars fill in as each rung is estimated, the curves of every rung share one scale,
and each finished rung's sample shows when its row is selected. Pause stops the worker and
keeps the generator; resume hands the same generator to a new worker, which goes on from the
step it had reached (in the middle of a rung).

With a folder of the learner's head.py, ... in "mine", m trains the selected rung with those
classes, from the reference's initial weights and on its batches, and says where the two
curves part, or that they agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from tui.jobs import Job
from tui.panes.base import pane_help
from tui.panes.build import work
from tui.panes.build.loss_bars import Bar, LossBars
from tui.panes.build.settings import BuildSettings
from tui.panes.build.table import LadderTable, pieces_text
from tui.panes.build.work import LadderSettings
from tui.panes.generator_pane import GeneratorPane
from tui.panes.lesson_focus import Target
from tui.widgets.curves import Curves
from tui.widgets.form import SettingsError

if TYPE_CHECKING:
    from engine.events import LadderDone, RungDone, RungEval, RungResult, RungStarted, RungStep
    from engine.ladder import Parting, Rung
    from engine.progress import Progress

LESSON_KEYS = ("rungs", "iters", "corpus", "mine", "seed", "select")
YOURS = "yours"  # the curve of the rung trained with the learner's classes

HELP = pane_help(__file__)


class BuildScreen(GeneratorPane):
    PANE = "build"
    HELP = HELP
    AGAIN = "s climbs again"
    READY = "Ready: s climbs the ladder; m trains the selected rung with your classes (set mine)."
    CSS_PATH = "build.tcss"
    AUTO_FOCUS = "#build-table"
    BUTTON_PREFIX = "build-"
    RESUME = staticmethod(work.resume)
    FOCI = {"table": "#build-table", "settings": "#build-settings"}
    BINDINGS = [  # after RunPane's s, p and x
        Binding("m", "retrain", "Mine"),
    ]

    def __init__(self) -> None:
        super().__init__(name="build")
        self.job = Job(self, "ladder")
        self.run = None  # the generator the job trains: a ladder, or a rung with yours
        self.rungs: dict[int, Rung] = {}  # the rungs the table lists
        self.results: dict[int, RungResult] = {}  # the reference's, per rung
        self.trained_with: dict[int, LadderSettings] = {}  # the settings of each result
        self.yours: dict[int, tuple[RungResult, Parting]] = {}
        self.live: dict[int, float] = {}  # the latest estimate of a rung still training
        self.settings: LadderSettings | None = None  # of the run
        self.training: tuple[int, bool] | None = None  # (rung, with yours) being trained
        self.steps: dict[int, int] = {}  # steps of the rung being trained
        self.step = 0
        self.progress: Progress | None = None  # the learner's exercises and own-code rungs

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="build-body"):
            yield BuildSettings(id="build-settings")
            with Horizontal(id="build-row-2"):
                yield Label("mine", classes="build-field-label")
                yield Input(
                    "",
                    placeholder="folder of your head.py…; empty: reference",
                    id="build-mine",
                    compact=True,
                )
                yield Button("Start", id="build-start", compact=True, variant="primary")
                yield Button("Pause", id="build-pause", compact=True)
                yield Button("Stop", id="build-stop", compact=True)
                yield Button("Mine", id="build-retrain", compact=True)
            yield Label("Loading PyTorch…", id="build-status")
            yield LadderTable(id="build-table")
            with VerticalScroll(id="build-more"):  # below a lesson it has a few rows
                yield Static("", id="build-detail", markup=False)
                with Horizontal(id="build-middle"):
                    yield LossBars(id="build-bars")
                    yield Curves(
                        [],
                        "validation loss of each rung, on one scale",
                        first_step=0,
                        id="build-curves",
                    )
                with VerticalScroll(id="build-sample-scroll"):
                    yield Static("", id="build-sample", markup=False)

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)

    def _engine_ready(self, ready: bool) -> None:
        if not ready or self.state != "loading":
            return
        from engine.data.text import CORPORA

        self.query_one(BuildSettings).offer(tuple(CORPORA))
        self._load_progress()
        self._list_chosen(quiet=True)
        self.state = "idle"

    def watch_state(self, state: str) -> None:
        super().watch_state(state)
        self.enable_buttons(retrain=state in ("idle", "done"))

    def _load_progress(self) -> None:
        from engine.progress import load

        self.progress, warning = load()
        if warning:
            self.notify(warning, severity="warning")

    def _progress(self, text: str) -> None:
        """How training goes, while it goes: events still on their way after a pause or a stop
        only move the step the status names."""
        if self.state == "running":
            self.status(text)
        else:
            self.watch_state(self.state)

    def busy_with(self) -> str | None:
        """What quitting now would cut short (the app asks before it quits)."""
        return f"training {self._where()}" if self.state == "running" else None

    def focus_targets(self, name: str) -> list[Target]:
        """The table's columns up to the pieces (the line under it says what a rung adds);
        the settings' rows and the status line under them, where a rung of yours reports."""
        if name == "table":
            table = self.query_one(LadderTable)
            return [Target(table, table.figures_region(), what="the ladder's figures")]
        if name == "settings":
            return [
                Target(self.query_one(f"#{part}"), what=part)
                for part in ("build-settings", "build-row-2", "build-status")
            ]
        return super().focus_targets(name)

    def _where(self) -> str:
        if self.training is None:
            return "the ladder"
        rung, yours = self.training
        return f"rung {rung}{' (yours)' if yours else ''} at step {self.step}"

    # -- settings ----------------------------------------------------------------------------
    def _settings(self) -> LadderSettings | None:
        """The settings as typed, or None after saying which field is wrong."""
        from engine.errors import EngineError

        try:
            settings = self.query_one(BuildSettings).values()
            work.chosen(settings.rungs, settings.iters)
        except (SettingsError, EngineError) as exc:
            self.notify(str(exc).replace("--", ""), severity="error")
            return None
        return settings

    def _list_chosen(self, quiet: bool = False) -> list[Rung]:
        """List the rungs the settings name in the table (nothing trained), and return them."""
        from engine.errors import EngineError

        try:
            settings = self.query_one(BuildSettings).values()
            rungs = work.chosen(settings.rungs, settings.iters)
        except (SettingsError, EngineError) as exc:
            if not quiet:
                self.notify(str(exc).replace("--", ""), severity="error")
            return []
        self.rungs = {rung.number: rung for rung in rungs}
        self.results, self.trained_with, self.yours, self.live = {}, {}, {}, {}
        self.query_one(LadderTable).list_rungs(rungs)
        self.query_one(Curves).reset(max(r.steps for r in rungs), [str(r.number) for r in rungs])
        self._show_bars()
        self._show_selected()
        return rungs

    def _relist_if_changed(self) -> None:
        """Between runs, list the rungs the settings name once they are not the last run's:
        the table never shows results under settings they were not trained with."""
        if self.state == "idle" or (self.state == "done" and self._changed()):
            self._list_chosen()

    def _changed(self) -> bool:
        try:
            typed = self.query_one(BuildSettings).values()
        except SettingsError:
            return False  # said when s is pressed
        return self.settings is None or (typed.rungs, typed.iters) != (
            self.settings.rungs,
            self.settings.iters,
        )

    @on(Input.Submitted)
    def on_setting_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("build-rungs", "build-iters"):
            self._relist_if_changed()
        self.query_one(LadderTable).focus()  # the pane's keys work again

    # -- lessons -----------------------------------------------------------------------------
    def apply_lesson(self, setup: dict) -> None:
        """Set the pane up for a lesson step: `rungs`, `iters` (None or "full": the lecture's
        steps), `corpus`, `seed`, `mine` (a folder) and `select` (a rung to show). Nothing
        starts: the learner presses s (or m)."""
        setup = self.lesson_keys(setup, LESSON_KEYS)
        self.query_one(BuildSettings).set_fields(setup)
        if "corpus" in setup:
            self.lesson_select(self.query_one("#build-corpus", Select), setup["corpus"], "corpus")
        if "mine" in setup:
            self.query_one("#build-mine", Input).value = str(setup["mine"] or "")
        if {"rungs", "iters"} & setup.keys():
            self._relist_if_changed()
        if "select" in setup:
            table = self.query_one(LadderTable)
            if table.has_rung(int(setup["select"])):
                table.select(int(setup["select"]))
            else:
                self.lesson_problem(f"Build: rung {setup['select']!r} is not in the table.")

    # -- actions -----------------------------------------------------------------------------
    def new_run(self) -> Iterator[object] | None:
        settings = self._settings()
        if settings is None or not self._list_chosen():
            return None
        self.settings = settings
        return work.climb(settings, self.app.data_dir, self.app.device)

    def where(self) -> str:
        return f"in {self._where()}"

    def kept(self) -> bool:
        return bool(self.results)

    def action_retrain(self) -> None:
        """Train the selected rung with the learner's classes (the reference's first, if it
        has not trained yet), the way its reference result was trained."""
        if self.state not in ("idle", "done"):
            self.notify("The ladder is training: x stops it, then m.", severity="warning")
            return
        folder = self.query_one("#build-mine", Input).value.strip()
        number = self.query_one(LadderTable).selected()
        if not folder:
            self.notify("Write the folder of your head.py, … in mine first.", severity="warning")
            return
        if number is None:
            return
        settings = self.trained_with.get(number) or self._settings()
        if settings is None:
            return
        reference = number not in self.results
        curves = self.query_one(Curves)
        curves.clear(YOURS)
        curves.set_legend(YOURS, f"(rung {number})")
        self.yours.pop(number, None)
        self.settings, self.summary = settings, ""
        app = self.app
        self.train_run(work.retrain(number, settings, folder, reference, app.data_dir, app.device))

    # -- the ladder's events (on the UI thread) ----------------------------------------------
    def show_rung_started(self, events: list[RungStarted]) -> None:
        for event in events:
            yours = bool(event.theirs)
            self.training, self.step = (event.rung, yours), 0
            self.steps[event.rung] = event.steps
            self.query_one(Curves).clear(YOURS if yours else str(event.rung))
            if not yours:
                self.query_one(LadderTable).started(event.rung, event.parameters)
            self.query_one(LadderTable).select(event.rung)
            self._progress(f"Building rung {event.rung} ({event.name})…")

    def show_rung_step(self, events: list[RungStep]) -> None:
        last = events[-1]
        self.step = last.step
        yours = " with your classes" if self.training and self.training[1] else ""
        self._progress(
            f"Rung {last.rung}{yours}: step {last.step}/{self.steps.get(last.rung, '?')}  "
            f"loss {last.loss:.3f}  ·  p pauses, x stops"
        )

    def show_rung_eval(self, events: list[RungEval]) -> None:
        yours = self.training is not None and self.training[1]
        curves = self.query_one(Curves)
        for event in events:
            curves.add_points(YOURS if yours else str(event.rung), [(event.step, event.val_loss)])
            if not yours:
                self.live[event.rung] = event.val_loss
                self.query_one(LadderTable).live(event.rung, event.val_loss)
        self._show_bars()

    def show_rung_done(self, events: list[RungDone]) -> None:
        table = self.query_one(LadderTable)
        for event in events:
            result, number = event.result, event.result.rung
            self.live.pop(number, None)
            if result.theirs and number in self.results:
                from engine.ladder import parting  # loaded already: the worker trained with it

                part = parting(self.results[number].history, result.history)
                self.yours[number] = (result, part)
                mark = "✓" if part.step is None else "✗"
                table.set_pieces(number, f"{pieces_text(result.theirs)} {mark}")
                self._record(result)
                self.summary = f"Rung {number} with your {', '.join(result.theirs)}: " + (
                    part.describe()
                )
            else:
                self.results[number] = result
                if self.settings is not None:
                    self.trained_with[number] = self.settings
                self.yours.pop(number, None)
                table.done(result, pieces_text(result.theirs))
        self._show_bars()
        self._show_selected()

    def show_ladder_done(self, events: list[LadderDone]) -> None:
        results = events[-1].results
        seconds = sum(r.seconds for r in results)
        self.summary = (
            f"Climbed {len(results)} rung{'s' if len(results) != 1 else ''} in {seconds:.0f} s: "
            f"val {results[0].val_loss:.2f} → {results[-1].val_loss:.2f}. s: again; m: yours."
        )

    def _record(self, result: RungResult) -> None:
        """Keep the rung trained with the learner's code in their progress (a tiny write)."""
        from engine.progress import record_rung

        warning = record_rung(result.rung, result.theirs, result.val_loss)
        if warning:
            self.notify(warning, severity="warning")
        self._load_progress()

    # -- what the pane shows -----------------------------------------------------------------
    def _show_bars(self) -> None:
        bars = []
        for number, rung in self.rungs.items():
            result = self.results.get(number)
            live = self.live.get(number)
            val = result.val_loss if result is not None else live
            bars.append(Bar(number, val, rung.lecture, live=result is None and live is not None))
        self.query_one(LossBars).show(bars)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        """The selected rung: what it adds, its figures, your version of it, its sample."""
        number = self.query_one(LadderTable).selected()
        rung = self.rungs.get(number) if number is not None else None
        detail, sample = self.query_one("#build-detail", Static), Text()
        if rung is None:
            detail.update("")
            self.query_one("#build-sample", Static).update(sample)
            return
        note = "" if rung.lecture_note == "lecture" else f" ({rung.lecture_note})"
        line = f"Rung {rung.number}, {rung.name}: {rung.adds}. Lecture {rung.lecture:.2f}{note}."
        if rung.uses and self.progress is not None:
            line += " Exercises: " + ", ".join(
                f"{name} ✓ passes its check" if self.progress.passed(name) else f"{name} not yet"
                for name in rung.uses
            )
            record = self.progress.rungs.get(rung.number)
            line += f"; yours last trained to val {record.val_loss:.3f}." if record else "."
        result = self.results.get(rung.number)
        if result is None:
            sample.append("its sample shows here once it has trained", style="dim")
        else:
            if result.diverged:
                line += f" Diverged: {result.diverged}."
            sample.append(f"after {result.steps} steps, val {result.val_loss:.3f}: ", style="dim")
            sample.append_text(shown(result.sample))
        if rung.number in self.yours:
            mine, part = self.yours[rung.number]
            sample.append(f"\nyours ({', '.join(mine.theirs)}) {part.describe()}", style="bold")
            if part.step is not None:
                sample.append(f"\nyours, val {mine.val_loss:.3f}: ", style="dim")
                sample.append_text(shown(mine.sample))
        detail.update(line)
        self.query_one("#build-sample", Static).update(sample)


def shown(sample: str) -> Text:
    """A sample on few lines: each newline a dim ⏎."""
    text = Text()
    for i, line in enumerate(sample.split("\n")):
        if i:
            text.append("⏎", style="dim")
        text.append(line)
    return text
