"""The one worker discipline (tui.jobs): start, pause (stop), resume, stop, fail, and calls that
see the model whole, driven by a counter "model" whose two halves a step changes apart."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pilot_helpers import until
from textual.app import App
from textual.widgets import Static

from engine.errors import EngineError
from tui.jobs import UI_HZ, Job, JobEnd, handler_name


@dataclass(frozen=True)
class Ticked:
    step: int


@dataclass(frozen=True)
class Halfway:
    step: int


class Counter:
    """A model whose step writes `a`, sleeps, then writes `b`: a read during a step sees a != b."""

    def __init__(
        self, steps: int, fail_at: int | None = None, pause: float = 0.002, every: int = 10
    ) -> None:
        self.a = self.b = self.said = 0
        self.steps, self.fail_at, self.pause, self.every = steps, fail_at, pause, every

    def halfway_due(self) -> bool:
        """The step just done wants a Halfway it has not had (like a GPT run's evaluation)."""
        return bool(self.every and self.a and self.a % self.every == 0 and self.said != self.a)

    def events(self):
        if self.halfway_due():  # stopped between a step and its Halfway
            self.said = self.a
            yield Halfway(self.a)
        while self.a < self.steps:
            if self.a == self.fail_at:
                raise EngineError(f"step {self.a} went wrong\nsecond line")
            self.a += 1
            time.sleep(self.pause)
            self.b += 1
            yield Ticked(self.a)
            if self.halfway_due():
                self.said = self.a
                yield Halfway(self.a)


class Owner(Static):
    def __init__(self) -> None:
        super().__init__()
        self.job = Job(self, "counter")
        self.ticks: list[int] = []
        self.halfways: list[int] = []
        self.deliveries = 0
        self.ends: list[JobEnd] = []
        self.threads: set[int] = set()

    def show_ticked(self, events: list[Ticked]) -> None:
        self.deliveries += 1
        self.threads.add(threading.get_ident())
        self.ticks += [e.step for e in events]

    def show_halfway(self, events: list[Halfway]) -> None:
        self.halfways += [e.step for e in events]

    def job_ended(self, job: Job, end: JobEnd) -> None:
        self.ends.append(end)


class JobApp(App):
    def compose(self):
        yield Owner()


def test_handler_names_follow_the_event_class():
    assert handler_name(Ticked(1)) == "show_ticked"
    from engine.events import BatchDone

    assert handler_name(BatchDone(0, 0, 1, None)) == "show_batch_done"


async def test_events_arrive_in_order_throttled_on_the_ui_thread():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        model = Counter(300, every=0)
        began = time.monotonic()
        owner.job.start(model.events)
        await until(pilot, lambda: owner.ends, timeout=20)
        elapsed = time.monotonic() - began
        assert owner.ends == [JobEnd("finished")]
        assert owner.ticks == list(range(1, 301))
        assert owner.threads == {threading.get_ident()}  # handed over on the UI thread
        # 300 events, but the screen hears of them at most UI_HZ times a second (plus the last)
        assert owner.deliveries <= elapsed * UI_HZ * 2 + 2
        assert not owner.job.running and not owner.job.busy and owner.job.idle


async def test_pause_keeps_the_position_and_resume_continues_exactly():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        model = Counter(200, pause=0.005)
        owner.job.start(model.events)
        await until(pilot, lambda: len(owner.ticks) > 20, timeout=10)
        owner.job.stop()  # pause
        await until(pilot, lambda: owner.ends, timeout=10)
        assert owner.ends == [JobEnd("stopped")]
        stopped_at = model.a
        assert model.a == model.b  # stopped between two steps
        assert owner.ticks == list(range(1, stopped_at + 1))
        await pilot.pause(0.2)
        assert model.a == stopped_at  # nothing runs while paused
        owner.job.start(model.events)  # resume
        await until(pilot, lambda: len(owner.ends) == 2, timeout=20)
        assert owner.ends[-1] == JobEnd("finished")
        assert owner.ticks == list(range(1, 201))  # no step lost or done twice
        assert owner.halfways == list(range(10, 201, 10))  # in order with the steps


async def test_a_resume_waits_for_the_stopped_worker_to_finish_its_step():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        model = Counter(60, pause=0.02)
        owner.job.start(model.events)
        await until(pilot, lambda: owner.ticks, timeout=10)
        owner.job.stop()
        owner.job.start(model.events)  # at once: the old worker may be mid-step
        await until(pilot, lambda: owner.ends and owner.ends[-1].outcome == "finished", timeout=20)
        assert owner.ticks == list(range(1, 61))
        assert owner.ends == [JobEnd("finished")]  # the stopped worker's end is not this one's


async def test_stop_ends_the_run():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        owner.job.start(Counter(10_000).events)
        await until(pilot, lambda: owner.ticks, timeout=10)
        owner.job.stop()
        await until(pilot, lambda: owner.ends, timeout=10)
        assert owner.ends == [JobEnd("stopped")]
        assert len(owner.ticks) < 10_000


async def test_an_engine_error_ends_the_worker_with_one_line():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        owner.job.start(Counter(100, fail_at=15).events)
        await until(pilot, lambda: owner.ends, timeout=10)
        assert owner.ends == [JobEnd("failed", "step 15 went wrong")]
        assert owner.ticks == list(range(1, 16))
        assert app.is_running


async def test_calls_see_the_model_between_two_steps_and_never_on_the_ui_thread():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        model = Counter(400, pause=0.003)
        seen: list[tuple[int, int, int]] = []
        owner.job.start(model.events)
        for _ in range(15):
            owner.job.call(
                lambda: (model.a, model.b, threading.get_ident()), then=seen.append
            )
            await pilot.pause(0.03)
        await until(pilot, lambda: len(seen) == 15 and owner.ends, timeout=20)
        assert all(a == b for a, b, _ in seen)  # a whole step, every time
        assert threading.get_ident() not in {t for _, _, t in seen}
        assert len({a for a, _, _ in seen}) > 1  # they ran while it trained


async def test_a_call_while_idle_runs_in_a_thread_and_a_failure_is_one_line():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        results: list[object] = []
        failures: list[str] = []
        owner.job.call(threading.get_ident, then=results.append)

        def broken() -> None:
            raise OSError("[Errno 28] No space left on device: 'runs/x.pt'")

        owner.job.call(broken, then=results.append, failed=failures.append)
        assert not owner.job.idle
        await until(pilot, lambda: results and failures, timeout=10)
        assert results[0] != threading.get_ident()
        assert failures == ["[Errno 28] No space left on device: 'runs/x.pt'"]


async def test_a_discarded_job_delivers_nothing_more():
    app = JobApp()
    async with app.run_test() as pilot:
        owner = app.query_one(Owner)
        owner.job.start(Counter(10_000).events)
        await until(pilot, lambda: owner.ticks, timeout=10)
        owner.job.discard()
        seen = len(owner.ticks)
        await pilot.pause(0.3)
        assert len(owner.ticks) == seen and not owner.ends
        await until(pilot, lambda: owner.job._timer is None, timeout=5)  # nothing left running
