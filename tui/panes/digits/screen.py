"""The Digits pane: train Nielsen's network, watch it learn, and look inside it.

Everything that touches the network goes through one `Job` (tui.jobs): training iterates
`MLPRun.events()` in its worker and the pane hears the events themselves (`show_batch_done`,
`show_epoch_done`); one mini-batch, saving, loading and the views of the weights (test answers,
neurons, the drawing's reading) are calls that run between two mini-batches. Pause stops the
worker and keeps the run; resume starts a new one where the run stands. Which digits it trains
on, and the download of the full set when it is missing, are `FullMnist`'s (its own job).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Input,
    Label,
    Log,
    ProgressBar,
    Select,
    TabbedContent,
    TabPane,
)

from tui.jobs import Job, JobEnd
from tui.panes.base import pane_help
from tui.panes.digits.digit_canvas import DigitCanvas
from tui.panes.digits.digit_gallery import DigitGallery
from tui.panes.digits.draw_pad import DrawPad
from tui.panes.digits.full_mnist import FullMnist, Looked, look
from tui.panes.digits.lesson_steps import FOCI, apply_digits_lesson, digits_targets
from tui.panes.digits.neuron_grid import NeuronGrid
from tui.panes.digits.settings import MLPSettings
from tui.panes.digits.shape_table import ShapeTable
from tui.panes.digits.train_charts import TrainCharts
from tui.panes.lesson_focus import Target
from tui.panes.run_pane import RunPane
from tui.widgets.form import SettingsError

if TYPE_CHECKING:
    import numpy as np

    from engine.events import BatchDone, EpochDone
    from engine.mlp import TensorSummary
    from engine.mlp_run import MLPRun

GALLERY_SIZE = 1000  # test digits the gallery shows answers for
VIEW_SECONDS = 1.0  # while training, redraw the views of the weights at most this often
SHAPES_PROMPT = "Press n (Step) to apply one mini-batch and see every tensor it makes."

HELP = pane_help(__file__)


class DigitsScreen(RunPane):
    PANE = "digits"
    HELP = HELP
    CSS_PATH = "digits.tcss"
    SAVE_NAME = "mlp-%Y%m%d-%H%M%S.pt"
    LOAD_QUESTION = "Load a digit network from"
    BINDINGS = [  # after RunPane's s, p and x
        Binding("n", "step", "One mini-batch"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "load", "Load"),
        Binding("f", "download", "Download MNIST"),
        *(
            Binding(key, f"show_tab('{tab}')", title, show=False)
            for key, tab, title in (
                ("t", "tab-train", "Train tab"),
                ("g", "tab-gallery", "Test digits tab"),
                ("w", "tab-neurons", "Neurons tab"),
                ("i", "tab-shapes", "Shapes tab"),
                ("d", "tab-draw", "Draw tab"),
            )
        ),
    ]
    FOCI = FOCI

    def __init__(self) -> None:
        super().__init__(name="digits")
        self.run: MLPRun | None = None
        self.job = Job(self, "digits")
        self.accuracy: list[tuple[int, int]] = []  # (correct, total) per epoch, as shown
        self._views_drawn = 0.0
        self._settings_noted = False  # said that changed settings make the next run new

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="digits-tabs"):
            with TabPane("Train", id="tab-train"):
                with Horizontal():
                    with VerticalScroll(id="digits-left"):
                        yield MLPSettings(id="settings")
                        with Horizontal(id="digits-buttons"):
                            yield Button("Start", id="start", compact=True, variant="primary")
                            yield Button("Pause", id="pause", compact=True)
                            yield Button("Stop", id="stop", compact=True)
                            yield Button("Step", id="step", compact=True)
                        with Horizontal(id="digits-buttons-2"):
                            yield Button("Save", id="save", compact=True)
                            yield Button("Load", id="load", compact=True)
                        yield Label("Loading PyTorch…", id="digits-status")
                    with VerticalScroll(id="digits-right"):
                        yield FullMnist(id="full-mnist")
                        yield ProgressBar(total=1, id="digits-progress", show_eta=False)
                        yield TrainCharts(id="charts")
                        yield Log(id="epoch-log", max_lines=500)
            with TabPane("Test digits", id="tab-gallery"):
                yield DigitGallery(id="gallery")
            with TabPane("Neurons", id="tab-neurons"):
                yield NeuronGrid(id="neurons")
            with TabPane("Shapes", id="tab-shapes"):
                yield Label(SHAPES_PROMPT, id="shapes-status")
                yield ShapeTable(id="shapes")
            with TabPane("Draw", id="tab-draw"):
                yield DrawPad(id="draw")

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)

    def _engine_ready(self, ready: bool) -> None:
        """Look for the full set before saying Ready, so the pane never shows a moment of not
        knowing which digits it trains on."""
        if ready and self.state == "loading":
            data_dir = self.app.data_dir
            self.job.call(lambda: look(data_dir), then=self._looked, failed=self._look_failed)

    def _looked(self, looked: Looked) -> None:
        self.query_one(FullMnist).show_looked(looked)
        if looked.found:
            self.query_one(MLPSettings).offer_full_mnist(looked.found[0])
        self.state = "idle"

    def _look_failed(self, error: str) -> None:
        self.notify(f"Could not look for the full MNIST set: {error}", severity="error")
        self.state = "idle"

    @on(FullMnist.Ready)
    def _full_mnist_ready(self, event: FullMnist.Ready) -> None:
        self.query_one(MLPSettings).offer_full_mnist(event.origin)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`f` is in the footer only while the full set is missing or downloading."""
        allowed = super().check_action(action, parameters)
        if action == "download" and allowed:
            return self.query_one(FullMnist).offered
        return allowed

    def watch_state(self, state: str) -> None:
        status = {
            "loading": "Loading PyTorch…",
            "idle": "Ready: s to start, n for one mini-batch.",
            "running": "Training… p pauses, x stops.",
            "paused": "Paused: p resumes, n steps one mini-batch.",
            "done": "Done: s trains a new network.",
        }[state]
        self.query_one("#digits-status", Label).update(status)
        self.query_one("#pause", Button).label = "Resume" if state == "paused" else "Pause"
        self.enable_buttons(
            start=state in ("idle", "done", "paused"),
            pause=state in ("running", "paused"),
            stop=state in ("running", "paused"),
            step=state in ("idle", "paused", "done"),
            save=self.run is not None and state != "loading",
            load=state in ("idle", "done", "paused"),
        )

    def say(self, text: str) -> None:
        self.query_one("#epoch-log", Log).write_line(text)

    # -- actions -----------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.state == "paused" and self.run is not None:
            run = self.run
            self.train(lambda: run.events(loss_every=20))
        elif self.state in ("idle", "done"):
            settings = self.settings()
            if settings is None:
                return
            self.clear_training_views()
            self.query_one("#epoch-log", Log).clear()
            self.train(lambda: self._train_new(settings))
        self.clear_step_view()  # training takes the run past the mini-batch it lists

    def _train_new(self, settings: dict[str, Any]):  # noqa: ANN202 - a generator of events
        """In the worker: build the run (its data loads here), hand it to the pane, train."""
        run = self._build(settings)
        self.job.deliver(self._begun, (run, []))
        yield from run.events(loss_every=20)

    def _build(self, settings: dict[str, Any]) -> MLPRun:
        from engine.mlp_run import MLPConfig, MLPRun

        app = self.app
        return MLPRun.start(MLPConfig(**settings), device=app.device, data_dir=app.data_dir)

    def settings(self) -> dict[str, Any] | None:
        """The settings on the left, or None (and an error shown) if one does not parse."""
        try:
            return self.query_one(MLPSettings).values()
        except SettingsError as exc:
            self.notify(str(exc), severity="error")
            return None

    def say_stopped(self) -> None:
        self.say("Stopped.")

    def action_step(self) -> None:
        if self.state not in ("idle", "paused", "done"):
            return
        settings = self.settings()
        if settings is None:
            return
        run = None if self.run is None or self.state == "done" else self.run
        self.state = "running"

        def step() -> tuple[MLPRun, list, list[TensorSummary]]:
            from engine.mlp import summarize

            stepped = run or self._build(settings)
            events, tensors = stepped.step_once()
            net = stepped.network
            layers = enumerate(zip(net.weights, net.biases), start=2)
            kept = [(f"{kind}{n}", t) for n, (w, b) in layers for kind, t in (("w", w), ("b", b))]
            return stepped, events, [*tensors, *summarize(kept)]

        self.job.call(step, then=self._stepped, failed=self.run_failed)

    def action_download(self) -> None:
        self.query_one(FullMnist).toggle()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def load_from(self, path: str) -> None:
        from engine.mlp_run import MLPRun

        data_dir, device = self.app.data_dir, self.app.device

        def load() -> tuple[MLPRun, list[tuple[int, int]]]:
            run = MLPRun.load(path, device=device, data_dir=data_dir)
            return run, list(run.accuracy)

        self.job.call(load, then=lambda loaded: self._loaded(path, *loaded))

    def _loaded(self, path: str, run: MLPRun, accuracy: list[tuple[int, int]]) -> None:
        self.job.stop()
        self._begun((run, accuracy))
        self.state = "done" if run.finished else "paused"
        self.say(f"Loaded {path}")
        self.say(f"at epoch {run.epoch}, mini-batch {run.batch}")
        self.refresh_views(force=True)

    # -- lessons -----------------------------------------------------------------------------
    def focus_targets(self, name: str) -> list[Target]:
        return digits_targets(self, name) or super().focus_targets(name)

    def apply_lesson(self, setup: dict) -> None:
        apply_digits_lesson(self, setup)

    # -- what the job hands back (on the UI thread) ------------------------------------------
    def _begun(self, begun: tuple[MLPRun, list[tuple[int, int]]]) -> None:
        """A new network (built, or loaded): no view may go on showing the last one's."""
        run, self.accuracy = begun[0], list(begun[1])
        self.run = run
        self._settings_noted = False
        self.clear_training_views()
        self.query_one(DigitGallery).clear("A new network: its answers show after each epoch.")
        self.query_one(NeuronGrid).clear()
        self.read_drawing(self.query_one(DigitCanvas).pixels)
        c, digits = run.config, run.digits
        # short lines: the log is 45 columns wide beside the settings on an 80-column terminal
        self.say(f"Network {','.join(map(str, c.sizes))}, {c.cost} cost")
        self.say(f"eta {c.eta}, mini-batches of {c.mini_batch_size}, seed {c.seed}")
        self.say(f"{len(digits.train):,} digits to train on, {len(digits.test):,} to test")
        self.query_one(TrainCharts).show_accuracy(self.accuracy)
        self.watch_state(self.state)

    def clear_training_views(self) -> None:
        """The charts, the progress bar and the Shapes tab back to empty."""
        self.query_one(TrainCharts).reset()
        self.query_one("#digits-progress", ProgressBar).update(total=1, progress=0)
        self.clear_step_view()

    def clear_step_view(self) -> None:
        self.query_one(ShapeTable).clear()
        self.query_one("#shapes-status", Label).update(SHAPES_PROMPT)

    @on(Input.Changed, "MLPSettings Input")
    @on(Select.Changed, "MLPSettings Select")
    def _settings_changed(self) -> None:
        """New settings with a run that will not go on (done, or loaded finished): the next s
        or n trains a new network, so its training views are cleared (the network stays, to
        save or to ask)."""
        if self.run is None or self.state != "done" or self._settings_noted:
            return
        self._settings_noted = True
        self.clear_training_views()
        self.say("New settings: s or n trains a new network.")

    def show_batch_done(self, events: list[BatchDone]) -> None:
        last = events[-1]
        bar = self.query_one("#digits-progress", ProgressBar)
        bar.update(total=last.batches, progress=last.batch + 1)
        losses = [e.loss for e in events if e.loss is not None]
        if losses:
            self.query_one(TrainCharts).add_loss(sum(losses) / len(losses))

    def show_epoch_done(self, events: list[EpochDone]) -> None:
        for event in events:
            self.say(
                f"Epoch {event.epoch}: {event.correct or 0} / {event.total or 0}"
                + (f"  ({event.seconds:.2f} s)" if event.seconds else "")
            )
            if event.correct is not None and event.total is not None:
                self.accuracy.append((event.correct, event.total))
        self.query_one(TrainCharts).show_accuracy(self.accuracy)
        self.refresh_views()
        self.keep_focus_in_view("log", "accuracy", "cost")

    def _stepped(self, stepped: tuple[MLPRun, list, list[TensorSummary]]) -> None:
        run, events, summaries = stepped
        if run is not self.run:
            self._begun((run, []))
        self.query_one(ShapeTable).show(summaries)
        batch = events[0]
        self.query_one("#shapes-status", Label).update(
            f"Epoch {batch.epoch}, mini-batch {batch.batch + 1} of {batch.batches} applied "
            f"(cost before it {batch.loss:.4f})."
        )
        if events[1:]:
            self.show_epoch_done(events[1:])
        self.state = "done" if run.finished else "paused"
        self.query_one(TabbedContent).active = "tab-shapes"
        self.refresh_views(force=True)

    def job_ended(self, job: Job, end: JobEnd) -> None:
        super().job_ended(job, end)
        self.refresh_views(force=True)

    # -- views of the network ----------------------------------------------------------------
    def refresh_views(self, force: bool = False) -> None:
        """Redraw the tab showing, if it depends on the weights (test answers, neuron images,
        the drawing's reading); while training, at most once every VIEW_SECONDS. The other tabs
        are redrawn when they are shown. The numbers are computed by a call between two
        mini-batches, never here."""
        now = time.monotonic()
        if self.run is None or (not force and now - self._views_drawn < VIEW_SECONDS):
            return
        self._views_drawn = now
        tab, run = self.query_one(TabbedContent).active, self.run
        if tab == "tab-gallery":
            self.job.call(
                lambda: run.test_answers(GALLERY_SIZE),
                then=lambda shown: self.query_one(DigitGallery).show(*shown),
            )
        elif tab == "tab-neurons":
            self.job.call(run.neuron_weights, then=self.query_one(NeuronGrid).show)
        elif tab == "tab-draw":
            self.read_drawing(self.query_one(DigitCanvas).pixels)

    @on(TabbedContent.TabActivated)
    def on_tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """Draw the tab's view and give its main widget the keys (paging, drawing, ...)."""
        self.refresh_views(force=True)
        main = {
            "tab-gallery": "#gallery",
            "tab-neurons": "#neurons",
            "tab-shapes": "#shapes",
            "tab-draw": "#canvas",
        }
        if event.pane.id in main:
            self.query_one(main[event.pane.id]).focus()

    @on(DigitCanvas.Changed)
    def on_drawing_changed(self, event: DigitCanvas.Changed) -> None:
        self.read_drawing(event.pixels)

    def read_drawing(self, pixels: np.ndarray) -> None:
        pad = self.query_one(DrawPad)
        if self.run is None:
            pad.show(None, "Train or load a network first: it has nothing to read with yet.")
            return
        if not pixels.any():
            pad.show(None, "Draw a digit with the mouse (or arrows + space); c clears.")
            return
        run, drawn = self.run, pixels.copy()
        self.job.call(lambda: run.read(drawn), then=pad.show)
