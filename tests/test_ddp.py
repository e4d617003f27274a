"""Training under torchrun: two CPU processes with the gloo backend, DistributedDataParallel.

Each rank draws its batches from its own half of the training text; gradients are averaged,
so both ranks must end with the very same weights. Only rank 0 prints and saves.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.gpt_checkpoint import load_model
from engine.train_config import PRESETS

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # seconds; each test takes a few, but a hung rendezvous must not hang the suite

# One rank: join the group torchrun would describe, train a few steps of the tiny preset,
# and save what it ended with and which training batches it drew.
WORKER = r"""
import sys
import torch
import torch.distributed as dist
from engine.gpt_run import GPTRun, init_distributed

out = sys.argv[1]
rank, world = init_distributed("cpu")
run = GPTRun.start(
    "sample",
    preset="tiny",
    train={"max_iters": 6, "eval_interval": 3, "eval_iters": 2, "sample_interval": 0,
           "batch_size": 4, "warmup_iters": 2},
)
fresh = {k: v.clone() for k, v in run.model.state_dict().items()}
drawn = []  # the start offsets of every training batch this rank drew
train_batch, batch = run._train_batch, run._batch

def recording(data, starts):
    drawn.append(starts.tolist())
    return batch(data, starts)

def recorded_train_batch():
    run._batch = recording  # only the training batches, not the evaluation ones
    try:
        return train_batch()
    finally:
        del run._batch

run._train_batch = recorded_train_batch
events = list(run.events())
torch.save(
    {
        "rank": rank,
        "world": world,
        "model": run.model.state_dict(),
        "fresh": fresh,
        "drawn": drawn,
        "train_tokens": len(run.train_ids),
        "block_size": run.model_config.block_size,
        "step": run.step,
        "events": [type(e).__name__ for e in events],
    },
    out,
)
dist.destroy_process_group()
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
    }
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT), **extra)
    return env


def test_two_ranks_end_with_identical_weights(tmp_path: Path) -> None:
    port = str(free_port())
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path / f"rank{r}.pt")],
            cwd=tmp_path,
            env=child_env(
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=port,
                RANK=str(r),
                LOCAL_RANK=str(r),
                WORLD_SIZE="2",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for r, (p, (_, err)) in enumerate(zip(procs, outputs)):
        assert p.returncode == 0, f"rank {r} failed:\n{err}"

    saved = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)]
    assert [s["rank"] for s in saved] == [0, 1]
    assert all(s["world"] == 2 and s["step"] == 6 for s in saved)
    assert saved[0]["events"].count("EvalDone") == 2  # at steps 3 and 6

    # gradients were averaged: the same weights on both ranks ...
    a, b = saved[0]["model"], saved[1]["model"]
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), f"{name} differs between ranks"
    # ... which moved away from where they started
    fresh = saved[0]["fresh"]
    assert any(not torch.equal(a[name], fresh[name]) for name in a)

    # each rank drew its batches from its own half of the training text
    half = saved[0]["train_tokens"] // 2
    window = saved[0]["block_size"] + 1
    drawn0 = [i for batch in saved[0]["drawn"] for i in batch]
    drawn1 = [i for batch in saved[1]["drawn"] for i in batch]
    assert len(saved[0]["drawn"]) == len(saved[1]["drawn"]) == 6
    assert all(0 <= i and i + window <= half for i in drawn0)
    assert all(half <= i and i + window <= 2 * half for i in drawn1)


def test_cli_under_torchrun(tmp_path: Path) -> None:
    out = tmp_path / "ddp.pt"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "learn_gpt",
            "train",
            "gpt",
            "--preset",
            "tiny",
            "--max-iters",
            "4",
            "--eval-interval",
            "2",
            "--sample-interval",
            "0",
            "--batch-size",
            "4",
            "--threads",
            "1",
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        env=child_env(COLUMNS="200"),  # no wrapping of the lines checked below
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.count("2 processes") == 1, result.stdout
    assert result.stdout.count("Done: step 4") == 1, result.stdout
    model, tokenizer = load_model(out)
    assert model.config.n_layer == PRESETS["tiny"][0]["n_layer"]
    assert tokenizer.vocab_size == model.config.vocab_size


def test_single_process_is_not_distributed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without torchrun's environment nothing joins a group, and there is one shard."""
    from engine.gpt_run import distributed, init_distributed

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert init_distributed("cpu") == (0, 1) == distributed()
