"""What a pane that trains a run shares (Digits, Sampling): its states, and how start, pause,
resume, stop and a failure move between them, on the pane's `Job` (tui.jobs).

loading → idle → running ⇄ paused → done; a failure while running goes back to idle (no run
yet) or paused (the run is kept). A pause is a stop that keeps the run; the worker may still be
finishing its step, and "Stopped" is said once it has.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.reactive import reactive

from tui.jobs import Job, JobEnd
from tui.panes.base import PaneScreen


class RunPane(PaneScreen):
    """A pane with a run. Its `action_start` starts one (idle, done) or resumes one (paused)
    through `train`; its `load_from(path)` opens a saved one through the job."""

    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("p", "pause", "Pause/resume"),
        Binding("x", "stop", "Stop"),
    ]
    state: reactive[str] = reactive("loading")  # loading, idle, running, paused, done
    SAVE_NAME = "run-%Y%m%d-%H%M%S.pt"  # a save's name in runs/ (strftime)
    LOAD_QUESTION = "Load a run from"
    job: Job
    run: Any  # the engine run the job trains, once built (None before)
    saved_path: Path | None = None
    _stopping = False  # a stop is said when the worker has ended

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No key acts before the pane has mounted: reading `state` would run its watcher on
        widgets not composed yet (a key pressed just after switching panes)."""
        return True if self.is_mounted else None

    def train(self, work: Callable[[], Iterable[object]]) -> None:
        """Run `work` (the run's events) on the job; a stop still to be said is forgotten."""
        self._stopping = False
        self.state = "running"
        self.job.start(work)

    def action_pause(self) -> None:
        if self.state == "running" and self.run is None:
            self.notify("Still building the model: a moment.", severity="warning")
        elif self.state == "running":
            self.job.stop()
            self.state = "paused"
        elif self.state == "paused":
            self.action_start()

    def action_stop(self) -> None:
        if self.state in ("running", "paused"):
            self.job.stop()
            self.state = "done"
            if self.job.busy:
                self._stopping = True
            else:
                self.say_stopped()

    # -- saving: between two steps; a failure pauses the run and asks where else -------------
    def action_save(self) -> None:
        if self.run is None:
            self.notify("Nothing to save yet: train first.", severity="warning")
            return
        self.save_to(Path("runs") / time.strftime(self.SAVE_NAME))

    def save_to(self, path: Path) -> None:
        run = self.run
        self.job.call(
            lambda: self.write_checkpoint(run, path),
            then=lambda said: self.saved(path, said),
            failed=lambda error: self.save_failed(path, error),
        )

    def write_checkpoint(self, run: Any, path: Path) -> str:
        """In the job's worker: save `run` at `path`; the line that says what was saved."""
        run.save(path)
        return f"Saved {path}"

    def saved(self, path: Path, said: str) -> None:
        self.saved_path = path
        self.say(said)
        self.notify(f"Saved to {path}")

    def save_failed(self, path: Path, error: str) -> None:
        """One line (where, why, what now), the run paused and kept, and a prompt for another
        place: nothing the learner trained is lost to a folder it cannot write."""
        from tui.widgets.path_prompt import PathPrompt

        if self.state == "running":
            self.job.stop()
            self.state = "paused"
        line = f"Could not save to {path}: {error}. The run is paused and kept: save it elsewhere."
        self.say(line)
        self.notify(line, severity="error", timeout=10)
        self.app.push_screen(PathPrompt("Save to (that place failed)", str(path)), self._retry)

    def _retry(self, answer: str | None) -> None:
        if answer:
            self.save_to(Path(answer))

    def action_load(self) -> None:
        if self.state not in ("idle", "done", "paused"):
            self.notify("Pause or stop training before loading.", severity="warning")
            return
        from tui.widgets.path_prompt import PathPrompt

        kind = self.SAVE_NAME.split("-")[0]
        runs = sorted(Path("runs").glob(f"{kind}-*.pt"))
        default = str(self.saved_path or (runs[-1] if runs else f"runs/{kind}.pt"))
        self.app.push_screen(PathPrompt(self.LOAD_QUESTION, default), self._load)

    def _load(self, path: str | None) -> None:
        if path and self.state in ("idle", "done", "paused"):
            self.load_from(path)  # type: ignore[attr-defined] - each pane opens its own kind

    def say_stopped(self) -> None:
        """Say where the run stopped (the worker has ended)."""

    def run_finished(self) -> None:
        """The run has done all it was set to do."""

    def run_failed(self, error: str) -> None:
        self.notify(error, severity="error")
        if self.state == "running":
            self.state = "idle" if self.run is None else "paused"

    def job_ended(self, job: Job, end: JobEnd) -> None:
        if end.outcome == "failed":
            self.run_failed(end.error)
        elif end.outcome == "stopped":
            if self._stopping:
                self._stopping = False
                self.say_stopped()
        elif self.state == "running":
            self.state = "done"
            self.run_finished()
