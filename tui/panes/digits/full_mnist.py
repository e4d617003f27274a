"""The line that says which digits the Digits pane trains on and, while the full MNIST set is
missing, downloads it into the user cache (`f`), showing the bytes of each file as they come.

The download is this widget's own `Job` (tui.jobs), so it runs beside a training run and never
in its way; what it iterates is the engine's `download_events` (checksums, atomic writes), and a
failure or a stop ends it with one line while the bundled sample stays in use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Label, ProgressBar

from tui.jobs import Job, JobEnd

if TYPE_CHECKING:
    from engine.events import DownloadProgress


@dataclass(frozen=True)
class Looked:
    """What the pane found when it looked for the full set (computed in a worker: disk)."""

    found: tuple[str, Path] | None  # (origin, IDX folder or pickle), as find_full says
    sample: tuple[int, int]  # (training, test) digits of the bundled sample, counted
    places: list[tuple[str, Path]]  # the folders looked in, each with what put it there
    cache: tuple[str, Path]  # (origin, folder) where a download goes: the user cache's mnist/


def look(data_dir: str | None) -> Looked:
    """In a worker: where the full set is, if anywhere, and how big the bundled sample is."""
    from engine.data.digits import SAMPLE_DIR, count_idx, find_full
    from engine.data.sources import search_dirs

    places = search_dirs(data_dir)
    origin, cache = places[-1]  # the user cache comes last
    return Looked(find_full(data_dir), count_idx(SAMPLE_DIR), places, (origin, cache / "mnist"))


def megabytes(done: int, total: int | None) -> str:
    """`1.0 of 9.6 MB`, or `1.0 MB` when the server does not say how big the file is."""
    return f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"


class FullMnist(Vertical):
    """Hidden while it looks; then one line saying which digits there are (and, while the set
    is missing, a button; while it downloads, a bar with the current file's bytes)."""

    class Ready(Message):
        """The full set has been downloaded: the pane offers it for the next run."""

        def __init__(self, origin: str) -> None:
            super().__init__()
            self.origin = origin  # where it lies, as the data choice names it ("cache")

    # looking, found, missing, downloading, ready; the footer shows `f` or not
    phase: reactive[str] = reactive("looking", init=False, bindings=True)

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)
        self.job = Job(self, "digits-download")
        self.looked: Looked | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="full-line")
        with Horizontal(id="full-row"):
            yield ProgressBar(id="full-progress", show_eta=False)
            yield Button("Download MNIST", id="download", compact=True)

    @property
    def offered(self) -> bool:
        """`f` acts: the set is missing (it downloads) or downloading (it stops)."""
        return self.phase in ("missing", "downloading")

    def say(self, text: str, kind: str = "") -> None:
        """Show `text`; `kind` (failed, ready) colours it."""
        line = self.query_one("#full-line", Label)
        line.update(text)
        line.set_class(kind == "failed", "-failed")
        line.set_class(kind == "ready", "-ready")

    def watch_phase(self, phase: str) -> None:
        self.display = phase != "looking"
        self.query_one("#full-row").display = self.offered
        self.query_one("#full-progress").display = phase == "downloading"
        button = self.query_one("#download", Button)
        button.label = "Stop download" if phase == "downloading" else "Download MNIST"

    def show_looked(self, looked: Looked) -> None:
        from engine.data.digits import TRAIN_SIZE

        self.looked = looked
        train, test = looked.sample
        if looked.found:
            origin, where = looked.found
            self.say(
                f"Full MNIST found ({origin} {where}): {TRAIN_SIZE:,} digits to train on, "
                f"10,000 to test. The data field chooses it or the bundled {train:,}-digit "
                "sample."
            )
            self.phase = "found"
            return
        first: dict[Path, str] = {}  # --data-dir is also read from $LEARN_GPT_DATA_DIR
        for origin, path in looked.places:
            first.setdefault(path, origin)
        places = "; ".join(f"{origin} {path}" for path, origin in first.items())
        self.say(
            f"Training on the bundled {train:,}-digit sample ({test:,} more to test): the full "
            f"60,000/10,000 MNIST set is not found in {places}. f downloads it."
        )
        self.phase = "missing"

    def toggle(self) -> None:
        """`f`: download the set, or stop the download under way."""
        if self.phase == "downloading":
            self.job.stop()  # at the next chunk: a stalled server may keep it a while
            self.say("Stopping the download…")
        elif self.phase == "missing" and self.looked is not None:
            origin, folder = self.looked.cache
            self.say(f"Downloading MNIST into {folder}…")
            self.query_one("#full-progress", ProgressBar).update(total=None, progress=0)
            self.phase = "downloading"
            self.job.start(lambda: self._download(origin, folder))

    def _download(self, origin: str, folder: Path) -> Iterator[DownloadProgress]:
        """In the worker: the four files, then their digits counted for the line that says so."""
        from engine.data.digits import count_idx
        from engine.data.download import download_events
        from engine.data.sources import catalog

        yield from download_events(catalog()["mnist"], folder)
        self.job.deliver(self._ready, (origin, folder, count_idx(folder)))

    def show_download_progress(self, events: list[DownloadProgress]) -> None:
        if not self.job.running:  # stopping: what was on its way no longer counts
            return
        last = events[-1]
        self.query_one("#full-progress", ProgressBar).update(total=last.total, progress=last.done)
        folder = self.looked.cache[1] if self.looked else ""
        self.say(
            f"Downloading MNIST into {folder}: {last.name} (file {last.index + 1} of "
            f"{last.files}), {megabytes(last.done, last.total)}. f stops."
        )

    def _ready(self, ready: tuple[str, Path, tuple[int, int]]) -> None:
        from engine.data.digits import TRAIN_SIZE

        origin, folder, (train, test) = ready
        self.say(
            f"Full MNIST ready: {train:,} training digits ({TRAIN_SIZE:,} to train on, the rest "
            f"to validate, as in the book) and {test:,} test digits in {folder}. "
            "s trains on them.",
            "ready",
        )
        self.phase = "ready"
        self.post_message(self.Ready(origin))

    def job_ended(self, job: Job, end: JobEnd) -> None:
        if end.outcome == "failed":
            self.say(
                f"Could not download MNIST: {end.error}; the bundled sample stays in use.",
                "failed",
            )
            self.phase = "missing"
        elif end.outcome == "stopped":
            self.say(
                "Download stopped, nothing half-written kept; the bundled sample stays in use.",
                "failed",
            )
            self.phase = "missing"
