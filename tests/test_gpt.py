"""The GPT: shapes, weight tying, stage capture, the fast path, the KV cache, and that a model
with an anti-causal mask cheats."""

from __future__ import annotations

import pytest
import torch

from engine.errors import ConfigError
from engine.gpt import GPT, GPTConfig, KVCache
from engine.gpt_run import GPTRun
from engine.sample import generate


def tiny(**kw) -> GPTConfig:
    return GPTConfig(
        **{"vocab_size": 20, "block_size": 16, "n_layer": 2, "n_head": 2, "n_embd": 16, **kw}
    )


def test_the_cpu_preset_is_nanogpts_baby_gpt():
    model = GPT(GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128))
    assert 0.79e6 < model.num_params() < 0.81e6  # nanoGPT reports 0.80M
    assert model.wte.weight is model.lm_head.weight


def test_forward_shapes_and_loss():
    torch.manual_seed(0)
    model = GPT(tiny())
    idx, targets = torch.randint(0, 20, (2, 3, 16))
    out = model(idx, targets)
    assert out.logits.shape == (3, 16, 20)
    assert abs(out.loss.item() - torch.log(torch.tensor(20.0)).item()) < 0.2  # a fresh guess
    with pytest.raises(ConfigError, match="longer than the context"):
        model(torch.zeros(1, 17, dtype=torch.long))


@pytest.mark.parametrize("score", ["scaled_dot", "dot", "squared", "negated", "reversed", "cosine"])
@pytest.mark.parametrize("mask", ["causal", "anti_causal", "none", "window:3"])
def test_capture_returns_every_stage_of_every_layer_and_head(score, mask):
    torch.manual_seed(1)
    model = GPT(tiny(score=score, mask=mask)).eval()
    idx = torch.randint(0, 20, (2, 10))
    plain = model(idx)
    captured = model(idx, capture=True)
    torch.testing.assert_close(plain.logits, captured.logits, rtol=1e-5, atol=1e-6)
    assert len(captured.stages) == 2
    for stages in captured.stages:
        assert stages.weights.shape == (2, 2, 10, 10)  # (batch, head, query, key)
        torch.testing.assert_close(stages.weights.sum(-1), torch.ones(2, 2, 10))
        hidden = torch.isinf(stages.masked)
        assert torch.all(stages.weights[hidden] == 0)
    if mask == "causal":
        assert torch.all(captured.stages[0].weights.triu(1) == 0)
    if mask == "anti_causal":
        assert torch.all(captured.stages[0].weights.tril(-1) == 0)


def test_a_custom_mask_and_its_errors():
    allowed = torch.ones(4, 4, dtype=torch.bool).tril()
    allowed[2, 0] = False
    config = tiny(block_size=4, mask=tuple(tuple(bool(v) for v in row) for row in allowed))
    model = GPT(config).eval()
    stages = model(torch.zeros(1, 4, dtype=torch.long), capture=True).stages[0]
    assert stages.weights[0, :, 2, 0].eq(0).all() and stages.weights[0, :, 2, 1].gt(0).all()
    assert GPTConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="4x4"):
        tiny(block_size=4, mask=((True,),)).validate()


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"n_embd": 30, "n_head": 4}, "not divisible by n_head"),
        ({"score": "manhattan"}, "unknown score"),
        ({"mask": "window:0"}, "window"),
        ({"positional": "rotary"}, "unknown positional"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_bad_configs_are_one_line_errors(bad, message):
    with pytest.raises(ConfigError, match=message) as err:
        tiny(**bad).validate()
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("positional", ["learned", "sinusoidal", "none"])
def test_kv_cache_gives_the_logits_of_a_full_forward(positional):
    torch.manual_seed(2)
    model = GPT(tiny(positional=positional)).eval()
    idx = torch.randint(0, 20, (1, 12))
    full = model(idx).logits
    cache = KVCache()
    pieces = [model(idx[:, :5], cache=cache).logits]
    pieces += [model(idx[:, t : t + 1], cache=cache).logits for t in range(5, 12)]
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, rtol=1e-5, atol=1e-5)
    assert cache.length == 12


class Digits:
    """A tokenizer over the characters 0-9 and a-j, enough to drive generate()."""

    chars = "0123456789abcdefghij"

    def encode(self, text):
        return [self.chars.index(c) for c in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)


@pytest.mark.parametrize("temperature,top_k", [(0.0, None), (1.0, None), (0.8, 3)])
def test_cached_generation_equals_recomputing_well_past_the_context(temperature, top_k):
    torch.manual_seed(3)
    model = GPT(tiny())
    args = dict(temperature=temperature, top_k=top_k, seed=11)
    cached = list(generate(model, Digits(), "abc", 50, use_cache=True, **args))
    fresh = list(generate(model, Digits(), "abc", 50, use_cache=False, **args))
    assert [t.id for t in cached] == [t.id for t in fresh]  # 50 tokens: three context windows
    for a, b in zip(cached, fresh):
        assert a.probability == pytest.approx(b.probability, rel=1e-4, abs=1e-6)
        assert [p for _, p in a.top] == pytest.approx([p for _, p in b.top], rel=1e-4, abs=1e-6)


def test_generation_reports_probabilities_and_honours_top_k():
    torch.manual_seed(4)
    model = GPT(tiny())
    tokens = list(generate(model, Digits(), "a", 20, temperature=1.0, top_k=2, seed=0))
    for t in tokens:
        probs = [p for _, p in t.top]
        assert probs == sorted(probs, reverse=True)
        assert sum(probs[:2]) == pytest.approx(1.0, abs=1e-5) and probs[2:] == [0.0] * 3
        assert t.text in {piece for piece, _ in t.top[:2]}
    greedy = [t.id for t in generate(model, Digits(), "a", 20, temperature=0)]
    assert greedy == [t.id for t in generate(model, Digits(), "a", 20, top_k=1, seed=5)]
    with pytest.raises(ConfigError, match="temperature"):
        next(generate(model, Digits(), "a", 1, temperature=-1))


def short_run(mask: str, steps: int = 150, **model) -> GPTRun:
    small = {"n_layer": 2, "n_embd": 64, "block_size": 32}
    run = GPTRun.start(
        "sample",
        preset="tiny",
        model={**small, "mask": mask, **model},
        train={"max_iters": steps, "eval_interval": steps, "sample_interval": 0},
    )
    for _ in run.events():
        pass
    return run


def test_anti_causal_cheats_by_reading_the_answer():
    causal = short_run("causal")
    cheat = short_run("anti_causal")
    # the same steps, data and seed: seeing the next character makes the loss collapse
    assert cheat.history[-1].train_loss < 0.5 * causal.history[-1].train_loss
    assert causal.history[-1].train_loss < 2.8  # and the honest model did learn something


def test_top_p_keeps_the_fewest_likeliest_tokens_reaching_p():
    from engine.sample import check_sampling, next_token_probs

    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    kept = next_token_probs(logits, 1.0, None, 0.8)  # 0.5 + 0.3 reaches 0.8: two tokens
    assert torch.allclose(kept, torch.tensor([0.625, 0.375, 0.0, 0.0]))
    assert torch.allclose(next_token_probs(logits, 1.0, None, 0.81), torch.tensor(
        [0.5, 0.3, 0.15, 0.0]) / 0.95)  # fmt: skip
    assert torch.equal(next_token_probs(logits, 1.0, None, 0.1).nonzero().flatten(),
                       torch.tensor([0]))  # the likeliest always stays  # fmt: skip
    assert torch.allclose(next_token_probs(logits, 1.0, None, 1.0), torch.softmax(logits, -1))
    both = next_token_probs(logits, 1.0, 3, 0.9)  # top-k first (3 left), then top-p
    assert (both > 0).sum() == 3
    for bad in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="--top-p must be above 0 and at most 1"):
            check_sampling(1.0, None, bad)


def test_sample_with_top_p_from_the_command_line(capsys):
    from engine.data.sources import PRETRAINED_GPT
    from tui.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as done:
            main(["sample", str(PRETRAINED_GPT), "--prompt", "ROMEO:", "-n", "60", *args])
        out, err = capsys.readouterr()
        return done.value.code, out, err

    code, narrow, _ = run("--top-p", "0.01", "--seed", "3")  # the likeliest only: greedy
    assert code == 0 and narrow == run("--temperature", "0")[1]
    code, wide, _ = run("--top-p", "0.95", "--seed", "3")
    assert code == 0 and wide != narrow and wide == run("--top-p", "0.95", "--seed", "3")[1]
    code, _, err = run("--top-p", "2")
    assert code == 2 and "--top-p must be above 0 and at most 1, got 2.0" in err
