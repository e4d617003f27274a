"""What a pane that trains a run shares (Digits, Sampling): its states, and how start, pause,
resume, stop and a failure move between them, on the pane's `Job` (tui.jobs).

loading → idle → running ⇄ paused → done; a failure while running goes back to idle (no run
yet) or paused (the run is kept). A pause is a stop that keeps the run; the worker may still be
finishing its step, and "Stopped" is said once it has.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.reactive import reactive

from tui.jobs import Job, JobEnd
from tui.panes.base import PaneScreen


class RunPane(PaneScreen):
    """A pane with a run; its `action_start` starts one (idle, done) or resumes (paused)."""

    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("p", "pause", "Pause/resume"),
        Binding("x", "stop", "Stop"),
    ]
    state: reactive[str] = reactive("loading")  # loading, idle, running, paused, done
    job: Job
    run: Any  # the engine run the job trains, once built (None before)
    _stopping = False  # a stop is said when the worker has ended

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
