"""The GPU path: on cuda the engine gives what it gives on the CPU (the KV cache, a few GPT
steps, Nielsen's network, the translator, the induction model's measurement, the stop flag
reduced over NCCL) and the app given "cuda" trains there. Tests marked `cuda` skip cleanly
without a CUDA GPU. The full check
for a GPU machine is bench/gpu_check.py; here only its answer without CUDA is tested (its
`--allow-cpu --quick` run takes 20 to 60 s on two busy cores: run it by hand)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from pilot_helpers import ready, until

from engine.events import EpochDone, StepDone
from engine.gpt import GPT, GPTConfig, KVCache
from engine.gpt_run import GPTRun
from engine.induction import AttentionOnly, Repeats, evaluate, held_out
from engine.mlp_run import MLPConfig, MLPRun
from engine.sample import generate
from engine.tasks import translator
from tui.app import LearnGPTApp

GPU_CHECK = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"
HAS_CUDA = torch.cuda.is_available()


def on_cuda(test: Callable[..., Any]) -> Callable[..., Any]:
    """Mark `test` as needing CUDA (`-m cuda` picks these) and skip it where there is none."""
    skip = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")
    return pytest.mark.cuda(skip(test))


def tiny() -> GPTConfig:
    return GPTConfig(vocab_size=20, block_size=16, n_layer=2, n_head=2, n_embd=16)


class Digits:
    """A tokenizer over the characters 0-9 and a-j, enough to drive generate()."""

    chars = "0123456789abcdefghij"

    def encode(self, text: str) -> list[int]:
        return [self.chars.index(c) for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.chars[i] for i in ids)


@on_cuda
def test_the_kv_cache_gives_the_logits_of_a_full_forward_on_cuda():
    torch.manual_seed(2)
    model = GPT(tiny()).to("cuda").eval()
    idx = torch.randint(0, 20, (1, 12), device="cuda")
    with torch.inference_mode():
        full = model(idx).logits
        cache = KVCache()
        pieces = [model(idx[:, :5], cache=cache).logits]
        pieces += [model(idx[:, t : t + 1], cache=cache).logits for t in range(5, 12)]
    cached = torch.cat(pieces, dim=1)
    assert cached.is_cuda
    # a one-token query and the whole window run different kernels: float32 rounding only
    torch.testing.assert_close(cached, full, rtol=1e-4, atol=1e-4)


@on_cuda
@pytest.mark.parametrize("temperature,top_k", [(0.0, None), (1.0, None), (0.8, 3)])
def test_cached_generation_equals_recomputing_on_cuda(temperature, top_k):
    torch.manual_seed(3)
    model = GPT(tiny()).to("cuda")
    args = dict(temperature=temperature, top_k=top_k, seed=11)
    cached = list(generate(model, Digits(), "abc", 50, use_cache=True, **args))
    fresh = list(generate(model, Digits(), "abc", 50, use_cache=False, **args))
    assert [t.id for t in cached] == [t.id for t in fresh]  # 50 tokens: three context windows
    for a, b in zip(cached, fresh):
        assert a.probability == pytest.approx(b.probability, rel=1e-4, abs=1e-5)
        assert [p for _, p in a.top] == pytest.approx([p for _, p in b.top], rel=1e-4, abs=1e-5)


def gpt_losses(device: str, steps: int = 20) -> tuple[GPTRun, list[float]]:
    """The `cpu` preset's first `steps` training losses on `device`, seed 0."""
    train = {"max_iters": steps, "eval_interval": steps, "eval_iters": 2, "sample_interval": 0}
    run = GPTRun.start("sample", preset="cpu", device=device, train={**train, "seed": 0})
    return run, [e.loss for e in run.events() if isinstance(e, StepDone)]


@on_cuda
def test_a_few_gpt_steps_on_cuda_follow_the_cpu():
    gpu_run, on_gpu = gpt_losses("cuda")
    cpu_run, on_cpu = gpt_losses("cpu")
    assert next(gpu_run.model.parameters()).is_cuda
    # the same weights and batches: the first loss differs by rounding, the rest drift slowly
    assert on_gpu[0] == pytest.approx(on_cpu[0], abs=1e-4)
    assert max(abs(a - b) for a, b in zip(on_gpu, on_cpu)) < 0.01
    gpu_val, cpu_val = gpu_run.history[-1].val_loss, cpu_run.history[-1].val_loss
    assert gpu_val == pytest.approx(cpu_val, abs=0.01)


def mlp_accuracy(device: str) -> tuple[MLPRun, int]:
    """Test digits right (of 2,000) after one epoch on the bundled sample, seed 0."""
    run = MLPRun.start(MLPConfig(epochs=1, data="sample", seed=0), device=device)
    epochs = [e for e in run.events() if isinstance(e, EpochDone)]
    return run, epochs[-1].correct


@on_cuda
def test_the_mlp_on_cuda_matches_the_cpu_accuracy_on_the_sample():
    run, on_gpu = mlp_accuracy("cuda")
    _, on_cpu = mlp_accuracy("cpu")
    assert run.network.weights[0].is_cuda
    assert abs(on_gpu - on_cpu) <= 20  # one point of 2,000 digits: 800 steps of rounding drift


@on_cuda
def test_the_shipped_translator_translates_on_cuda():
    model = translator.load_translator(translator.PRETRAINED, "cuda")
    assert next(model.parameters()).is_cuda
    assert translator.translate(model, "three hundred forty two") == "342"
    words, digits, weights = translator.cross_attention(model, "forty two")
    assert (words, digits, weights.shape) == (["forty", "two"], ["4", "2", "</s>"], (2, 4, 3, 2))
    numbers = [342, 451, 17, 9]  # two lengths in words: two batches through encode_batch
    loss, right = translator.evaluate(model, numbers)
    cpu_loss, cpu_right = translator.evaluate(translator.load_translator(), numbers)
    assert loss == pytest.approx(cpu_loss, abs=1e-3) and right == cpu_right


@on_cuda
def test_an_induction_model_on_cuda_is_measured_as_on_the_cpu():
    torch.manual_seed(0)
    model, data = AttentionOnly(2), held_out(0)
    on_cpu = evaluate(model, data)
    moved = Repeats(*(getattr(data, f.name).to("cuda") for f in fields(data)))
    on_gpu = evaluate(model.to("cuda"), moved)
    assert isinstance(on_gpu.weights, np.ndarray)
    np.testing.assert_allclose(on_gpu.weights, on_cpu.weights, atol=1e-4)
    assert on_gpu.loss == pytest.approx(on_cpu.loss, abs=1e-4)


@on_cuda
def test_the_stop_flag_is_reduced_over_nccl():
    """NCCL, the backend torchrun gets on cuda, takes CUDA tensors only: a group of one rank,
    reduced as a run of two would reduce it."""
    import torch.distributed as dist

    if not dist.is_nccl_available():
        pytest.skip("this torch has no NCCL")
    dist.init_process_group("nccl", store=dist.HashStore(), rank=0, world_size=1)
    try:
        run = SimpleNamespace(world=2, device="cuda")
        assert GPTRun.any_rank(run, True) is True
        assert GPTRun.any_rank(run, False) is False
    finally:
        dist.destroy_process_group()


@on_cuda
async def test_the_sampling_pane_trains_on_cuda_when_the_app_is_given_cuda():
    app = LearnGPTApp(pane="sampling", device="cuda")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("s")
        assert "Training on cuda…" in str(screen.query_one("#samp-status").render())
        await until(pilot, lambda: screen.step >= 2)
        await pilot.press("x")
        assert app.device == "cuda" and next(screen.run.model.parameters()).is_cuda


@pytest.mark.skipif(HAS_CUDA, reason="checks what the script does without CUDA")
def test_the_gpu_check_without_cuda_says_not_run_and_succeeds():
    done = subprocess.run(
        [sys.executable, str(GPU_CHECK)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "no CUDA device here: nothing to check"
    assert "NOT RUN" in done.stdout
