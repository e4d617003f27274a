"""Exercises with automatic checking: "if you can write it from scratch, you understand it".

The learner copies a stub (`lessons/exercises/NAME.py`: a signature, a docstring, and
`raise NotImplementedError`), writes the function, and `check(name, path)` compares it with the
reference on many fixed-seed cases: several shapes, batch 1, T = 1, odd sizes. The learner's
file runs in a child process with a time limit, so a syntax error, an exception or a loop that
never ends becomes a report, never a crash. The child sends back only what the learner's code
returned; the verdict is reached here, by code the learner's file never ran beside, so nothing
it does (patching the checker, writing to its results) can make it pass. A wrong answer is
reported at its first mismatch: which output, which shape or element, by how much, and a hint
when the output matches one of the mistakes the check knows (a transposed weight, a missing σ',
a mask on the wrong side, ...).

    report = check("backprop", Path("backprop.py"))
    report.passed, report.lines, report.hints

The checks themselves live in `engine.exercise_checks`, one module per exercise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lessons
from engine.atomic import write_text_atomically
from engine.child_output import Ended, cut, run_bounded
from engine.errors import ConfigError, EngineError

# __path__, not __file__: an editable install may see `lessons` as a namespace package
STUBS_DIR = Path(next(iter(lessons.__path__))).resolve() / "exercises"


@dataclass(frozen=True)
class Exercise:
    name: str  # the file's name, and the function's for a function exercise
    title: str
    brief: str  # one paragraph: what to write, and what it is checked against
    writes: str = "function"  # or "class": what the learner writes, as a sentence says it

    @property
    def stub(self) -> Path:
        return STUBS_DIR / f"{self.name}.py"


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise(
            "feedforward",
            "The forward pass of Nielsen's network",
            "Given the weights and biases of a sigmoid network and a mini-batch whose columns "
            "are the examples, compute the output layer's activations: a ← σ(w a + b), layer "
            "by layer. Checked against engine.mlp.Network.feedforward on eight networks, "
            "from one weight layer to four, with batches of 1 to 10 columns.",
        ),
        Exercise(
            "backprop",
            "Backpropagation by hand",
            "Write the four equations of backpropagation (BP1 to BP4) for the book's chapter 1 "
            "network: sigmoid in every layer, quadratic cost, examples as columns. Return the "
            "gradients of the cost summed over the mini-batch. Checked against autograd, in "
            "float64, on eight networks including the book's 784-30-10 and a batch of one. "
            "Once it passes, `learn-gpt train mlp --backprop backprop.py` trains with it.",
        ),
        Exercise(
            "update_mini_batch",
            "One step of gradient descent",
            "Given a backprop function, take one step of stochastic gradient descent on a "
            "mini-batch, with the L2 weight decay of chapter 3: w ← (1 − ηλ/n)w − (η/m)∇w, "
            "b ← b − (η/m)∇b. Checked against engine.mlp.Network.update_mini_batch, with and "
            "without weight decay.",
        ),
        Exercise(
            "positional_encoding",
            "The sinusoidal position table",
            'Build the (T, d) table of "Attention Is All You Need": column 2i is '
            "sin(pos / 10000^(2i/d)), column 2i + 1 the cosine at the same frequency. Checked "
            "against engine.positional.sinusoidal_table, odd d and T = 1 included.",
        ),
        Exercise(
            "attention",
            "Scaled dot-product attention",
            "Compute the attention scores q·kᵀ/√d, hide the future with a causal mask, take "
            "the softmax over the keys and average the values; return the output and the "
            "weights. Checked against engine.attention.attention on 2-D, batched and 4-D "
            "tensors, with and without the mask.",
        ),
        Exercise(
            "multi_head_attention",
            "Multi-head causal self-attention",
            "From x and two weight matrices, compute queries, keys and values, split them into "
            "n_head heads, run causal attention in each, join the heads and project: the whole "
            "of nanoGPT's CausalSelfAttention by hand. Checked against the engine's "
            "CausalSelfAttention holding the same weights.",
        ),
        Exercise(
            "sample",
            "Temperature, top-k, and one draw",
            "Turn the last position's logits into the probabilities the next token is drawn "
            "from (divide by the temperature, keep the top k, softmax), then draw a token with "
            "the generator you are given. The probabilities are checked against "
            "engine.sample.next_token_probs; the draws against the probabilities.",
        ),
        Exercise(
            "head",
            "One head of self-attention, as a module",
            "Write the lecture's Head, an nn.Module: key, query and value linears, scores "
            "scaled by 1/√head_size, the future masked, softmax over the keys, the values "
            "averaged. Checked against engine.ladder_pieces.Head holding the same weights, "
            "T = 1 and T < block_size included.",
            writes="class",
        ),
        Exercise(
            "multi_head",
            "Multi-head attention, as a module",
            "Write the lecture's MultiHeadAttention: num_heads heads of the class you are "
            "given, their outputs joined side by side and projected back to n_embd. Checked "
            "against engine.ladder_pieces.MultiHeadAttention, with the engine's Head inside "
            "both.",
            writes="class",
        ),
        Exercise(
            "feed_forward",
            "The feed-forward layer, as a module",
            "Write the lecture's FeedForward: a linear layer 4x wider, a ReLU, a linear layer "
            "back, dropout. Checked against engine.ladder_pieces.FeedForward holding the same "
            "weights.",
            writes="class",
        ),
        Exercise(
            "block",
            "A transformer block, as a module",
            "Write the lecture's Block: x + sa(ln1(x)), then x + ffwd(ln2(x)), built from the "
            "attention, feed-forward and norm classes you are given. Checked against "
            "engine.ladder_pieces.Block, with and without layer norm.",
            writes="class",
        ),
        Exercise(
            "layer_norm",
            "Layer norm by hand",
            "Write the lecture's LayerNorm1d as a module: each position's features get mean 0 "
            "and variance 1, then the learned gamma and beta; no nn.LayerNorm. Checked against "
            "engine.ladder_pieces.LayerNorm on 2-D and 3-D inputs and a large eps.",
            writes="class",
        ),
    )
}


def get_exercise(name: str) -> Exercise:
    """The exercise called `name`, or a ConfigError naming the choices."""
    if name not in EXERCISES:
        raise ConfigError(f"unknown exercise {name!r}: choose {', '.join(EXERCISES)}")
    return EXERCISES[name]


def write_stub(name: str, folder: str | Path) -> tuple[Path, bool]:
    """Copy exercise `name`'s stub to `folder`/NAME.py and return (that path, whether it
    replaced an empty file). Never over a file with something in it; an empty file (what an
    older learn-gpt left when a disk filled mid-write) counts as no file. The copy is written
    atomically (engine.atomic), so a failed write (a full disk) leaves no file at all, and the
    failure is one EngineError line."""
    exercise = get_exercise(name)
    folder = Path(folder)
    target = folder / f"{exercise.name}.py"
    exists = (
        f"{target} already exists: check it with `learn-gpt exercise check {exercise.name} "
        f"{target}`, or move it away to start again"
    )
    empty = target.is_file() and not target.is_symlink() and target.stat().st_size == 0
    if os.path.lexists(target) and not empty:
        raise EngineError(exists)
    if folder.exists() and not folder.is_dir():
        raise EngineError(f"{folder} is a file, not a folder")
    text = exercise.stub.read_text(encoding="utf-8")
    try:
        write_text_atomically(target, text, overwrite=empty)
    except FileExistsError:
        raise EngineError(exists) from None
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise EngineError(f"could not write {target}: {why}; nothing was written") from None
    return target, empty


@dataclass(frozen=True)
class CheckReport:
    """What checking a learner's file found.

    `status` is one of: passed, mismatch (a wrong output), error (their function raised),
    not_written (still the stub), syntax, import_error, no_function, timeout, crash.
    `lines` say what happened (for a mismatch: the case, then the first difference);
    `hints` name the known mistakes the output matches; `output` is what their code printed.
    """

    name: str
    path: Path
    status: str
    cases_run: int
    cases_total: int
    lines: list[str]
    hints: list[str] = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def summary(self) -> str:
        """One line: the first line of the report (for a one-line refusal)."""
        first = self.lines[0].rstrip(".") if self.lines else self.status
        if self.status in ("mismatch", "error", "timeout") and len(self.lines) > 1:
            return f"{first}: {self.lines[1].rstrip('.')}"
        return first


# the child: drop the current folder from sys.path, so a learner's file called e.g. `torch.py`
# or `random.py` beside theirs cannot stand in for a real module
_CHILD = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from engine.exercise_checks.runner import main; main()"
)
OUTPUT_LINES = 40  # of the learner's printing kept in a report


def _tail(text: str, dropped: int = 0, lines: int = OUTPUT_LINES) -> str:
    kept = [cut(line) for line in text.strip("\n").splitlines()]
    before = len(kept) - lines
    if before > 0 or dropped:
        kept = kept[-lines:]
        more = f" and {dropped:,} bytes" if dropped else ""
        kept.insert(0, f"... ({max(before, 0)} lines{more} before)")
    return "\n".join(kept)


def check(name: str, path: str | Path, timeout: float = 20.0, threads: int = 1) -> CheckReport:
    """Run the learner's `path` against exercise `name` in a child process, at most `timeout`
    seconds, torch on `threads` threads there. A missing file is an EngineError; everything
    the file does is a report."""
    exercise = get_exercise(name)
    if not timeout > 0:
        raise ConfigError(f"--timeout must be positive, got {timeout:g}")
    path = Path(path)
    if not path.is_file():
        hint = f"`learn-gpt exercise start {name}` writes the stub" if not path.exists() else ""
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise EngineError(f"{path} {what}" + (f": {hint}" if hint else ""))
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "OMP_NUM_THREADS": str(threads),
    }
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="learn-gpt-check-") as folder:
        results = Path(folder) / "trial.pt"
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, exercise.name, str(path.resolve()), str(results)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        ended = run_bounded(proc, timeout)
        trial = None if ended.timed_out else _read_trial(results)
    seconds = time.perf_counter() - began
    return _read_report(exercise.name, path, ended, trial, timeout, seconds)


TRIAL_BYTES = 64 * 2**20  # a trial holds the cases' outputs: a few MB at most


def _read_trial(path: Path) -> Any:
    """What the child saved, or None when it saved nothing (it died first) or nothing loadable."""
    import torch

    try:
        if path.stat().st_size > TRIAL_BYTES:
            return None
        return torch.load(path, weights_only=True)
    except Exception:  # missing, truncated, or not written by the child at all: no trial
        return None


def _is_progress(message: Any) -> bool:
    """A progress line as the child writes it (the learner's code can write there too)."""
    return (
        isinstance(message, dict)
        and type(message.get("case")) is int
        and type(message.get("of")) is int
        and isinstance(message.get("label"), str)
    )


def _read_report(
    name: str, path: Path, ended: Ended, trial: Any, timeout: float, seconds: float
) -> CheckReport:
    from engine.exercise_checks.judge import judge
    from engine.exercise_checks.runner import exercise_module

    last_case: dict[str, Any] | None = None
    code, timed_out = ended.code, ended.timed_out
    for line in ended.out.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if _is_progress(message):
            last_case = {**message, "label": cut(message["label"])}
    output = _tail(ended.err, ended.dropped)
    if trial is not None:
        report = judge(exercise_module(name), trial)
        return CheckReport(
            name,
            path,
            report["status"],
            report["cases_run"],
            report["cases_total"],
            report["lines"],
            report["hints"],
            output,
            seconds,
        )
    run = last_case["case"] if last_case else 0
    total = last_case["of"] if last_case else 0
    if timed_out:
        if last_case is None:
            lines = [
                f"stopped after {timeout:g} s, before any case ran: does {path.name} run "
                "a loop that never ends when it is imported?"
            ]
        else:
            lines = [
                f"stopped after {timeout:g} s during case {run} of {total}: {last_case['label']}",
                "is there a loop that never ends (a `while` whose condition stays true)?",
            ]
        return CheckReport(name, path, "timeout", run, total, lines, [], output, seconds)
    lines = [f"the check stopped without a result (exit code {code})"]
    if last_case is not None:
        lines.append(f"it was running case {run} of {total}: {last_case['label']}")
    return CheckReport(name, path, "crash", run, total, lines, [], output, seconds)


def load_learner_function(path: str | Path, name: str) -> Callable[..., Any]:
    """Import the learner's file in this process and return its function `name` (for use
    after `check` has passed it). Problems are one-line EngineErrors."""
    from engine.exercise_checks.runner import load_module

    path = Path(path)
    if not path.is_file():
        raise EngineError(f"{path} does not exist")
    try:
        module = load_module(path.resolve(), f"learner_{name}_{abs(hash(str(path.resolve())))}")
    except Exception as exc:
        raise EngineError(f"importing {path} raised {type(exc).__name__}: {exc}") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise EngineError(f"{path} has no function `{name}`")
    return fn
