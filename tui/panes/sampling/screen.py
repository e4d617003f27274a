"""The Sampling pane: watch a GPT learn to write.

Training runs in a thread worker over `GPTRun.events()`, built with the engine's own samples
off: every N steps the worker samples with the settings as they are *now* (temperature, top-k,
prompt, N), which the main thread keeps in `self.live`, a plain dict the worker only reads.
Progress is posted at most `UI_HZ` times a second. Pause cancels the worker and keeps the run;
resume starts a new worker on the same run, which continues exactly.

"Generate now" streams characters from the current weights (or a fresh, untrained model) with
the most likely next characters as bars. A lock keeps training, generating and saving from
touching the model at the same time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, get_current_worker

from tui.panes.base import PaneScreen
from tui.panes.sampling.loss_chart import LossChart
from tui.panes.sampling.sample_log import SampleLog
from tui.panes.sampling.settings import LIVE, SamplingSettings
from tui.panes.sampling.token_bars import TokenBars, label
from tui.widgets.form import SettingsError

if TYPE_CHECKING:
    from engine.train import GPTRun

UI_HZ = 15  # progress messages a second, at most
SAMPLE_TOKENS = 200  # characters per sample while training
GEN_TOKENS = 300  # characters "Generate now" writes
GEN_RATE = 60.0  # characters a second it shows them at (0: as fast as they come)
GEN_HZ = 60  # posts a second, at most: faster characters arrive in batches
LESSON_KEYS = ("preset", "corpus", "max_steps", "every", "temperature", "top_k", "prompt")

HELP = """\
# Sampling

Train a small GPT on Shakespeare and watch what it writes: every few steps it continues the
prompt, and the samples go from noise to letters, to words, to something like a play.

| key | does |
| --- | --- |
| `s` | start training with the settings (or resume a paused run) |
| `p` | pause / resume (training continues exactly where it stopped) |
| `x` | stop |
| `g` | generate now: 300 characters from the current weights, with the candidates as bars |
| `ctrl+s` / `ctrl+o` | save the run to `runs/gpt-TIME.pt` / load a saved run |
| `enter` | in a field: apply it and give the keys back to the pane |

**Settings.** *preset* (tiny: words within about a minute; cpu: nanoGPT's baby GPT), *corpus*,
*max steps*. These apply when a run starts. *sample every*, *temperature*, *top-k* and
*prompt* apply **live**: change them while it trains and the next sample uses them.

**Temperature** divides the scores before they become probabilities: below 1 the likely
characters get likelier (0 always takes the most likely one: greedy), above 1 the choice gets
wilder. **Top-k** keeps only the k most likely characters (blank: all of them).

Generating with nothing trained uses a fresh model's random weights: every character about
equally likely. A model-only checkpoint (like `engine/pretrained/shakespeare-cpu.pt`) cannot be
trained further, but `g` generates from it once loaded.
"""


class _Cancelled(Exception):
    """The worker was cancelled while it waited for the model."""


@contextmanager
def holding(lock: threading.Lock, worker: Worker) -> Iterator[None]:
    """Hold `lock`, giving up (with _Cancelled) if the worker is cancelled while waiting."""
    while not lock.acquire(timeout=0.05):
        if worker.is_cancelled:
            raise _Cancelled
    try:
        yield
    finally:
        lock.release()


def _engine_threads(app_threads: int | None) -> None:
    from engine.device import default_threads, use_threads

    use_threads(default_threads("gpt", interactive=True) if app_threads is None else app_threads)


def _describe(live: dict[str, Any]) -> str:
    top_k = live["top_k"]
    return f"temperature {live['temperature']:g}" + (f", top-k {top_k}" if top_k else "")


def _describe_short(live: dict[str, Any]) -> str:
    top_k = live["top_k"]
    return f"T {live['temperature']:g}" + (f", top-k {top_k}" if top_k else "")


# -- messages from the workers -----------------------------------------------------------------
class RunStarted(Message):
    def __init__(self, run: GPTRun) -> None:
        super().__init__()
        self.run = run


class TrainProgress(Message):
    """Where training is, and the mean training loss since the last message."""

    def __init__(
        self, run: GPTRun, step: int, steps: int, loss: float, tokens_per_s: float
    ) -> None:
        super().__init__()
        self.run = run
        self.step, self.steps, self.loss, self.tokens_per_s = step, steps, loss, tokens_per_s


class Evaluated(Message):
    def __init__(self, run: GPTRun, step: int, train_loss: float, val_loss: float) -> None:
        super().__init__()
        self.run = run
        self.step, self.train_loss, self.val_loss = step, train_loss, val_loss


class SampleReady(Message):
    """A sample written at `step` with the settings in `live` (as they were then)."""

    def __init__(
        self, run: GPTRun, step: int, loss: float | None, text: str, live: dict[str, Any]
    ) -> None:
        super().__init__()
        self.run = run
        self.step, self.loss, self.text, self.live = step, loss, text, live


class SampleFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class WorkerEnded(Message):
    """The training thread has ended: finished, cancelled (paused or stopped), or failed."""

    def __init__(
        self,
        finished: bool = False,
        error: str = "",
        diverged: bool = False,
        cancelled: bool = False,
    ) -> None:
        super().__init__()
        self.finished, self.error, self.diverged = finished, error, diverged
        self.cancelled = cancelled
        self.step = 0  # where the run stands as the thread ends


class GenStarted(Message):
    def __init__(self, source: str, prompt: str) -> None:
        super().__init__()
        self.source, self.prompt = source, prompt


class GenChars(Message):
    """Characters chosen since the last message, and the candidates for the last of them."""

    def __init__(
        self, text: str, top: list[tuple[str, float]], chosen: str, probability: float
    ) -> None:
        super().__init__()
        self.text, self.top, self.chosen, self.probability = text, top, chosen, probability


class GenEnded(Message):
    def __init__(self, error: str = "") -> None:
        super().__init__()
        self.error = error


class FreshBuilt(Message):
    """An untrained run built to generate from, kept for the next time."""

    def __init__(self, key: tuple[str, str], run: GPTRun) -> None:
        super().__init__()
        self.key, self.run = key, run


class RunSaved(Message):
    def __init__(self, path: Path, step: int) -> None:
        super().__init__()
        self.path, self.step = path, step


class RunLoaded(Message):
    def __init__(self, run: GPTRun, path: str) -> None:
        super().__init__()
        self.run, self.path = run, path


class ModelLoaded(Message):
    """A model-only checkpoint: it cannot be trained further, but it can generate."""

    def __init__(self, model: Any, tokenizer: Any, path: str, step: int, why: str) -> None:
        super().__init__()
        self.model, self.tokenizer, self.path, self.step, self.why = (
            model,
            tokenizer,
            path,
            step,
            why,
        )


class FileFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SamplingScreen(PaneScreen):
    PANE = "sampling"
    HELP = HELP
    CSS_PATH = "sampling.tcss"
    AUTO_FOCUS = "#samp-log"
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("p", "pause", "Pause/resume"),
        Binding("x", "stop", "Stop"),
        Binding("g", "generate", "Generate"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "load", "Load"),
    ]
    state: reactive[str] = reactive("loading")  # loading, idle, running, paused, done
    generating: reactive[bool] = reactive(False)

    def __init__(self) -> None:
        super().__init__(name="sampling")
        self.run: GPTRun | None = None
        self.model_only: tuple[Any, Any, str] | None = None  # (model, tokenizer, label)
        self.fresh: dict[tuple[str, str], GPTRun] = {}  # untrained runs, by (preset, corpus)
        self.live: dict[str, Any] = {  # what the training worker samples with; replaced whole
            "every": 100,
            "temperature": 0.8,
            "top_k": None,
            "prompt": "ROMEO:",
        }
        self.samples: list[SampleReady] = []  # this run's samples, as posted
        self.saved_path: Path | None = None
        self.gen_text = ""
        self.gen_prompt = ""
        self._model_lock = threading.Lock()  # one of training, generating, saving at a time
        self._train_lock = threading.Lock()  # one training worker at a time
        self._stopping = False  # say "Stopped at step N" when the training thread ends
        self._steps_preset: object = None  # the preset whose max steps the field shows

    @property
    def training(self) -> bool:
        """A training thread is running (it may still be finishing a step after a pause)."""
        return self._train_lock.locked()

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="samp-body"):
            with Vertical(id="samp-left"):
                yield SamplingSettings(id="samp-settings")
                with Horizontal(classes="samp-buttons"):
                    yield Button("Start", id="samp-start", compact=True, variant="primary")
                    yield Button("Pause", id="samp-pause", compact=True)
                    yield Button("Stop", id="samp-stop", compact=True)
                with Horizontal(classes="samp-buttons", id="samp-buttons-2"):
                    yield Button("Generate", id="samp-generate", compact=True)
                    yield Button("Save", id="samp-save", compact=True)
                    yield Button("Load", id="samp-load", compact=True)
                yield Label("Loading PyTorch…", id="samp-status")
                yield Label("next character", id="samp-bars-title", classes="hint")
                yield TokenBars("g shows the candidates here", id="samp-bars")
            with Vertical(id="samp-right"):
                yield ProgressBar(total=1, id="samp-progress", show_eta=False)
                yield LossChart(id="samp-loss")
                yield SampleLog(id="samp-log")
                yield Label("now generating: g", id="samp-gen-title", classes="hint")
                with VerticalScroll(id="samp-gen-scroll"):
                    yield Static("", id="samp-gen-text")

    def on_mount(self) -> None:
        self.say(
            "Samples appear here as the GPT trains: s starts, and every N steps it "
            "continues the prompt."
        )
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)

    def _engine_ready(self, ready: bool) -> None:
        if not ready or self.state != "loading":
            return
        from engine.data.text import CORPORA
        from engine.train import PRESETS

        settings = self.query_one(SamplingSettings)
        settings.offer(tuple(PRESETS), tuple(CORPORA))
        if not settings.text("max-steps").strip():
            self._show_preset_steps()
        self._read_live(quiet=True)
        self.state = "idle"

    def _show_preset_steps(self) -> None:
        from engine.train import PRESETS, TrainConfig

        preset = self.query_one("#samp-preset", Select).value
        if preset in PRESETS:
            self._steps_preset = preset
            steps = PRESETS[preset][1].get("max_iters", TrainConfig.max_iters)
            self.query_one(SamplingSettings).set_text("max-steps", str(steps))

    def watch_state(self, state: str) -> None:
        step = self.run.step if self.run is not None else 0
        status = {
            "loading": "Loading PyTorch…",
            "idle": (
                f"Ready: g writes with {self.model_only[2]}."
                if self.model_only
                else "Ready: s trains, g generates."
            ),
            "running": "Training… p pauses, x stops.",
            "paused": f"Paused at step {step}: p resumes.",
            "done": f"Done at step {step}; s: new run.",
        }[state]
        self.query_one("#samp-status", Label).update(status)
        self.query_one("#samp-pause", Button).label = "Resume" if state == "paused" else "Pause"
        for button, enabled in (
            ("start", state in ("idle", "done", "paused")),
            ("pause", state in ("running", "paused")),
            ("stop", state in ("running", "paused")),
            ("generate", state != "loading"),
            ("save", self.run is not None and state != "loading"),
            ("load", state in ("idle", "done", "paused")),
        ):
            self.query_one(f"#samp-{button}", Button).disabled = not enabled

    def say(self, text: str) -> None:
        self.query_one(SampleLog).note(text)

    def pane_commands(self) -> list:
        return [
            SystemCommand(
                "Generate now", "300 characters from the current weights", self.action_generate
            ),
            SystemCommand("Save the GPT", "Save this run to runs/gpt-TIME.pt", self.action_save),
            SystemCommand(
                "Load a GPT", "Open a saved run (or a model to generate from)", self.action_load
            ),
        ]

    # -- settings ----------------------------------------------------------------------------
    def _check_sampling(self, live: dict[str, Any]) -> None:
        from engine.sample import check_sampling

        check_sampling(live["temperature"], live["top_k"])

    def _read_live(self, quiet: bool = False) -> bool:
        """Parse the live settings into `self.live` if they are valid; say why not, unless
        quiet (while the learner is still typing). The worker picks them up at its next sample."""
        from engine.errors import EngineError

        try:
            live = self.query_one(SamplingSettings).live()
            self._check_sampling(live)
            if self.run is not None:
                self.run.tokenizer.encode(live["prompt"])  # its characters must be known
        except (SettingsError, EngineError) as exc:
            if not quiet:
                self.notify(str(exc).replace("--", ""), severity="error")
            return False
        self.live = live  # a new dict: the worker reads it whole
        return True

    @on(Input.Changed)
    def on_setting_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("samp-")
        if key in LIVE and self.state != "loading":
            ok = self._read_live(quiet=True)
            event.input.set_class(not ok, "samp-bad")

    @on(Input.Submitted)
    def on_setting_submitted(self, event: Input.Submitted) -> None:
        key = (event.input.id or "").removeprefix("samp-")
        if key in LIVE and self.state != "loading" and not self._read_live():
            return
        self.query_one(SampleLog).focus()  # the pane's keys work again

    @on(Select.Changed, "#samp-preset")
    def on_preset_changed(self, event: Select.Changed) -> None:
        # Select also reports its first value once mounted: only a new choice resets max steps
        if self.state != "loading" and event.value != self._steps_preset:
            self._show_preset_steps()

    # -- lessons -----------------------------------------------------------------------------
    def apply_lesson(self, setup: dict) -> None:
        """Set the pane up for a lesson step: `preset`, `corpus`, `max_steps` (these apply when
        a run starts) and `every`, `temperature`, `top_k` (0 or "" for none), `prompt` (these
        apply live). Nothing starts: the learner presses s or g."""
        setup = self.lesson_keys(setup, LESSON_KEYS)
        settings = self.query_one(SamplingSettings)
        if "preset" in setup:
            preset = self.query_one("#samp-preset", Select)
            if setup["preset"] != preset.value:
                ready = self.state != "loading"
                if ready:  # its own max steps go in below, not when the Select reports
                    self._steps_preset = setup["preset"]
                if self.lesson_select(preset, setup["preset"], "preset") and ready:
                    if "max_steps" not in setup:
                        self._show_preset_steps()
        if "corpus" in setup:
            self.lesson_select(self.query_one("#samp-corpus", Select), setup["corpus"], "corpus")
        for key, field in (
            ("max_steps", "max-steps"),
            ("every", "every"),
            ("temperature", "temperature"),
            ("top_k", "top-k"),
            ("prompt", "prompt"),
        ):
            if key in setup:
                value = setup[key]
                if key == "top_k" and value in (0, "", None):
                    value = ""
                settings.set_text(field, str(value))
        if self.state != "loading" and not self._read_live(quiet=True):
            self.lesson_problem("Sampling: a lesson setting does not parse; see the red field.")

    # -- actions -----------------------------------------------------------------------------
    @on(Button.Pressed)
    def on_button(self, event: Button.Pressed) -> None:
        actions = {
            "samp-start": self.action_start,
            "samp-pause": self.action_pause,
            "samp-stop": self.action_stop,
            "samp-generate": self.action_generate,
            "samp-save": self.action_save,
            "samp-load": self.action_load,
        }
        if event.button.id in actions:
            actions[event.button.id]()

    def action_start(self) -> None:
        if self.state == "paused":
            if not self._read_live():
                return
            # a generation being shown goes on: its characters are chosen, the model is free
            self._stopping = False
            self.state = "running"
            self.train(self.run)
        elif self.state in ("idle", "done"):
            from engine.errors import EngineError

            try:
                settings = self.query_one(SamplingSettings).values()
                self._check_sampling(settings)
            except (SettingsError, EngineError) as exc:
                self.notify(str(exc).replace("--", ""), severity="error")
                return
            self._read_live()
            self._stopping = False
            self.state = "running"
            self.samples = []
            self.query_one(LossChart).reset()
            self.query_one(SampleLog).reset()
            self.query_one("#samp-progress", ProgressBar).update(total=1, progress=0)
            self.say(f"Building a {settings['preset']} GPT on the {settings['corpus']} corpus…")
            self.train(None, settings)

    def action_pause(self) -> None:
        if self.state == "running" and self.run is None:
            self.notify("Still building the model: a moment.", severity="warning")
        elif self.state == "running":
            self.workers.cancel_group(self, "sampling-train")
            self.state = "paused"
        elif self.state == "paused":
            self.action_start()

    def action_stop(self) -> None:
        if self.state in ("running", "paused"):
            self.workers.cancel_group(self, "sampling-train")
            self.state = "done"
            if self.training:
                self._stopping = True  # said when the thread has stopped, with its last step
            else:
                self.say(f"Stopped at step {self.run.step if self.run else 0}.")

    def _stop_generating(self) -> None:
        self.workers.cancel_group(self, "sampling-gen")
        self.generating = False

    def action_generate(self) -> None:
        if self.state == "loading":
            return
        if not self._read_live():
            return
        if self.state == "running" and self.run is None:
            self.notify("Still building the model: a moment.", severity="warning")
            return
        if self.state == "running":
            self.action_pause()
            self.notify("Paused training to generate; p resumes.")
        preset = str(self.query_one("#samp-preset", Select).value)
        corpus = str(self.query_one("#samp-corpus", Select).value)
        if self.run is not None:
            source: tuple[Any, Any, str] | None = (
                self.run.model,
                self.run.tokenizer,
                f"step {self.run.step}",
            )
        elif self.model_only is not None:
            source = self.model_only
        elif (preset, corpus) in self.fresh:
            run = self.fresh[(preset, corpus)]
            source = (run.model, run.tokenizer, "untrained")
        else:
            source = None
        self.generating = True
        self.generate_now(source, (preset, corpus), dict(self.live), self.run)

    def action_save(self) -> None:
        if self.run is None:
            self.notify("Nothing to save yet: train first.", severity="warning")
            return
        path = Path("runs") / time.strftime("gpt-%Y%m%d-%H%M%S.pt")
        self.save_run(self.run, path)

    def action_load(self) -> None:
        if self.state not in ("idle", "done", "paused"):
            self.notify("Pause or stop training before loading.", severity="warning")
            return
        from tui.widgets.path_prompt import PathPrompt

        runs = sorted(Path("runs").glob("gpt-*.pt"))
        default = str(self.saved_path or (runs[-1] if runs else "runs/gpt.pt"))
        self.app.push_screen(PathPrompt("Load a GPT run (or a model) from", default), self._load)

    def _load(self, path: str | None) -> None:
        if path and self.state in ("idle", "done", "paused"):
            self.say(f"Loading {path}…")
            self.load_run(path)

    # -- workers (threads) -------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="sampling-train")
    def train(self, run: GPTRun | None, settings: dict[str, Any] | None = None) -> None:
        from engine.errors import EngineError

        worker = get_current_worker()
        ended = WorkerEnded(cancelled=True)
        try:
            with holding(self._train_lock, worker):  # a paused worker may still be finishing
                _engine_threads(self.app.threads)
                if run is None:
                    run = self._start_run(settings or {})
                ended = self._train(run, worker)
        except _Cancelled:
            pass
        except EngineError as exc:
            ended = WorkerEnded(error=str(exc))
        finally:
            ended.step = run.step if run is not None else 0
            self.post_message(ended)

    def _start_run(self, settings: dict[str, Any]) -> GPTRun:
        from engine.train import GPTRun

        train: dict[str, Any] = {"sample_interval": 0}
        if settings.get("max_steps"):
            train["max_iters"] = settings["max_steps"]
        run = GPTRun.start(
            settings.get("corpus", "sample"),
            preset=settings.get("preset", "tiny"),
            train=train,
            data_dir=self.app.data_dir,
        )
        self.post_message(RunStarted(run))
        return run

    def _sample(self, run: GPTRun, loss: float | None) -> None:
        """A sample with the settings as they are now; a prompt the tokenizer cannot read is
        reported and training goes on."""
        from engine.errors import EngineError

        live = self.live
        try:
            text = run.sample(
                SAMPLE_TOKENS, live["prompt"], temperature=live["temperature"], top_k=live["top_k"]
            )
        except EngineError as exc:
            self.post_message(SampleFailed(str(exc)))
            return
        self.post_message(SampleReady(run, run.step, loss, text, live))

    def _train(self, run: GPTRun, worker: Worker) -> WorkerEnded:
        from engine.events import Diverged, EvalDone, StepDone

        every_eval = run.train_config.eval_interval
        steps = run.train_config.max_iters
        events = run.events()
        losses: list[float] = []
        last_loss: float | None = None
        last_post, last_sampled = 0.0, -1
        pending_eval = False  # the step just done is evaluated next: stop after that
        if run.step == 0:
            with holding(self._model_lock, worker):
                self._sample(run, None)  # what it writes before learning anything
            last_sampled = 0
        tokens_per_s = 0.0
        while True:
            if worker.is_cancelled and not pending_eval:
                if losses:  # the steps since the last message, so the chart ends where it stops
                    mean = sum(losses) / len(losses)
                    self.post_message(TrainProgress(run, run.step, steps, mean, tokens_per_s))
                return WorkerEnded(cancelled=True)
            with holding(self._model_lock, worker):
                event = next(events, None)
                if event is None:
                    break
                if isinstance(event, StepDone):
                    losses.append(event.loss)
                    last_loss, tokens_per_s = event.loss, event.tokens_per_s
                    pending_eval = event.step % every_eval == 0 or event.step >= steps
                    now = time.monotonic()
                    if now - last_post >= 1 / UI_HZ or event.step >= steps:
                        mean = sum(losses) / len(losses)
                        self.post_message(
                            TrainProgress(run, event.step, steps, mean, event.tokens_per_s)
                        )
                        losses, last_post = [], now
                elif isinstance(event, EvalDone):
                    pending_eval = False
                    self.post_message(Evaluated(run, event.step, event.train_loss, event.val_loss))
                elif isinstance(event, Diverged):
                    return WorkerEnded(
                        error=f"Stopped at step {event.step}: {event.reason}", diverged=True
                    )
                if (
                    not pending_eval
                    and run.step != last_sampled
                    and (run.step % self.live["every"] == 0 or run.finished)
                ):
                    self._sample(run, last_loss)
                    last_sampled = run.step
        return WorkerEnded(finished=True)

    @work(thread=True, exclusive=True, group="sampling-gen")
    def generate_now(
        self,
        source: tuple[Any, Any, str] | None,
        key: tuple[str, str],
        live: dict[str, Any],
        run: GPTRun | None = None,
    ) -> None:
        from engine.errors import EngineError

        worker = get_current_worker()
        try:
            _engine_threads(self.app.threads)
            if source is None:
                from engine.train import GPTRun

                self.post_message(GenStarted("building an untrained model…", live["prompt"]))
                fresh = GPTRun.start(
                    key[1], preset=key[0], train={"sample_interval": 0}, data_dir=self.app.data_dir
                )
                self.post_message(FreshBuilt(key, fresh))
                source = (fresh.model, fresh.tokenizer, "untrained")
            if worker.is_cancelled:
                return
            self._stream(source, live, worker, run)
            self.post_message(GenEnded())
        except _Cancelled:
            return
        except EngineError as exc:
            self.post_message(GenEnded(error=str(exc)))

    def _stream(
        self,
        source: tuple[Any, Any, str],
        live: dict[str, Any],
        worker: Worker,
        run: GPTRun | None,
    ) -> None:
        """All the characters first (quick, holding the model), then shown at GEN_RATE."""
        from engine.sample import generate

        model, tokenizer, weights = source
        with holding(self._model_lock, worker):
            if run is not None:  # a paused thread may have finished one more step meanwhile
                weights = f"step {run.step}"
            pieces = list(
                generate(
                    model,
                    tokenizer,
                    live["prompt"],
                    GEN_TOKENS,
                    temperature=live["temperature"],
                    top_k=live["top_k"],
                )
            )
        self.post_message(GenStarted(f"{weights}, {_describe_short(live)}", live["prompt"]))
        began = last_post = time.monotonic()
        waiting: list[str] = []
        for i, piece in enumerate(pieces):
            if worker.is_cancelled:
                return
            if GEN_RATE:
                delay = began + i / GEN_RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            waiting.append(piece.text)
            now = time.monotonic()
            if now - last_post >= 1 / GEN_HZ or i == len(pieces) - 1:
                self.post_message(
                    GenChars("".join(waiting), piece.top, piece.text, piece.probability)
                )
                waiting, last_post = [], now

    @work(thread=True, group="sampling-io")
    def save_run(self, run: GPTRun, path: Path) -> None:
        from engine.errors import EngineError

        worker = get_current_worker()
        try:
            with holding(self._model_lock, worker):
                saved = run.save(path)
                step = run.step
            self.post_message(RunSaved(saved.path, step))
        except _Cancelled:
            return
        except (EngineError, OSError) as exc:
            self.post_message(FileFailed(str(exc).splitlines()[0] if str(exc) else repr(exc)))

    @work(thread=True, exclusive=True, group="sampling-io")
    def load_run(self, path: str) -> None:
        from engine.checkpoint import CheckpointError
        from engine.errors import EngineError
        from engine.train import GPTRun, load_model, load_model_checkpoint

        try:
            run = GPTRun.load(path, data_dir=self.app.data_dir)
        except CheckpointError as exc:
            try:  # a model without optimiser state can still generate
                step = int(load_model_checkpoint(path)["step"])
                model, tokenizer = load_model(path)
            except EngineError:
                self.post_message(FileFailed(str(exc)))
                return
            self.post_message(ModelLoaded(model, tokenizer, path, step, str(exc)))
            return
        except EngineError as exc:
            self.post_message(FileFailed(str(exc)))
            return
        self.post_message(RunLoaded(run, path))

    # -- messages from the workers -----------------------------------------------------------
    def on_run_started(self, message: RunStarted) -> None:
        self.run = message.run
        self.model_only = None
        run = message.run
        m, t = run.model_config, run.train_config
        params = sum(p.numel() for p in run.model.parameters())
        self.say(
            f"GPT: {m.n_layer} layers, {m.n_head} heads, {m.n_embd} wide, context "
            f"{m.block_size}; {params:,} parameters; {t.max_iters} steps of {t.batch_size}; "
            f"{run.corpus.source}"
        )
        self.query_one(LossChart).show_baseline(run.tokenizer.vocab_size)
        self.query_one("#samp-progress", ProgressBar).update(total=t.max_iters, progress=run.step)
        self.watch_state(self.state)

    def on_train_progress(self, message: TrainProgress) -> None:
        if message.run is not self.run:
            return
        self.query_one("#samp-progress", ProgressBar).update(
            total=message.steps, progress=message.step
        )
        self.query_one(LossChart).add_loss(
            message.step, message.steps, message.loss, message.tokens_per_s
        )

    def on_evaluated(self, message: Evaluated) -> None:
        if message.run is not self.run:
            return
        self.query_one(LossChart).show_eval(message.step, message.train_loss, message.val_loss)

    def on_sample_ready(self, message: SampleReady) -> None:
        if message.run is not self.run:
            return
        self.samples.append(message)
        loss = f"loss {message.loss:.3f}" if message.loss is not None else "untrained"
        heading = f" step {message.step} · {loss} · {_describe(message.live)} "
        self.query_one(SampleLog).add(heading, message.text)

    def on_sample_failed(self, message: SampleFailed) -> None:
        self.notify(f"No sample: {message.error}", severity="warning")

    def on_worker_ended(self, message: WorkerEnded) -> None:
        if message.cancelled:
            if self._stopping and not self.training:
                self._stopping = False
                self.say(f"Stopped at step {message.step}.")
            self.watch_state(self.state)  # the status names the step it stopped at
            return
        if message.error:
            self.notify(message.error, severity="error")
            if message.diverged:
                self.state = "done"
            elif self.state == "running":
                self.state = "idle" if self.run is None else "paused"
            return
        if self.state == "running":
            self.state = "done" if message.finished else "paused"
            if message.finished and self.run is not None:
                self.say(f"Finished {self.run.step} steps.")

    def on_gen_started(self, message: GenStarted) -> None:
        self.gen_prompt, self.gen_text = message.prompt, ""
        self.query_one("#samp-gen-title", Label).update(f"now generating ({message.source})")
        self.query_one(TokenBars).clear()
        self.query_one("#samp-bars-title", Label).update("next character")
        self._show_generated()

    def on_gen_chars(self, message: GenChars) -> None:
        self.gen_text += message.text
        self.query_one(TokenBars).show(message.top, message.chosen)
        self.query_one("#samp-bars-title", Label).update(
            f"chose {label(message.chosen)} (p {message.probability:.3f}) of:"
        )
        self._show_generated()

    def _show_generated(self) -> None:
        text = Text()
        text.append(self.gen_prompt, style="bold")
        text.append(self.gen_text)
        if self.generating:
            text.append("▌", style="dim")
        self.query_one("#samp-gen-text", Static).update(text)
        self.query_one("#samp-gen-scroll", VerticalScroll).scroll_end(animate=False)

    def on_gen_ended(self, message: GenEnded) -> None:
        self.generating = False
        if message.error:
            self.notify(message.error, severity="error")
        self._show_generated()

    def on_fresh_built(self, message: FreshBuilt) -> None:
        self.fresh[message.key] = message.run
        self.notify("Nothing trained yet: generating from a fresh model's random weights.")

    def on_run_saved(self, message: RunSaved) -> None:
        self.saved_path = message.path
        self.say(f"Saved step {message.step} to {message.path}")
        self.notify(f"Saved to {message.path}")

    def on_run_loaded(self, message: RunLoaded) -> None:
        if self.state not in ("idle", "done", "paused"):
            return
        self._stop_generating()
        self.samples = []
        self.query_one(LossChart).reset()
        self.query_one(SampleLog).reset()
        self.on_run_started(RunStarted(message.run))
        run = message.run
        for event in run.history[-1:]:
            self.query_one(LossChart).show_eval(event.step, event.train_loss, event.val_loss)
        self.state = "done" if run.finished else "paused"
        self.watch_state(self.state)
        self.say(
            f"Loaded {message.path} at step {run.step} of {run.train_config.max_iters}"
            + ("." if run.finished else ": p continues it.")
        )

    def on_model_loaded(self, message: ModelLoaded) -> None:
        self.notify(message.why, severity="warning")
        self._stop_generating()
        self.model_only = (
            message.model,
            message.tokenizer,
            Path(message.path).name,
        )
        self.run = None  # a paused run is replaced by a model to generate from
        self.state = "idle"
        self.watch_state(self.state)
        self.say(
            f"Loaded {message.path} (a model trained {message.step} steps) to generate from: "
            "g writes with it; it cannot be trained further."
        )

    def on_file_failed(self, message: FileFailed) -> None:
        self.notify(message.error, severity="error")
