"""The ladder of "Let's build GPT" against the lecture's validation losses, and its speed.

Prints:
1. the machine: torch version, cores, threads, load average before and after each ladder;
2. the full ladder (the lecture's settings) on tiny Shakespeare: per rung the parameters, the
   validation loss, the lecture's figure, the difference, whether rungs 1-6 are within 0.05 of
   it, and the seconds; rung 7 is the cpu preset's size with dropout, beside the lecture's GPU
   figure (a different model: never compared for the 0.05);
3. the same ladder on the bundled sample (the app's and the CLI's default corpus);
4. the quick ladder (`--iters 1500`) on the sample: losses, the drop at each rung, whether
   each rung is lower than the one before, rung 6's sample, and the total seconds against the
   3-minute target;
5. only with `--only rounding`: rung 5 at the lecture's 5,000 steps trained with the engine's
   Head and with one that rounds differently (x / √hs instead of x · hs^-½), in float32 and in
   float64: the largest gap between the two curves, why the rungs train in float64.
Figures only, never asserts.
Run: python bench/ladder.py [--data-dir DIR] [--only full|sample|quick|rounding] [--iters 1500]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import torch

from engine.data.digits import DataError
from engine.device import use_threads
from engine.events import RungDone
from engine.ladder import RUNGS, Rung, get_rungs, load_data, parting, quick, train_rung
from engine.ladder_pieces import Head, Pieces

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
WITHIN = 0.05  # of the lecture's figure, for rungs 1-6 at the lecture's settings
QUICK_TARGET_S = 180.0


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ladder(title: str, rungs: list[Rung], corpus: str, data_dir: Path, compare: bool) -> list:
    try:
        data = load_data(corpus, data_dir)
    except DataError as exc:
        print(f"\n{title}: skipped ({exc})")
        return []
    print(f"\n{title}\n  {data.source}; load average {load_avg()}")
    print(
        f"  {'rung':<22} {'params':>8} {'steps':>6} {'val':>7} {'lecture':>8} {'diff':>7}"
        f"  {'':<10} {'seconds':>7}"
    )
    results, started = [], time.perf_counter()
    for rung in rungs:
        result = next(e.result for e in train_rung(rung, data) if isinstance(e, RungDone))
        results.append(result)
        diff = result.val_loss - result.lecture
        verdict = ""
        if compare:
            verdict = (
                "lecture GPU"
                if rung.number == 7
                else "within"
                if abs(diff) <= WITHIN
                else "OUTSIDE"
            )
        print(
            f"  {rung.number} {rung.name:<20} {result.parameters:>8,} {result.steps:>6,} "
            f"{result.val_loss:>7.4f} {result.lecture:>8.2f} {diff:>+7.3f}  {verdict:<10} "
            f"{result.seconds:>7.1f}",
            flush=True,
        )
    total = time.perf_counter() - started
    print(f"  total {total:.1f} s; load average {load_avg()}")
    if compare:
        near = [r for r in results if r.rung <= 6]
        inside = sum(abs(r.val_loss - r.lecture) <= WITHIN for r in near)
        print(f"  rungs 1-6 within {WITHIN} of the lecture: {inside} of {len(near)}")
    return results


class RoundedHead(Head):
    """The engine's Head, but dividing by √hs: the same function, other rounding."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[1]
        q, k, v = self.query(x), self.key(x), self.value(x)
        wei = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        return self.dropout(torch.softmax(wei, dim=-1)) @ v


def rounding(data_dir: Path) -> None:
    data = load_data("sample", data_dir)
    rung = RUNGS[4]
    print(f"\nRounding: rung {rung.number} ({rung.name}), {rung.steps:,} steps, the sample")
    for dtype in (torch.float32, torch.float64):
        curves = []
        for pieces in (Pieces(), Pieces(head=RoundedHead)):
            events = train_rung(rung, data, pieces=pieces, dtype=dtype)
            curves.append(next(e.result for e in events if isinstance(e, RungDone)).history)
        part = parting(*curves)
        print(
            f"  {str(dtype).removeprefix('torch.'):<8} largest gap {part.largest:.2e}; "
            + ("one curve" if part.step is None else f"apart from step {part.step:,}"),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--only", choices=("full", "sample", "quick", "rounding"))
    parser.add_argument("--iters", type=int, default=1500, help="the quick ladder's steps")
    args = parser.parse_args()
    threads = use_threads(1)
    print(
        f"torch {torch.__version__}, {os.cpu_count()} cores, {threads} thread, "
        f"python {sys.version.split()[0]}"
    )
    if args.only in (None, "full"):
        ladder(
            "Full ladder, the lecture's settings, tiny Shakespeare",
            get_rungs("1-7"),
            "tinyshakespeare",
            args.data_dir,
            compare=True,
        )
    if args.only in (None, "sample"):
        ladder(
            "Full ladder, the lecture's settings, the bundled sample",
            get_rungs("1-6"),
            "sample",
            args.data_dir,
            compare=False,
        )
    if args.only in (None, "quick"):
        started = time.perf_counter()
        results = ladder(
            f"Quick ladder (--iters {args.iters}), the bundled sample",
            [quick(rung, args.iters) for rung in get_rungs("1-6")],
            "sample",
            args.data_dir,
            compare=False,
        )
        seconds = time.perf_counter() - started
        losses = [r.val_loss for r in results]
        falling = all(b < a for a, b in zip(losses, losses[1:]))
        drops = ", ".join(f"{a - b:+.3f}" for a, b in zip(losses, losses[1:]))
        print(f"  drop at rungs 2-{len(losses)}: {drops}")
        print(
            f"  each rung lower than the one before: {'yes' if falling else 'NO'}; "
            f"{seconds:.1f} s with loading, target {QUICK_TARGET_S:.0f} s"
        )
        if results:
            print(f"  rung {results[-1].rung}'s sample: {results[-1].sample!r}")
    if args.only == "rounding":
        rounding(args.data_dir)


if __name__ == "__main__":
    main()
