"""Speed and quality of the GPT against nanoGPT's CPU "baby GPT" on tiny Shakespeare.

Prints, for the `cpu` preset (4 layers, 4 heads, 128 wide, context 64, batch 12):
1. the machine: torch version, cores, load average; the parameter count;
2. ms per training iteration with 1 and with 2 threads, each in a fresh process so OpenMP
   starts clean (median after 10 warm-up steps), against nanoGPT's on this machine;
3. the validation loss every 250 steps to 2,000, trained with the faster thread count,
   against nanoGPT's 1.886 at step 2,000, and the total training time;
4. sampling speed in characters per second with and without the key/value cache (the same
   seed, so the same text), and the ratio.
Figures only, never asserts.
Run: python bench/gpt.py [--data-dir DIR] [--iters 2000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from engine.data.digits import DataError
from engine.data.text import Corpus, load_corpus
from engine.device import use_threads
from engine.events import Diverged, EvalDone, StepDone
from engine.gpt_run import GPTRun
from engine.sample import generate

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
PRESET = "cpu"
SEED = 1337
WARMUP_STEPS, TIMED_STEPS = 10, 50
NANOGPT_MS = {1: 60.0, 2: 38.0}  # nanoGPT's train.py, same model and batch, on this machine
NANOGPT_VAL = 1.886  # nanoGPT's val loss at step 2,000 for the same recipe
TARGET_VAL = 1.89
NANOGPT_CHARS_PER_S = 600  # nanoGPT's generate() (no cache) here, about
TARGET_CACHE_RATIO = 5.0


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def open_corpus(data_dir: Path) -> Corpus | None:
    try:
        return load_corpus("tinyshakespeare", data_dir)
    except DataError:
        return None


def start_run(corpus: Corpus, **train: int) -> GPTRun:
    settings = {"sample_interval": 0, "eval_iters": 20, "seed": SEED, **train}
    return GPTRun.start("tinyshakespeare", preset=PRESET, corpus=corpus, train=settings)


def speed_only(threads: int, data_dir: Path) -> None:
    """The hidden child mode: ms per iteration with `threads`, printed as one JSON line."""
    use_threads(threads)
    corpus = open_corpus(data_dir)
    if corpus is None:
        raise SystemExit(f"tiny Shakespeare not found in {data_dir}")
    steps = WARMUP_STEPS + TIMED_STEPS
    run = start_run(corpus, max_iters=steps, eval_interval=steps)  # none while timed
    times, last = [], time.perf_counter()
    for event in run.events():
        if isinstance(event, StepDone):
            now = time.perf_counter()
            times.append((now - last) * 1000)
            last = now
            if event.step == steps:
                break
    timed = times[WARMUP_STEPS:]
    print(
        json.dumps(
            {
                "threads": torch.get_num_threads(),
                "median": statistics.median(timed),
                "fastest": min(timed),
                "slowest": max(timed),
            }
        )
    )


def measure_speed(threads: int, data_dir: Path) -> dict[str, float]:
    """Run `speed_only` in a fresh process with OMP_NUM_THREADS set to `threads`."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, __file__, "--speed-only", str(threads), "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"the {threads}-thread speed run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def sample_speed(run: GPTRun, chars: int, use_cache: bool) -> tuple[str, float]:
    """(text, characters per second) for `chars` characters from the run's model."""
    list(generate(run.model, run.tokenizer, "", 10, seed=SEED, use_cache=use_cache))  # warm up
    began = time.perf_counter()
    pieces = list(
        generate(
            run.model, run.tokenizer, "", chars, temperature=1.0, seed=SEED, use_cache=use_cache
        )
    )
    seconds = time.perf_counter() - began
    text = "".join(p.text for p in pieces)
    return text, len(text) / seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help=f"default: {DEFAULT_DATA_DIR}")
    parser.add_argument("--iters", type=int, default=2000, help="training steps for section 3")
    parser.add_argument(
        "--quick", action="store_true", help="60 steps, eval every 30, 100 sample chars"
    )
    parser.add_argument("--speed-only", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.eval_interval, args.sample_chars = 250, 500
    if args.quick:
        args.iters, args.eval_interval, args.sample_chars = 60, 30, 100
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else DEFAULT_DATA_DIR
    if args.speed_only is not None:
        speed_only(args.speed_only, data_dir)
        return
    corpus = open_corpus(data_dir)
    if corpus is None:
        print(f"tiny Shakespeare not in {data_dir} or $LEARN_GPT_DATA_DIR: nothing to measure")
        return

    # 1. the machine and the model
    print(
        f"1. torch {torch.__version__}, {os.cpu_count()} cores, load average {load_avg()}"
        f" (1, 5, 15 min); Python {sys.version.split()[0]}"
    )
    probe = start_run(corpus, max_iters=1)
    m, t = probe.model_config, probe.train_config
    print(
        f"   preset {PRESET}: {m.n_layer} layers, {m.n_head} heads, {m.n_embd} wide, context"
        f" {m.block_size}, batch {t.batch_size}; {probe.model.num_params():,} parameters"
    )
    print(
        f"   text: {corpus.source}; {len(probe.train_ids):,} train /"
        f" {len(probe.val_ids):,} val tokens, vocabulary {m.vocab_size}"
    )
    del probe

    # 2. ms per iteration, each thread count in its own fresh process
    print(
        f"\n2. ms per training iteration (median of {TIMED_STEPS} after {WARMUP_STEPS}"
        " warm-up steps, a fresh process each)"
    )
    speeds = {}
    for threads in (1, 2):
        s = measure_speed(threads, data_dir)
        speeds[threads] = s["median"]
        ref = NANOGPT_MS[threads]
        print(
            f"   {threads} thread(s): {s['median']:6.1f} ms  (fastest {s['fastest']:.1f},"
            f" slowest {s['slowest']:.1f});  nanoGPT {ref:.0f} ms,"
            f" ours {s['median'] / ref:.2f}x its time"
        )
    best = min(speeds, key=speeds.get)
    print(f"   faster here: {best} thread(s); load average now {load_avg()}")

    # 3. validation loss while training with the faster thread count
    threads = use_threads(best)
    run = start_run(corpus, max_iters=args.iters, eval_interval=args.eval_interval)
    print(
        f"\n3. Training {args.iters} steps with {threads} thread(s), seed {SEED},"
        f" eval every {args.eval_interval} on {run.train_config.eval_iters} fixed batches"
    )
    print(f"   {'step':>6} {'train':>8} {'val':>8} {'seconds':>9}")
    began = time.perf_counter()
    for event in run.events():
        if isinstance(event, EvalDone):
            print(
                f"   {event.step:>6} {event.train_loss:>8.4f} {event.val_loss:>8.4f}"
                f" {time.perf_counter() - began:>9.1f}"
            )
        elif isinstance(event, Diverged):
            print(f"   diverged at step {event.step}: {event.reason}")
    total = time.perf_counter() - began
    if not run.history:
        return
    final = run.history[-1].val_loss
    verdict = "met" if final <= TARGET_VAL else "missed"
    print(
        f"   val loss {final:.4f} at step {run.step}: nanoGPT {NANOGPT_VAL} at 2,000,"
        f" target <= {TARGET_VAL} ({verdict}"
        + ("" if run.step == 2000 else f"; only {run.step} steps here")
        + ")"
    )
    print(
        f"   total training time {total:.1f} s ({total / run.step * 1000:.1f} ms per step,"
        f" evaluations included); load average now {load_avg()}"
    )

    # 4. sampling speed with and without the key/value cache
    chars = args.sample_chars
    print(f"\n4. Sampling {chars} characters, temperature 1.0, seed {SEED}, {threads} thread(s)")
    cached, cached_speed = sample_speed(run, chars, use_cache=True)
    plain, plain_speed = sample_speed(run, chars, use_cache=False)
    ratio = cached_speed / plain_speed
    print(f"   with the KV cache     {cached_speed:8,.0f} chars/s")
    print(
        f"   without the cache     {plain_speed:8,.0f} chars/s"
        f"  (nanoGPT's generate() about {NANOGPT_CHARS_PER_S} here)"
    )
    print(
        f"   ratio {ratio:.1f}x: target >= {TARGET_CACHE_RATIO:.0f}x"
        f" ({'met' if ratio >= TARGET_CACHE_RATIO else 'missed'});"
        f" texts {'identical' if cached == plain else 'DIFFERENT'}"
    )
    print("   " + cached[:160].replace("\n", "\n   "))


if __name__ == "__main__":
    main()
