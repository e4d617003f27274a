"""One road from the engine to the screen: every long piece of engine work in the app is a `Job`.

A job guards one model (a digit run, a GPT run, the Lab's pair, a translator) and lets at most
one thread touch it at a time:

- `start(work)` iterates `work()`, a generator of engine events (`engine/events.py`), in a
  thread worker. Events are queued; the app drains the queue at most `UI_HZ` times a second
  and hands each run of same-type events to the owner's `show_<event_name>(events)` method
  (`show_batch_done` for `BatchDone`, ...): the throttle lives here and nowhere else, and the
  event objects reach the pane as they are.
- `stop()` ends the worker at the next event, which the engine yields between two steps: the
  engine run keeps its position, so a pause is a stop, and a resume is a new `start` on the
  same run (it waits for the old worker to finish its step).
- `call(fn, then)` runs `fn()` where the model is whole: between two steps of the running
  worker, or in a thread of its own when nothing runs, never on the UI thread and never during
  a step. Saving, sampling, loading and looking inside a model all go through it, so a
  checkpoint always holds the weights and position of one whole step.
- An engine error, torch's `RuntimeError`, an `OSError` or another of `FAILURES` ends a worker
  or a call with one line for the pane (`job_ended`, or the call's `failed`), never in
  Textual's crash handler.

Everything a worker sends (events, call results, its end) goes through one queue, so it reaches
the UI thread in the order it happened.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Literal

from textual.dom import DOMNode
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from engine.errors import EngineError

UI_HZ = 15  # the most times a second engine work reaches the screen
# what ends a worker or a call with a line for the pane instead of a traceback: the engine's
# errors, torch's and the system's, and the slips an engine bug makes (a field of the wrong
# type, a key or attribute missing), which would otherwise kill the whole app for one pane
FAILURES = (
    EngineError,
    OSError,
    RuntimeError,
    ValueError,
    MemoryError,
    TypeError,
    KeyError,
    AttributeError,
)

Outcome = Literal["finished", "stopped", "failed"]


@dataclass(frozen=True)
class JobEnd:
    """How a worker ended: it ran out of events, it was stopped, or it failed (`error`)."""

    outcome: Outcome
    error: str = ""


@dataclass(frozen=True)
class _Returned:
    """A call's result (or its failure) on its way to the UI thread."""

    then: Callable[[Any], None] | None
    value: Any = None
    failed: Callable[[str], None] | None = None
    error: str = ""
    ends_call: bool = True  # False for `deliver`, which a worker sends on its way


@dataclass(frozen=True)
class _Ended:
    generation: int
    end: JobEnd


class _Cancelled(Exception):
    """The worker was cancelled while it waited for the model."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type's name when it has none)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _event_type(item: object) -> type | None:
    """An engine event's type; None for what the job itself sends (results, ends)."""
    return None if isinstance(item, (_Returned, _Ended)) else type(item)


def handler_name(event: object) -> str:
    """`show_batch_done` for a `BatchDone`: the owner method an event is handed to."""
    return "show_" + re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()


class Job:
    """One model and the one worker thread allowed to change it; see the module docstring.

    `owner` is the pane (a screen or widget) whose `show_*` methods receive the events, whose
    `job_ended(job, end)` hears how a worker ended, and whose `notify` shows failed calls.
    """

    _every: weakref.WeakSet[Job] = weakref.WeakSet()  # so that quitting can ask what runs

    def __init__(self, owner: DOMNode, name: str) -> None:
        self.owner, self.name = owner, name
        Job._every.add(self)
        self._model = threading.Lock()  # held by whichever thread uses the model
        self._guard = threading.Lock()  # for the fields below, read by workers and the UI
        self._requests: deque[tuple[Callable[[], Any], Callable, Callable | None]] = deque()
        self._training = False  # a worker is iterating events and serves calls between them
        self._out: deque[object] = deque()
        self._worker: Worker | None = None
        self._generation = 0
        self._timer: Timer | None = None
        self._pending = 0  # workers and calls started whose output is not all delivered
        self._alive = 0  # workers started whose end is not delivered yet
        self.discarded = False

    # -- the UI thread's side ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        """A worker was started and has not been stopped (it may still be building)."""
        return self._worker is not None and not self._worker.is_cancelled

    @classmethod
    def running_in(cls, app: object) -> list[Job]:
        """The jobs of `app` whose worker runs now (training, a comparison, a download)."""
        jobs = []
        for job in list(cls._every):
            try:
                mine = job.owner.app is app
            except Exception:  # an owner never mounted, or gone with its app
                mine = False
            if mine and job.running and not job.discarded:
                jobs.append(job)
        return jobs

    @property
    def busy(self) -> bool:
        """A worker (perhaps a stopped one finishing its step) has not ended yet."""
        return self._alive > 0

    @property
    def idle(self) -> bool:
        """Nothing the job was asked to do is still to come: every worker and call has been
        handed over (a screen showing what the job computes shows all of it)."""
        return self._pending == 0 and not self._out

    def start(self, work: Callable[[], Iterable[object]]) -> None:
        """Iterate `work()` in a new worker; a previous one is stopped first."""
        self.stop()
        self._generation += 1
        self._alive += 1
        self._begin()
        generation = self._generation  # this worker's, whatever starts after it
        self._worker = self.owner.run_worker(
            lambda: self._iterate(work, generation),
            thread=True,
            group=self.name,
            exit_on_error=True,
        )

    def stop(self) -> None:
        """End the worker at its next event; the model stays as that step left it."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def discard(self) -> None:
        """Stop, and deliver nothing more: for a run the pane has replaced."""
        self.stop()
        self.discarded = True

    def call(
        self,
        fn: Callable[[], Any],
        then: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run `fn()` with the model to itself; `then(result)` on the UI thread. A failure goes
        to `failed(line)`, or is shown as an error notification."""
        self._begin()
        with self._guard:
            if self._training:  # the worker serves it between two events
                self._requests.append((fn, then, failed))
                return
        self.owner.run_worker(
            lambda: self._call_alone(fn, then, failed),
            thread=True,
            group=f"{self.name}-call",
            exit_on_error=True,
        )

    def deliver(self, then: Callable[[Any], None], value: Any) -> None:
        """From worker code: call `then(value)` on the UI thread, in order with the events."""
        self._out.append(_Returned(then, value, ends_call=False))

    def _begin(self) -> None:
        self._pending += 1
        if self._timer is None:
            self._timer = self.owner.app.set_interval(1 / UI_HZ, self._drain, name=self.name)

    def _drain(self) -> None:
        """Hand what the workers sent to the owner; the timer stops when nothing is pending."""
        # the app is closing, or the owner has gone; display is False while Textual prunes a
        # node, so its children may already be gone (a drain during the app's shutdown)
        if not self.owner.is_attached or not self.owner.display:
            return
        items: list[object] = []
        while self._out:
            items.append(self._out.popleft())
        for kind, group in groupby(items, _event_type):
            if kind is None:  # a call's result or a worker's end
                for item in group:
                    self._settle(item)
            elif not self.discarded:
                events = list(group)
                handler = getattr(self.owner, handler_name(events[0]), None)
                if handler is not None:
                    handler(events)
        if self._pending == 0 and not self._out and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _settle(self, item: object) -> None:
        """Count a call or a worker as done and, unless discarded, tell the owner."""
        if isinstance(item, _Ended):
            self._pending -= 1
            self._alive -= 1
            if item.generation == self._generation and not self.discarded:
                self._worker = None
                ended = getattr(self.owner, "job_ended", None)
                if ended is not None:
                    ended(self, item.end)
            return
        assert isinstance(item, _Returned)
        self._pending -= item.ends_call
        if self.discarded:
            return
        if item.error:
            if item.failed is not None:
                item.failed(item.error)
            else:
                self.owner.notify(item.error, severity="error")
        elif item.then is not None:
            item.then(item.value)

    # -- the worker threads' side ------------------------------------------------------------
    def _hold(self, worker: Worker) -> None:
        """Take the model, giving up (with _Cancelled) if the worker is cancelled meanwhile."""
        while not self._model.acquire(timeout=0.05):
            if worker.is_cancelled:
                raise _Cancelled

    def _iterate(self, work: Callable[[], Iterable[object]], generation: int) -> None:
        worker = get_current_worker()
        end = JobEnd("stopped")
        try:
            self._hold(worker)
        except _Cancelled:
            self._out.append(_Ended(generation, end))
            return
        try:
            with self._guard:
                self._training = True
            events: Iterator[object] = iter(work())
            end = JobEnd("finished")
            for event in events:
                self._out.append(event)
                self._serve()
                if worker.is_cancelled:
                    end = JobEnd("stopped")
                    break
        except FAILURES as exc:
            end = JobEnd("failed", one_line(exc))
        finally:
            with self._guard:
                self._training = False
            self._serve()
            self._model.release()
            self._out.append(_Ended(generation, end))

    def _serve(self) -> None:
        """Run the calls that came in while the worker held the model."""
        while True:
            with self._guard:
                if not self._requests:
                    return
                fn, then, failed = self._requests.popleft()
            self._run(fn, then, failed)

    def _call_alone(self, fn: Callable[[], Any], then: Callable | None, failed: Callable | None):
        with self._model:
            self._run(fn, then, failed)

    def _run(self, fn: Callable[[], Any], then: Callable | None, failed: Callable | None) -> None:
        try:
            value = fn()
        except FAILURES as exc:
            self._out.append(_Returned(None, None, failed, one_line(exc)))
            return
        self._out.append(_Returned(then, value))
