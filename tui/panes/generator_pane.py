"""A pane whose run is one generator of engine events (the Build pane's ladder, the Copying
pane's induction run), kept while paused: a resume hands the same generator to a new worker,
which goes on from the step it had reached. The job stops a worker by leaving its loop, which
does not close the generator.

A pane gives `new_run()` (a generator, or None after saying what is wrong), `RESUME` (its
work module's `resume(run, threads)`: the generator under the pane's thread policy), `where()`
(where a pause or a stop happened), `kept()` (whether a result is on screen) and `READY` (its
status line before a run); its status line (`#PREFIX-status`) shows `summary` once done, and
its Start, Pause and Stop buttons follow the state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual.widgets import Button, Label

from tui.panes.run_pane import RunPane


class GeneratorPane(RunPane):
    AGAIN = "s trains again"  # what the status offers after a stop
    READY = ""  # what the status says before a run
    summary = ""  # what the status says once done
    RESUME: Callable[[Iterator[object], int | None], Iterator[object]]
    new_run: Callable[[], Iterator[object] | None]

    def where(self) -> str:
        return ""

    def kept(self) -> bool:
        return False

    def watch_state(self, state: str) -> None:
        self.status(
            {
                "loading": "Loading PyTorch…",
                "idle": self.READY,
                "running": "Training… p pauses, x stops.",
                "paused": f"Paused {self.where()}: p resumes, x stops.",
                "done": self.summary or f"Done; {self.AGAIN}.",
            }[state]
        )
        pause = self.query_one(f"#{self.BUTTON_PREFIX}pause", Button)
        pause.label = "Resume" if state == "paused" else "Pause"
        self.enable_buttons(
            start=state in ("idle", "done", "paused"),
            pause=state in ("running", "paused"),
            stop=state in ("running", "paused"),
        )

    def status(self, text: str) -> None:
        self.query_one(f"#{self.BUTTON_PREFIX}status", Label).update(text)

    def action_start(self) -> None:
        if self.state == "paused" and self.run is not None:
            self.train_run(self.run)
        elif self.state in ("idle", "done"):
            run = self.new_run()
            if run is not None:
                self.summary = ""
                self.train_run(run)

    def train_run(self, run: Iterator[object]) -> None:
        """Train `run` (new or paused) on the pane's job."""
        self.run, threads = run, self.app.threads
        self.train(lambda: self.RESUME(run, threads))

    def say_stopped(self) -> None:
        self.summary = f"Stopped {self.where()}; {self.AGAIN}."
        self.watch_state(self.state)

    def run_finished(self) -> None:
        self.watch_state(self.state)

    def run_failed(self, error: str) -> None:
        """One line; what trained before it stays (a new run starts afresh)."""
        self.notify(error, severity="error", timeout=8)
        self.run, self.summary = None, error
        self.state = "done" if self.kept() else "idle"
        self.watch_state(self.state)
