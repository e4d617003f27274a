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


@dataclass(frozen=True)
class StepDone:
    """One optimisation step of the GPT: its training loss, learning rate and speed."""

    step: int
    loss: float
    lr: float
    tokens_per_s: float


@dataclass(frozen=True)
class EvalDone:
    """Mean loss on fixed train and validation batches."""

    step: int
    train_loss: float
    val_loss: float


@dataclass(frozen=True)
class Sampled:
    """A text sample from the current weights."""

    step: int
    loss: float
    text: str


@dataclass(frozen=True)
class Diverged:
    """Training stopped: the loss became NaN or exploded. The last good checkpoint is kept."""

    step: int
    loss: float
    reason: str
