"""The "gpt" checkpoint: how a GPT run is saved and reopened, and how a trained GPT is loaded.

One layout holds three kinds of file: a run saved to be resumed exactly (full-precision
weights, optimiser, random state), a trained model saved small to ship (half precision, nothing
to resume), and a toy task's word-level GPT (`engine.tasks.referent`). All go through
`engine.checkpoint`, the one writer and reader; `load_model` opens any of them for sampling and
looking inside, and `GPTRun.load` resumes the first through `read_run` and `restore_run`.
Reading checks everything the code relies on (`load_model_checkpoint` for a model,
`load_run_checkpoint` for a run) before a model is built, so a malformed file is one line.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from engine import checkpoint
from engine.checkpoint import NUMBER
from engine.data.digits import DataError
from engine.data.text import Corpus, Tokenizer, load_corpus, tokenizer_from_state
from engine.events import CheckpointSaved, EvalDone
from engine.gpt import GPT, GPTConfig
from engine.train_config import TrainConfig

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


class ModelOnlyError(checkpoint.CheckpointError):
    """A GPT checkpoint saved to ship (no optimiser, no random state) was asked to resume."""


def read_run(
    path: str | Path, data_dir: str | Path | None = None, corpus: Corpus | None = None
) -> tuple[dict[str, Any], Corpus]:
    """A resumable run's contents (checked by `load_run_checkpoint`) and its corpus
    (`corpus`, or the one it names, loaded), which must be the text it was trained on."""
    data = load_run_checkpoint(path)
    spec = data["corpus"]["spec"]
    try:
        corpus = corpus or load_corpus(spec, data_dir)
    except DataError as exc:
        raise checkpoint.CheckpointError(
            f"{path} cannot be resumed without the text it was trained on ({spec}): {exc}"
        ) from None
    if corpus_digest(corpus.text) != data["corpus"]["sha256"]:
        raise checkpoint.CheckpointError(
            f"{path} was trained on a different text than {corpus.source}; "
            "resuming needs the same corpus"
        )
    return data, corpus


def restore_run(run: GPTRun, data: dict[str, Any], path: str | Path) -> None:
    """Put a freshly built run back where `data` (from `read_run`) left it: weights,
    optimiser, step, random state, evaluations. The file's optimiser state must fit the
    run's parameters (checked once loaded: torch only checks how many there are)."""
    fields = checkpoint.Fields(path, KIND)
    run.model.load_state_dict(data["model"])
    fields.built("optimizer", lambda: run.optimizer.load_state_dict(data["optimizer"]))
    _optimizer_fits(fields, run.optimizer)
    run.step = data["step"]
    torch.set_rng_state(data["rng"]["torch"])
    run.batch_gen.set_state(data["rng"]["batches"])
    if run.world > 1:  # only rank 0's state was saved: give each rank its own stream again
        run.batch_gen.manual_seed(run.train_config.seed + 1 + run.rank + 1_000_003 * run.step)
    run.history = [EvalDone(**e) for e in data["history"]]


def load_model_checkpoint(path: str | Path) -> dict[str, Any]:
    """A GPT checkpoint's contents, checked as far as sampling and looking inside rely on
    them: a config GPTConfig accepts, a tokenizer with one token per row of the embedding,
    weights of the shapes that config builds (finite numbers), and a step."""
    data = checkpoint.load(path, KIND)
    fields = checkpoint.Fields(path, KIND)
    raw = fields.record(
        fields.get(data, "model_config", (dict,)),
        GPTConfig,
        "model_config",
        vocab_size=(int,),
        mask=(str, list, tuple),
    )
    config = fields.built("model_config", lambda: GPTConfig.from_dict(raw))
    stored = fields.get(data, "tokenizer", (dict,))
    tokenizer = fields.built("tokenizer", lambda: tokenizer_from_state(stored))
    if tokenizer.vocab_size != config.vocab_size:
        raise fields.error(
            f"its tokenizer has {tokenizer.vocab_size} tokens, "
            f"model_config.vocab_size is {config.vocab_size}"
        )
    weights = fields.get(data, "model", (dict,))
    fields.weights(weights, _weight_shapes(fields, config, len(weights)), "model")
    fields.count(data, "step")
    return data


def _weight_shapes(
    fields: checkpoint.Fields, config: GPTConfig, stored: int
) -> dict[str, tuple[int, ...]]:
    """The state dict a GPT of `config` has, by shape: built on the meta device, so a config
    of absurd sizes costs no memory (and one with more blocks than the file's `stored`
    weights could hold is refused before building them)."""
    if config.n_layer > stored:
        raise fields.error(f"model_config has {config.n_layer} layers, more than its weights hold")
    with torch.device("meta"):
        model = fields.built("model_config", lambda: GPT(config))
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def load_run_checkpoint(path: str | Path) -> dict[str, Any]:
    """A GPT checkpoint saved to be resumed, checked (`load_model_checkpoint`, then all a
    resume relies on): the corpus it names, training settings TrainConfig accepts, its
    evaluations, optimiser state shaped like torch's and random states torch accepts."""
    data = load_model_checkpoint(path)
    if "optimizer" not in data:
        raise ModelOnlyError(
            f"{path} holds a model only, not a run to resume: use it with `learn-gpt sample`"
        )
    fields = checkpoint.Fields(path, KIND)
    corpus = fields.get(data, "corpus", (dict,))
    for key in ("spec", "sha256"):
        fields.get(corpus, key, (str,), f"corpus.{key}")
    train = fields.record(fields.get(data, "train_config", (dict,)), TrainConfig, "train_config")
    fields.built("train_config", lambda: TrainConfig(**train).validate())
    for i, entry in enumerate(fields.get(data, "history", (list,))):
        name = f"history[{i}]"
        fields.record(entry, EvalDone, name, step=(int,), train_loss=NUMBER, val_loss=NUMBER)
    _optimizer_state(fields, fields.get(data, "optimizer", (dict,)))
    rng = fields.get(data, "rng", (dict,))
    for key in ("torch", "batches"):
        state = fields.get(rng, key, (torch.Tensor,), f"rng.{key}")
        fields.built(f"rng.{key}", partial(torch.Generator().set_state, state))
    return data


def _optimizer_state(fields: checkpoint.Fields, state: dict[str, Any]) -> None:
    """An optimiser's state dict as torch's load_state_dict reads it: "state", a dict of
    dicts of tensors, and "param_groups", dicts listing parameter numbers."""
    for number, values in fields.get(state, "state", (dict,), "optimizer.state").items():
        name = f"optimizer.state[{number!r}]"
        for key, value in fields.check(values, (dict,), name).items():
            fields.check(value, (torch.Tensor,), f"{name}[{key!r}]")
    groups = fields.get(state, "param_groups", (list,), "optimizer.param_groups")
    for i, group in enumerate(groups):
        name = f"optimizer.param_groups[{i}]"
        fields.get(fields.check(group, (dict,), name), "params", (list,), f"{name}.params")


def _optimizer_fits(fields: checkpoint.Fields, optimizer: torch.optim.Optimizer) -> None:
    """Each loaded state tensor is one per parameter (or a scalar step), and each setting of
    a group is of the kind the optimiser was built with: else the first step would fail."""
    fresh = optimizer.defaults
    for i, group in enumerate(optimizer.param_groups):
        for key, default in fresh.items():
            if not _alike(group.get(key), default):
                raise fields.error(f"optimizer.param_groups[{i}].{key} is not like {default!r}")
        for p in group["params"]:
            for key, value in optimizer.state.get(p, {}).items():
                if key != "step" and value.shape != p.shape:
                    raise fields.error(
                        f"optimizer state {key} is {tuple(value.shape)}, its weight "
                        f"{tuple(p.shape)}"
                    )


def _alike(value: Any, default: Any) -> bool:
    """`value` could stand for `default`: the same kind of setting (numbers, flags, pairs)."""
    if isinstance(default, (tuple, list)):
        return (
            isinstance(value, (tuple, list))
            and len(value) == len(default)
            and all(_alike(v, d) for v, d in zip(value, default))
        )
    if isinstance(default, bool) or default is None:
        return type(value) is type(default)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default))


def load_model(path: str | Path, device: str = "cpu") -> tuple[GPT, Tokenizer]:
    """A trained GPT and its tokenizer, for sampling and looking inside (no optimiser)."""
    data = load_model_checkpoint(path)
    model = GPT(GPTConfig.from_dict(data["model_config"])).to(device)
    model.load_state_dict(data["model"])  # its shapes were checked
    model.eval()
    return model, tokenizer_from_state(data["tokenizer"])
