"""Ctrl-C as a polite request: training finishes its current step, saves, and says how to resume."""

from __future__ import annotations

import signal
from types import FrameType, TracebackType


class StopOnCtrlC:
    """Within the block, the first Ctrl-C sets `asked`; a second one interrupts at once."""

    def __init__(self) -> None:
        self.asked = False
        self._previous: object = None

    def _ask(self, signum: int, frame: FrameType | None) -> None:
        self.asked = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __enter__(self) -> StopOnCtrlC:
        self._previous = signal.signal(signal.SIGINT, self._ask)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
