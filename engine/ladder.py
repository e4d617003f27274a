"""The ladder of "Let's build GPT": seven rungs from a bigram table to a GPT, each trained.

Each rung adds one idea to the one before and is trained the lecture's way: AdamW, context 8,
width 32, batch 32, 5,000 steps at lr 1e-3 (the bigram: 3,000 at 1e-2), the loss estimated
every 500 steps over 200 batches of each split. The lecture's validation loss stands beside
every rung. Rung 7 is the lecture's GPU run (width 384, 6 layers, context 256, dropout 0.2,
1.48); here it trains at the sizes of the project's `cpu` preset, with dropout, and its own
figure is measured.

`train_rung` yields RungStarted, then RungStep / RungEval as it trains, then RungDone; `climb`
chains rungs and ends with LadderDone. A rung is built from `Pieces`: with a learner's classes
in place of the engine's, the model starts from the reference rung's initial weights (copied by
name) and draws the same batches, so correct code follows the reference's curve.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn

from engine.data.text import (
    CharTokenizer,
    check_length,
    encode_corpus,
    load_corpus,
    train_val_split,
)
from engine.errors import ConfigError, EngineError
from engine.events import LadderDone, RungDone, RungEval, RungResult, RungStarted, RungStep
from engine.ladder_models import (
    BigramLanguageModel,
    BlocksModel,
    FeedForwardModel,
    LanguageModel,
    MultiHeadModel,
    SingleHeadModel,
)
from engine.ladder_pieces import CLASS_NAMES, Pieces
from engine.train_config import PRESETS

N_EMBD, BLOCK_SIZE, BATCH_SIZE, N_HEAD, N_LAYER = 32, 8, 32, 4, 3
EVAL_ITERS = 200
SAMPLE_CHARS = 200
DIVERGED_LOSS = 1e4  # a mean loss beyond this (or NaN) ends the rung
# Rungs train in float64: in float32 two correct codes whose rounding differs (x / √8 against
# x · 8^-½) part by 0.006 in rung 5's 5,000 steps, as training amplifies the last bit
# (`bench/ladder.py --only rounding`); in float64 they stay one curve. It costs ~20% at width 32.
DTYPE = torch.float64
AGREE = 1e-3  # |Δ val loss| below this at every estimate: the learner's curve is the reference's

_CPU_MODEL, _CPU_TRAIN = PRESETS["cpu"]
RUNG7_DROPOUT = 0.2  # the lecture's


class LadderError(EngineError):
    """A rung that cannot be built or trained as asked; one line."""


@dataclass(frozen=True)
class Rung:
    number: int
    name: str
    adds: str  # what the rung adds, in words
    lecture: float  # the lecture's validation loss
    lecture_note: str  # where that figure comes from
    uses: tuple[str, ...]  # the Pieces fields it is built from
    build: Callable[[int, Pieces], LanguageModel]  # (vocab_size, pieces) -> model
    steps: int = 5000
    lr: float = 1e-3
    eval_interval: int = 500
    batch_size: int = BATCH_SIZE
    block_size: int = BLOCK_SIZE


def _blocks(layer_norm: bool) -> Callable[[int, Pieces], LanguageModel]:
    return lambda vocab, pieces: BlocksModel(
        vocab, N_EMBD, BLOCK_SIZE, N_HEAD, N_LAYER, pieces, layer_norm=layer_norm
    )


def _scaled(vocab: int, pieces: Pieces) -> LanguageModel:
    return BlocksModel(
        vocab,
        _CPU_MODEL["n_embd"],
        _CPU_MODEL["block_size"],
        _CPU_MODEL["n_head"],
        _CPU_MODEL["n_layer"],
        pieces,
        layer_norm=True,
        dropout=RUNG7_DROPOUT,
    )


_ATTENTION = ("head", "multi_head")
RUNGS: tuple[Rung, ...] = (
    Rung(
        1,
        "bigram",
        "a table of next-character logits",
        2.49,
        "lecture, bigram.py",
        (),
        lambda vocab, pieces: BigramLanguageModel(vocab),
        steps=3000,
        lr=1e-2,
        eval_interval=300,
    ),
    Rung(
        2,
        "one head",
        "positions, one attention head of 32",
        2.4,
        "lecture: 'about 2.4'",
        ("head",),
        lambda vocab, pieces: SingleHeadModel(vocab, N_EMBD, BLOCK_SIZE, pieces),
    ),
    Rung(
        3,
        "multi-head",
        "4 heads of 8, joined, projected",
        2.28,
        "lecture",
        _ATTENTION,
        lambda vocab, pieces: MultiHeadModel(vocab, N_EMBD, BLOCK_SIZE, N_HEAD, pieces),
    ),
    Rung(
        4,
        "feed-forward",
        "a feed-forward layer after them",
        2.24,
        "lecture",
        (*_ATTENTION, "feed_forward"),
        lambda vocab, pieces: FeedForwardModel(vocab, N_EMBD, BLOCK_SIZE, N_HEAD, pieces),
    ),
    Rung(
        5,
        "residual blocks",
        "3 residual blocks, 4x feed-forward",
        2.08,
        "lecture",
        (*_ATTENTION, "feed_forward", "block"),
        _blocks(layer_norm=False),
    ),
    Rung(
        6,
        "layer norm",
        "layer norm (pre-norm, and at the end)",
        2.06,
        "lecture",
        (*_ATTENTION, "feed_forward", "block", "layer_norm"),
        _blocks(layer_norm=True),
    ),
    Rung(
        7,
        "dropout and scale",
        f"dropout {RUNG7_DROPOUT}, the cpu preset's {_CPU_MODEL['n_layer']} x "
        f"{_CPU_MODEL['n_embd']}, context {_CPU_MODEL['block_size']}",
        1.48,
        "lecture's GPU run: width 384, 6 layers, 6 heads, context 256, dropout 0.2",
        (*_ATTENTION, "feed_forward", "block", "layer_norm"),
        _scaled,
        steps=_CPU_TRAIN["max_iters"],
        lr=_CPU_TRAIN["learning_rate"],
        eval_interval=500,
        batch_size=_CPU_TRAIN["batch_size"],
        block_size=_CPU_MODEL["block_size"],
    ),
)


def get_rungs(spec: str) -> list[Rung]:
    """'1-6', '3', '1,4-5' -> those rungs in order; ConfigError for anything else."""
    chosen: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        lo, sep, hi = part.partition("-")
        try:
            first = int(lo)
            last = int(hi) if sep else first
        except ValueError:
            raise ConfigError(f"--rungs {spec!r}: write rungs like 1-6, 3 or 1,4-5") from None
        if not 1 <= first <= last <= len(RUNGS):
            raise ConfigError(f"--rungs {spec!r}: rungs are 1 to {len(RUNGS)}, low to high")
        chosen.update(range(first, last + 1))
    return [r for r in RUNGS if r.number in chosen]


def quick(rung: Rung, iters: int) -> Rung:
    """The rung trained for `iters` steps (the bigram for 3/5 of them, as in the lecture), with
    about ten evaluations."""
    if iters < 1:
        raise ConfigError(f"--iters must be at least 1, got {iters}")
    steps = max(1, round(iters * rung.steps / 5000)) if rung.number == 1 else iters
    return replace(rung, steps=steps, eval_interval=max(1, steps // 10))


@dataclass(frozen=True)
class LadderData:
    """A character corpus, split 90/10 as the lecture does."""

    tokenizer: CharTokenizer
    train_ids: torch.Tensor
    val_ids: torch.Tensor
    source: str


def load_data(corpus: str = "sample", data_dir: str | Path | None = None) -> LadderData:
    loaded = load_corpus(corpus, data_dir)
    tokenizer = CharTokenizer.from_text(loaded.text)
    ids = encode_corpus(loaded.text, tokenizer)
    check_length(len(ids), max(r.block_size for r in RUNGS))
    train_ids, val_ids = train_val_split(ids)
    check_length(
        len(val_ids), max(r.block_size for r in RUNGS), "validation text", val_fraction=None
    )
    return LadderData(tokenizer, train_ids, val_ids, loaded.source)


def _batch(
    data: torch.Tensor, rung: Rung, generator: torch.Generator, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    starts = torch.randint(len(data) - rung.block_size, (rung.batch_size,), generator=generator)
    x = torch.stack([data[i : i + rung.block_size] for i in starts.tolist()])
    y = torch.stack([data[i + 1 : i + rung.block_size + 1] for i in starts.tolist()])
    return x.to(device), y.to(device)


@torch.no_grad()
def estimate_loss(
    model: LanguageModel, data: LadderData, rung: Rung, seed: int, device: str
) -> tuple[float, float]:
    """Mean loss over EVAL_ITERS batches of each split; the same batches at every evaluation."""
    model.eval()
    means = []
    for split in (data.train_ids, data.val_ids):
        generator = torch.Generator().manual_seed(seed)
        losses = [
            float(model(*_batch(split, rung, generator, device))[1]) for _ in range(EVAL_ITERS)
        ]
        means.append(sum(losses) / len(losses))
    model.train()
    return means[0], means[1]


def copy_weights(source: nn.Module, target: nn.Module, theirs: list[str]) -> None:
    """Give `target` (built with a learner's classes) the reference's initial weights."""
    want = dict(source.named_parameters())
    have = dict(target.named_parameters())
    if want.keys() != have.keys():
        missing = sorted(want.keys() - have.keys())
        extra = sorted(have.keys() - want.keys())
        said = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing[:3])}" if missing else "",
                f"not in the reference: {', '.join(extra[:3])}" if extra else "",
            )
            if part
        )
        raise LadderError(
            f"your {', '.join(theirs)} do not hold the lecture's weights by name ({said}): "
            "keep the stub's attribute names"
        )
    with torch.no_grad():
        for name, param in want.items():
            if have[name].shape != param.shape:
                raise LadderError(
                    f"your {', '.join(theirs)}: {name} has shape {tuple(have[name].shape)}, "
                    f"the reference's {tuple(param.shape)}"
                )
            have[name].copy_(param)


def build(
    rung: Rung, vocab_size: int, pieces: Pieces, seed: int
) -> tuple[LanguageModel, list[str]]:
    """The rung's model from `pieces`, holding the reference's initial weights for `seed`, and
    which of its pieces are the learner's."""
    torch.manual_seed(seed)
    reference = rung.build(vocab_size, Pieces())
    theirs = pieces.theirs(rung.uses)
    if not theirs:
        return reference, []
    try:
        model = rung.build(vocab_size, pieces)
    except Exception as exc:  # noqa: BLE001 - the learner's constructor
        raise LadderError(
            f"rung {rung.number}: building it with your {', '.join(theirs)} raised "
            f"{_first_line(exc)}"
        ) from None
    copy_weights(reference, model, theirs)
    return model, theirs


@contextmanager
def _theirs_fail_in_one_line(rung: Rung, theirs: list[str]) -> Iterator[None]:
    """An exception from a learner's piece while training becomes a one-line LadderError."""
    if not theirs:
        yield
        return
    try:
        yield
    except (RuntimeError, TypeError, ValueError, IndexError, AttributeError) as exc:
        hint = ""
        if "scalar type" in str(exc) or "dtype" in str(exc):
            hint = " (the rungs train in float64: make new tensors like x, e.g. torch.zeros_like)"
        raise LadderError(
            f"rung {rung.number} with your {', '.join(CLASS_NAMES[n] for n in theirs)}: "
            f"{_first_line(exc)}{hint}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def train_rung(
    rung: Rung,
    data: LadderData,
    *,
    pieces: Pieces | None = None,
    seed: int = 1337,
    device: str = "cpu",
    dtype: torch.dtype = DTYPE,
) -> Generator[RungStarted | RungStep | RungEval | RungDone, None, RungResult]:
    """Train one rung; its events, and its result as the generator's return value."""
    started = time.perf_counter()
    model, theirs = build(rung, data.tokenizer.vocab_size, pieces or Pieces(), seed)
    model.to(device, dtype).train()
    torch.manual_seed(seed)  # dropout draws the same numbers whoever built the model
    batches = torch.Generator().manual_seed(seed + 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=rung.lr)
    yield RungStarted(rung.number, rung.name, parameters(model), rung.steps, rung.lecture, theirs)
    history: list[RungEval] = []
    diverged = None

    def evaluate(step: int) -> RungEval:
        train_loss, val_loss = estimate_loss(model, data, rung, seed, device)
        history.append(RungEval(rung.number, step, train_loss, val_loss))
        return history[-1]

    for step in range(rung.steps):
        with _theirs_fail_in_one_line(rung, theirs):
            if step % rung.eval_interval == 0:
                yield evaluate(step)
            _, loss = model(*_batch(data.train_ids, rung, batches, device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        optimizer.step()
        value = loss.item()
        if not math.isfinite(value) or value > DIVERGED_LOSS:
            diverged = f"the loss became {value:g} at step {step}"
            break
        yield RungStep(rung.number, step + 1, value)
    if diverged is None:
        yield evaluate(rung.steps)
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    start = torch.zeros((1, 1), dtype=torch.long, device=device)  # id 0: the newline
    ids = model.generate(start, SAMPLE_CHARS, generator)[0, 1:].tolist()
    last = history[-1]
    result = RungResult(
        rung=rung.number,
        name=rung.name,
        parameters=parameters(model),
        steps=rung.steps,
        train_loss=last.train_loss,
        val_loss=last.val_loss,
        lecture=rung.lecture,
        seconds=time.perf_counter() - started,
        sample=data.tokenizer.decode(ids),
        theirs=theirs,
        history=history,
        diverged=diverged,
        model=model,
    )
    yield RungDone(result)
    return result


def climb(
    rungs: list[Rung],
    data: LadderData,
    *,
    pieces: Pieces | None = None,
    seed: int = 1337,
    device: str = "cpu",
) -> Generator[RungStarted | RungStep | RungEval | RungDone | LadderDone, None, None]:
    """Train `rungs` one after another, then LadderDone with every result."""
    results = []
    for rung in rungs:
        results.append((yield from train_rung(rung, data, pieces=pieces, seed=seed, device=device)))
    yield LadderDone(results)


@dataclass(frozen=True)
class Parting:
    """How a learner's curve of a rung compares with the reference's (same weights, batches)."""

    largest: float  # max |Δ val loss| over the estimates both made
    step: int | None  # the first estimate where they differ by AGREE or more; None: one curve
    yours: float | None = None  # the two losses there
    reference: float | None = None

    def describe(self) -> str:
        if self.step is None:
            return f"follows the reference's curve (largest gap {self.largest:.1g})"
        return (
            f"parts from the reference's curve at step {self.step:,}: val loss {self.yours:.4f}, "
            f"the reference's {self.reference:.4f}"
        )


def parting(reference: list[RungEval], yours: list[RungEval]) -> Parting:
    """Where two curves of one rung part, if they do, and their largest gap; a curve that
    stopped early (diverged) parts at the first estimate it lacks."""
    theirs = {e.step: e.val_loss for e in yours}
    gaps = [(e, theirs.get(e.step, math.nan)) for e in reference]
    sizes = [abs(mine - e.val_loss) for e, mine in gaps]
    largest = max((g if g == g else math.inf for g in sizes), default=0.0)  # NaN: infinitely apart
    first = next((i for i, g in enumerate(sizes) if not g < AGREE), None)
    if first is None:
        return Parting(largest, None)
    e, mine = gaps[first]
    return Parting(largest, e.step, mine, e.val_loss)
