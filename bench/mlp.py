"""Speed and accuracy of Nielsen's network, Network([784, 30, 10]), on the full MNIST set.

Prints, at the book's settings (mini-batch 10, eta 3.0, 50,000 training digits):
1. the machine: torch version, threads, load average;
2. seconds per epoch, for the SGD loop alone and with the evaluation of the 10,000 test digits;
3. what limits that speed: one step split into the two big matmuls, per-op dispatch times the
   number of torch ops, and the Python left over; the arithmetic floor; mini-batch 100;
4. test accuracy per epoch for each seed, the median peak against the book's 95.42%.
Figures only, never asserts.
Run: python bench/mlp.py [--data-dir DIR] [--epochs 30] [--seeds 0,1,2] [--threads 1] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from engine.data.digits import DataError, Digits, find_full, load_digits
from engine.device import use_threads
from engine.events import EpochDone
from engine.mlp import DigitBatch, Network

SIZES = [784, 30, 10]
MINI_BATCH = 10
ETA = 3.0
NIELSEN_PEAK = 95.42  # "Epoch 28: 9542 / 10000" in chapter 1
TARGET_ACCURACY = 95.0
TARGET_SECONDS = 0.25
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Run:
    """One training run: per epoch, the test score and the time taken."""

    seed: int
    correct: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # SGD loop only (EpochDone.seconds)
    wall: list[float] = field(default_factory=list)  # the loop plus evaluating the test digits


def train(
    digits: Digits, seed: int, epochs: int, mini_batch: int = MINI_BATCH, evaluate: bool = True
) -> Run:
    """Train a fresh network with `seed` and record every epoch."""
    net = Network(SIZES, seed=seed)
    test = digits.test.as_pair() if evaluate else None
    run = Run(seed)
    last = time.perf_counter()
    events = net.SGD(digits.train.as_pair(), epochs, mini_batch, ETA, test_data=test, seed=seed)
    for event in events:
        if isinstance(event, EpochDone):
            now = time.perf_counter()
            run.seconds.append(event.seconds)
            run.wall.append(now - last)
            last = now
            if event.correct is not None:
                run.correct.append(event.correct)
    return run


def per_call_us(loop: Callable[[int], None], calls: int, repeats: int = 5) -> float:
    """Microseconds per call of `loop(calls)` (which makes `calls` calls), median of repeats."""
    loop(max(1, calls // 10))  # warm up
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        loop(calls)
        times.append((time.perf_counter() - began) / calls)
    return statistics.median(times) * 1e6


def top_level_ops(run: Callable[[], None]) -> Counter[str]:
    """The aten ops that `run` calls from Python (ops called inside other ops are not counted)."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    return Counter(
        e.name.removeprefix("aten::")
        for e in prof.events()
        if e.cpu_parent is None and e.name.startswith("aten::")
    )


def nested_ops(run: Callable[[], None]) -> int:
    """Every aten op `run` calls, nested ones included."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    return sum(1 for e in prof.events() if e.name.startswith("aten::"))


def batches_of(digits: Digits, mini_batch: int, count: int) -> list[DigitBatch]:
    """`count` mini-batches laid out exactly as SGD lays them out (transposed row gathers)."""
    images, labels = digits.train.as_pair()
    targets = torch.eye(SIZES[-1])[labels]
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    return [
        DigitBatch(images[idx].T, targets[idx].T)
        for idx in order[: mini_batch * count].split(mini_batch)
    ]


def step_us(digits: Digits, mini_batch: int, steps: int) -> float:
    """Microseconds per `update_mini_batch` call on real digits."""
    net = Network(SIZES)
    batches = batches_of(digits, mini_batch, steps)

    def loop(n: int) -> None:
        for k in range(n):
            net.update_mini_batch(batches[k % steps], ETA)

    return per_call_us(loop, steps)


def matmul_flops(mini_batch: int, examples: int) -> tuple[float, float]:
    """(matmul FLOPs, weight-update FLOPs) of one epoch over `examples` digits.

    Per example: the forward w a (every layer), δ @ aᵀ for nabla_w (every layer) and wᵀ δ
    (every layer but the first). Per step: w − (η/m) nabla_w, a multiply and a subtract.
    """
    pairs = list(zip(SIZES[:-1], SIZES[1:]))
    per_example = sum(2 * n_in * n_out * (3 if i else 2) for i, (n_in, n_out) in enumerate(pairs))
    per_step = sum(2 * (n_in * n_out + n_out) for n_in, n_out in pairs)
    return per_example * examples, per_step * (examples // mini_batch)


def big_matmul_gflops(n: int = 1024) -> float:
    """GFLOP/s of an (n, n) @ (n, n) float32 matmul with the threads in force."""
    a, b = torch.randn(n, n), torch.randn(n, n)

    def loop(calls: int) -> None:
        for _ in range(calls):
            torch.mm(a, b)

    return 2 * n**3 / per_call_us(loop, 5) / 1e3


def flat_step(digits: Digits, steps: int) -> tuple[float, int]:
    """(µs per step, top-level ops per step) of update_mini_batch's very ops written flat:
    no methods, lists or loops, so the difference from the engine's step is Python structure."""
    net = Network(SIZES)
    (w2, w3), (b2, b3) = net.weights, net.biases
    batches = batches_of(digits, MINI_BATCH, steps)
    alpha = ETA / MINI_BATCH

    def one(x: torch.Tensor, y: torch.Tensor) -> None:
        a2 = torch.sigmoid(torch.addmm(b2, w2, x))
        a3 = torch.sigmoid(torch.addmm(b3, w3, a2))
        d3 = (a3 - y) * (a3 * (1 - a3))
        nb3, nw3 = d3.sum(dim=1, keepdim=True), d3 @ a2.T
        d2 = (w3.T @ d3) * (a2 * (1 - a2))
        nb2, nw2 = d2.sum(dim=1, keepdim=True), d2 @ x.T
        w2.sub_(nw2, alpha=alpha)
        w3.sub_(nw3, alpha=alpha)
        b2.sub_(nb2, alpha=alpha)
        b3.sub_(nb3, alpha=alpha)

    def loop(n: int) -> None:
        for k in range(n):
            batch = batches[k % steps]
            one(batch.x, batch.y)

    ops = top_level_ops(lambda: loop(50))
    return per_call_us(loop, steps), round(sum(ops.values()) / 50)


def gather_us(digits: Digits, steps: int) -> float:
    """µs per step for SGD's batch gathering: images[idx].T and targets[idx].T."""
    images, labels = digits.train.as_pair()
    targets = torch.eye(SIZES[-1])[labels]
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))
    order = order.split(MINI_BATCH)

    def loop(n: int) -> None:
        for k in range(n):
            DigitBatch(images[order[k]].T, targets[order[k]].T)

    return per_call_us(loop, min(steps, len(order)))


def limits(digits: Digits, run: Run, quick: bool) -> None:
    """Section 3: where a mini-batch-10 step spends its time."""
    steps = 500 if quick else 2000
    step = step_us(digits, MINI_BATCH, steps)

    # (b) the arithmetic: the two big matmuls of a step, in SGD's layouts
    torch.manual_seed(0)
    w1, b1 = torch.randn(30, 784), torch.randn(30, 1)
    x = torch.rand(MINI_BATCH, 784).T  # (784, m), a transposed view as in SGD
    delta2, x_t = torch.randn(30, MINI_BATCH), x.T

    def matmuls(n: int) -> None:
        for _ in range(n):
            torch.addmm(b1, w1, x)  # z2 = w2 x + b2 (30x784 @ 784x10)
            torch.mm(delta2, x_t)  # nabla_w2 = δ2 xᵀ (30x10 @ 10x784)

    mm = per_call_us(matmuls, steps * 5)
    mm_gflops = 2 * 2 * 30 * 784 * MINI_BATCH / mm / 1e3

    # (c) dispatch: a trivial elementwise op on a (10, 10) tensor
    p, q = torch.rand(10, 10), torch.rand(10, 10)

    def trivial(n: int) -> None:
        for _ in range(n):
            torch.add(p, q)

    dispatch = per_call_us(trivial, steps * 20)

    # (d) torch ops per step, counted by the profiler
    net = Network(SIZES)
    batches = batches_of(digits, MINI_BATCH, 50)

    def fifty_steps() -> None:
        for batch in batches:
            net.update_mini_batch(batch, ETA)

    fifty_steps()
    ops = top_level_ops(fifty_steps)
    per_step = round(sum(ops.values()) / len(batches))
    nested = nested_ops(fifty_steps) / len(batches)
    other = per_step - 2
    python = step - mm - dispatch * other
    flat, flat_ops = flat_step(digits, steps)

    print(f"\n3. What limits it (µs per step at mini-batch {MINI_BATCH}, medians of 5 repeats)")
    print(f"   update_mini_batch, whole step        {step:7.1f} µs")
    print(
        f"   two big matmuls (the arithmetic)     {mm:7.1f} µs"
        f"   addmm 30x784@784x10 + mm 30x10@10x784: {mm_gflops:.1f} GFLOP/s"
    )
    print(
        f"   dispatch {dispatch:.2f} µs/op × {other} other ops {dispatch * other:8.1f} µs"
        f"   trivial (10,10) add; {per_step} top-level aten ops per step ({nested:.0f} nested)"
    )
    print(f"   remainder (Python)                   {python:7.1f} µs")
    print("   ops per step: " + ", ".join(f"{k} {v // len(batches)}" for k, v in ops.most_common()))
    print(
        f"   the same {flat_ops} ops written flat (no methods, lists, loops): {flat:.1f} µs,"
        f" so the engine's Python structure costs {step - flat:.1f} µs and the ops"
        f" {flat - mm:.1f} µs beyond the big matmuls ({(flat - mm) / other:.2f} µs per op)"
    )
    loop_step = statistics.median(run.seconds) / (len(digits.train) / MINI_BATCH) * 1e6
    print(
        f"   the SGD loop takes {loop_step:.1f} µs per step, {loop_step - step:.1f} µs more than"
        f" update_mini_batch; gathering the batch (images[idx].T, targets[idx].T) takes"
        f" {gather_us(digits, steps):.1f} µs; {sgd_loop_ops(digits):.1f} top-level ops per step"
    )

    gflops = big_matmul_gflops()
    print(f"\n   arithmetic floor (a 1024x1024 matmul runs at {gflops:.1f} GFLOP/s here):")
    epochs = 2 if quick else 3
    for m in (MINI_BATCH, 100):
        mat, upd = matmul_flops(m, len(digits.train))
        floor = (mat + upd) / gflops / 1e9
        if m == MINI_BATCH:
            measured, extra = statistics.median(run.seconds), f", {step:.0f} µs/step"
        else:
            measured = statistics.median(train(digits, 0, epochs, m, evaluate=False).seconds)
            extra = f", update_mini_batch {step_us(digits, m, 200 if quick else 500):.0f} µs/step"
        print(
            f"   mini-batch {m:>3}: {mat / 1e9:.2f} GFLOP matmuls + {upd / 1e9:.2f} GFLOP updates"
            f" -> floor {floor:.3f} s/epoch; measured {measured:.3f} s/epoch"
            f" ({measured / floor:.0f}x the floor{extra})"
        )


def sgd_loop_ops(digits: Digits) -> float:
    """Top-level aten ops per step of the SGD loop itself, over 200 steps (2 loss readings)."""
    net = Network(SIZES)
    events = net.SGD(digits.train.as_pair(), 1, MINI_BATCH, ETA)
    next(events)  # the epoch's setup (targets, shuffle) and batch 0 are not counted

    def two_hundred() -> None:
        for _ in range(200):
            next(events)

    ops = top_level_ops(two_hundred)
    events.close()
    return sum(ops.values()) / 200


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help=f"default: {DEFAULT_DATA_DIR}")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated, e.g. 0,1,2")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 seed: a smoke test")
    args = parser.parse_args(argv)
    args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if args.quick:
        args.epochs, args.seeds = 2, args.seeds[:1]
    return args


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else DEFAULT_DATA_DIR
    if find_full(data_dir) is None:
        print(f"full MNIST not found in {data_dir} or $LEARN_GPT_DATA_DIR: nothing to measure")
        return
    try:
        digits = load_digits("mnist", data_dir)
    except DataError as exc:
        print(f"full MNIST could not be loaded: {exc}")
        return
    threads = use_threads(args.threads)

    print(
        f"1. torch {torch.__version__}, {threads} thread(s) of {os.cpu_count()} cores,"
        f" load average {load_avg()} (1, 5, 15 min); Python {sys.version.split()[0]}"
    )
    print(f"   data: {digits.source}; {len(digits.train):,} train, {len(digits.test):,} test")

    first = train(digits, args.seeds[0], args.epochs)
    print(
        f"\n2. Network({SIZES}), mini-batch {MINI_BATCH}, eta {ETA}, seed {first.seed},"
        f" median of {len(first.seconds)} epochs:"
    )
    print(f"   SGD loop          {statistics.median(first.seconds):.3f} s/epoch")
    print(f"   with evaluation   {statistics.median(first.wall):.3f} s/epoch (10,000 test digits)")

    limits(digits, first, args.quick)

    runs = [first] + [train(digits, seed, args.epochs) for seed in args.seeds[1:]]
    print("\n4. Test accuracy (correct of 10,000) per epoch, epochs numbered from 0 as in the book")
    for run in runs:
        peak = max(run.correct)
        print(
            f"   seed {run.seed}: {' '.join(map(str, run.correct))}"
            f" | peak {peak} at epoch {run.correct.index(peak)}"
            f" | {statistics.median(run.seconds):.3f} s/epoch"
        )
    accuracy = statistics.median(max(run.correct) for run in runs) / 100
    seconds = statistics.median(first.seconds)
    print(
        f"   median peak {accuracy:.2f}% over {len(runs)} seed(s): Nielsen {NIELSEN_PEAK}%,"
        f" target >= {TARGET_ACCURACY}% ({'met' if accuracy >= TARGET_ACCURACY else 'missed'})"
    )
    print(
        f"   speed {seconds:.3f} s/epoch (SGD loop, seed {first.seed}):"
        f" target <= {TARGET_SECONDS} s ({'met' if seconds <= TARGET_SECONDS else 'missed'});"
        f" load average now {load_avg()}"
    )


if __name__ == "__main__":
    main()
