"""GPT training: the schedule, exact resume, divergence, and the train gpt / sample commands."""

from __future__ import annotations

import math

import pytest
import torch

from engine.checkpoint import CheckpointError
from engine.data.text import Corpus
from engine.errors import ConfigError, EngineError
from engine.events import CheckpointSaved, Diverged, EvalDone, Sampled, StepDone
from engine.gpt_checkpoint import load_model
from engine.gpt_run import GPTRun
from engine.train_config import TrainConfig, lr_at
from tui.cli import main

SMALL = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16}
FAST = {
    "max_iters": 20,
    "eval_interval": 10,
    "eval_iters": 2,
    "sample_interval": 10,
    "sample_tokens": 20,
    "batch_size": 4,
}


def small_run(**train) -> GPTRun:
    return GPTRun.start("sample", preset="tiny", model=SMALL, train={**FAST, **train})


def test_lr_warms_up_then_decays_to_min_lr():
    cfg = TrainConfig(max_iters=1000, warmup_iters=100, learning_rate=1e-3, min_lr=1e-4)
    assert lr_at(0, cfg) < lr_at(50, cfg) < lr_at(99, cfg) <= 1e-3
    assert lr_at(100, cfg) == pytest.approx(1e-3)
    assert lr_at(550, cfg) == pytest.approx(0.55e-3)
    assert lr_at(1000, cfg) == pytest.approx(1e-4)


def test_events_in_order_and_the_loss_falls(tmp_path):
    run = small_run(max_iters=60, eval_interval=30, sample_interval=30, learning_rate=1e-2)
    events = list(run.events(tmp_path / "r.pt"))
    kinds = [type(e) for e in events if not isinstance(e, StepDone)]
    assert kinds == [EvalDone, Sampled, CheckpointSaved] * 2
    steps = [e for e in events if isinstance(e, StepDone)]
    assert [s.step for s in steps] == list(range(1, 61))
    assert all(s.tokens_per_s > 0 and s.lr > 0 for s in steps)
    evals = [e for e in events if isinstance(e, EvalDone)]
    assert evals[-1].val_loss < math.log(run.model_config.vocab_size) - 0.5
    assert len([e for e in events if isinstance(e, Sampled)][-1].text) == 20


def test_a_run_stopped_and_resumed_equals_an_uninterrupted_one(tmp_path):
    whole = small_run()
    whole_losses = [e.loss for e in whole.events() if isinstance(e, StepDone)]

    first = small_run()
    losses = []
    for event in first.events():
        if isinstance(event, StepDone):
            losses.append(event.loss)
            if event.step == 13:  # between evaluations: stop, save, come back
                break
    first.save(tmp_path / "r.pt")
    resumed = GPTRun.load(tmp_path / "r.pt")
    losses += [e.loss for e in resumed.events() if isinstance(e, StepDone)]
    assert losses == whole_losses
    for (name, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name


def test_a_stop_between_a_step_and_its_evaluation_evaluates_on_resume():
    whole = small_run()
    expected = [e for e in whole.events() if isinstance(e, EvalDone)]
    run = small_run()
    for event in run.events():
        if isinstance(event, StepDone) and event.step == 10:
            break  # a pause lands here: step 10 is done, its evaluation is not
    assert run.history == []
    resumed = list(run.events())
    assert isinstance(resumed[0], EvalDone) and resumed[0].step == 10  # evaluated first
    assert run.history == expected  # the same evaluations, none lost or repeated


def test_sampling_settings_apply_from_the_next_sample_and_are_checked():
    from engine.sample import SampleSettings

    run = small_run()
    events = run.events()
    samples = []
    for event in events:
        if isinstance(event, Sampled):
            samples.append(event)
            run.set_sampling(SampleSettings(every=5, tokens=8, prompt="ROMEO:", temperature=0))
    assert [e.step for e in samples] == [10, 15, 20]
    assert (samples[0].prompt, samples[0].temperature, len(samples[0].text)) == ("", 1.0, 20)
    last = samples[-1]
    assert (last.prompt, last.temperature, last.top_k) == ("ROMEO:", 0, None)
    assert last.text == run.sample(8, "ROMEO:", temperature=0)  # greedy, from these weights
    with pytest.raises(EngineError):
        run.set_sampling(SampleSettings(every=5, prompt="ROMEO\u2603"))  # not in the corpus
    with pytest.raises(ConfigError, match="temperature"):
        run.set_sampling(SampleSettings(temperature=-1))
    assert run.sampling.prompt == "ROMEO:"  # a refused change leaves the last good one


def test_a_diverging_run_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    run = small_run(max_iters=40)
    path = tmp_path / "r.pt"
    events = []
    for event in run.events(path):
        events.append(event)
        if isinstance(event, CheckpointSaved) and run.step == 10:
            with torch.no_grad():  # something goes badly wrong after the first checkpoint
                run.model.lm_head.weight.fill_(float("nan"))
    assert isinstance(events[-1], Diverged)
    assert events[-1].step == 10 and "NaN" in events[-1].reason
    model, _ = load_model(path)
    assert torch.isfinite(model.lm_head.weight).all()
    assert GPTRun.load(path).step == 10


def test_resume_refuses_a_changed_corpus(tmp_path):
    run = small_run(max_iters=2)
    run.save(tmp_path / "r.pt")
    other = Corpus("to be or not to be, that is the question\n" * 200, "hamlet")
    with pytest.raises(CheckpointError, match="different text"):
        GPTRun.load(tmp_path / "r.pt", corpus=other)


def test_text_too_short_for_the_context_is_a_clear_error():
    with pytest.raises(EngineError, match="too short"):
        GPTRun.start(corpus=Corpus("abc" * 10, "tiny text"), preset="tiny", model=SMALL)
    with pytest.raises(ConfigError, match="unknown preset"):
        GPTRun.start(preset="huge")


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_train_gpt_then_sample_from_the_command_line(tmp_path, capsys):
    ckpt = tmp_path / "g.pt"
    code, out, err = cli(
        capsys,
        "train",
        "gpt",
        "--preset",
        "tiny",
        "--max-iters",
        "30",
        "--eval-interval",
        "15",
        "--sample-interval",
        "15",
        "--n-layer",
        "1",
        "--threads",
        "1",
        "--out",
        str(ckpt),
    )
    assert code == 0, err
    assert "step 30: train loss" in out and "sample at step 30" in out and str(ckpt) in out
    code, out, err = cli(
        capsys, "sample", str(ckpt), "--prompt", "ROMEO:", "-n", "40", "--seed", "1"
    )
    assert code == 0, err
    assert out.startswith("ROMEO:") and len(out.rstrip("\n")) == 46
    again = cli(capsys, "sample", str(ckpt), "--prompt", "ROMEO:", "-n", "40", "--seed", "1")
    uncached = cli(
        capsys, "sample", str(ckpt), "--prompt", "ROMEO:", "-n", "40", "--seed", "1", "--no-cache"
    )
    assert again[1] == out == uncached[1]


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "gpt", "--n-embd", "30", "--n-head", "4"], "not divisible by n_head"),
        (["train", "gpt", "--score", "manhattan"], "unknown score"),
        (["train", "gpt", "--mask", "window:0"], "window"),
        (["train", "gpt", "--preset", "huge"], "unknown preset"),
        (["train", "gpt", "--max-iters", "0"], "--max-iters"),
    ],
)
def test_bad_gpt_options_are_one_line_and_exit_2(capsys, args, message):
    code, _, err = cli(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_resume_and_sample_errors(tmp_path, capsys):
    ckpt = tmp_path / "g.pt"
    small_run(max_iters=2).save(ckpt)
    code, _, err = cli(capsys, "train", "gpt", "--resume", str(ckpt), "--block-size", "128")
    assert code == 2 and "--block-size 128 differs from the checkpoint's 16" in err
    code, _, err = cli(capsys, "sample", str(ckpt), "--prompt", "1066")
    assert code == 1 and "never saw" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "sample", str(ckpt), "--temperature", "-1")
    assert code == 2 and "temperature" in err
    (tmp_path / "junk.pt").write_bytes(b"junk")
    code, _, err = cli(capsys, "sample", str(tmp_path / "junk.pt"))
    assert code == 1 and "not a readable" in err
