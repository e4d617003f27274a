"""Plain event objects that long-running engine work yields: every one of them is here.

The CLI renders them with Rich, the TUI posts them as Textual messages, tests assert on them.
The models some events carry are only named for the type checker, so importing this module
costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from engine.compare import VariantResult
    from engine.data.text import WordTokenizer
    from engine.gpt import GPT
    from engine.induction import AttentionOnly
    from engine.ladder_models import LanguageModel
    from engine.tasks.seq2seq_model import Seq2Seq


@dataclass(frozen=True)
class BatchDone:
    """One mini-batch of SGD has been applied.

    `loss` is the mean cost over that mini-batch, measured only every `loss_every` batches
    (measuring costs as much as a third of a step at mini-batch 10); otherwise it is None.
    """

    epoch: int
    batch: int
    batches: int
    loss: float | None


@dataclass(frozen=True)
class EpochDone:
    """An epoch has finished; `correct` of `total` test digits were classified right."""

    epoch: int
    correct: int | None
    total: int | None
    seconds: float


@dataclass(frozen=True)
class CheckpointSaved:
    path: Path


@dataclass(frozen=True)
class StepDone:
    """One optimisation step of the GPT: its training loss, learning rate and speed."""

    step: int
    loss: float
    lr: float
    tokens_per_s: float


@dataclass(frozen=True)
class EvalDone:
    """Mean loss on fixed train and validation batches."""

    step: int
    train_loss: float
    val_loss: float


@dataclass(frozen=True)
class Sampled:
    """A text sample from the current weights (`text` starts with the prompt), with the loss of
    the step just done (None before the first) and how it was sampled."""

    step: int
    loss: float | None
    text: str
    prompt: str = ""
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None


@dataclass(frozen=True)
class Diverged:
    """Training stopped: the loss became NaN or exploded. The last good checkpoint is kept."""

    step: int
    loss: float
    reason: str


@dataclass(frozen=True)
class NextToken:
    """One piece chosen while sampling, and the most likely pieces it was chosen from."""

    id: int
    text: str  # the chosen piece, decoded
    probability: float  # of the chosen piece, after temperature and top-k
    top: list[tuple[str, float]]  # the most likely pieces at this step, most likely first


# -- the toy tasks (engine.tasks) -------------------------------------------------------------
@dataclass(frozen=True)
class HeldoutEval:
    """A toy task's evaluation: loss on fixed training examples, and loss and accuracy on
    held-out ones (pizza sentences: the referent named; numbers: the digits exactly right)."""

    step: int
    train_loss: float
    heldout_loss: float
    heldout_accuracy: float


@dataclass(frozen=True)
class TaskTrained:
    """What every toy task's run ends with (engine.tasks.runner fills it in, a checkpoint keeps
    it): the seed, the steps, the last held-out accuracy, the time and every evaluation. Each
    task's last event adds its model."""

    seed: int
    step: int
    heldout_accuracy: float
    seconds: float
    history: list[HeldoutEval] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ReferentTrained(TaskTrained):
    """The last event of a referent run: the word GPT, its tokenizer, how well it names "it"."""

    model: GPT
    tokenizer: WordTokenizer


@dataclass(frozen=True, kw_only=True)
class TranslatorTrained(TaskTrained):
    """The last event of a translator run: the model (it carries its vocabularies) and how
    well it writes numbers it never saw."""

    model: Seq2Seq


# -- two variants side by side (engine.compare) -----------------------------------------------
@dataclass(frozen=True)
class VariantReady:
    """A variant's run is built and about to train."""

    name: str
    parameters: int


@dataclass(frozen=True)
class VariantStep:
    """One optimisation step of one variant (A and B take turns), with its mini-batch loss."""

    name: str
    step: int
    loss: float


@dataclass(frozen=True)
class VariantEval:
    """One variant's evaluation, as GPTRun made it."""

    name: str
    eval: EvalDone


@dataclass(frozen=True)
class VariantDiverged:
    """The variant's loss became NaN or exploded; it stops, the other goes on."""

    name: str
    step: int
    reason: str


@dataclass(frozen=True)
class VariantDone:
    """A variant has finished, been sampled and looked into; the other may still train."""

    name: str
    result: VariantResult


@dataclass(frozen=True)
class ComparisonDone:
    """Both variants have finished: their results and the verdict computed from them."""

    results: list[VariantResult]  # A then B
    verdict: list[str]
    steps: int
    seed: int


CompareEvent = (
    VariantReady | VariantStep | VariantEval | VariantDiverged | VariantDone | ComparisonDone
)


# -- the ladder of "Let's build GPT" (engine.ladder) -------------------------------------------
@dataclass(frozen=True)
class RungStarted:
    """A rung is built and about to train; `theirs` names the pieces that are the learner's."""

    rung: int
    name: str
    parameters: int
    steps: int
    lecture: float
    theirs: list[str]


@dataclass(frozen=True)
class RungStep:
    """One AdamW step of a rung, with its mini-batch loss."""

    rung: int
    step: int
    loss: float


@dataclass(frozen=True)
class RungEval:
    """A rung's loss estimate: the mean over the same batches of each split every time."""

    rung: int
    step: int
    train_loss: float
    val_loss: float


@dataclass(frozen=True)
class RungResult:
    """A trained rung: its last estimate, the lecture's figure, a sample, every estimate."""

    rung: int
    name: str
    parameters: int
    steps: int
    train_loss: float
    val_loss: float
    lecture: float
    seconds: float
    sample: str
    theirs: list[str]
    history: list[RungEval]
    diverged: str | None
    model: LanguageModel


@dataclass(frozen=True)
class RungDone:
    result: RungResult


@dataclass(frozen=True)
class LadderDone:
    results: list[RungResult]


# -- heads that copy (engine.induction) --------------------------------------------------------
@dataclass(frozen=True)
class HeadScores:
    """What one head attends to, as mean weights: the token just before (previous), the token
    after the earlier copy of the current one (induction), itself (self)."""

    layer: int
    head: int
    previous: float
    induction: float
    self_: float

    @property
    def name(self) -> str:
        return f"layer {self.layer + 1} head {self.head + 1}"


@dataclass(frozen=True)
class InductionStarted:
    """A run begins; `example` is the held-out sequence whose attention each InductionEval
    carries, `source[i]` where position i's answer sits (-1 where nothing is copied)."""

    n_layer: int
    seed: int
    steps: int
    example: list[int]
    source: list[int]


@dataclass(frozen=True)
class InductionEval:
    """The loss and the share guessed right on the copied tokens of held-out sequences, every
    head's scores, and the attention on the example sequence: (layers, heads, T, T)."""

    step: int
    loss: float
    scores: list[HeadScores]
    seconds: float
    accuracy: float
    weights: np.ndarray

    @property
    def best(self) -> HeadScores:
        return max(self.scores, key=lambda s: s.induction)


@dataclass(frozen=True)
class InductionTrained:
    n_layer: int
    seed: int
    steps: int
    seconds: float
    history: list[InductionEval]
    model: AttentionOnly


@dataclass(frozen=True)
class DownloadProgress:
    """Bytes of one file of a data set downloaded so far (`total` None when the server does
    not say): `index` counts from 0 among the set's `files`."""

    name: str
    index: int
    files: int
    done: int
    total: int | None
