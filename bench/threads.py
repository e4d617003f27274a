"""Evidence for torch's CPU thread policy on this machine.

Runs two workloads (Nielsen's MLP at mini-batch 10, and a GPT-sized matmul step) in fresh
subprocesses under three policies: 1 thread, 2 threads with OpenMP's default (active, spinning)
wait policy, and 2 threads with OMP_WAIT_POLICY=PASSIVE; each on a quiet machine and beside a
busy process that keeps one core occupied. Prints ms per step (median of 5 repeats).
Run: python bench/threads.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

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


def main() -> None:
    print(f"torch thread policy on {os.cpu_count()} cores (ms per step, median of 5)")
    print(f"{'workload':<6} {'policy':<26} {'quiet':>9} {'1 core busy':>12} {'slowdown':>9}")
    for kind in ("mlp", "gpt"):
        for name, (threads, env) in POLICIES.items():
            quiet = measure(kind, threads, env)
            busy = subprocess.Popen([sys.executable, "-c", BUSY])
            try:
                time.sleep(0.3)
                loaded = measure(kind, threads, env)
            finally:
                busy.kill()
                busy.wait()
            print(f"{kind:<6} {name:<26} {quiet:>9.3f} {loaded:>12.3f} {loaded / quiet:>8.1f}x")


if __name__ == "__main__":
    main()
