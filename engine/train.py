"""Training the GPT: AdamW with warmup and cosine decay, as a generator of plain events.

`GPTRun` holds everything a run is (model, optimiser, data, random state, step) so it can be
saved at any step and resumed exactly. Run under `torchrun`, it trains with
DistributedDataParallel: each rank draws its batches from its own shard of the training text,
gradients are averaged, and only rank 0 saves checkpoints.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch

from engine import checkpoint
from engine.data.text import (
    TOKENIZERS,
    Corpus,
    Tokenizer,
    check_length,
    encode_corpus,
    load_corpus,
    tokenizer_from_state,
    train_val_split,
)
from engine.errors import ConfigError
from engine.events import CheckpointSaved, Diverged, EvalDone, Sampled, StepDone
from engine.gpt import GPT, GPTConfig
from engine.sample import SampleSettings, generate

KIND = "gpt"


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
            (self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}"),
            (self.learning_rate > 0, f"--lr must be positive, got {self.learning_rate}"),
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


def distributed() -> tuple[int, int]:
    """(rank, world size): (0, 1) unless torch.distributed has been initialised (torchrun)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_distributed(device: str) -> tuple[int, int]:
    """Join the process group torchrun describes in the environment (gloo on CPU)."""
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
    return distributed()


def _corpus_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class GPTRun:
    """A GPT, its optimiser, its data and its random state: everything to continue exactly."""

    def __init__(
        self,
        model_config: GPTConfig,
        train_config: TrainConfig,
        tokenizer: Tokenizer,
        corpus: Corpus,
        corpus_spec: str,
        device: str = "cpu",
    ) -> None:
        self.model_config = model_config.validate()
        self.train_config = train_config.validate()
        self.tokenizer, self.corpus, self.corpus_spec = tokenizer, corpus, corpus_spec
        self.device = device
        ids = encode_corpus(corpus.text, tokenizer)
        check_length(len(ids), model_config.block_size, "text")
        self.train_ids, self.val_ids = train_val_split(ids)
        check_length(
            len(self.val_ids),
            model_config.block_size,
            "its last 10% (validation)",
            val_fraction=None,
        )
        self.rank, self.world = distributed()
        torch.manual_seed(train_config.seed)  # weights and dropout
        self.model = GPT(model_config).to(device)
        self.optimizer = adamw(self.model, train_config)
        self.step = 0
        self.batch_gen = torch.Generator().manual_seed(train_config.seed + 1 + self.rank)
        self.best_val = math.inf
        self.history: list[EvalDone] = []
        self.sampling = SampleSettings(train_config.sample_interval, train_config.sample_tokens)
        self._eval_batches = {
            split: self._fixed_batches(data)
            for split, data in (("train", self.train_ids), ("val", self.val_ids))
        }

    # -- construction --------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        corpus_spec: str = "sample",
        *,
        preset: str = "cpu",
        model: dict[str, Any] | None = None,
        train: dict[str, Any] | None = None,
        device: str = "cpu",
        data_dir: str | Path | None = None,
        corpus: Corpus | None = None,
        tokenizer: str = "char",
    ) -> GPTRun:
        """A fresh run: a preset, with any model or training settings overridden."""
        if preset not in PRESETS:
            raise ConfigError(f"unknown preset {preset!r}: choose {', '.join(PRESETS)}")
        model_preset, train_preset = PRESETS[preset]
        corpus = corpus or load_corpus(corpus_spec, data_dir)
        if tokenizer not in TOKENIZERS:
            raise ConfigError(f"unknown tokenizer {tokenizer!r}: choose {', '.join(TOKENIZERS)}")
        tok = TOKENIZERS[tokenizer].from_text(corpus.text)
        model_config = GPTConfig(vocab_size=tok.vocab_size, **{**model_preset, **(model or {})})
        train_config = TrainConfig(**{**train_preset, **(train or {})})
        return cls(model_config, train_config, tok, corpus, corpus_spec, device)

    def _fixed_batches(self, data: torch.Tensor) -> torch.Tensor:
        """eval_iters x batch_size start offsets, the same at every evaluation."""
        gen = torch.Generator().manual_seed(self.train_config.seed)
        high = len(data) - self.model_config.block_size - 1
        shape = (self.train_config.eval_iters, self.train_config.batch_size)
        return torch.randint(0, high + 1, shape, generator=gen)

    # -- data ----------------------------------------------------------------------------
    def _batch(self, data: torch.Tensor, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        block = self.model_config.block_size
        x = torch.stack([data[i : i + block] for i in starts.tolist()])
        y = torch.stack([data[i + 1 : i + 1 + block] for i in starts.tolist()])
        return x.to(self.device), y.to(self.device)

    def _train_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A random batch from this rank's shard of the training text."""
        shard = len(self.train_ids) // self.world
        lo = self.rank * shard
        high = shard - self.model_config.block_size - 1
        if high < 0:  # too little text to shard: every rank draws from all of it
            lo, high = 0, len(self.train_ids) - self.model_config.block_size - 1
        starts = lo + torch.randint(
            0, high + 1, (self.train_config.batch_size,), generator=self.batch_gen
        )
        return self._batch(self.train_ids, starts)

    # -- training ------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> tuple[float, float]:
        """Mean loss over the fixed train and validation batches."""
        was_training = self.model.training
        self.model.eval()
        means = []
        for split, data in (("train", self.train_ids), ("val", self.val_ids)):
            losses = [
                float(self.model(*self._batch(data, starts)).loss)
                for starts in self._eval_batches[split]
            ]
            means.append(sum(losses) / len(losses))
        self.model.train(was_training)
        return means[0], means[1]

    def sample(
        self,
        tokens: int,
        prompt: str = "",
        seed: int | None = None,
        temperature: float = 1.0,
        top_k: int | None = None,
    ) -> str:
        """`prompt` and `tokens` more from the current weights (seeded by the step unless a
        seed is given, so a run's samples are reproducible)."""
        pieces = generate(
            self.model,
            self.tokenizer,
            prompt,
            tokens,
            temperature=temperature,
            top_k=top_k,
            seed=self.train_config.seed + self.step if seed is None else seed,
        )
        return prompt + "".join(p.text for p in pieces)

    def summary(self) -> str:
        """One line: the model's shape and size, the training ahead, and the text."""
        m, t = self.model_config, self.train_config
        return (
            f"GPT: {m.n_layer} layers, {m.n_head} heads, {m.n_embd} wide, context "
            f"{m.block_size}; {self.model.num_params():,} parameters; {t.max_iters} steps of "
            f"{t.batch_size}; {self.corpus.source}"
        )

    def set_sampling(self, settings: SampleSettings) -> None:
        """Write the samples from now on as `settings` say (checked first: one-line error)."""
        self.sampling = settings.check(self.tokenizer)

    def sample_now(self, loss: float | None = None) -> Sampled:
        """A sample from the current weights, written as `self.sampling` says."""
        s = self.sampling
        text = self.sample(s.tokens, s.prompt, temperature=s.temperature, top_k=s.top_k)
        return Sampled(self.step, loss, text, s.prompt, s.temperature, s.top_k)

    @property
    def finished(self) -> bool:
        return self.step >= self.train_config.max_iters

    def _evaluation_pending(self) -> bool:
        """The step just done is due an evaluation it has not had yet."""
        due = self.step % self.train_config.eval_interval == 0 or self.finished
        return self.step > 0 and due and (not self.history or self.history[-1].step != self.step)

    def _evaluate(self) -> Generator[EvalDone | Diverged, None, bool]:
        """Evaluate the step just done; False (after yielding Diverged) if the loss is not
        finite."""
        train_loss, val_loss = self.evaluate()
        if not math.isfinite(train_loss + val_loss):
            yield Diverged(self.step, val_loss, "the evaluation loss is NaN or infinite")
            return False
        event = EvalDone(self.step, train_loss, val_loss)
        self.history.append(event)
        yield event
        return True

    def events(
        self, checkpoint_path: str | Path | None = None
    ) -> Iterator[StepDone | EvalDone | Sampled | CheckpointSaved | Diverged]:
        """Train from the current step to max_iters. After each evaluation the run is saved
        to `checkpoint_path` (rank 0 only), so a crash or a divergence keeps the last good one.
        Stop or pause between any two events: a run stopped between a step and its evaluation
        evaluates first when it goes on. A NaN or exploding loss ends the run with Diverged."""
        c = self.train_config
        model: torch.nn.Module = self.model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            model = DistributedDataParallel(self.model)
        self.model.train()
        explode = 3 * math.log(self.model_config.vocab_size) + 1  # 3x a uniform guess
        tokens = c.batch_size * self.model_config.block_size * self.world
        if self._evaluation_pending():
            if not (yield from self._evaluate()):
                return
            if checkpoint_path is not None and self.rank == 0:
                yield self.save(checkpoint_path)
        while self.step < c.max_iters:
            began = time.perf_counter()
            lr = lr_at(self.step, c)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            x, y = self._train_batch()
            loss = model(x, y).loss
            loss_value = loss.item()
            if self.any_rank(not math.isfinite(loss_value) or loss_value > explode):
                reason = (
                    "the loss is NaN"
                    if math.isnan(loss_value)
                    else (f"the loss exploded to {loss_value:.3g}")
                )
                yield Diverged(self.step, loss_value, f"{reason}; try a lower learning rate")
                return
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if c.grad_clip:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), c.grad_clip)
            self.optimizer.step()
            self.step += 1
            yield StepDone(self.step, loss_value, lr, tokens / (time.perf_counter() - began))
            evaluating = self._evaluation_pending()
            if evaluating and not (yield from self._evaluate()):
                return
            every = self.sampling.every
            if every and (self.step % every == 0 or self.finished):
                yield self.sample_now(loss_value)
            if evaluating and checkpoint_path is not None and self.rank == 0:
                yield self.save(checkpoint_path)  # only after a finite evaluation

    def any_rank(self, flag: bool) -> bool:
        """True if `flag` is true on any rank: all ranks must stop together or they hang."""
        if self.world == 1:
            return flag
        import torch.distributed as dist

        shared = torch.tensor([float(flag)])
        dist.all_reduce(shared, op=dist.ReduceOp.MAX)
        return bool(shared.item())

    # -- checkpoints ---------------------------------------------------------------------
    def save_model(self, path: str | Path) -> CheckpointSaved:
        """Only what sampling and attention need, in half precision: a small file to ship."""
        return self._save(path, half=True)

    def save(self, path: str | Path) -> CheckpointSaved:
        """Everything to continue exactly: full-precision weights, optimiser, random state."""
        return self._save(
            path,
            half=False,
            train_config=asdict(self.train_config),
            optimizer=self.optimizer.state_dict(),
            rng={"torch": torch.get_rng_state(), "batches": self.batch_gen.get_state()},
        )

    def _save(self, path: str | Path, *, half: bool, **fields: Any) -> CheckpointSaved:
        corpus = {
            "spec": self.corpus_spec,
            "source": self.corpus.source,
            "sha256": _corpus_digest(self.corpus.text),
        }
        history = [asdict(e) for e in self.history]
        return save_gpt(
            path, self.model, self.tokenizer, corpus, self.step, history, half=half, **fields
        )

    @classmethod
    def load(
        cls,
        path: str | Path,
        device: str = "cpu",
        data_dir: str | Path | None = None,
        corpus: Corpus | None = None,
        max_iters: int | None = None,
    ) -> GPTRun:
        """Reopen a saved run on its own corpus to continue it exactly."""
        data = load_model_checkpoint(path)
        if "optimizer" not in data:
            raise checkpoint.CheckpointError(
                f"{path} holds only a trained model (no optimiser state): it can be sampled "
                "and looked into, not resumed"
            )
        spec = data["corpus"]["spec"]
        corpus = corpus or load_corpus(spec, data_dir)
        if _corpus_digest(corpus.text) != data["corpus"]["sha256"]:
            raise checkpoint.CheckpointError(
                f"{path} was trained on a different text than {corpus.source}; "
                "resuming needs the same corpus"
            )
        train_config = TrainConfig(**data["train_config"])
        if max_iters is not None:
            train_config = replace(train_config, max_iters=max_iters)
        run = cls(
            GPTConfig.from_dict(data["model_config"]),
            train_config,
            tokenizer_from_state(data["tokenizer"]),
            corpus,
            spec,
            device,
        )
        run.model.load_state_dict(data["model"])
        run.optimizer.load_state_dict(data["optimizer"])
        run.step = int(data["step"])
        torch.set_rng_state(data["rng"]["torch"])
        run.batch_gen.set_state(data["rng"]["batches"])
        if run.world > 1:  # only rank 0's state was saved: give each rank its own stream again
            run.batch_gen.manual_seed(train_config.seed + 1 + run.rank + 1_000_003 * run.step)
        run.history = [EvalDone(**e) for e in data["history"]]
        return run


def save_gpt(
    path: str | Path,
    model: GPT,
    tokenizer: Tokenizer,
    corpus: dict[str, str],
    step: int,
    history: list[dict[str, Any]],
    *,
    half: bool,
    **fields: Any,
) -> CheckpointSaved:
    """Write a "gpt" checkpoint, the file `load_model` reads: config and weights, tokenizer,
    the corpus it learnt from ({"spec", "source", "sha256"}), step, evaluations, then
    `fields` (a run's optimiser and random state, a toy task's own figures)."""
    return checkpoint.save_model(
        path,
        KIND,
        model,
        half=half,
        tokenizer=tokenizer.state(),
        corpus=corpus,
        step=step,
        history=history,
        **fields,
    )


def load_model_checkpoint(path: str | Path) -> dict[str, Any]:
    """A GPT checkpoint's contents, with its config checked."""
    data = checkpoint.load(path, KIND)
    try:
        GPTConfig.from_dict(data["model_config"])
        data["tokenizer"], data["model"], data["step"]  # noqa: B018 - must be present
    except (KeyError, TypeError) as exc:
        raise checkpoint.CheckpointError(
            f"{path}: damaged gpt checkpoint (missing {exc})"
        ) from None
    return data


def load_model(path: str | Path, device: str = "cpu") -> tuple[GPT, Tokenizer]:
    """A trained GPT and its tokenizer, for sampling and looking inside (no optimiser)."""
    data = load_model_checkpoint(path)
    model = GPT(GPTConfig.from_dict(data["model_config"])).to(device)
    with checkpoint.weights_must_fit(path):
        model.load_state_dict(data["model"])
    model.eval()
    return model, tokenizer_from_state(data["tokenizer"])
