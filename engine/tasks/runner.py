"""What the generated toy tasks share (the pizza sentences of `engine.tasks.sentences`, the
number translator of `engine.tasks.seq2seq_model`): seeded draws, a digest of the task's
definition for the checkpoint, and the plain training loop.

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
from typing import Any, TypeVar

import torch

from engine.events import Diverged, StepDone
from engine.train import TrainConfig, adamw, lr_at

E = TypeVar("E")


def pick(rng: random.Random, items: Sequence[Any]) -> Any:
    """One of `items`. rng.random() is the one draw Python promises to repeat across
    versions, so the same seed draws the same examples everywhere."""
    return items[min(len(items) - 1, int(rng.random() * len(items)))]


def spec_digest(spec: dict[str, Any]) -> str:
    """sha256 of everything that defines a task and its split (JSON, keys sorted)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()


def train_steps(
    net: torch.nn.Module,
    cfg: TrainConfig,
    step_loss: Callable[[], tuple[torch.Tensor, int]],
    evaluate: Callable[[int], E],
    explode: float,
) -> Iterator[StepDone | Diverged | E]:
    """Train `net` for cfg.max_iters steps with AdamW, warmup and cosine decay, and clipping.
    `step_loss()` draws a batch and returns (loss, tokens it predicted); `evaluate(step)` is
    called, and its event yielded, every cfg.eval_interval steps and after the last. A NaN loss
    or one above `explode` yields Diverged and ends the run. The net is left in eval mode."""
    optimizer = adamw(net, cfg)
    net.train()
    for step in range(cfg.max_iters):
        tick = time.perf_counter()
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss, tokens = step_loss()
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
            yield evaluate(done)
    net.eval()
