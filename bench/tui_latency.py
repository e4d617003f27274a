"""How responsive the app stays while a pane trains in its worker thread.

Measures, headless at 120x40: idle, while the Digits pane trains Nielsen's network, and while
the Sampling pane trains the GPT's `cpu` preset (nanoGPT's baby GPT):
- the event loop's tick: a 10 ms interval timer's actual gaps (p50, p99, max), late = gap - 10 ms
  (for the GPT, over 10 s on the Sampling pane, its samples and loss chart updating);
- a key press's time to screen: a key event posted to the app, until the tab it selects has
  been laid out on screen (median and p99 over 40 presses).
Target from the issue: p99 tick under 50 ms. Figures only, never asserts.
Run: python bench/tui_latency.py [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from textual import events

from tui.app import LearnGPTApp

TICK = 0.01


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(training: str, threads: int | None) -> tuple[list[float], list[float]]:
    """`training` is "", "digits" or "gpt"."""
    app = LearnGPTApp(pane="sampling" if training == "gpt" else "digits", threads=threads)
    gaps: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.engine_ready or app.screen.state == "loading":
            await pilot.pause(0.05)
        screen = app.screen
        if training == "digits":
            screen.query_one("#set-epochs").value = "1000"
        if training == "gpt":
            screen.query_one("#samp-preset").value = "cpu"
            await pilot.pause(0.2)
        if training:
            await pilot.press("s")
            while screen.run is None or getattr(screen.run, "step", 1) == 0:
                await pilot.pause(0.05)
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        timer = app.set_interval(TICK, tick)  # GPT: on the Sampling pane, samples streaming in
        await asyncio.sleep(3.0 if training != "gpt" else 10.0)
        timer.stop()
        if training == "gpt":  # the key presses on the Digits pane, the GPT training behind it
            await pilot.press("1")
            while app.screen.state == "loading":
                await pilot.pause(0.05)
            screen = app.screen
        presses: list[float] = []
        for i in range(40):
            key, shown = ("g", "#gallery") if i % 2 == 0 else ("t", "#settings")
            pane = screen.query_one(shown)
            began = time.perf_counter()
            app.post_message(events.Key(key, key))
            while not pane.region.width:  # laid out on screen: the next frame shows it
                await asyncio.sleep(0.001)
            presses.append(time.perf_counter() - began)
            await asyncio.sleep(0.05)
        if training == "digits":
            await pilot.press("x")
    return gaps, presses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: policy)")
    args = parser.parse_args()
    print(
        f"tui latency: {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, torch threads "
        f"{args.threads or 'policy (1 for the MLP)'}"
    )
    for training in ("", "digits", "gpt"):
        gaps, presses = asyncio.run(measure(training, args.threads))
        late = [1000 * (g - TICK) for g in gaps]
        ms = [1000 * p for p in presses]
        what = {"": "idle", "digits": "MLP training", "gpt": "GPT cpu training"}[training]
        print(
            f"  {what:<17} tick late p50 {pct(late, 0.5):5.1f} ms"
            f"  p99 {pct(late, 0.99):5.1f} ms  max {max(late):5.1f} ms ({len(gaps)} ticks);"
            f"  key to screen median {statistics.median(ms):5.1f} ms  p99 {pct(ms, 0.99):5.1f} ms"
            f"  (target p99 tick < 50 ms)"
        )


if __name__ == "__main__":
    main()
