"""The GPU path, checked on a GPU: one prepared script, well under 5 minutes on a CUDA machine.

Prints the machine (torch, CUDA, the GPU's name and memory, the device `pick_device` chooses),
then four numbered checks, each PASS or FAIL with its figures and wall time:
1. the `cpu` preset trained 300 steps on the device and on the CPU with the same seed: the
   losses at step 300 close (LOSS_CLOSE), the tokens/s of each;
2. sampling with the key/value cache equals recomputing every window, on the device: the same
   tokens and probabilities from the trained model, and cached logits equal a full forward;
3. three epochs of Nielsen's network on the device (full MNIST when found): accuracy per epoch
   and seconds, against the same run on the CPU;
4. the Sampling pane driven headlessly (Textual's run_test and Pilot): its worker trains on the
   device and writes text.
Exits 1 if any check fails (or the run overshoots its budget on CUDA). Without CUDA it prints
"no CUDA device here: nothing to check" and exits 0, NOT RUN; `--allow-cpu` runs every check on
the CPU instead, so the script's own code paths can be exercised anywhere (`--quick`: smaller:
20 GPT steps, 100 sampled tokens, the bundled MNIST sample, 20 steps in the pane).
Data: --data-dir, else $LEARN_GPT_DATA_DIR or the cache when ../shared/data is absent, else
the bundled samples (said in the report).
Run: python bench/gpu_check.py [--device cuda] [--allow-cpu] [--quick] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine.data.digits import DataError, find_full
from engine.data.text import Corpus, load_corpus
from engine.device import DeviceError, default_threads, pick_device, use_threads
from engine.errors import ConfigError, EngineError
from engine.events import EpochDone, EvalDone, NextToken, StepDone
from engine.gpt import KVCache
from engine.gpt_run import GPTRun
from engine.mlp_run import MLPConfig, MLPRun
from engine.sample import generate

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
BUDGET_S = 300.0  # the "under 5 minutes on a CUDA machine"
SEED = 1337
PRESET = "cpu"

# 1. GPT training. Both runs start from the same weights (drawn on the CPU, then moved) and
# see the same batches (drawn by a CPU generator), and the preset has no dropout, so only
# rounding separates them: float32 on cuda and on the CPU sums in different orders (blocked
# matmuls, parallel reductions). That should move the loss at step 300 by thousandths; a wrong
# device path (a mask or position table left behind, a batch on the wrong device) moves it by
# tenths or stops training. 0.05 sits between the two; the report prints the figure.
GPT_STEPS, GPT_WARMUP = 300, 10  # tokens/s counts the steps after the warm-up
LOSS_CLOSE = 0.05  # |loss(device) - loss(cpu)| at the last step, and of the validation loss

# 2. KV cache. A one-token query and a whole window run different kernels, so the cached and
# recomputed logits differ by float32 rounding (2e-6 on the CPU for the trained model); a stale
# key or a shifted position gives differences of 0.1 and more.
LOGIT_TOL = 1e-4  # |cached - full| <= LOGIT_TOL * (1 + |full|), as torch.allclose
PROB_TOL = 1e-4  # the chosen token's and the top-5 probabilities, cached vs recomputed
KV_CASES = [(0.0, None, None), (1.0, None, None), (0.8, 5, None), (1.0, None, 0.9)]
KV_TOKENS = 200  # past three 64-token windows: the cache is rebuilt at 64, 96, 128, ...

# 3. Nielsen's network. The two runs start from the same weights and shuffle alike (both drawn
# on the CPU), so only rounding separates them over 5,000 steps an epoch: tenths of a point at
# most, expected. Seed 0 is one that learns (92.8% after three epochs of full MNIST; seed 1's
# N(0, 1) start stalls at 75%), so a gap over a point means the device computes something else.
MLP_EPOCHS = 3
MLP_GAP = 1.0  # percentage points of test accuracy, device vs cpu, at the last epoch
# the book's 91% after one epoch of full MNIST; the 8,000-digit sample reaches 83% in three
MLP_FLOOR = {"mnist": 90.0, "sample": 80.0}

# 4. The Sampling pane.
PANE_STEPS, PANE_EVERY = 40, 20
PANE_TIMEOUT_S = 60.0  # each wait: the engine loading, then the training (seconds on cuda)


@dataclass
class Outcome:
    """What one check found: passed or not, and the figures to print."""

    passed: bool
    lines: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What the checks share: the device, the data, and the run check 1 trained."""

    device: str
    quick: bool
    data_dir: Path | None
    corpus: Corpus
    corpus_spec: str
    trained: GPTRun | None = None


# -- helpers -------------------------------------------------------------------------------
def sync(device: str) -> None:
    """Wait for the device's queued kernels, so a clock reading covers the work it claims."""
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def on_device(tensor: torch.Tensor, device: str) -> bool:
    return tensor.device.type == torch.device(device).type


def mark(ok: bool) -> str:
    return "ok" if ok else "NO"


def machine_lines(device: str) -> list[str]:
    """torch, CUDA, the GPU and the CPU, as the report's header."""
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    lines = [
        f"torch {torch.__version__}, CUDA {torch.version.cuda or 'none'}, cuDNN {cudnn or 'none'},"
        f" Python {sys.version.split()[0]}",
        f"CPU: {os.cpu_count()} cores, torch uses {torch.get_num_threads()} thread(s)",
    ]
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(device)
        lines.append(
            f"GPU: {props.name}, {props.total_memory / 2**30:.1f} GiB, compute capability"
            f" {props.major}.{props.minor}; {torch.cuda.device_count()} CUDA device(s)"
        )
        lines.append(f"float32 matmul precision: {torch.get_float32_matmul_precision()}")
    return lines


def open_text(data_dir: Path | None) -> tuple[Corpus, str, str]:
    """(corpus, spec, note): tiny Shakespeare where it is found, else the bundled sample."""
    try:
        return load_corpus("tinyshakespeare", data_dir), "tinyshakespeare", ""
    except DataError:
        note = "tiny Shakespeare not found: the bundled sample instead"
        return load_corpus("sample"), "sample", note


# -- 1. GPT training -----------------------------------------------------------------------
@dataclass
class Trained:
    run: GPTRun
    losses: dict[int, float]  # step: training loss
    val_loss: float
    tokens_per_s: float
    seconds: float


def train_gpt(ctx: Context, device: str, steps: int) -> Trained:
    """The `cpu` preset for `steps` steps on `device`, seeded, one evaluation at the end;
    tokens/s over the steps after the warm-up, with the device synchronised at both ends."""
    use_threads(default_threads("gpt"))  # the CLI's policy: every core but one for big matmuls
    warmup = min(GPT_WARMUP, steps - 1)
    settings = {"max_iters": steps, "eval_interval": steps, "sample_interval": 0, "seed": SEED}
    settings["eval_iters"] = 5 if ctx.quick else 20
    run = GPTRun.start(
        ctx.corpus_spec, preset=PRESET, corpus=ctx.corpus, train=settings, device=device
    )
    losses: dict[int, float] = {}
    clock: dict[int, float] = {}  # step: time, read once the device has caught up
    val_loss = float("nan")
    began = time.perf_counter()
    for event in run.events():
        if isinstance(event, StepDone):
            losses[event.step] = event.loss
            if event.step in (warmup, steps):
                sync(device)
                clock[event.step] = time.perf_counter()
        elif isinstance(event, EvalDone):
            val_loss = event.val_loss
    tokens = (steps - warmup) * run.train_config.batch_size * run.model_config.block_size
    tokens_per_s = tokens / (clock[steps] - clock[warmup])
    return Trained(run, losses, val_loss, tokens_per_s, time.perf_counter() - began)


def check_gpt(ctx: Context) -> Outcome:
    steps = 20 if ctx.quick else GPT_STEPS
    if ctx.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats(ctx.device)
    dev = train_gpt(ctx, ctx.device, steps)
    ctx.trained = dev.run
    cpu = train_gpt(ctx, "cpu", steps)
    m, t = dev.run.model_config, dev.run.train_config
    where = next(dev.run.model.parameters()).device
    lines = [
        f"preset {PRESET}: {m.n_layer} layers, {m.n_head} heads, {m.n_embd} wide, context"
        f" {m.block_size}, batch {t.batch_size}; {dev.run.model.num_params():,} parameters;"
        f" {ctx.corpus.source}; seed {SEED}; weights on {where}",
        f"{'step':>6} {ctx.device + ' loss':>12} {'cpu loss':>10} {'|diff|':>10}",
    ]
    for step in sorted({1, steps // 3, 2 * steps // 3, steps}):
        a, b = dev.losses[step], cpu.losses[step]
        lines.append(f"{step:>6} {a:>12.4f} {b:>10.4f} {abs(a - b):>10.2e}")
    loss_gap = abs(dev.losses[steps] - cpu.losses[steps])
    val_gap = abs(dev.val_loss - cpu.val_loss)
    lines.append(
        f"val loss at step {steps}: {ctx.device} {dev.val_loss:.4f}, cpu {cpu.val_loss:.4f},"
        f" |diff| {val_gap:.2e}"
    )
    lines.append(
        f"tokens/s (steps {min(GPT_WARMUP, steps - 1) + 1}-{steps}, synchronised):"
        f" {ctx.device} {dev.tokens_per_s:,.0f}, cpu {cpu.tokens_per_s:,.0f} on"
        f" {torch.get_num_threads()} thread(s), ratio {dev.tokens_per_s / cpu.tokens_per_s:.1f};"
        f" wall {dev.seconds:.1f} s and {cpu.seconds:.1f} s (evaluation included)"
    )
    if ctx.device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated(ctx.device) / 2**20
        lines.append(f"peak GPU memory allocated: {peak:.0f} MiB")
    placed = on_device(next(dev.run.model.parameters()), ctx.device)
    close = loss_gap < LOSS_CLOSE and val_gap < LOSS_CLOSE
    lines.append(
        f"close means |diff| < {LOSS_CLOSE} at step {steps} and in the val loss (float32"
        f" reduction order differs): {mark(close)}; weights on {ctx.device}: {mark(placed)}"
    )
    return Outcome(close and placed, lines)


# -- 2. KV cache ---------------------------------------------------------------------------
def prob_gap(a: NextToken, b: NextToken) -> float:
    """The largest difference between two choices' probabilities: the chosen and the top."""
    gaps = [abs(p - q) for (_, p), (_, q) in zip(a.top, b.top)]
    return max([abs(a.probability - b.probability), *gaps])


def compare_sampling(
    run: GPTRun,
    prompt: str,
    tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
) -> tuple[int | None, float, float, float]:
    """(first differing token or None, largest probability gap, seconds cached, seconds not)
    for one seeded generation with and without the cache."""
    args = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=SEED)
    device = str(next(run.model.parameters()).device)
    timed = []
    outs = []
    for use_cache in (True, False):
        sync(device)
        began = time.perf_counter()
        outs.append(
            list(generate(run.model, run.tokenizer, prompt, tokens, use_cache=use_cache, **args))
        )
        sync(device)
        timed.append(time.perf_counter() - began)
    cached, fresh = outs
    first = next((i for i, (a, b) in enumerate(zip(cached, fresh)) if a.id != b.id), None)
    gap = max(prob_gap(a, b) for a, b in zip(cached, fresh))
    return first, gap, timed[0], timed[1]


def logit_gap(run: GPTRun, text: str) -> tuple[float, bool]:
    """(largest |cached - full|, within LOGIT_TOL) over one full window: a 16-token prefix, then
    one token at a time through the cache, against one forward of the whole window."""
    model, block = run.model, run.model_config.block_size
    device = next(model.parameters()).device
    ids = run.tokenizer.encode(text)[:block]
    idx = torch.tensor([ids], device=device)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        full = model(idx).logits
        cache = KVCache()
        pieces = [model(idx[:, :16], cache=cache).logits]
        pieces += [model(idx[:, t : t + 1], cache=cache).logits for t in range(16, len(ids))]
    model.train(was_training)
    cached = torch.cat(pieces, dim=1)
    ok = torch.allclose(cached, full, rtol=LOGIT_TOL, atol=LOGIT_TOL)
    return float((cached - full).abs().max()), ok


def encodes(run: GPTRun, text: str) -> bool:
    """Whether the run's tokenizer knows every character of `text`."""
    try:
        run.tokenizer.encode(text)
    except EngineError:
        return False
    return True


def check_kv_cache(ctx: Context) -> Outcome:
    use_threads(1)  # one token at a time is dispatch-bound on the CPU, like the MLP
    run = ctx.trained
    lines = []
    if run is None:  # check 1 failed before training: an untrained model still tells
        run = GPTRun.start(
            ctx.corpus_spec,
            preset=PRESET,
            corpus=ctx.corpus,
            device=ctx.device,
            train={"max_iters": 1, "sample_interval": 0, "seed": SEED},
        )
        lines.append("(check 1 left no trained model: an untrained one instead)")
    where = next(run.model.parameters()).device
    tokens = 100 if ctx.quick else KV_TOKENS
    prompt = "ROMEO:" if encodes(run, "ROMEO:") else ""
    lines.append(
        f"model at step {run.step} on {where}; {tokens} tokens from {prompt or 'a newline'!r}"
        f" per case, context {run.model_config.block_size}, seed {SEED}"
    )
    list(generate(run.model, run.tokenizer, prompt, 8, seed=SEED))  # warm the kernels up
    list(generate(run.model, run.tokenizer, prompt, 8, seed=SEED, use_cache=False))
    passed = True
    for temperature, top_k, top_p in KV_CASES:
        first, gap, t_cached, t_fresh = compare_sampling(
            run, prompt, tokens, temperature, top_k, top_p
        )
        ok = first is None and gap <= PROB_TOL
        passed &= ok
        name = f"T {temperature:g}" + (f", top-k {top_k}" if top_k else "")
        name += f", top-p {top_p:g}" if top_p else ""
        same = "same tokens" if first is None else f"tokens differ from #{first}"
        lines.append(
            f"{name:<16} {same}; largest probability gap {gap:.1e}; {tokens / t_cached:,.0f}"
            f" tokens/s cached, {tokens / t_fresh:,.0f} recomputed: {mark(ok)}"
        )
    text = ctx.corpus.text[: run.model_config.block_size * 4]
    gap, ok = logit_gap(run, text)
    passed &= ok
    lines.append(
        f"logits through the cache vs one full forward ({run.model_config.block_size} tokens):"
        f" largest |diff| {gap:.1e}, tolerance {LOGIT_TOL:g} (float32 kernels differ): {mark(ok)}"
    )
    placed = on_device(next(run.model.parameters()), ctx.device)
    lines.append(f"probabilities within {PROB_TOL:g}; weights on {ctx.device}: {mark(placed)}")
    return Outcome(passed and placed, lines)


# -- 3. Nielsen's network ------------------------------------------------------------------
@dataclass
class Epochs:
    accuracy: list[float]  # percent, per epoch
    seconds: list[float]  # per epoch, synchronised, evaluation included
    on_device: bool


def train_mlp(data: str, data_dir: Path | None, device: str, epochs: int) -> Epochs:
    """Nielsen's network at the book's settings through MLPRun, as the app trains it."""
    use_threads(default_threads("mlp"))  # one thread: mini-batches of 10 are dispatch-bound
    run = MLPRun.start(
        MLPConfig(epochs=epochs, data=data, seed=0), device=device, data_dir=data_dir
    )
    accuracy, seconds = [], []
    sync(device)
    last = time.perf_counter()
    for event in run.events():
        if isinstance(event, EpochDone) and event.correct is not None and event.total:
            sync(device)
            now = time.perf_counter()
            accuracy.append(100 * event.correct / event.total)
            seconds.append(now - last)
            last = now
    return Epochs(accuracy, seconds, on_device(run.network.weights[0], device))


def check_mlp(ctx: Context) -> Outcome:
    data = "mnist" if find_full(ctx.data_dir) and not ctx.quick else "sample"
    lines = [] if data == "mnist" or ctx.quick else ["full MNIST not found: the bundled sample"]
    dev = train_mlp(data, ctx.data_dir, ctx.device, MLP_EPOCHS)
    cpu = train_mlp(data, ctx.data_dir, "cpu", MLP_EPOCHS)
    lines.append(
        f"Network([784, 30, 10]) on {data}, mini-batch 10, eta 3.0, seed 0, torch on"
        f" {torch.get_num_threads()} CPU thread(s); test accuracy per epoch and seconds"
        " (training and evaluation, synchronised)"
    )
    for name, got in ((ctx.device, dev), ("cpu", cpu)):
        epochs = "  ".join(f"{a:5.2f}% {s:5.2f} s" for a, s in zip(got.accuracy, got.seconds))
        lines.append(f"{name:>6}: {epochs}  (total {sum(got.seconds):.1f} s)")
    gap = abs(dev.accuracy[-1] - cpu.accuracy[-1])
    floor = MLP_FLOOR[data]
    good = dev.accuracy[-1] >= floor
    near = gap <= MLP_GAP
    lines.append(
        f"last epoch {dev.accuracy[-1]:.2f}% >= {floor}%: {mark(good)}; {ctx.device} vs cpu"
        f" {gap:.2f} points <= {MLP_GAP} (rounding drift): {mark(near)}; weights on"
        f" {ctx.device}: {mark(dev.on_device)}"
    )
    return Outcome(good and near and dev.on_device, lines)


# -- 4. the Sampling pane ------------------------------------------------------------------
async def until(pilot: Any, condition: Callable[[], object], timeout: float) -> bool:
    """Pause the app until `condition()` holds; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.05)
    return True


async def drive_pane(ctx: Context, steps: int) -> Outcome:
    """Train in the Sampling pane as a learner would (s), headless, and look at its run."""
    from textual.widgets import Input, Label

    from tui.app import LearnGPTApp
    from tui.panes.sampling.sample_log import SampleLog

    data_dir = str(ctx.data_dir) if ctx.data_dir else None
    kwargs: dict[str, Any] = {"pane": "sampling", "data_dir": data_dir}
    takes_device = "device" in inspect.signature(LearnGPTApp.__init__).parameters
    if takes_device:
        kwargs["device"] = ctx.device
    app = LearnGPTApp(**kwargs)
    lines = [
        f"LearnGPTApp({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        + ("" if takes_device else ": the app takes no device setting")
    ]
    began = time.perf_counter()
    async with app.run_test(size=(100, 30)) as pilot:
        ready = await until(
            pilot,
            lambda: app.engine_ready and getattr(app.screen, "state", "") != "loading",
            PANE_TIMEOUT_S,
        )
        if not ready:
            return Outcome(False, [*lines, "the engine never loaded"])
        screen = app.screen
        screen.query_one("#samp-max-steps", Input).value = str(steps)
        screen.query_one("#samp-every", Input).value = str(PANE_EVERY)
        await pilot.pause()
        await pilot.press("s")
        done = await until(pilot, lambda: screen.state == "done", PANE_TIMEOUT_S)
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        status = str(screen.query_one("#samp-status", Label).render())
        samples = [(h.strip(), text) for h, text in screen.query_one(SampleLog).entries if h]
        run = screen.run
    seconds = time.perf_counter() - began
    if run is None:
        return Outcome(False, [*lines, f"no run was built; notifications: {notes}"])
    where = next(run.model.parameters()).device
    placed = where.type == torch.device(ctx.device).type
    heading, text = samples[-1] if samples else ("", "")
    wrote = done and run.step == steps and len(samples) >= 2 and len(text) > len("ROMEO:")
    lines += [
        f"GPT of {run.model_config.n_layer} layers, {run.model_config.n_embd} wide, on"
        f" {run.corpus.source}: {'finished' if done else 'NOT finished'} at step {run.step}"
        f" of {steps} in {seconds:.1f} s (app start included); status {status!r}",
        f"{len(samples)} samples; the last: {heading!r}",
        "  " + repr(text[:90]),
        f"the worker's model is on {where}: {mark(placed)}; wrote text: {mark(wrote)}",
    ]
    if notes:
        lines.append(f"notifications: {notes}")
    if not placed and not takes_device:
        lines.append(
            "  (no device reaches the pane: tui/panes/sampling/work.py build() calls"
            " GPTRun.start without one, so it trains on the CPU)"
        )
    return Outcome(placed and wrote, lines)


def check_pane(ctx: Context) -> Outcome:
    return asyncio.run(drive_pane(ctx, 20 if ctx.quick else PANE_STEPS))


# -- the report ----------------------------------------------------------------------------
CHECKS: list[tuple[str, Callable[[Context], Outcome]]] = [
    ("GPT: the cpu preset trained on the device and on the CPU, same seed", check_gpt),
    ("KV-cache sampling equals recomputation on the device", check_kv_cache),
    ("Nielsen's network: three epochs on the device", check_mlp),
    ("the Sampling pane's worker on the device (Pilot, headless)", check_pane),
]


def run_check(number: int, title: str, check: Callable[[Context], Outcome], ctx: Context) -> bool:
    """Run one check, print its figures, verdict and wall time; an exception is a FAIL."""
    print(f"\n{number}. {title}", flush=True)
    began = time.perf_counter()
    try:
        outcome = check(ctx)
    except Exception as exc:  # a check that crashes is a failed check, and the next one runs
        detail = traceback.format_exc().rstrip().splitlines()[-12:]
        outcome = Outcome(False, [f"crashed: {type(exc).__name__}: {exc}", *detail])
    seconds = time.perf_counter() - began
    for line in outcome.lines:
        print(f"   {line}")
    print(f"   {'PASS' if outcome.passed else 'FAIL'} ({seconds:.1f} s)", flush=True)
    return outcome.passed


def choose_device(requested: str, allow_cpu: bool) -> str | None:
    """The device to check (pick_device's choice); None when there is no CUDA here and the CPU
    was not allowed. A device this machine lacks, or a bad name, ends the script in one line."""
    try:
        device = pick_device(requested)
    except DeviceError as exc:  # cuda asked for where there is none, or cuda:N past the last
        if torch.cuda.is_available():
            raise SystemExit(str(exc)) from None
        device = "cpu"
    except ConfigError as exc:
        raise SystemExit(str(exc)) from None
    if device.startswith("cuda"):
        return device
    if allow_cpu:
        return "cpu"
    if torch.cuda.is_available():
        raise SystemExit(f"device {device} is not CUDA: pass --allow-cpu to check it anyway")
    return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cuda or cuda:N (default auto)")
    parser.add_argument(
        "--allow-cpu", action="store_true", help="without CUDA, run every check on the CPU"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20 GPT steps, 100 sample tokens, the MNIST sample, 20 pane steps",
    )
    parser.add_argument("--data-dir", default=None, help=f"default: {DEFAULT_DATA_DIR}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    device = choose_device(args.device, args.allow_cpu)
    if device is None:
        print("no CUDA device here: nothing to check")
        print("NOT RUN (pass --allow-cpu to run every check on the CPU)")
        return 0
    data_dir = Path(args.data_dir) if args.data_dir else None
    if data_dir is None and DEFAULT_DATA_DIR.is_dir():
        data_dir = DEFAULT_DATA_DIR
    corpus, spec, note = open_text(data_dir)
    ctx = Context(device, args.quick, data_dir, corpus, spec)

    print(f"GPU check: device {device} (asked for {args.device!r}, chosen by pick_device)")
    if not device.startswith("cuda"):
        print("   --allow-cpu: every check runs on the CPU; this exercises the script, not a GPU")
    for line in machine_lines(device):
        print(f"   {line}")
    print(f"   data: {data_dir or '$LEARN_GPT_DATA_DIR or the cache'}; text: {corpus.source}")
    if note:
        print(f"   note: {note}")
    print(f"   budget {BUDGET_S:.0f} s{'; --quick' if args.quick else ''}")

    results = [
        run_check(number, title, check, ctx) for number, (title, check) in enumerate(CHECKS, 1)
    ]
    total = time.perf_counter() - began
    over = total > BUDGET_S
    passed = sum(results)
    print(
        f"\n{passed} of {len(results)} checks passed on {device}; total {total:.1f} s,"
        f" budget {BUDGET_S:.0f} s: {'OVER' if over else 'within'}"
    )
    failed = passed < len(results) or (over and device.startswith("cuda"))
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
