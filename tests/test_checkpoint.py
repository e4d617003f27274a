"""Checkpoints are atomic and safe; a saved run resumes exactly."""

from __future__ import annotations

import pickle

import pytest
import torch

from engine import checkpoint
from engine.checkpoint import CheckpointError
from engine.data.digits import Digits, DigitSet, load_sample
from engine.errors import ConfigError
from engine.events import BatchDone
from engine.mlp_run import MLPConfig, MLPRun


@pytest.fixture(scope="module")
def small_digits() -> Digits:
    sample = load_sample()
    train = DigitSet(sample.train.images[:500], sample.train.labels[:500])
    test = DigitSet(sample.test.images[:200], sample.test.labels[:200])
    return Digits(train, None, test, "first 500 of the sample")


def test_round_trip_keeps_everything(tmp_path):
    payload = {"weights": [torch.randn(3, 4)], "config": {"sizes": [4, 3], "eta": 0.5}}
    path = checkpoint.save(tmp_path / "a.pt", "mlp", payload)
    loaded = checkpoint.load(path, "mlp")
    assert torch.equal(loaded["weights"][0], payload["weights"][0])
    assert loaded["config"] == payload["config"]


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = checkpoint.save(tmp_path / "a.pt", "mlp", {"n": 1})

    def dies_midway(obj, fh):
        fh.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(path, "mlp", {"n": 2})
    monkeypatch.undo()
    assert checkpoint.load(path, "mlp")["n"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]  # no temp file left


def test_the_next_save_removes_what_a_killed_save_left_and_nothing_else(tmp_path):
    import os
    import time

    old = time.time() - 3600
    killed = tmp_path / ".x.pt.abc12345.tmp"  # a save of x.pt killed an hour ago
    killed.write_bytes(b"half a checkpoint")
    fresh = tmp_path / ".x.pt.def67890.tmp"  # one being written now
    fresh.write_bytes(b"")
    others = [
        tmp_path / ".x.pt.b.abc12345.tmp",  # a temp file of x.pt.b, not of x.pt
        tmp_path / ".y.pt.abc12345.tmp",
        tmp_path / "x.pt.abc12345.tmp",
        tmp_path / ".x.pt.abc12345.tmp.keep",
    ]
    for other in others:
        other.write_bytes(b"someone else's")
    for p in [killed, *others]:
        os.utime(p, (old, old))
    checkpoint.save(tmp_path / "x.pt", "mlp", {"n": 1})
    assert not killed.exists()
    assert fresh.exists()
    assert all(p.exists() for p in others)
    assert checkpoint.load(tmp_path / "x.pt", "mlp")["n"] == 1


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "not a readable"),
        (b"garbage" * 10, "not a readable"),
    ],
)
def test_corrupt_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as err:
        checkpoint.load(path, "mlp")
    assert "\n" not in str(err.value)


def test_truncated_checkpoint_is_refused(tmp_path):
    path = checkpoint.save(tmp_path / "a.pt", "mlp", {"w": torch.randn(100, 100)})
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="not a readable"):
        checkpoint.load(path, "mlp")


def test_foreign_and_unsafe_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="not a learn-gpt checkpoint"):
        checkpoint.load(foreign, "mlp")
    unsafe = tmp_path / "unsafe.pt"
    with open(unsafe, "wb") as fh:
        pickle.dump({"format": checkpoint.FORMAT, "obj": CheckpointError("x")}, fh)
    with pytest.raises(CheckpointError, match="not a readable"):
        checkpoint.load(unsafe, "mlp")
    gpt = checkpoint.save(tmp_path / "gpt.pt", "gpt", {})
    with pytest.raises(CheckpointError, match="holds a gpt model, not mlp"):
        checkpoint.load(gpt, "mlp")
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        checkpoint.load(tmp_path / "missing.pt", "mlp")


def test_a_run_stopped_mid_epoch_resumes_exactly(tmp_path, small_digits):
    config = MLPConfig(sizes=(784, 16, 10), epochs=3, seed=4)
    whole = MLPRun.start(config, small_digits)
    list(whole.events())

    first = MLPRun.start(config, small_digits)
    for event in first.events():
        if isinstance(event, BatchDone) and (event.epoch, event.batch) == (1, 17):
            break
    first.save(tmp_path / "run.pt")
    resumed = MLPRun.load(tmp_path / "run.pt", small_digits)
    assert (resumed.epoch, resumed.batch) == (1, 18)
    list(resumed.events())
    assert resumed.accuracy == whole.accuracy
    for a, b in zip(whole.network.weights, resumed.network.weights):
        assert torch.equal(a, b)


def test_a_finished_run_can_be_extended(small_digits, tmp_path):
    run = MLPRun.start(MLPConfig(sizes=(784, 8, 10), epochs=1), small_digits)
    list(run.events())
    run.save(tmp_path / "r.pt")
    again = MLPRun.load(tmp_path / "r.pt", small_digits)
    assert again.finished
    again.extend(2)
    assert len([e for e in again.events() if not isinstance(e, BatchDone)]) == 1
    assert len(again.accuracy) == 2
    with pytest.raises(ConfigError, match="fewer than"):
        again.extend(1)


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"sizes": (100, 30, 10)}, "must start with 784"),
        ({"sizes": (784,)}, "at least two"),
        ({"eta": -1.0}, "--eta must be a positive number"),
        ({"mini_batch_size": 0}, "--batch-size must be at least 1"),
        ({"epochs": 0}, "--epochs"),
        ({"lmbda": -0.1}, "--lmbda"),
        ({"cost": "hinge"}, "unknown --cost"),
    ],
)
def test_bad_settings_are_named(bad, message):
    with pytest.raises(ConfigError, match=message):
        MLPConfig(**bad).validate()


def test_stepping_one_mini_batch_at_a_time_equals_training(small_digits):
    config = MLPConfig(sizes=(784, 16, 10), epochs=1, mini_batch_size=100, seed=2)
    trained = MLPRun.start(config, small_digits)
    list(trained.events())
    stepped = MLPRun.start(config, small_digits)
    summaries = []
    while not stepped.finished:
        events, summary = stepped.step_once()
        summaries.append(summary)
    assert len(summaries) == 5 and stepped.accuracy == trained.accuracy
    for a, b in zip(trained.network.weights, stepped.network.weights):
        torch.testing.assert_close(a, b)
    shapes = {s.name: s.shape for s in summaries[0]}
    assert shapes["x"] == (784, 100) and shapes["nabla_w2"] == (16, 784)
    assert all(s.min <= s.mean <= s.max for s in summaries[0])
    with pytest.raises(ConfigError, match="has done its 1 epochs"):
        stepped.step_once()


def test_numbers_changed_after_saving_are_refused_in_one_line(tmp_path, capsys):
    """A checkpoint holds the sha256 of its tensors: one weight nudged by 0.001 after the save
    (the file still unpickles) is refused by every reader, and the untouched file loads."""
    import torch

    from tui.cli import main

    path = tmp_path / "g.pt"
    with pytest.raises(SystemExit) as done:
        main(["train", "gpt", "--preset", "tiny", "--n-layer", "1", "--max-iters", "2",
              "--eval-interval", "2", "--threads", "1", "--out", str(path)])  # fmt: skip
    assert done.value.code == 0
    raw = torch.load(path, weights_only=True)
    assert len(raw["sha256"]) == 64
    name = next(iter(raw["model"]))
    raw["model"][name].view(-1)[0] += 1e-3
    altered = tmp_path / "altered.pt"
    torch.save(raw, altered)
    for command in (
        ["sample", str(altered), "-n", "5", "--threads", "1"],
        ["train", "gpt", "--resume", str(altered)],
    ):
        with pytest.raises(SystemExit) as done:
            main(command)
        err = capsys.readouterr().err
        assert done.value.code == 1 and len(err.strip().splitlines()) == 1, err
        assert "do not match the checksum saved with them" in err
    with pytest.raises(SystemExit) as done:
        main(["sample", str(path), "-n", "5", "--threads", "1"])  # the suite's one thread
    assert done.value.code == 0
