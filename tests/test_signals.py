"""Ctrl-C, SIGTERM and SIGHUP end a training run the same way: stop between steps, save, say
how to resume; a stop on the last step still finishes it; `train mlp` saves once at the end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import typer

from engine.events import HeldoutEval, StepDone
from engine.gpt_checkpoint import load_model_checkpoint
from engine.gpt_run import GPTRun
from engine.mlp_run import MLPConfig, MLPRun
from tui.cli import main
from tui.cli.stop_signals import STOP_SIGNALS, StopOnSignal

unix_only = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on Windows")

SMALL = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16}
GPT_ARGS = (
    "--preset", "tiny", "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size",
    "16", "--batch-size", "4", "--sample-interval", "0", "--threads", "1", "--device", "cpu",
)  # fmt: skip


TEXT = (
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short "
    "a date.\n"
) * 60  # a small corpus: the bundled one takes seconds to load


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps lines at the terminal's width: a long temporary path would be cut in two."""
    monkeypatch.setenv("COLUMNS", "500")


def corpus(tmp_path: Path) -> str:
    path = tmp_path / "sonnet.txt"
    path.write_text(TEXT)
    return str(path)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def signalled(args: list[str], marker: str, signum: int, cwd: Path) -> tuple[int, str, str]:
    """Run `learn-gpt ARGS`, send `signum` once a line containing `marker` is printed (the
    run is in its training loop then), and return its exit code, stdout and stderr."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "learn_gpt", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if marker in line or not line:
            break
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, "".join(lines) + out, err


def test_each_stop_signal_asks_once_and_the_handlers_come_back():
    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        with StopOnSignal() as stop:
            assert not stop.asked
            signal.raise_signal(signum)
            assert stop.asked and stop.signum == signum
            assert stop.exit_code == 128 + signum
            # after the first, each signal has its previous handler back
            assert {s: signal.getsignal(s) for s in STOP_SIGNALS} == before
        assert {s: signal.getsignal(s) for s in STOP_SIGNALS} == before
    with StopOnSignal() as stop:
        signal.raise_signal(signal.SIGINT)
        assert stop.name == "Ctrl-C" and stop.exit_code == 130
        with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C interrupts at once
            signal.raise_signal(signal.SIGINT)
    with StopOnSignal() as stop:  # nothing asked: the block still puts the handlers back
        assert signal.getsignal(signal.SIGTERM) == stop._ask
    assert {s: signal.getsignal(s) for s in STOP_SIGNALS} == before


@unix_only
def test_an_ignored_signal_stays_ignored():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with StopOnSignal() as stop:
            signal.raise_signal(signal.SIGHUP)
            assert not stop.asked and signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


@unix_only
def test_sigterm_stops_train_gpt_which_saves_and_resumes_exactly(tmp_path, capsys):
    ckpt = tmp_path / "g.pt"
    args = ["train", "gpt", *GPT_ARGS, "--corpus", corpus(tmp_path)]
    args += ["--max-iters", "300", "--eval-interval", "20"]
    code, out, err = signalled([*args, "--out", str(ckpt)], "step 20:", signal.SIGTERM, tmp_path)
    assert code == 143, err
    assert "Traceback" not in err and err == ""
    assert (
        "(SIGTERM); saved" in out and f"Continue with: learn-gpt train gpt --resume {ckpt}" in out
    )
    stopped = load_model_checkpoint(ckpt)["step"]
    assert 20 <= stopped < 300

    code, out, err = cli(capsys, "train", "gpt", "--resume", str(ckpt), "--threads", "1")
    assert code == 0, err
    assert f"Resuming {ckpt} at step {stopped}" in out and "Done: step 300" in out
    whole = GPTRun.start(
        corpus(tmp_path),
        preset="tiny",
        model=SMALL,
        train={"max_iters": 300, "eval_interval": 20, "sample_interval": 0, "batch_size": 4},
    )
    expected = [e for e in whole.events() if hasattr(e, "val_loss")]
    resumed = GPTRun.load(ckpt)
    assert resumed.history == expected  # every evaluation, none lost or repeated
    for (name, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name


@unix_only
def test_sighup_stops_train_mlp_which_saves_and_resumes_exactly(tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    args = ["train", "mlp", "--data", "sample", "--sizes", "784,12,10", "--epochs", "12"]
    args += ["--threads", "1", "--device", "cpu", "--out", str(ckpt)]
    code, out, err = signalled(args, "Epoch 0:", signal.SIGHUP, tmp_path)
    assert code == 129, err
    assert "Traceback" not in err and err == ""
    assert "(SIGHUP); saved" in out and f"Continue with: learn-gpt train mlp --resume {ckpt}" in out
    stopped = MLPRun.load(ckpt)
    assert 1 <= stopped.epoch < 12

    code, out, err = cli(capsys, "train", "mlp", "--resume", str(ckpt), "--threads", "1")
    assert code == 0, err
    assert "Epoch 11: " in out
    whole = MLPRun.start(MLPConfig(sizes=(784, 12, 10), epochs=12, data="sample"))
    for _ in whole.events():
        pass
    resumed = MLPRun.load(ckpt)
    assert resumed.accuracy == whole.accuracy
    a, b = whole.network.state(), resumed.network.state()
    assert all(
        torch.equal(x, y) for x, y in zip(a["weights"] + a["biases"], b["weights"] + b["biases"])
    )


def stop_on_step(monkeypatch, last: int) -> None:
    """Make GPTRun.events press Ctrl-C (SIGINT, in this process) just before it yields step
    `last`: the stop lands on that step, before the command looks for it. (SIGINT: were its
    handler missing, a KeyboardInterrupt fails the test; a SIGTERM would end pytest.)"""
    events = GPTRun.events

    def signalling(self, *args, **kwargs):  # noqa: ANN001, ANN202
        for event in events(self, *args, **kwargs):
            if isinstance(event, StepDone) and event.step == last:
                signal.raise_signal(signal.SIGINT)
            yield event

    monkeypatch.setattr(GPTRun, "events", signalling)


def test_a_stop_on_the_last_gpt_step_records_its_evaluation(tmp_path, capsys, monkeypatch):
    args = ("train", "gpt", *GPT_ARGS, "--corpus", corpus(tmp_path), "--max-iters", "30")
    args += ("--eval-interval", "10")
    code, whole, err = cli(capsys, *args, "--out", str(tmp_path / "whole.pt"))
    assert code == 0, err
    done = re.search(r"Done: step 30, val loss [0-9.]+;", whole)
    assert done is not None

    stop_on_step(monkeypatch, 30)
    ckpt = tmp_path / "stopped.pt"
    code, out, err = cli(capsys, *args, "--out", str(ckpt))
    assert code == 0, err
    assert "step 30: train loss" in out and "Traceback" not in err
    assert done.group() in out  # the final evaluation's loss, as if nobody had stopped it
    history = load_model_checkpoint(ckpt)["history"]
    assert [h["step"] for h in history] == [10, 20, 30]

    monkeypatch.undo()
    code, out, err = cli(capsys, "train", "gpt", "--resume", str(ckpt), "--threads", "1")
    assert code == 0, err
    assert "step 30: train loss" not in out  # not evaluated twice
    assert len(GPTRun.load(ckpt).history) == 3


def test_a_stop_before_the_last_gpt_step_still_says_how_to_resume(tmp_path, capsys, monkeypatch):
    stop_on_step(monkeypatch, 29)
    ckpt = tmp_path / "g.pt"
    args = ("train", "gpt", *GPT_ARGS, "--corpus", corpus(tmp_path), "--max-iters", "30")
    code, out, err = cli(capsys, *args, "--eval-interval", "10", "--out", str(ckpt))
    assert code == 130, err
    assert "Stopped at step 29 (Ctrl-C)" in out and "--resume" in out
    assert load_model_checkpoint(ckpt)["step"] == 29


def test_train_mlp_saves_once_at_the_end(tmp_path, capsys, monkeypatch):
    saves = []
    save = MLPRun.save

    def counted(self, path):  # noqa: ANN001, ANN202
        saves.append((self.epoch, self.batch))
        return save(self, path)

    monkeypatch.setattr(MLPRun, "save", counted)
    args = ("train", "mlp", "--data", "sample", "--sizes", "784,12,10", "--epochs", "2")
    code, out, err = cli(capsys, *args, "--out", str(tmp_path / "m.pt"), "--threads", "1")
    assert code == 0, err
    assert saves == [(1, 0), (2, 0)]  # after each epoch, and nothing more at the end


class Trained:
    """Stands in for a toy task's last event."""


def toy_events(stop_at: int):  # noqa: ANN201
    for step in (1, 2, 3):
        if step == stop_at:
            signal.raise_signal(signal.SIGINT)
        yield StepDone(step, 1.0, 1e-3, 100.0)
    yield HeldoutEval(3, 1.0, 1.0, 0.5)
    yield Trained()


def test_a_toy_task_stopped_on_its_last_step_finishes_and_one_before_exits():
    from rich.console import Console

    from tui.cli.train_toy import follow_training

    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    assert isinstance(follow_training(console, toy_events(3), 3, "accuracy"), Trained)
    with pytest.raises(typer.Exit) as exit_info:
        follow_training(console, toy_events(2), 3, "accuracy")
    assert exit_info.value.exit_code == 130


def interrupted_saves(monkeypatch) -> None:
    """Make every torch.save press Ctrl-C once it has begun: a second Ctrl-C mid-write."""
    save = torch.save

    def pressed(obj, f, *args, **kwargs):  # noqa: ANN001, ANN202
        f.write(b"PK")  # a zip's first bytes are on disk when the key is pressed
        f.seek(0)
        signal.raise_signal(signal.SIGINT)
        return save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", pressed)


def test_a_ctrl_c_during_a_save_lands_once_the_file_is_whole(tmp_path, monkeypatch):
    from engine import checkpoint

    interrupted_saves(monkeypatch)
    path = tmp_path / "w.pt"
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(path, "test", {"w": torch.ones(3)})
    assert float(checkpoint.load(path, "test")["w"].sum()) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_during_the_stop_save_keeps_it_and_says_so(tmp_path, capsys, monkeypatch):
    stop_on_step(monkeypatch, 29)
    interrupted_saves(monkeypatch)
    ckpt = tmp_path / "g.pt"
    args = ("train", "gpt", *GPT_ARGS, "--corpus", corpus(tmp_path), "--max-iters", "30")
    code, out, err = cli(capsys, *args, "--eval-interval", "100", "--out", str(ckpt))
    assert code == 130
    assert err.strip() == "learn-gpt: interrupted"
    assert load_model_checkpoint(ckpt)["step"] == 29
