"""Plain event objects that long-running engine work yields.

The CLI renders them with Rich, the TUI posts them as Textual messages, tests assert on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BatchDone:
    """One mini-batch of SGD has been applied.

    `loss` is the mean cost over that mini-batch, measured only every `loss_every` batches
    (measuring costs as much as a third of a step at mini-batch 10); otherwise it is None.
    """

    epoch: int
    batch: int
    batches: int
    loss: float | None


@dataclass(frozen=True)
class EpochDone:
    """An epoch has finished; `correct` of `total` test digits were classified right."""

    epoch: int
    correct: int | None
    total: int | None
    seconds: float


@dataclass(frozen=True)
class CheckpointSaved:
    path: Path
