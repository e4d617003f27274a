"""The number translator: `engine.tasks.seq2seq_model` trained on `engine.tasks.numbers`,
then used to translate and to show which source word each digit was written from.

    three hundred forty two  ->  342

Training is `engine.tasks.runner`'s loop: teacher forcing on batches of one length in words,
evaluated as the loss on fixed training numbers and the loss and exact-match accuracy on
held-out ones. The checkpoint is a "seq2seq" file: config, weights, both vocabularies, the
task's digest and the run's figures. torch and numpy only; nothing here prints.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine import checkpoint
from engine.data.sources import PRETRAINED_DIR
from engine.errors import ConfigError
from engine.events import CheckpointSaved, Diverged, HeldoutEval, StepDone, TranslatorTrained
from engine.tasks.numbers import (
    END,
    HELDOUT_SIZE,
    PAD,
    SOURCE_VOCAB,
    START,
    TARGET_VOCAB,
    by_length,
    number_words,
    sample,
    source_tokens,
    task_digest,
    task_source,
    training_batch,
)
from engine.tasks.runner import run_record, train_config, train_task
from engine.tasks.seq2seq_model import Seq2Seq, Seq2SeqConfig, Vocab, greedy, write_greedy

KIND = "seq2seq"
PRETRAINED = PRETRAINED_DIR / "numbers-seq2seq.pt"  # see its README.md

MODEL = dict(n_encoder_layer=2, n_decoder_layer=2, n_head=4, n_embd=64, dropout=0.0)
TRAIN = dict(
    max_iters=1500,
    batch_size=64,
    learning_rate=3e-3,
    min_lr=3e-4,
    warmup_iters=100,
    weight_decay=0.1,
    eval_interval=250,
    sample_interval=0,
)


def new_model(**overrides: Any) -> Seq2Seq:
    """A fresh translator for this task: `MODEL`'s sizes, with any Seq2SeqConfig field
    overridden."""
    config = Seq2SeqConfig(
        source_vocab_size=len(SOURCE_VOCAB),
        target_vocab_size=len(TARGET_VOCAB),
        **{**MODEL, **overrides},
    )
    return Seq2Seq(config, Vocab(SOURCE_VOCAB), Vocab(TARGET_VOCAB))


def _device(model: Seq2Seq) -> torch.device:
    """Where the model's weights are: its inputs are built there (a model on cuda refuses
    CPU tensors)."""
    return next(model.parameters()).device


def _padded(rows: list[list[int]], fill: int, device: torch.device) -> torch.Tensor:
    """`rows` as one (len(rows), longest) tensor of ids on `device`, each row ended by `fill`s."""
    length = max(len(row) for row in rows)
    return torch.tensor([row + [fill] * (length - len(row)) for row in rows], device=device)


def encode_batch(
    model: Seq2Seq, batch: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(src (B, S), tgt (B, T), targets (B, T)) for numbers of one length in words, on the
    model's device: the words; the start marker and the digits, padded; the digits and the
    end marker, -100 after it."""
    sources = [number_words(n).split() for n in batch]
    if len({len(s) for s in sources}) != 1:
        raise ConfigError("a batch holds numbers of one length in words (sources are unpadded)")
    device = _device(model)
    src = torch.tensor([model.source_vocab.encode(s, "word") for s in sources], device=device)
    digits = [model.target_vocab.encode(list(str(n)), "digit") for n in batch]
    ids = model.target_vocab.ids
    tgt = _padded([[ids[START], *d] for d in digits], ids[PAD], device)
    targets = _padded([[*d, ids[END]] for d in digits], -100, device)
    return src, tgt, targets


# -- translating, and where each digit looked ---------------------------------------------
def _source_ids(model: Seq2Seq, text: str) -> tuple[list[str], torch.Tensor]:
    words = source_tokens(text)
    if not words:
        raise ConfigError("nothing to translate: give a number in words, e.g. 'forty two'")
    if len(words) > model.config.source_block_size:
        raise ConfigError(
            f"{len(words)} words do not fit the source context of {model.config.source_block_size}"
        )
    return words, torch.tensor([model.source_vocab.encode(words, "word")], device=_device(model))


def translate(model: Seq2Seq, text: str) -> str:
    """Greedy translation: "three hundred forty two" -> "342"."""
    _, src = _source_ids(model, text)
    return "".join(model.target_vocab.decode(greedy(model, src)[0]))


@torch.no_grad()
def cross_attention(model: Seq2Seq, text: str) -> tuple[list[str], list[str], np.ndarray]:
    """(source tokens, target tokens, weights (layers, heads, T_out, T_in)) for the greedy
    translation of `text`. Row t of the weights is the query that wrote target token t (its
    input is the token before it), so each row shows which source words were read to write
    that token; the target tokens end with the end marker when the model wrote one. Every row
    sums to 1."""
    words, src = _source_ids(model, text)
    written = write_greedy(model, src)[0]
    tgt = torch.tensor([[model.target_vocab.ids[START], *written[:-1]]], device=src.device)
    out = model(src, tgt, capture=True)
    weights = torch.stack([stages.weights[0] for stages in out.cross])
    return words, model.target_vocab.decode(written), weights.float().cpu().numpy()


@dataclass(frozen=True)
class Aligned:
    """One output token and the source word it attends to most (the last layer's cross-attention
    averaged over heads)."""

    token: str
    source_index: int
    source_word: str
    weight: float


def alignment(model: Seq2Seq, text: str, layer: int = -1) -> list[Aligned]:
    """For each digit of the translation (not the end marker), the source word that the
    cross-attention of `layer` (the last by default), averaged over its heads, weighs most."""
    words, targets, weights = cross_attention(model, text)
    mean = weights[layer].mean(axis=0)  # (T_out, T_in)
    out = []
    for row, token in enumerate(targets):
        if token == END:
            break
        best = int(mean[row].argmax())
        out.append(Aligned(token, best, words[best], float(mean[row, best])))
    return out


# -- training -----------------------------------------------------------------------------
@torch.no_grad()
def evaluate(model: Seq2Seq, batch: Sequence[int]) -> tuple[float, float]:
    """(mean loss per target token with teacher forcing, fraction of numbers whose greedy
    translation is exactly right)."""
    was_training = model.training
    model.eval()
    loss_sum, tokens, right = 0.0, 0, 0
    for group in by_length(batch).values():
        src, tgt, targets = encode_batch(model, group)
        count = int((targets != -100).sum())
        loss_sum += float(model(src, tgt, targets).loss) * count
        tokens += count
        for n, ids in zip(group, greedy(model, src)):
            right += "".join(model.target_vocab.decode(ids)) == str(n)
    model.train(was_training)
    return loss_sum / max(tokens, 1), right / max(len(batch), 1)


def heldout_accuracy(model: Seq2Seq, n: int = HELDOUT_SIZE, seed: int = 0) -> float:
    """Exact-match accuracy on `n` held-out numbers (never seen in training)."""
    return evaluate(model, sample("heldout", n, seed))[1]


def train_translator(
    seed: int = 0,
    steps: int | None = None,
    *,
    model: dict[str, Any] | None = None,
    train: dict[str, Any] | None = None,
    heldout_size: int = HELDOUT_SIZE,
) -> Iterator[StepDone | HeldoutEval | Diverged | TranslatorTrained]:
    """Train a translator from number words to digits, yielding StepDone after every step, a
    HeldoutEval every `eval_interval` steps and at the end, then one TranslatorTrained (or a
    Diverged, and nothing more). `model` and `train` override `MODEL` and `TRAIN`
    (Seq2SeqConfig and TrainConfig fields); `steps` overrides max_iters. The same seed gives
    the same run."""
    cfg = train_config(TRAIN, train, seed, steps)
    torch.manual_seed(seed)
    net = new_model(**(model or {}))

    def step_loss(rng: random.Random) -> tuple[torch.Tensor, int]:
        src, tgt, targets = encode_batch(net, training_batch(rng, cfg.batch_size))
        return net(src, tgt, targets).loss, int((targets != -100).sum())

    yield from train_task(
        net,
        cfg,
        vocab_size=net.config.target_vocab_size,
        step_loss=step_loss,
        draw=sample,
        heldout_size=heldout_size,
        measure=lambda batch: evaluate(net, batch),
        trained=partial(TranslatorTrained, model=net),
    )


# -- checkpoints --------------------------------------------------------------------------
def save_translator(path: str | Path, trained: TranslatorTrained) -> CheckpointSaved:
    """Write a "seq2seq" checkpoint atomically: the config, the weights in half precision, both
    vocabularies, the task's digest, and the run's seed and figures (no optimiser)."""
    model = trained.model
    return checkpoint.save_model(
        path,
        KIND,
        model,
        half=True,
        source_vocab=list(model.source_vocab.tokens),
        target_vocab=list(model.target_vocab.tokens),
        task={"source": task_source(), "sha256": task_digest()},
        step=trained.step,
        run=run_record(trained),
    )


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A seq2seq checkpoint's contents, checked as far as translating relies on them: a config
    Seq2SeqConfig accepts, two vocabularies of its sizes, weights of the shapes that config
    builds (finite numbers), and a step."""
    data = checkpoint.load(path, KIND)
    fields = checkpoint.Fields(path, KIND)
    raw = fields.record(
        fields.get(data, "model_config", (dict,)),
        Seq2SeqConfig,
        "model_config",
        source_vocab_size=(int,),
        target_vocab_size=(int,),
    )
    config = fields.built("model_config", lambda: Seq2SeqConfig.from_dict(raw))
    source, target = (_vocab(fields, data, key) for key in ("source_vocab", "target_vocab"))
    if (len(source), len(target)) != (config.source_vocab_size, config.target_vocab_size):
        raise fields.error("its vocabularies do not match its config")
    weights = fields.get(data, "model", (dict,))
    fields.weights(weights, _weight_shapes(fields, config, source, target, len(weights)), "model")
    fields.count(data, "step")
    return data


def _vocab(fields: checkpoint.Fields, data: dict[str, Any], key: str) -> Vocab:
    """The vocabulary at `key`: a list of distinct words or characters, or this file's error."""
    stored = fields.get(data, key, (list,))
    return fields.built(key, lambda: Vocab(stored))


def _weight_shapes(
    fields: checkpoint.Fields, config: Seq2SeqConfig, source: Vocab, target: Vocab, stored: int
) -> dict[str, tuple[int, ...]]:
    """The state dict a translator of `config` has, by shape: built on the meta device, so a
    config of absurd sizes costs no memory (and one with more layers than the file's `stored`
    weights could hold is refused before building them)."""
    layers = config.n_encoder_layer + config.n_decoder_layer
    if layers > stored:
        raise fields.error(f"model_config has {layers} layers, more than its weights hold")
    with torch.device("meta"):
        model = fields.built("model", lambda: Seq2Seq(config, source, target))
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def load_translator(path: str | Path = PRETRAINED, device: str = "cpu") -> Seq2Seq:
    """A trained translator (in eval mode) on `device`, from a file `save_translator` wrote."""
    data = load_checkpoint(path)
    model = Seq2Seq(
        Seq2SeqConfig.from_dict(data["model_config"]),
        Vocab(data["source_vocab"]),
        Vocab(data["target_vocab"]),
    )
    model.load_state_dict(data["model"])  # its shapes were checked
    return model.to(device).eval()
