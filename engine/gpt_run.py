"""A GPT's training run, as a generator of plain events.

`GPTRun` holds everything a run is (model, optimiser, data, random state, step) so it can be
saved at any step and resumed exactly (`engine.gpt_checkpoint` writes and reads the file); how
it trains, AdamW with warmup and cosine decay, is `engine.train_config`. Run under `torchrun`,
it trains with DistributedDataParallel: each rank draws its batches from its own shard of the
training text, gradients are averaged, and only rank 0 saves checkpoints.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from engine import gpt_checkpoint
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
from engine.train_config import PRESETS, TrainConfig, adamw, lr_at


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
        top_p: float | None = None,
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
            top_p=top_p,
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
        text = self.sample(
            s.tokens, s.prompt, temperature=s.temperature, top_k=s.top_k, top_p=s.top_p
        )
        return Sampled(self.step, loss, text, s.prompt, s.temperature, s.top_k, s.top_p)

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
        """True if `flag` is true on any rank: all ranks must stop together or they hang. The
        flag travels on the run's device: NCCL (the backend on cuda) reduces CUDA tensors only."""
        if self.world == 1:
            return flag
        import torch.distributed as dist

        shared = torch.tensor([float(flag)], device=self.device)
        dist.all_reduce(shared, op=dist.ReduceOp.MAX)
        return bool(shared.item())

    # -- checkpoints (engine.gpt_checkpoint) -----------------------------------------------
    def save_model(self, path: str | Path) -> CheckpointSaved:
        """Only what sampling and attention need, in half precision: a small file to ship."""
        return gpt_checkpoint.save_run(self, path, resumable=False)

    def save(self, path: str | Path) -> CheckpointSaved:
        """Everything to continue exactly: full-precision weights, optimiser, random state."""
        return gpt_checkpoint.save_run(self, path, resumable=True)

    @classmethod
    def load(
        cls,
        path: str | Path,
        device: str = "cpu",
        data_dir: str | Path | None = None,
        corpus: Corpus | None = None,
        max_iters: int | None = None,
    ) -> GPTRun:
        """Reopen a saved run on its own corpus to continue it exactly (`max_iters`, when
        given, replaces the saved one)."""
        data, corpus = gpt_checkpoint.read_run(path, data_dir, corpus)
        train_config = TrainConfig(**data["train_config"])
        if max_iters is not None:
            train_config = replace(train_config, max_iters=max_iters)
        run = cls(
            GPTConfig.from_dict(data["model_config"]),
            train_config,
            tokenizer_from_state(data["tokenizer"]),
            corpus,
            data["corpus"]["spec"],
            device,
        )
        gpt_checkpoint.restore_run(run, data, path)
        return run
