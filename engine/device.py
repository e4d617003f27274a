"""Where the math runs: the device (cuda, then mps, then cpu) and torch's CPU thread policy.

Thread policy, from `bench/threads.py` on a 2-core machine (2026-12-02; ms per step, quiet /
one core busy):

    Nielsen's MLP, mini-batch 10:  1 thread 0.093 / 0.099   2 threads 0.103 / 0.376
    GPT-sized matmul step:         1 thread 32.9 / 33.9     2 threads 17.1 / 59.9
    (2 threads with OMP_WAIT_POLICY=PASSIVE: MLP 0.779 / 0.242, GPT 24.0 / 35.5)

and the whole command, `learn-gpt train gpt --preset tiny --max-iters 300`: 15.5 s quiet and
15.8 s beside a process keeping one core busy on one thread (this policy), 14.2 s and 37.6 s
on both cores (the command's old default; an earlier review measured 2 min 54 s against
22.5 s, the same losses).

Tiny mini-batches are dispatch-bound: a second thread only adds synchronisation, so the MLP,
the ladder's rungs, the induction model, the toy tasks and the exercise checks use 1. Big
matmuls gain from more threads on a quiet machine, but OpenMP's threads spin while they wait
and collapse (3.5x slower, above) as soon as anything else wants a core, and a learner's
laptop always has something else running (a browser, the app's own event loop). So every
command and pane leaves one core free: a busy core costs little, a quiet machine still gets
all the others. A passive wait policy holds up better under load but costs a quiet machine
most of the gain (24.0 against 17.1 ms) and the MLP eightfold, so it is not the default.
`--threads` (on every command that runs torch, and on the app) overrides the policy.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from engine.errors import ConfigError, EngineError

DEVICES = ("cuda", "mps", "cpu")


class DeviceError(EngineError):
    """The requested device cannot be used here; str(e) is one line."""


def _torch_has(device: str) -> bool:
    import torch

    if device == "cuda":
        return torch.cuda.is_available()
    if device == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return device == "cpu"


def _cuda_count() -> int:
    import torch

    return torch.cuda.device_count()


def pick_device(
    requested: str | None = None,
    *,
    has: Callable[[str], bool] = _torch_has,
    cuda_count: Callable[[], int] = _cuda_count,
) -> str:
    """The device to run on: `requested` if it is usable, else the best of cuda, mps, cpu.

    `requested` may be None or "auto" (choose), "cpu", "mps", "cuda" or "cuda:N".
    `has` and `cuda_count` answer what this machine offers; tests pass their own.
    """
    if requested in (None, "auto"):
        return next(d for d in DEVICES if has(d))
    if not requested.strip():
        raise ConfigError("--device is empty: choose auto, cuda, cuda:N, mps or cpu")
    name, _, index = requested.partition(":")
    if name not in DEVICES or (index and (name != "cuda" or not index.isdigit())):
        raise ConfigError(f"unknown device {requested!r}: choose auto, cuda, cuda:N, mps or cpu")
    if not has(name):
        raise DeviceError(f"device {name} is not available on this machine; try --device auto")
    if index and int(index) >= cuda_count():
        raise DeviceError(
            f"device {requested} does not exist: this machine has {cuda_count()} CUDA device(s)"
        )
    return requested


SMALL_WORKLOADS = ("mlp", "ladder", "induction", "toy", "exercise")  # dispatch-bound: 1 thread


def default_threads(workload: str) -> int:
    """torch's intra-op thread count for `workload` (one of SMALL_WORKLOADS, or "gpt"), per the
    policy above: the ladder's rungs step on mini-batches of 32 x 8 characters and the
    induction model on 32 x 32 tokens of width 64, dispatch-bound too; a GPT gets every core
    but one."""
    if workload in SMALL_WORKLOADS:
        return 1
    return max(1, (os.cpu_count() or 1) - 1)


def use_threads(threads: int) -> int:
    """Pin torch to `threads` intra-op threads (at least 1) and return the number in force."""
    import torch

    if threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {threads}")
    torch.set_num_threads(threads)
    return torch.get_num_threads()
