"""The "gpt" checkpoint: how a GPT run is saved and reopened, and how a trained GPT is loaded.

One layout holds three kinds of file: a run saved to be resumed exactly (full-precision
weights, optimiser, random state), a trained model saved small to ship (half precision, nothing
to resume), and a toy task's word-level GPT (`engine.tasks.referent`). All go through
`engine.checkpoint`, the one writer and reader; `load_model` opens any of them for sampling and
looking inside, and `GPTRun.load` resumes the first through `read_run` and `restore_run`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from engine import checkpoint
from engine.data.text import Corpus, Tokenizer, load_corpus, tokenizer_from_state
from engine.events import CheckpointSaved, EvalDone
from engine.gpt import GPT, GPTConfig

if TYPE_CHECKING:
    from engine.gpt_run import GPTRun

KIND = "gpt"


def corpus_digest(text: str) -> str:
    """sha256 of the training text: resuming checks it is the same text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def save_run(run: GPTRun, path: str | Path, *, resumable: bool) -> CheckpointSaved:
    """Save `run`: everything to continue exactly when `resumable` (full-precision weights,
    optimiser, random state), else only what sampling and attention need, in half precision."""
    fields: dict[str, Any] = {}
    if resumable:
        fields = dict(
            train_config=asdict(run.train_config),
            optimizer=run.optimizer.state_dict(),
            rng={"torch": torch.get_rng_state(), "batches": run.batch_gen.get_state()},
        )
    corpus = {
        "spec": run.corpus_spec,
        "source": run.corpus.source,
        "sha256": corpus_digest(run.corpus.text),
    }
    history = [asdict(e) for e in run.history]
    return save_gpt(
        path, run.model, run.tokenizer, corpus, run.step, history, half=not resumable, **fields
    )


def read_run(
    path: str | Path, data_dir: str | Path | None = None, corpus: Corpus | None = None
) -> tuple[dict[str, Any], Corpus]:
    """A resumable run's contents and its corpus (`corpus`, or the one it names, loaded),
    checked: the file holds an optimiser, and the text is the one it was trained on."""
    data = load_model_checkpoint(path)
    if "optimizer" not in data:
        raise checkpoint.CheckpointError(
            f"{path} holds only a trained model (no optimiser state): it can be sampled "
            "and looked into, not resumed"
        )
    corpus = corpus or load_corpus(data["corpus"]["spec"], data_dir)
    if corpus_digest(corpus.text) != data["corpus"]["sha256"]:
        raise checkpoint.CheckpointError(
            f"{path} was trained on a different text than {corpus.source}; "
            "resuming needs the same corpus"
        )
    return data, corpus


def restore_run(run: GPTRun, data: dict[str, Any]) -> None:
    """Put a freshly built run back where `data` (from `read_run`) left it: weights,
    optimiser, step, random state, evaluations."""
    run.model.load_state_dict(data["model"])
    run.optimizer.load_state_dict(data["optimizer"])
    run.step = int(data["step"])
    torch.set_rng_state(data["rng"]["torch"])
    run.batch_gen.set_state(data["rng"]["batches"])
    if run.world > 1:  # only rank 0's state was saved: give each rank its own stream again
        run.batch_gen.manual_seed(run.train_config.seed + 1 + run.rank + 1_000_003 * run.step)
    run.history = [EvalDone(**e) for e in data["history"]]


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
