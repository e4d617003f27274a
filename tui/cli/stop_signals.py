"""Ctrl-C, SIGTERM and SIGHUP as a polite request: training finishes its current step, saves,
and says how to resume. A terminal closed under a run (SIGHUP) or a `kill`, a scheduler's or a
container's stop (SIGTERM) costs the learner no more than Ctrl-C does."""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

# the signals that ask a run to stop (Windows has no SIGHUP)
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
NAMES = {signal.SIGINT: "Ctrl-C"}


class StopOnSignal:
    """Within the block, the first Ctrl-C, SIGTERM or SIGHUP sets `asked` (and `signum`); then
    every signal has its previous handler back, so a second one acts at once (Ctrl-C
    interrupts, SIGTERM and SIGHUP end the process). A signal that was ignored (SIGHUP under
    `nohup`) stays ignored. The previous handlers come back when the block ends. Outside the
    main thread, where Python cannot set handlers, it catches nothing."""

    def __init__(self) -> None:
        self.asked = False
        self.signum: int | None = None  # the signal that asked; None: none, or another rank's
        self._previous: dict[int, Any] = {}

    @property
    def name(self) -> str:
        """What asked, as the learner knows it: Ctrl-C, SIGTERM or SIGHUP."""
        if self.signum is None:
            return "a stop request"
        return NAMES.get(self.signum, signal.Signals(self.signum).name)

    @property
    def exit_code(self) -> int:
        """The shell's code for a run ended by this signal: 128 + its number (130 for Ctrl-C,
        143 for SIGTERM, 129 for SIGHUP)."""
        return 128 + (self.signum or signal.SIGINT)

    def _ask(self, signum: int, frame: FrameType | None) -> None:
        if not self.asked:
            self.asked, self.signum = True, signum
        self._restore()

    def _restore(self) -> None:
        for signum, previous in self._previous.items():
            # None: a handler set outside Python, which cannot be put back; the default then
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self._previous.clear()

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._ask)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._restore()
