"""What the two toy tasks share (the pizza sentences of `engine.tasks.referent`, the number
translator of `engine.tasks.translator`): seeded draws, a digest of the task's definition for
the checkpoint, the training settings, and the one training loop with its evaluations.

The loop is nanoGPT's, without GPTRun's data pipeline, checkpoints or DDP: these tasks
generate their batches and train in well under a minute.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from typing import Any, TypeVar

import torch

from engine.events import Diverged, HeldoutEval, StepDone, TaskTrained
from engine.train_config import TrainConfig, adamw, lr_at

T = TypeVar("T", bound=TaskTrained)


def pick(rng: random.Random, items: Sequence[Any]) -> Any:
    """One of `items`. rng.random() is the one draw Python promises to repeat across
    versions, so the same seed draws the same examples everywhere."""
    return items[min(len(items) - 1, int(rng.random() * len(items)))]


def spec_digest(spec: dict[str, Any]) -> str:
    """sha256 of everything that defines a task and its split (JSON, keys sorted)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()


def train_config(
    defaults: dict[str, Any], overrides: dict[str, Any] | None, seed: int, steps: int | None
) -> TrainConfig:
    """A task's `defaults` with `overrides` (TrainConfig fields), the seed, and `steps` (when
    given) as max_iters."""
    train = {**defaults, **(overrides or {}), "seed": seed}
    if steps is not None:
        train["max_iters"] = steps
    return TrainConfig(**train).validate()


def train_task(
    net: torch.nn.Module,
    cfg: TrainConfig,
    *,
    vocab_size: int,
    step_loss: Callable[[random.Random], tuple[torch.Tensor, int]],
    draw: Callable[[str, int, int], Sequence[Any]],
    heldout_size: int,
    measure: Callable[[Sequence[Any]], tuple[float, float]],
    trained: Callable[[int, int, float, float, list[HeldoutEval]], T],
) -> Iterator[StepDone | HeldoutEval | Diverged | T]:
    """Train `net` for cfg.max_iters steps with AdamW, warmup and cosine decay, and clipping.

    `step_loss(rng)` draws a batch with `rng` (seeded cfg.seed + 1) and returns (loss, tokens
    it predicted); a StepDone follows every step. Every cfg.eval_interval steps and after the
    last, `measure(examples)` gives (loss, accuracy) on `heldout_size` fixed training examples
    and then as many held-out ones (`draw(split, n, seed)`), yielded as a HeldoutEval. A NaN
    loss, or one above three times a uniform guess over `vocab_size`, yields Diverged and ends
    the run; otherwise the net is left in eval mode and the last event is
    `trained(seed, steps, held-out accuracy, seconds, evaluations)`: the task's TaskTrained
    event, its model already given.
    """
    began = time.perf_counter()
    explode = 3 * math.log(vocab_size) + 1
    rng = random.Random(cfg.seed + 1)
    fixed_train = draw("train", heldout_size, cfg.seed + 2)
    fixed_heldout = draw("heldout", heldout_size, 0)
    history: list[HeldoutEval] = []
    optimizer = adamw(net, cfg)
    net.train()
    for step in range(cfg.max_iters):
        tick = time.perf_counter()
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss, tokens = step_loss(rng)
        value = loss.item()
        if not math.isfinite(value) or value > explode:
            yield Diverged(step, value, "the loss is NaN or exploded; try a lower learning rate")
            return
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
        optimizer.step()
        done = step + 1
        yield StepDone(done, value, lr, tokens / max(time.perf_counter() - tick, 1e-9))
        if done % cfg.eval_interval == 0 or done == cfg.max_iters:
            train_loss, _ = measure(fixed_train)
            heldout_loss, accuracy = measure(fixed_heldout)
            history.append(HeldoutEval(done, train_loss, heldout_loss, accuracy))
            yield history[-1]
    net.eval()
    accuracy = history[-1].heldout_accuracy
    yield trained(cfg.seed, cfg.max_iters, accuracy, time.perf_counter() - began, history)


def run_record(trained: TaskTrained) -> dict[str, Any]:
    """What a toy task's checkpoint keeps of the run that made it (no optimiser)."""
    return {
        "seed": trained.seed,
        "heldout_accuracy": trained.heldout_accuracy,
        "seconds": trained.seconds,
        "evaluations": [asdict(e) for e in trained.history],
    }
