"""What every toy task's training promises (engine.tasks.runner), checked the same way for each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch

from engine.events import HeldoutEval, StepDone


def short_run(train: Callable[..., Iterator[Any]], done: type, steps: int, every: int) -> Any:
    """Train with seed 1 for `steps` steps, evaluated every `every`, twice; check the run
    (a step event each step, evaluations on time, the loss falling by more than 1 from the
    first step, the same losses again for the same seed) and return its last event."""
    settings = dict(
        train={"warmup_iters": 5, "eval_interval": every, "batch_size": 32}, heldout_size=64
    )
    events = list(train(seed=1, steps=steps, **settings))
    losses = [e.loss for e in events if isinstance(e, StepDone)]
    evals = [e for e in events if isinstance(e, HeldoutEval)]
    trained = events[-1]
    assert isinstance(trained, done) and len(losses) == steps
    assert [e.step for e in evals] == list(range(every, steps + 1, every))
    assert evals[-1].train_loss < losses[0] - 1.0
    assert trained.heldout_accuracy == evals[-1].heldout_accuracy
    again = [e.loss for e in train(seed=1, steps=steps, **settings) if isinstance(e, StepDone)]
    assert again == losses  # the same seed, the same run
    return trained


def assert_saved_in_half(trained: torch.nn.Module, loaded: torch.nn.Module) -> None:
    """The loaded weights are the trained ones, rounded to half precision."""
    for name, value in trained.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], value.half().float())
