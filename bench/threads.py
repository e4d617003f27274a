"""Evidence for torch's CPU thread policy on this machine (engine.device's docstring quotes it).

Runs two workloads (Nielsen's MLP at mini-batch 10, and a GPT-sized matmul step) in fresh
subprocesses under three policies: 1 thread, 2 threads with OpenMP's default (active, spinning)
wait policy, and 2 threads with OMP_WAIT_POLICY=PASSIVE; each on a quiet machine and beside a
busy process that keeps one core occupied. Prints ms per step (median of 5 repeats). Then the
whole command, `learn-gpt train gpt --preset tiny --max-iters 300`, with the policy's default
threads and with every core, quiet and beside the busy process: wall seconds.
Run: python bench/threads.py [--steps 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

WORKER = r"""
import json, sys, time, statistics, torch
kind, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
if kind == "mlp":
    w1, b1 = torch.randn(30, 784), torch.randn(30, 1)
    w2, b2 = torch.randn(10, 30), torch.randn(10, 1)
    x, y = torch.rand(784, 10), torch.rand(10, 10)
    def step():
        a1 = torch.sigmoid(torch.addmm(b1, w1, x))
        a2 = torch.sigmoid(torch.addmm(b2, w2, a1))
        d2 = (a2 - y) * a2 * (1 - a2)
        d1 = (w2.T @ d2) * a1 * (1 - a1)
        w2.sub_(d2 @ a1.T, alpha=0.3); b2.sub_(d2.sum(1, keepdim=True), alpha=0.3)
        w1.sub_(d1 @ x.T, alpha=0.3); b1.sub_(d1.sum(1, keepdim=True), alpha=0.3)
    n = 2000
else:
    # one forward+backward of a 128-wide, 4-layer transformer-sized stack of matmuls
    layers = [torch.nn.Linear(128, 512) for _ in range(4)]
    layers += [torch.nn.Linear(512, 128) for _ in range(4)]
    x = torch.randn(12 * 64, 128)
    def step():
        h = x
        for i in range(4):
            h = layers[4 + i](torch.relu(layers[i](h))) + h
        h.sum().backward()
    n = 30
for _ in range(n // 5):
    step()
times = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(n):
        step()
    times.append((time.perf_counter() - t) / n * 1000)
print(json.dumps(statistics.median(times)))
"""

BUSY = "import time\nend = time.time() + 600\nwhile time.time() < end: pass\n"

POLICIES = {
    "1 thread": (1, {}),
    "2 threads, active wait": (2, {"OMP_WAIT_POLICY": "ACTIVE"}),
    "2 threads, passive wait": (2, {"OMP_WAIT_POLICY": "PASSIVE"}),
}


def measure(kind: str, threads: int, extra_env: dict[str, str]) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    env.update(extra_env)
    out = subprocess.run(
        [sys.executable, "-c", WORKER, kind, str(threads)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def beside_busy_core(run: Callable[[], float]) -> float:
    """`run()` while another process keeps one core busy."""
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        time.sleep(0.3)
        return run()
    finally:
        busy.kill()
        busy.wait()


def command_seconds(threads: int, steps: int) -> float:
    """Wall seconds of `learn-gpt train gpt --preset tiny --max-iters STEPS --threads N`."""
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "learn_gpt", "train", "gpt", "--preset", "tiny",
             "--max-iters", str(steps), "--sample-interval", "0", "--threads", str(threads),
             "--device", "cpu", "--out", os.path.join(folder, "g.pt")],
            check=True, capture_output=True,
        )  # fmt: skip
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="steps of the whole command")
    steps = parser.parse_args().steps
    cores = os.cpu_count() or 1
    print(f"torch thread policy on {cores} cores (ms per step, median of 5)")
    print(f"{'workload':<6} {'policy':<26} {'quiet':>9} {'1 core busy':>12} {'slowdown':>9}")
    for kind in ("mlp", "gpt"):
        for name, (threads, env) in POLICIES.items():
            quiet = measure(kind, threads, env)
            loaded = beside_busy_core(lambda: measure(kind, threads, env))  # noqa: B023
            print(f"{kind:<6} {name:<26} {quiet:>9.3f} {loaded:>12.3f} {loaded / quiet:>8.1f}x")

    from engine.device import default_threads

    print(f"\nlearn-gpt train gpt --preset tiny --max-iters {steps} (wall seconds)")
    print(f"{'threads':<26} {'quiet':>9} {'1 core busy':>12}")
    for label, threads in (
        (f"{default_threads('gpt')} (the default)", default_threads("gpt")),
        (f"{cores} (every core)", cores),
    ):
        quiet = command_seconds(threads, steps)
        loaded = beside_busy_core(lambda: command_seconds(threads, steps))  # noqa: B023
        print(f"{label:<26} {quiet:>9.1f} {loaded:>12.1f}")


if __name__ == "__main__":
    main()
