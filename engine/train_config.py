"""How a GPT is trained: the settings (`TrainConfig`), the named presets, AdamW and its
learning-rate schedule (linear warmup, then cosine decay). A GPT run (`engine.gpt_run`) and the
toy tasks (`engine.tasks.runner`) train by the same rules, so they live apart from either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from engine.errors import ConfigError

MAX_ITERS = 100_000_000  # months of steps on any laptop: more is a typo


@dataclass(frozen=True)
class TrainConfig:
    """How to train (nanoGPT's Shakespeare-char settings, sized for a CPU)."""

    max_iters: int = 2000
    batch_size: int = 12
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0
    eval_interval: int = 250
    eval_iters: int = 20
    sample_interval: int = 250  # 0: no samples while training
    sample_tokens: int = 200
    seed: int = 1337

    def validate(self) -> TrainConfig:
        checks = [
            (self.max_iters >= 1, f"--max-iters must be at least 1, got {self.max_iters}"),
            (
                self.max_iters <= MAX_ITERS,
                f"--max-iters must be at most {MAX_ITERS:,}, got {self.max_iters}",
            ),
            (self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}"),
            (
                0 < self.learning_rate < math.inf,
                f"--lr must be a positive number, got {self.learning_rate}",
            ),
            (0 <= self.min_lr <= self.learning_rate, "min_lr must be between 0 and the lr"),
            (self.warmup_iters >= 0, "warmup_iters must be zero or positive"),
            (self.eval_interval >= 1, "eval_interval must be at least 1"),
            (self.eval_iters >= 1, "eval_iters must be at least 1"),
            (self.sample_interval >= 0, "sample_interval must be zero or positive"),
            (self.grad_clip >= 0, "grad_clip must be zero (off) or positive"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        return self


PRESETS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # nanoGPT's CPU "baby GPT": 4 layers, 4 heads, 128 wide, context 64; 0.8M parameters
    "cpu": (
        dict(n_layer=4, n_head=4, n_embd=128, block_size=64, dropout=0.0),
        dict(max_iters=2000, batch_size=12, learning_rate=1e-3),
    ),
    # words within about a minute on two cores
    "tiny": (
        dict(n_layer=3, n_head=4, n_embd=96, block_size=48, dropout=0.0),
        dict(
            max_iters=2500,
            batch_size=16,
            learning_rate=2e-3,
            warmup_iters=100,
            eval_interval=250,
            sample_interval=250,
        ),
    ),
}


def adamw(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices only (not on biases and LayerNorm gains)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=(cfg.beta1, cfg.beta2))


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to the learning rate, then cosine decay to min_lr at max_iters."""
    if step < cfg.warmup_iters:
        return cfg.learning_rate * (step + 1) / (cfg.warmup_iters + 1)
    span = max(1, cfg.max_iters - cfg.warmup_iters)
    progress = min(1.0, (step - cfg.warmup_iters) / span)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
