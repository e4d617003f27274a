"""The Digits pane: train Nielsen's network, watch it learn, and look inside it.

Training runs in a thread worker that posts at most `UI_HZ` progress messages a second and
checks for cancellation after every mini-batch, so pausing, stopping and quitting are prompt.
Pause stops the worker and keeps the run; resume starts a new worker where the run stands.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
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
from textual.worker import get_current_worker

from tui.panes.base import PaneScreen
from tui.panes.digits.digit_canvas import DigitCanvas
from tui.panes.digits.digit_gallery import DigitGallery
from tui.panes.digits.draw_pad import DrawPad
from tui.panes.digits.neuron_grid import NeuronGrid
from tui.panes.digits.settings import DEFAULTS, MLPSettings, SettingsError
from tui.panes.digits.shape_table import ShapeTable
from tui.panes.digits.train_charts import TrainCharts

if TYPE_CHECKING:
    from engine.mlp_run import MLPRun

UI_HZ = 15
GALLERY_SIZE = 1000  # test digits the gallery shows answers for
VIEW_SECONDS = 1.0  # while training, redraw the views of the weights at most this often
LESSON_KEYS = ("tab", "settings")  # what a lesson step may set here (apply_lesson)
LESSON_TABS = {
    "train": "tab-train",
    "gallery": "tab-gallery",
    "neurons": "tab-neurons",
    "shapes": "tab-shapes",
    "draw": "tab-draw",
}

HELP = """\
# Digits

Nielsen's network from chapter 1 of *Neural Networks and Deep Learning*, trained by
stochastic gradient descent on MNIST.

| key | does |
| --- | --- |
| `s` | start training with the settings (or resume a paused run) |
| `p` | pause / resume |
| `x` | stop |
| `n` | apply one mini-batch and show every tensor it makes (Shapes tab) |
| `ctrl+s` / `ctrl+o` | save the network / load the last one saved |
| `t` `g` `w` `i` `d` | show the Train, Test digits, Neurons, Shapes (inspector), Draw tab |
| `←` `→` `m` | in Test digits: page, and show only the mistakes |
| mouse, arrows, space, `c` | in Draw: draw, move, ink, clear |

Tabs: **Train** (settings, progress, accuracy, the `Epoch N: x / 10000` log), **Test digits**
(what the network answers), **Neurons** (what each hidden neuron looks for), **Shapes** (one
mini-batch, tensor by tensor), **Draw** (draw a digit and watch it read).
"""


class RunStarted(Message):
    def __init__(self, run: MLPRun) -> None:
        super().__init__()
        self.run = run


class TrainingProgress(Message):
    """Where training is, and the mean mini-batch cost since the last message."""

    def __init__(self, epoch: int, batch: int, batches: int, loss: float | None) -> None:
        super().__init__()
        self.epoch, self.batch, self.batches, self.loss = epoch, batch, batches, loss


class EpochFinished(Message):
    def __init__(self, epoch: int, correct: int, total: int, seconds: float) -> None:
        super().__init__()
        self.epoch, self.correct, self.total, self.seconds = epoch, correct, total, seconds


class StepShown(Message):
    def __init__(self, summaries: list, epochs: list) -> None:  # engine types
        super().__init__()
        self.summaries, self.epochs = summaries, epochs


class WorkerEnded(Message):
    def __init__(self, finished: bool, error: str = "") -> None:
        super().__init__()
        self.finished, self.error = finished, error


class DigitsScreen(PaneScreen):
    PANE = "digits"
    HELP = HELP
    CSS_PATH = "digits.tcss"
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("p", "pause", "Pause/resume"),
        Binding("x", "stop", "Stop"),
        Binding("n", "step", "One mini-batch"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "load", "Load"),
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
    state: reactive[str] = reactive("loading")  # loading, idle, running, paused, done

    def __init__(self) -> None:
        super().__init__(name="digits")
        self.run: MLPRun | None = None
        self.saved_path: Path | None = None
        self._views_drawn = 0.0

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="digits-tabs"):
            with TabPane("Train", id="tab-train"):
                with Horizontal():
                    with Vertical(id="digits-left"):
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
                    with Vertical(id="digits-right"):
                        yield ProgressBar(total=1, id="digits-progress", show_eta=False)
                        yield TrainCharts(id="charts")
                        yield Log(id="epoch-log", max_lines=500)
            with TabPane("Test digits", id="tab-gallery"):
                yield DigitGallery(id="gallery")
            with TabPane("Neurons", id="tab-neurons"):
                yield NeuronGrid(id="neurons")
            with TabPane("Shapes", id="tab-shapes"):
                yield Label(
                    "Press n (Step) to apply one mini-batch and see every tensor of "
                    "feedforward and backprop.",
                    id="shapes-status",
                )
                yield ShapeTable(id="shapes")
            with TabPane("Draw", id="tab-draw"):
                yield DrawPad(id="draw")

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)

    def _engine_ready(self, ready: bool) -> None:
        if ready and self.state == "loading":
            self.state = "idle"
            self.find_full_mnist()

    @work(thread=True, group="digits-find")
    def find_full_mnist(self) -> None:
        from engine.data.digits import find_full

        found = find_full(self.app.data_dir)
        if found:
            self.app.call_from_thread(self.query_one(MLPSettings).offer_full_mnist, found[0])

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
        for button, enabled in (
            ("start", state in ("idle", "done", "paused")),
            ("pause", state in ("running", "paused")),
            ("stop", state in ("running", "paused")),
            ("step", state in ("idle", "paused", "done")),
            ("save", self.run is not None and state != "loading"),
            ("load", state in ("idle", "done", "paused")),
        ):
            self.query_one(f"#{button}", Button).disabled = not enabled

    def say(self, text: str) -> None:
        self.query_one("#epoch-log", Log).write_line(text)

    # -- actions -----------------------------------------------------------------------------
    @on(Button.Pressed)
    def on_button(self, event: Button.Pressed) -> None:
        actions = {
            "start": self.action_start,
            "pause": self.action_pause,
            "stop": self.action_stop,
            "step": self.action_step,
            "save": self.action_save,
            "load": self.action_load,
        }
        if event.button.id in actions:
            actions[event.button.id]()

    def action_start(self) -> None:
        if self.state == "paused":
            self.state = "running"
            self.train(self.run)
        elif self.state in ("idle", "done"):
            try:
                settings = self.query_one(MLPSettings).values()
            except SettingsError as exc:
                self.notify(str(exc), severity="error")
                return
            self.state = "running"
            self.query_one(TrainCharts).reset()
            self.query_one("#epoch-log", Log).clear()
            self.train(None, settings)

    def action_pause(self) -> None:
        if self.state == "running":
            self.workers.cancel_group(self, "digits")
            self.state = "paused"
        elif self.state == "paused":
            self.action_start()

    def action_stop(self) -> None:
        if self.state in ("running", "paused"):
            self.workers.cancel_group(self, "digits")
            self.state = "done"
            self.say("Stopped.")

    def action_step(self) -> None:
        if self.state not in ("idle", "paused", "done"):
            return
        try:
            settings = self.query_one(MLPSettings).values()
        except SettingsError as exc:
            self.notify(str(exc), severity="error")
            return
        fresh = self.run is None or self.state == "done"
        self.state = "running"
        self.step_one(None if fresh else self.run, settings)

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_save(self) -> None:
        if self.run is None:
            self.notify("Nothing to save yet: train first.", severity="warning")
            return
        path = Path("runs") / time.strftime("mlp-%Y%m%d-%H%M%S.pt")
        self.run.save(path)
        self.saved_path = path
        self.say(f"Saved {path}")

    def action_load(self) -> None:
        from tui.widgets.path_prompt import PathPrompt

        runs = sorted(Path("runs").glob("mlp-*.pt"))
        default = str(self.saved_path or (runs[-1] if runs else "runs/mlp.pt"))
        self.app.push_screen(PathPrompt("Load a digit network from", default), self._load)

    def _load(self, path: str | None) -> None:
        if not path:
            return
        from engine.errors import EngineError
        from engine.mlp_run import MLPRun

        try:
            run = MLPRun.load(path)
        except EngineError as exc:
            self.notify(str(exc), severity="error")
            return
        self.on_run_started(RunStarted(run))
        self.state = "done" if run.finished else "paused"
        self.say(f"Loaded {path}: epoch {run.epoch}, mini-batch {run.batch}")
        self.query_one(TrainCharts).show_accuracy(run.accuracy)
        self.refresh_views(force=True)

    # -- lessons -----------------------------------------------------------------------------
    def apply_lesson(self, setup: dict) -> None:
        """Set the pane up for a lesson step: `tab` (train, gallery, neurons, shapes, draw) and
        `settings` (the fields on the left: sizes, epochs, mini_batch_size, eta, seed, cost,
        data). Nothing starts: the step tells the learner which key to press."""
        setup = self.lesson_keys(setup, LESSON_KEYS)
        settings = setup.get("settings", {})
        if not isinstance(settings, dict):
            self.lesson_problem("Lesson settings for Digits must be a table; ignored.")
            settings = {}
        for key, value in settings.items():
            self._lesson_setting(key, value)
        if settings and self.state in ("running", "paused"):
            self.notify("A run is in progress: x stops it, then s starts one with these settings.")
        if "tab" in setup:
            tab = LESSON_TABS.get(str(setup["tab"]))
            if tab is None:
                self.lesson_problem(
                    f"Digits has no tab {setup['tab']!r}: choose {', '.join(LESSON_TABS)}."
                )
            else:
                self.action_show_tab(tab)

    def _lesson_setting(self, key: str, value: object) -> None:
        if key in ("cost", "data"):
            self.lesson_select(self.query_one(f"#set-{key}", Select), value, key)
        elif key in DEFAULTS:
            if key == "sizes" and isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            self.query_one(f"#set-{key}", Input).value = str(value)
        else:
            self.lesson_problem(
                f"Digits has no setting {key!r} (it has {', '.join([*DEFAULTS, 'cost', 'data'])})."
            )

    # -- workers (threads) -------------------------------------------------------------------
    def _start_run(self, settings: dict) -> MLPRun:
        from engine.mlp_run import MLPConfig, MLPRun

        run = MLPRun.start(MLPConfig(**settings), data_dir=self.app.data_dir)
        self.post_message(RunStarted(run))
        return run

    @work(thread=True, exclusive=True, group="digits")
    def train(self, run: MLPRun | None, settings: dict | None = None) -> None:
        from engine.errors import EngineError
        from engine.events import BatchDone

        worker = get_current_worker()
        try:
            run = run or self._start_run(settings or {})
            losses: list[float] = []
            last_post = 0.0
            for event in run.events(loss_every=20):
                if worker.is_cancelled:
                    return
                if isinstance(event, BatchDone):
                    if event.loss is not None:
                        losses.append(event.loss)
                    now = time.monotonic()
                    if now - last_post >= 1 / UI_HZ or event.batch + 1 == event.batches:
                        mean = sum(losses) / len(losses) if losses else None
                        self.post_message(
                            TrainingProgress(event.epoch, event.batch + 1, event.batches, mean)
                        )
                        losses, last_post = [], now
                else:
                    self.post_message(
                        EpochFinished(
                            event.epoch, event.correct or 0, event.total or 0, event.seconds
                        )
                    )
            self.post_message(WorkerEnded(finished=True))
        except EngineError as exc:
            self.post_message(WorkerEnded(finished=False, error=str(exc)))

    @work(thread=True, exclusive=True, group="digits")
    def step_one(self, run: MLPRun | None, settings: dict) -> None:
        from engine.errors import EngineError

        try:
            run = run or self._start_run(settings)
            epochs, summaries = run.step_once()
            self.post_message(StepShown(summaries, epochs))
            self.post_message(WorkerEnded(finished=run.finished))
        except EngineError as exc:
            self.post_message(WorkerEnded(finished=False, error=str(exc)))

    # -- messages from the workers -----------------------------------------------------------
    def on_run_started(self, message: RunStarted) -> None:
        self.run = message.run
        c = message.run.config
        self.say(
            f"Network {list(c.sizes)}, eta {c.eta}, mini-batch {c.mini_batch_size}, "
            f"{c.cost} cost; {message.run.digits.source}"
        )
        self.watch_state(self.state)

    def on_training_progress(self, message: TrainingProgress) -> None:
        bar = self.query_one("#digits-progress", ProgressBar)
        bar.update(total=message.batches, progress=message.batch)
        if message.loss is not None:
            self.query_one(TrainCharts).add_loss(message.loss)

    def on_epoch_finished(self, message: EpochFinished) -> None:
        self.say(
            f"Epoch {message.epoch}: {message.correct} / {message.total}"
            + (f"  ({message.seconds:.2f} s)" if message.seconds else "")
        )
        if self.run is not None:
            self.query_one(TrainCharts).show_accuracy(self.run.accuracy)
        self.refresh_views()

    def on_step_shown(self, message: StepShown) -> None:
        self.query_one(ShapeTable).show(message.summaries)
        batch = message.epochs[0]
        self.query_one("#shapes-status", Label).update(
            f"Epoch {batch.epoch}, mini-batch {batch.batch + 1} of {batch.batches} applied "
            f"(cost before it {batch.loss:.4f}). Columns of x are the images."
        )
        for event in message.epochs[1:]:
            self.on_epoch_finished(EpochFinished(event.epoch, event.correct, event.total, 0.0))
        self.query_one(TabbedContent).active = "tab-shapes"
        self.refresh_views(force=True)

    def on_worker_ended(self, message: WorkerEnded) -> None:
        if message.error:
            self.notify(message.error, severity="error")
            self.state = "idle" if self.run is None else "paused"
            return
        if self.state == "running":
            self.state = "done" if message.finished else "paused"
        self.refresh_views(force=True)

    # -- views of the network ----------------------------------------------------------------
    def refresh_views(self, force: bool = False) -> None:
        """Redraw the tab showing, if it depends on the weights (test answers, neuron images,
        the drawing's reading); while training, at most once every VIEW_SECONDS. The other tabs
        are redrawn when they are shown."""
        now = time.monotonic()
        if self.run is None or (not force and now - self._views_drawn < VIEW_SECONDS):
            return
        self._views_drawn = now
        tab = self.query_one(TabbedContent).active
        net = self.run.network
        if tab == "tab-gallery":
            test = self.run.digits.test
            images = test.images[:GALLERY_SIZE].numpy()
            self.query_one(DigitGallery).show(
                images, test.labels[:GALLERY_SIZE].numpy(), net.output_activations(images)
            )
        elif tab == "tab-neurons":
            self.query_one(NeuronGrid).show(net.weights[0].cpu().numpy())
        elif tab == "tab-draw":
            self.read_drawing(self.query_one(DigitCanvas).pixels)

    @on(TabbedContent.TabActivated)
    def on_tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """Draw the tab's view and give its main widget the keys (paging, drawing, ...)."""
        self.refresh_views(force=True)
        main = {"tab-gallery": "#gallery", "tab-shapes": "#shapes", "tab-draw": "#canvas"}
        if event.pane.id in main:
            self.query_one(main[event.pane.id]).focus()

    @on(DigitCanvas.Changed)
    def on_drawing_changed(self, event: DigitCanvas.Changed) -> None:
        self.read_drawing(event.pixels)

    def read_drawing(self, pixels) -> None:  # noqa: ANN001 - numpy (28, 28)
        pad = self.query_one(DrawPad)
        if self.run is None:
            pad.show(None, "Train or load a network first: it has nothing to read with yet.")
            return
        if not pixels.any():
            pad.show(None, "Draw a digit with the mouse (or arrows + space); c clears.")
            return
        from engine.data.digits import mnist_style

        pad.show(self.run.network.output_activations(mnist_style(pixels))[0])
