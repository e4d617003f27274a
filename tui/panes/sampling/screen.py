"""The Sampling pane: watch a GPT learn to write.

One `Job` (tui.jobs) guards the GPT: training iterates `GPTRun.events()` in its worker, which
samples every N steps itself (`Sampled`, written as the live settings say: a change of
temperature, top-k, prompt or N reaches the run between two steps); saving, loading and
"generate now" are calls that run between two steps too. Pause stops the worker and keeps
the run; resume starts a new one on the same run, which continues exactly.

"Generate now" chooses all its characters at once from the current weights (or a fresh,
untrained model); `GeneratedText` shows them at its pace, the most likely next characters as
bars beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, Select

from tui.jobs import Job, JobEnd
from tui.panes.base import pane_help
from tui.panes.lesson_focus import Target
from tui.panes.run_pane import RunPane
from tui.panes.sampling import work
from tui.panes.sampling.generated import GeneratedText
from tui.panes.sampling.loss_chart import LossChart
from tui.panes.sampling.sample_log import SampleLog
from tui.panes.sampling.settings import LIVE, SamplingSettings
from tui.panes.sampling.token_bars import TokenBars, label
from tui.widgets.form import SettingsError

if TYPE_CHECKING:
    from engine.events import Diverged, EvalDone, NextToken, Sampled, StepDone
    from engine.gpt_run import GPTRun

LESSON_KEYS = (
    "preset",
    "corpus",
    "max_steps",
    "every",
    "temperature",
    "top_k",
    "top_p",
    "prompt",
)

HELP = pane_help(__file__)


class SamplingScreen(RunPane):
    PANE = "sampling"
    HELP = HELP
    CSS_PATH = "sampling.tcss"
    AUTO_FOCUS = "#samp-log"
    BUTTON_PREFIX = "samp-"
    SAVE_NAME = "gpt-%Y%m%d-%H%M%S.pt"
    LOAD_QUESTION = "Load a GPT run (or a model) from"
    FOCI = {  # what lesson 9's steps point at
        "chart": "#samp-loss",
        "log": "#samp-log",
        "bars": "#samp-bars",
        "settings": "#samp-settings",
    }
    BINDINGS = [  # after RunPane's s, p and x
        Binding("g", "generate", "Generate"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "load", "Load"),
    ]

    def __init__(self) -> None:
        super().__init__(name="sampling")
        self.job = Job(self, "gpt")  # training, generating, saving, loading: one at a time
        self.run: GPTRun | None = None
        self.model_only: tuple[Any, Any, str] | None = None  # (model, tokenizer, label)
        self.fresh: dict[tuple[str, str], GPTRun] = {}  # untrained runs, by (preset, corpus)
        self.live: dict[str, Any] = {  # the live fields as last parsed, all valid
            "every": 100,
            "temperature": 0.8,
            "top_k": None,
            "top_p": None,
            "prompt": "ROMEO:",
        }
        self._steps_preset: object = None  # the preset whose max steps the field shows
        self._step = 0

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="samp-body"):
            with VerticalScroll(id="samp-left"):  # below a lesson its bars are out of sight
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
                yield GeneratedText(id="samp-gen-scroll")

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
        from engine.train_config import PRESETS

        settings = self.query_one(SamplingSettings)
        settings.offer(tuple(PRESETS), tuple(CORPORA))
        if not settings.text("max-steps").strip():
            self._show_preset_steps()
        self._read_live(quiet=True)
        self.state = "idle"

    def _show_preset_steps(self) -> None:
        from engine.train_config import PRESETS, TrainConfig

        preset = self.query_one("#samp-preset", Select).value
        if preset in PRESETS:
            self._steps_preset = preset
            steps = PRESETS[preset][1].get("max_iters", TrainConfig.max_iters)
            self.query_one(SamplingSettings).set_text("max-steps", str(steps))

    @property
    def step(self) -> int:
        """The run's step as the pane last heard it (the worker may be one step further)."""
        return self._step

    def watch_state(self, state: str) -> None:
        status = {
            "loading": "Loading PyTorch…",
            "idle": (
                f"Ready: g writes with {self.model_only[2]}."
                if self.model_only
                else "Ready: s trains, g generates."
            ),
            "running": f"Training on {self.app.device}… p pauses, x stops.",
            "paused": f"Paused at step {self.step}: p resumes.",
            "done": f"Done at step {self.step}; s: new run.",
        }[state]
        self.query_one("#samp-status", Label).update(status)
        self.query_one("#samp-pause", Button).label = "Resume" if state == "paused" else "Pause"
        self.enable_buttons(
            start=state in ("idle", "done", "paused"),
            pause=state in ("running", "paused"),
            stop=state in ("running", "paused"),
            generate=state != "loading",
            save=self.run is not None and state != "loading",
            load=state in ("idle", "done", "paused"),
        )

    def say(self, text: str) -> None:
        self.query_one(SampleLog).note(text)

    def busy_with(self) -> str | None:
        """What quitting now would cut short (the app asks before it quits)."""
        if self.state != "running":
            return None
        if self.run is None:
            return "building a GPT to train"
        return f"training the GPT (step {self.step:,} of {self.run.train_config.max_iters:,})"

    def focus_targets(self, name: str) -> list[Target]:
        """The log's is its latest entry; the bars' include the line naming the choice."""
        if name == "log":
            log = self.query_one(SampleLog)
            return [Target(log, log.latest(), what="the latest sample")]
        if name == "bars":
            return [
                Target(self.query_one("#samp-bars-title"), what="the chosen character"),
                Target(self.query_one(TokenBars), what="the candidates' bars"),
            ]
        return super().focus_targets(name)

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
    def _read_live(self, quiet: bool = False) -> bool:
        """Parse the live settings into `self.live` if they are valid; say why not, unless
        quiet (while the learner is still typing). A run training takes them between two
        steps, for its next sample."""
        from engine.errors import EngineError
        from engine.sample import check_sampling

        try:
            live = self.query_one(SamplingSettings).live()
            check_sampling(live["temperature"], live["top_k"], live["top_p"])
            if self.run is not None:
                self.run.tokenizer.encode(live["prompt"])  # its characters must be known
        except (SettingsError, EngineError) as exc:
            if not quiet:
                self.notify(str(exc).replace("--", ""), severity="error")
            return False
        if live != self.live and self.job.running and self.run is not None:
            run, sampling = self.run, work.sample_settings(live)  # from the next sample on
            self.job.call(lambda: run.set_sampling(sampling))
        self.live = live
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
        settings.set_fields(setup)
        if self.state != "loading" and not self._read_live(quiet=True):
            self.lesson_problem("Sampling: a lesson setting does not parse; see the red field.")

    # -- actions -----------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.state == "paused" and self.run is not None:
            if not self._read_live():
                return
            # a generation being shown goes on: its characters are chosen, the model is free
            run, sampling, threads = self.run, work.sample_settings(self.live), self.app.threads
            self.train(lambda: work.resume(run, sampling, threads))
        elif self.state in ("idle", "done"):
            from engine.errors import EngineError
            from engine.sample import check_sampling

            try:
                settings = self.query_one(SamplingSettings).values()
                check_sampling(settings["temperature"], settings["top_k"], settings["top_p"])
            except (SettingsError, EngineError) as exc:
                self.notify(str(exc).replace("--", ""), severity="error")
                return
            self._read_live()
            self.run, self._step = None, 0
            self._forget_run()
            self.say(f"Building a {settings['preset']} GPT on the {settings['corpus']} corpus…")
            job, where = self.job, self.engine_where()
            self.train(lambda: work.train_new(job, self._begun, settings, *where))

    def _forget_run(self) -> None:
        """Clear what the last run showed (its losses, samples and generation), so that a new
        run or a loaded one is not read as that one."""
        self.query_one(LossChart).reset()
        self.query_one(SampleLog).reset()
        self.query_one("#samp-progress", ProgressBar).update(total=1, progress=0)
        self.query_one(GeneratedText).clear()
        self.query_one(TokenBars).clear()
        self.query_one("#samp-bars-title", Label).update("next character")
        self.query_one("#samp-gen-title", Label).update("now generating: g")

    def engine_where(self) -> tuple[int | None, str | None, str]:
        """The app's torch threads, data folder and device, as the work functions take them."""
        return self.app.threads, self.app.data_dir, self.app.device

    def say_stopped(self) -> None:
        self.say(f"Stopped at step {self.step}.")

    def action_generate(self) -> None:
        if self.state == "loading" or not self._read_live():
            return
        if self.state == "running" and self.run is None:
            self.notify("Still building the model: a moment.", severity="warning")
            return
        if self.state == "running":
            self.action_pause()
            self.notify("Paused training to generate; p resumes.")
        key = (
            str(self.query_one("#samp-preset", Select).value),
            str(self.query_one("#samp-corpus", Select).value),
        )
        source: GPTRun | tuple[Any, Any, str] | None = (
            self.run or self.model_only or self.fresh.get(key)
        )
        live, where = dict(self.live), self.engine_where()
        self.query_one(GeneratedText).begin(live["prompt"])
        self.query_one("#samp-gen-title", Label).update("now generating…")
        built = (self.job, self._fresh_built)
        trained = source is not None and source is self.run
        self.job.call(
            lambda: work.write(source, trained, key, live, *where, built),
            then=self._start_showing,
            failed=self._generation_failed,
        )

    def write_checkpoint(self, run: GPTRun, path: Path) -> str:
        run.save(path)
        return f"Saved step {run.step} to {path}"

    def load_from(self, path: str) -> None:
        self.say(f"Loading {path}…")
        data_dir, device = self.app.data_dir, self.app.device
        self.job.call(lambda: work.open_checkpoint(path, data_dir, device), then=self._opened)

    # -- what the job hands back (on the UI thread) ------------------------------------------
    def _begun(self, begun: tuple[GPTRun, str]) -> None:
        run, summary = begun
        self.run, self.model_only, self._step = run, None, run.step
        self.say(summary)
        self.query_one(LossChart).show_baseline(run.tokenizer.vocab_size)
        steps = run.train_config.max_iters
        self.query_one("#samp-progress", ProgressBar).update(total=steps, progress=run.step)
        self.watch_state(self.state)

    def show_step_done(self, events: list[StepDone]) -> None:
        last, steps = events[-1], self.run.train_config.max_iters
        self._step = last.step
        self.query_one("#samp-progress", ProgressBar).update(total=steps, progress=last.step)
        mean = sum(e.loss for e in events) / len(events)
        self.query_one(LossChart).add_loss(last.step, steps, mean, last.tokens_per_s)

    def show_eval_done(self, events: list[EvalDone]) -> None:
        for e in events:
            self.query_one(LossChart).show_eval(e.step, e.train_loss, e.val_loss)

    def show_sampled(self, events: list[Sampled]) -> None:
        for e in events:
            loss = f"loss {e.loss:.3f}" if e.loss is not None else "untrained"
            heading = f" step {e.step} · {loss} · {work.describe(e.temperature, e.top_k, e.top_p)} "
            self.query_one(SampleLog).add(heading, e.text)

    def show_diverged(self, events: list[Diverged]) -> None:
        event = events[-1]
        self.notify(f"Stopped at step {event.step}: {event.reason}", severity="error")
        self.state = "done"

    def run_finished(self) -> None:
        self.say(f"Finished {self.step} steps.")

    def job_ended(self, job: Job, end: JobEnd) -> None:
        super().job_ended(job, end)
        self.watch_state(self.state)  # the status names the step it stopped at

    def _opened(self, opened: tuple) -> None:
        if self.state not in ("idle", "done", "paused"):
            return
        self.query_one(GeneratedText).finish()
        if len(opened) == 3:
            path, run, summary = opened
            self._forget_run()
            self._begun((run, summary))
            for event in run.history[-1:]:
                self.query_one(LossChart).show_eval(event.step, event.train_loss, event.val_loss)
            self.state = "done" if run.finished else "paused"
            self.watch_state(self.state)
            self.say(
                f"Loaded {path} at step {run.step} of {run.train_config.max_iters}"
                + ("." if run.finished else ": p continues it.")
            )
            return
        path, self.model_only, step, why = opened
        self.notify(why, severity="warning")
        self.run = None  # a paused run is replaced by a model to generate from
        self.state = "idle"
        self.watch_state(self.state)
        self.say(
            f"Loaded {path} (a model trained {step} steps) to generate from: "
            "g writes with it; it cannot be trained further."
        )

    def _fresh_built(self, built: tuple[tuple[str, str], GPTRun]) -> None:
        key, run = built
        self.fresh[key] = run
        self.notify("Nothing trained yet: generating from a fresh model's random weights.")

    def _generation_failed(self, error: str) -> None:
        self.notify(error, severity="error")
        self.query_one(GeneratedText).stopped()

    def _start_showing(self, written: tuple[str, str, list[NextToken]]) -> None:
        source, prompt, pieces = written
        self.query_one("#samp-gen-title", Label).update(f"now generating ({source})")
        self.query_one(TokenBars).clear()
        self.query_one("#samp-bars-title", Label).update("next character")
        self.query_one(GeneratedText).play(prompt, pieces)

    def on_generated_text_shown(self, shown: GeneratedText.Shown) -> None:
        """The candidates for the last of the characters just shown."""
        last = shown.pieces[-1]
        self.query_one(TokenBars).show(last.top, last.text)
        self.query_one("#samp-bars-title", Label).update(
            f"chose {label(last.text)} (p {last.probability:.3f}) of:"
        )
